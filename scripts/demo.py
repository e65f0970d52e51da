#!/usr/bin/python3
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""
demo.py -- `make run`: a private httpd on 127.0.0.1 serving conf/demo.conf
with the freshly built mod_redirect307, an echo CGI at /cgi-bin/echo, and
the browser demo of conf/demo/: a page at / whose form is submitted through
a 302, a 303, a 307, a 308 and a 302 upgraded by RedirectUpgrade, landing on
/cgi-bin/landing, which shows the method and body that arrived.

    /usr/bin/python3 scripts/demo.py --port 8307 --module /abs/.libs/mod_redirect307.so

Stays in the foreground (showing the error log, with redirect307 tracing)
until Ctrl-C, then stops the server and removes its temporary ServerRoot.
"""

import argparse
import os
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

import r307httpd  # noqa: E402

DEMO_CONF = os.path.join(TOP, "conf", "demo.conf")
DEMO_SITE = os.path.join(TOP, "conf", "demo")

# Used only while conf/demo.conf does not exist: the README's example, with
# the targets moved onto this server's echo CGI.
FALLBACK_RULES = r"""
Redirect307      /submit-payment  /cgi-bin/echo/temporary-gateway
Redirect308      /old-api         /cgi-bin/echo/v2
Redirect307Match ^/orders/([0-9]+)$      /cgi-bin/echo/v2/orders/$1
Redirect308Match (?i)^/blog/(.*)$        /cgi-bin/echo/blog/$1
<If "%{REQUEST_METHOD} == 'POST'">
    Redirect307 /checkout /cgi-bin/echo/maintenance-gateway
</If>
<Location "/moved-form">
    Redirect308 /cgi-bin/echo/new-form
</Location>
"""


def port_in_use(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((r307httpd.HOST, port))
        except OSError:
            return True
    return False


def install_site(srv, site):
    """Copy the browser demo into the server: *.py files become CGI scripts
    in cgi-bin/ (without the extension), everything else goes to htdocs/.
    Returns the names installed."""
    installed = []
    if not site or not os.path.isdir(site):
        return installed
    for name in sorted(os.listdir(site)):
        path = os.path.join(site, name)
        if not os.path.isfile(path) or name.startswith("."):
            continue
        with open(path, "rb") as f:
            data = f.read()
        if name.endswith(".py"):
            target = "cgi-bin/" + name[:-3]
            srv.write_file(target, data, mode=0o755, base=srv.root)
            installed.append("/" + target)
        else:
            srv.write_file(name, data)
            installed.append("/" + ("" if name == "index.html" else name))
    return installed


def banner(base, source, site):
    lines = [
        "",
        "mod_redirect307 demo: %s  (rules: %s)" % (base, source),
        "",
    ]
    if site:
        lines += [
            "In a browser, open  %s/" % base,
            "  one form, submitted through a 302, a 303, a 307, a 308 and a 302",
            "  upgraded to 307 by RedirectUpgrade; each lands on /cgi-bin/landing,",
            "  which shows the method and the body that arrived.",
            "",
            "The same with curl (-L follows the redirect the way browsers do):",
            "",
            "  curl -i -L -d 'name=Ada&amount=10' %s/try/302      # arrives as GET, no body" % base,
            "  curl -i -L -d 'name=Ada&amount=10' %s/try/303      # arrives as GET, no body" % base,
            "  curl -i -L -d 'name=Ada&amount=10' %s/try/307      # POST with the body" % base,
            "  curl -i -L -d 'name=Ada&amount=10' %s/try/308      # POST with the body" % base,
            "  curl -i -L -d 'name=Ada&amount=10' %s/try/upgrade  # 302 upgraded to 307" % base,
            "  curl -i %s/try/upgrade                             # GET: still a 302" % base,
            "",
        ]
    lines += [
        "More (the redirect targets are an echo CGI that reports method and body as JSON):",
        "",
        "  # POST through a 307: the method and body arrive at the target",
        "  curl -i -L -d 'amount=10' %s/submit-payment" % base,
        "  # POST through a 308",
        "  curl -i -L -d 'amount=10' %s/old-api/payments" % base,
        "  # PUT and DELETE with a body, through 308 and 307",
        "  curl -i -L -X PUT -H 'Content-Type: application/json' -d '{\"name\":\"x\"}' %s/old-api/users/7" % base,
        "  curl -i -L -X DELETE -d 'reason=dup' %s/submit-payment/42" % base,
        "  # regex rules: $1 is the capture; (?i) ignores case",
        "  curl -i %s/orders/42?expand=1" % base,
        "  curl -i %s/BLOG/Hello-World" % base,
        "  # <If \"%{REQUEST_METHOD} == 'POST'\">: only POST /checkout is redirected",
        "  curl -i -L -d 'cart=3' %s/checkout" % base,
        "  curl -i %s/checkout" % base,
        "  # one-argument form in <Location>",
        "  curl -i %s/moved-form/step2" % base,
        "  # the echo endpoint itself",
        "  curl -i -d 'amount=10' %s/cgi-bin/echo" % base,
        "",
        "URLs: %s/submit-payment  %s/old-api/...  %s/orders/42  %s/blog/..." % (
            base, base, base, base),
        "",
        "Error log below (LogLevel redirect307:trace1 shows every rule that fired).",
        "Ctrl-C stops the server.",
        "",
    ]
    print("\n".join(lines), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8307)))
    ap.add_argument("--module", default=os.environ.get(
        "R307_MODULE", os.path.join(TOP, ".libs", "mod_redirect307.so")))
    ap.add_argument("--conf", default=DEMO_CONF,
                    help="rules to include (default: conf/demo.conf)")
    ap.add_argument("--site", default=DEMO_SITE,
                    help="browser demo files (default: conf/demo); '' for none")
    ap.add_argument("--loglevel", default="warn redirect307:trace1")
    args = ap.parse_args(argv)

    module = os.path.abspath(args.module)
    if not os.path.exists(module):
        print("demo: %s does not exist; run `make build` first" % module, file=sys.stderr)
        return 1
    if port_in_use(args.port):
        print("demo: 127.0.0.1:%d is in use; choose another port: make run PORT=8308"
              % args.port, file=sys.stderr)
        return 1

    if os.path.exists(args.conf):
        conf_path = os.path.abspath(args.conf)
        extra = 'Include "%s"\n' % conf_path
        source = conf_path
    else:
        extra = FALLBACK_RULES
        source = "built-in example (%s not found)" % args.conf

    srv = r307httpd.R307Httpd(module=module, loglevel=args.loglevel, port=args.port)
    stop = {"now": False}

    def on_signal(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        if os.path.exists(args.conf):
            # keep any @PORT@-style placeholders working: include a copy with
            # them substituted
            with open(args.conf) as f:
                text = f.read()
            if "@" in text and srv.subst(text) != text:
                conf_path = srv.write_file("conf/demo.conf", text, base=srv.root)
                extra = 'Include "%s"\n' % conf_path
        site = install_site(srv, args.site)
        try:
            srv.start(extra)
        except r307httpd.HttpdError as e:
            print("demo: could not start httpd:\n%s" % e, file=sys.stderr)
            return 1
        banner("http://%s" % srv.hostport, source, site)
        seen = len(srv.error_log())
        while not stop["now"]:
            if srv.proc is None or srv.proc.poll() is not None:
                print("demo: httpd exited unexpectedly:\n%s" % srv.error_log(seen),
                      file=sys.stderr)
                return 1
            log = srv.error_log()
            if len(log) > seen:
                sys.stdout.write(log[seen:])
                sys.stdout.flush()
                seen = len(log)
            time.sleep(0.3)
        log = srv.error_log()
        if len(log) > seen:
            sys.stdout.write(log[seen:])
        print("\ndemo: stopping httpd", flush=True)
        return 0
    finally:
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main())
