#!/usr/bin/python3
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""
bench/run.py -- throughput, start-up time and memory of mod_redirect307
against mod_alias, mod_rewrite and (when installed) nginx.

Not a test: nothing here passes or fails.  It prints tables and writes them
to bench/RESULTS.md (see bench/README.md for what every column means).

Every engine runs alone on its own private server bound to 127.0.0.1 (a
fresh ServerRoot / nginx prefix under /tmp), one server at a time, with wrk
as the client.  Every server is stopped in a `finally`; every wrk run has a
fixed duration and a hard subprocess timeout.

Scenarios (--scenarios, comma separated; default: all of them):
  conf            bulk rules: N rules in httpd.conf (nginx.conf for nginx)
  htaccess        bulk rules: N rules in DocumentRoot/.htaccess
  million         bulk rules: ours, one Redirect307Map of 1,000,000 entries
  upgrade         upgrade policy: static 200s, one server, a directory with
                  `RedirectUpgrade On` vs one without, interleaved A B A B
  upgrade-server  upgrade policy: static 200s, a server without the directive vs
                  one with `RedirectUpgrade On` server-wide, alternating

Usage:
  /usr/bin/python3 bench/run.py --module $PWD/.libs/mod_redirect307.so
  /usr/bin/python3 bench/run.py --module ... --quick        # ~2 min smoke run
  /usr/bin/python3 bench/run.py --module ... --scenarios conf --engines ours-lines,alias --sizes 1,10000
"""

import argparse
import datetime
import os
import platform
import pwd
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
APACHE2 = os.environ.get("APACHE2", "/usr/sbin/apache2")
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
WRK = os.environ.get("WRK", "/usr/bin/wrk")
MODULE_DIR = os.environ.get("R307_MODULE_DIR", "/usr/lib/apache2/modules")
CLK_TCK = os.sysconf("SC_CLK_TCK")
# --pin SERVER:WRK sets these (CPU sets for the server and for wrk)
SERVER_CPUS = None
WRK_CPUS = None

NA_DIRECTIVE = "n/a (directive not available)"

ENGINES = {
    # name: (contexts it runs in, description)
    "ours-lines": ("conf", "htaccess"),
    "ours-map": ("conf", "htaccess", "million"),
    "alias": ("conf", "htaccess"),
    "rewrite": ("conf", "htaccess"),
    "nginx": ("conf",),
}
ENGINE_DESC = {
    "ours-lines": "mod_redirect307, `Redirect307 /old/N /new/N` lines",
    "ours-map": "mod_redirect307, one `Redirect307Map` file of `/old/N /new/N` lines",
    "alias": "mod_alias, `Redirect 307 /old/N /new/N` lines",
    "rewrite": "mod_rewrite, `RewriteEngine On` + `RewriteRule ^/old/N$ /new/N [R=307,L]` "
               "lines (in .htaccess: `^old/N$`)",
    "nginx": "nginx, `location = /old/N { return 307 /new/N; }` blocks",
}
ALL_SCENARIOS = ["conf", "htaccess", "million", "upgrade", "upgrade-server"]


class BenchError(Exception):
    pass


class NotAvailable(BenchError):
    pass


def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run_cmd(cmd, timeout=30):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        return -1, str(e)


# ----------------------------------------------------------------------------
# HTTP probe (one request, Connection: close)
# ----------------------------------------------------------------------------

def http_get(port, path, timeout=60.0):
    """(status, location) of GET path; raises OSError when nothing answers."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                   % (path, HOST, port)).encode("ascii"))
        data = b""
        while b"\r\n\r\n" not in data:
            b = s.recv(65536)
            if not b:
                break
            data += b
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    if not lines[0].startswith("HTTP/"):
        raise OSError("not an HTTP answer: %r" % data[:80])
    status = int(lines[0].split(" ")[1])
    location = None
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.strip().lower() == "location":
            location = v.strip()
    return status, location


# ----------------------------------------------------------------------------
# Private servers
# ----------------------------------------------------------------------------

def as_root():
    return os.geteuid() == 0


def www_data_ok():
    try:
        pwd.getpwnam("www-data")
        return True
    except KeyError:
        return False


class Workdir:
    """A temporary root, world-readable so the www-data children can read it."""

    def __init__(self, keep=False, tag="x"):
        self.keep = keep
        self.root = tempfile.mkdtemp(prefix="r307bench-%s-" % tag, dir="/tmp")
        os.chmod(self.root, 0o755)
        for d in ("conf", "htdocs", "logs", "run", "tmp"):
            self.mkdir(d)
        self.htdocs = os.path.join(self.root, "htdocs")

    def path(self, rel):
        return os.path.join(self.root, rel)

    def mkdir(self, rel):
        p = self.path(rel)
        os.makedirs(p, exist_ok=True)
        os.chmod(p, 0o755)
        return p

    def write(self, rel, text_or_lines, mode=0o644):
        p = self.path(rel)
        d = os.path.dirname(p)
        if not os.path.isdir(d):
            self.mkdir(os.path.relpath(d, self.root))
        with open(p, "w", encoding="utf-8") as f:
            if isinstance(text_or_lines, str):
                f.write(text_or_lines)
            else:
                for chunk in text_or_lines:
                    f.write(chunk)
        os.chmod(p, mode)
        return p

    def tail(self, rel, n=15):
        try:
            with open(self.path(rel), "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def cleanup(self):
        if self.keep:
            log("kept %s" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


class Server:
    """One server process (its own session) and its children."""

    name = "server"

    def __init__(self, wd, port):
        self.wd = wd
        self.port = port
        self.proc = None
        self._out = None

    def command(self):
        raise NotImplementedError

    def error_log_tail(self):
        return ""

    def start(self, probe_path, timeout):
        """Launch; return seconds from launch to the first HTTP answer to probe_path."""
        self._out = open(self.wd.path("logs/stdout"), "ab")
        env = dict(os.environ, LANG="C")
        t0 = time.monotonic()
        cpus = SERVER_CPUS

        def pin():
            if cpus:
                os.sched_setaffinity(0, cpus)
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=env, preexec_fn=pin)
        deadline = t0 + timeout
        while True:
            if self.proc.poll() is not None:
                raise BenchError("%s exited with %s at start-up: %s %s" % (
                    self.name, self.proc.returncode, self.wd.tail("logs/stdout", 8),
                    self.error_log_tail()))
            try:
                http_get(self.port, probe_path, timeout=max(1.0, deadline - time.monotonic()))
                return time.monotonic() - t0
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError("%s did not answer within %ss" % (self.name, timeout))
            time.sleep(0.01)

    def pids(self):
        """Every process of the server's session (parent and children)."""
        if self.proc is None:
            return []
        sid = self.proc.pid
        out = []
        for ent in os.listdir("/proc"):
            if not ent.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % ent) as f:
                    st = f.read()
            except OSError:
                continue
            fields = st[st.rindex(")") + 2:].split()
            # fields[0] is field 3 (state) of proc(5), so field N is fields[N - 3]
            if int(fields[6 - 3]) == sid:   # field 6: session id
                out.append(int(ent))
        return out

    def rss_kb(self):
        total = 0
        for pid in self.pids():
            try:
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def pss_kb(self):
        """Sum of Pss (shared pages divided among the processes sharing them)."""
        total = 0
        for pid in self.pids():
            try:
                with open("/proc/%d/smaps_rollup" % pid) as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
            except OSError:
                pass
        return total

    def cpu_ticks(self):
        total = 0
        for pid in self.pids():
            try:
                with open("/proc/%d/stat" % pid) as f:
                    st = f.read()
                fields = st[st.rindex(")") + 2:].split()
                total += int(fields[14 - 3]) + int(fields[15 - 3])   # utime, stime
            except (OSError, ValueError, IndexError):
                pass
        return total

    def wait_idle(self, timeout=30.0, interval=0.2):
        """Wait until the server burns < 10% of a core (requests wrk left behind)."""
        deadline = time.monotonic() + timeout
        last = self.cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(interval)
            now = self.cpu_ticks()
            if now - last <= max(1, int(CLK_TCK * interval * 0.1)):
                return True
            last = now
        return False

    def stop(self, timeout=10.0):
        p = self.proc
        if p is None:
            return
        try:
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    pass
            # anything of its session still there (children, or a stuck parent)?
            deadline = time.monotonic() + timeout
            while True:
                try:
                    os.killpg(p.pid, 0)
                except (ProcessLookupError, PermissionError):
                    break
                if time.monotonic() > deadline:
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                    break
                time.sleep(0.05)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        finally:
            self.proc = None
            if self._out:
                self._out.close()
                self._out = None


APACHE_CONF = """\
# --- generated by bench/run.py ---
ServerRoot "{root}"
ServerName 127.0.0.1
Listen {host}:{port}
{usergroup}
PidFile "{root}/run/httpd.pid"
DefaultRuntimeDir "{root}/run"
Mutex file:{root}/run default
ErrorLog "{root}/logs/error_log"
LogLevel warn
{loadmodules}
# two processes started at once and never reaped, so no process is
# created or killed during a measurement
StartServers 2
ServerLimit 2
ThreadsPerChild 32
ThreadLimit 32
MaxRequestWorkers 64
MinSpareThreads 32
MaxSpareThreads 96
KeepAlive On
KeepAliveTimeout 15
MaxKeepAliveRequests 0
Timeout 60
# no access log: every engine is measured without one
TypesConfig "{types}"
DocumentRoot "{htdocs}"
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory "{htdocs}">
    Options FollowSymLinks
    AllowOverride {override}
    Require all granted
</Directory>
# --- scenario ---
"""

APACHE_MODULES = [
    ("mpm_event_module", "mod_mpm_event.so"),
    ("unixd_module", "mod_unixd.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("mime_module", "mod_mime.so"),
    ("alias_module", "mod_alias.so"),
    ("rewrite_module", "mod_rewrite.so"),
]


def apache_head_parts(wd, module, modules):
    """What every private apache2 of bench/ needs in its httpd.conf: the
    LoadModule lines (those of `modules` installed here, then ours), a mime
    types file, and User/Group when running as root."""
    mods = []
    for name, so in modules:
        p = os.path.join(MODULE_DIR, so)
        if os.path.exists(p):
            mods.append('LoadModule %s "%s"' % (name, p))
    mods.append('LoadModule redirect307_module "%s"' % module)
    types = "/etc/mime.types"
    if not os.path.exists(types):
        types = wd.write("conf/mime.types", "text/html html htm\n")
    usergroup = ("User www-data\nGroup www-data" if as_root() and www_data_ok()
                 else "# not root: children keep the current user")
    return "\n".join(mods), types, usergroup


class Apache(Server):
    name = "apache2"

    def __init__(self, wd, port, module, scenario_conf, override="None"):
        Server.__init__(self, wd, port)
        self.module = module
        self.conf_path = wd.path("conf/httpd.conf")
        # our module is loaded in every apache run, the others too: the only
        # difference between two runs is the rules.
        loadmodules, types, usergroup = apache_head_parts(wd, module, APACHE_MODULES)
        head = APACHE_CONF.format(root=wd.root, host=HOST, port=port, usergroup=usergroup,
                                  loadmodules=loadmodules, types=types,
                                  htdocs=wd.htdocs, override=override)

        def gen():
            yield head
            if isinstance(scenario_conf, str):
                yield scenario_conf
            else:
                for chunk in scenario_conf:
                    yield chunk
        wd.write("conf/httpd.conf", gen())

    def command(self):
        return [APACHE2, "-f", self.conf_path, "-DFOREGROUND"]

    def check(self):
        """apache2 -t; NotAvailable when one of our directives is unknown."""
        rc, out = run_cmd([APACHE2, "-t", "-f", self.conf_path], timeout=600)
        if rc == 0:
            return
        m = re.search(r"Invalid command '([A-Za-z0-9]+)'", out)
        if m and m.group(1).startswith(("Redirect30", "RedirectUpgrade")):
            raise NotAvailable("%s: %s" % (NA_DIRECTIVE, m.group(1)))
        raise BenchError("apache2 -t failed: %s" % " | ".join(out.strip().splitlines()[-4:]))

    def error_log_tail(self):
        return self.wd.tail("logs/error_log", 6)


NGINX_CONF = """\
# --- generated by bench/run.py ---
worker_processes 2;
daemon off;
master_process on;
{user}
pid {root}/run/nginx.pid;
error_log {root}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    keepalive_timeout 15;
    keepalive_requests 10000000;
    server {{
        listen {host}:{port};
        server_name 127.0.0.1;
        root {htdocs};
"""


class Nginx(Server):
    name = "nginx"

    def __init__(self, wd, port, locations):
        Server.__init__(self, wd, port)
        self.conf_path = wd.path("conf/nginx.conf")
        user = "user www-data;" if as_root() and www_data_ok() else ""
        head = NGINX_CONF.format(root=wd.root, host=HOST, port=port, user=user,
                                 htdocs=wd.htdocs)

        def gen():
            yield head
            for chunk in locations:
                yield chunk
            yield "    }\n}\n"
        wd.write("conf/nginx.conf", gen())

    def command(self):
        return [NGINX, "-p", self.wd.root + "/", "-c", self.conf_path,
                "-e", self.wd.path("logs/error.log")]

    def error_log_tail(self):
        return self.wd.tail("logs/error.log", 6)


# ----------------------------------------------------------------------------
# wrk
# ----------------------------------------------------------------------------

class Wrk:
    def __init__(self, threads, connections, duration, timeout):
        self.threads = threads
        self.connections = connections
        self.duration = duration
        self.timeout = timeout

    def args(self, duration=None):
        return ["-t%d" % self.threads, "-c%d" % self.connections,
                "-d%ds" % (duration or self.duration), "--timeout", "%ds" % self.timeout]

    def describe(self):
        return "wrk %s URL" % " ".join(self.args())

    def run(self, port, path, duration=None):
        d = duration or self.duration
        cmd = [WRK] + self.args(d) + ["http://%s:%d%s" % (HOST, port, path)]
        cpus = WRK_CPUS

        def pin():
            if cpus:
                os.sched_setaffinity(0, cpus)
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=d + self.timeout + 30, preexec_fn=pin)
        except subprocess.TimeoutExpired:
            raise BenchError("wrk did not finish")
        out = p.stdout.decode("utf-8", "replace")
        return parse_wrk(out)


def parse_wrk(out):
    res = {"rps": None, "requests": 0, "seconds": None, "sock_errors": 0,
           "sock_detail": "", "non_2xx_3xx": 0, "raw": out}
    m = re.search(r"^Requests/sec:\s+([0-9.]+)", out, re.M)
    if m:
        res["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in ([0-9.]+)(us|ms|s|m)\b", out)
    if m:
        res["requests"] = int(m.group(1))
        res["seconds"] = float(m.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[m.group(3)]
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        c, r, w, t = (int(x) for x in m.groups())
        res["sock_errors"] = c + r + w + t
        res["sock_detail"] = "connect %d, read %d, write %d, timeout %d" % (c, r, w, t)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        res["non_2xx_3xx"] = int(m.group(1))
    if res["rps"] is None:
        raise BenchError("cannot parse wrk output: %s" % out.strip()[-300:])
    return res


# Other processes busy for more than this many cores (averaged over a run)
# mark the run as disturbed in the notes.
FOREIGN_LIMIT = 0.10


def cpu_busy_ticks():
    """Non-idle jiffies of the whole machine (user+nice+system+irq+softirq+steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice
    return v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)


def children_ticks():
    """CPU used by our finished children (wrk), in clock ticks."""
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return int((ru.ru_utime + ru.ru_stime) * CLK_TCK)


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# ----------------------------------------------------------------------------
# Rule generation
# ----------------------------------------------------------------------------

def gen_lines(n, fmt, chunk=5000):
    buf = []
    for i in range(1, n + 1):
        buf.append(fmt % (i, i))
        if len(buf) >= chunk:
            yield "".join(buf)
            buf = []
    if buf:
        yield "".join(buf)


def map_lines(n):
    yield "# generated by bench/run.py: %d entries\n" % n
    for chunk in gen_lines(n, "/old/%d /new/%d\n"):
        yield chunk


def apache_rules(engine, n, wd, context):
    """Text (or chunk generator) for httpd.conf (context conf) or .htaccess."""
    if engine == "ours-lines":
        return gen_lines(n, "Redirect307 /old/%d /new/%d\n")
    if engine == "ours-map":
        if context == "htaccess":
            wd.write("htdocs/redirects.map", map_lines(n))
            return "Redirect307Map redirects.map\n"
        path = wd.write("conf/redirects.map", map_lines(n))
        return 'Redirect307Map "%s"\n' % path
    if engine == "alias":
        return gen_lines(n, "Redirect 307 /old/%d /new/%d\n")
    if engine == "rewrite":
        def g():
            yield "RewriteEngine On\n"
            fmt = ("RewriteRule ^old/%d$ /new/%d [R=307,L]\n" if context == "htaccess"
                   else "RewriteRule ^/old/%d$ /new/%d [R=307,L]\n")
            for c in gen_lines(n, fmt):
                yield c
        return g()
    raise ValueError(engine)


_directive_cache = {}


def directive_available(module, directive, sample):
    """Whether apache2 -t accepts `sample` (server config) with our module."""
    if directive in _directive_cache:
        return _directive_cache[directive]
    wd = Workdir(tag="probe")
    try:
        wd.write("conf/probe.map", "/probe /probed\n")
        srv = Apache(wd, free_port(), module, sample.replace("@MAP@", wd.path("conf/probe.map")))
        try:
            srv.check()
            ok = True
        except NotAvailable:
            ok = False
        except BenchError:
            ok = True   # some other problem: let the real run report it
    finally:
        wd.cleanup()
    _directive_cache[directive] = ok
    return ok


# ----------------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------------

class Row(dict):
    """One line of a result table."""


class Bench:
    def __init__(self, opts):
        self.o = opts
        self.wrk = Wrk(opts.threads, opts.connections, opts.duration, opts.wrk_timeout)
        self.rows = []          # redirect scenarios (conf, htaccess, million)
        self.upgrade = {}       # variant -> dict
        self.notes = []
        self.have_nginx = os.path.exists(NGINX)
        self.disturbed = []     # runs during which other processes used the CPUs

    # -- one server, several targets ---------------------------------------
    def measure(self, scenario, engine, n, targets):
        """Start one server for (engine, n) and wrk each target path.

        targets: list of (label, path, expected_status, expected_location_suffix)."""
        base = Row(scenario=scenario, engine=engine, rules=n)
        context = "htaccess" if scenario == "htaccess" else "conf"
        log("%s %s %s rules" % (scenario, engine, "{:,}".format(n)))
        # directives a build may lack (an older module)
        if engine == "ours-map" and not directive_available(
                self.o.module, "Redirect307Map", 'Redirect307Map "@MAP@"\n'):
            self._na(base, targets, NA_DIRECTIVE)
            return
        wd = Workdir(keep=self.o.keep, tag="%s-%s-%d" % (scenario, engine, n))
        srv = None
        try:
            port = free_port()
            if engine == "nginx":
                srv = Nginx(wd, port, gen_lines(
                    n, "        location = /old/%d { return 307 /new/%d; }\n"))
            else:
                rules = apache_rules(engine, n, wd, context)
                if context == "htaccess":
                    wd.write("htdocs/.htaccess", rules)
                    srv = Apache(wd, port, self.o.module, "", override="All")
                else:
                    srv = Apache(wd, port, self.o.module, rules)
                t = time.monotonic()
                srv.check()
                log("  apache2 -t: %.2fs" % (time.monotonic() - t))
            self._run_server(srv, base, targets)
        except NotAvailable as e:
            self._na(base, targets, str(e))
        except BenchError as e:
            log("  error: %s" % e)
            self.notes.append("%s / %s / %s rules: %s" % (scenario, engine, n, e))
            self._na(base, targets, "error (see notes)")
        finally:
            if srv is not None:
                srv.stop()
            wd.cleanup()

    def _na(self, base, targets, why):
        r = Row(base)
        r.update(hit=" / ".join(t[0] for t in targets), na=why)
        self.rows.append(r)

    def _run_server(self, srv, base, targets):
        last = targets[-1]
        start_s = srv.start(last[1], self.o.start_timeout)
        log("  first answer after %.3fs" % start_s)
        for label, path, status, loc in targets:
            st, location = http_get(srv.port, path)
            if st != status or (loc and not (location or "").endswith(loc)):
                raise BenchError("GET %s answered %s Location %r (expected %s ...%s); %s" % (
                    path, st, location, status, loc, srv.error_log_tail()))
        # warm-up on the last target, then let the server go idle
        self.wrk.run(srv.port, last[1], duration=self.o.warmup)
        srv.wait_idle()
        rss = srv.rss_kb()
        pss = srv.pss_kb()
        nproc = len(srv.pids())
        for label, path, status, loc in targets:
            runs = []
            for k in range(self.o.repeat):
                runs.append(self.measured(
                    srv, path, "%s/%s/%d %s%s" % (base["scenario"], base["engine"], base["rules"],
                                                  label, " #%d" % (k + 1) if self.o.repeat > 1 else "")))
                if k + 1 < self.o.repeat:
                    srv.wait_idle()
            runs.sort(key=lambda x: x["rps"])
            res = dict(runs[len(runs) // 2])          # the median run (upper median)
            res["sock_errors"] = sum(x["sock_errors"] for x in runs)
            res["non_2xx_3xx"] = sum(x["non_2xx_3xx"] for x in runs)
            if res["sock_errors"]:
                self.notes.append("%s/%s/%d %s: wrk socket errors: %s" % (
                    base["scenario"], base["engine"], base["rules"], label,
                    "; ".join(x["sock_detail"] for x in runs if x["sock_errors"])))
            idle = srv.wait_idle()
            r = Row(base)
            r.update(hit=label, path=path, rps=res["rps"], requests=res["requests"],
                     sock_errors=res["sock_errors"], sock_detail=res["sock_detail"],
                     non_2xx_3xx=res["non_2xx_3xx"], start_s=start_s, rss_kb=rss, pss_kb=pss,
                     nproc=nproc)
            if not idle:
                r["busy_after"] = True
            log("  %-5s %10.1f req/s  sock errors %d  non-2xx/3xx %d  RSS %.1f MB (%d procs)" % (
                label, res["rps"], res["sock_errors"], res["non_2xx_3xx"], rss / 1024.0, nproc))
            self.rows.append(r)

    def measured(self, srv, path, what):
        """One wrk run; notes it when other processes used the CPUs meanwhile."""
        busy0, srv0, kids0 = cpu_busy_ticks(), srv.cpu_ticks(), children_ticks()
        t0 = time.monotonic()
        res = self.wrk.run(srv.port, path)
        wall = time.monotonic() - t0
        foreign = (cpu_busy_ticks() - busy0) - (srv.cpu_ticks() - srv0) - (children_ticks() - kids0)
        res["foreign_cores"] = max(0.0, foreign / float(CLK_TCK) / wall)
        if res["foreign_cores"] > FOREIGN_LIMIT:
            self.disturbed.append("%s: %.2f cores" % (what, res["foreign_cores"]))
        return res

    @staticmethod
    def redirect_targets(n):
        if n == 1:
            return [("first=last", "/old/1", 307, "/new/1")]
        return [("first", "/old/1", 307, "/new/1"),
                ("last", "/old/%d" % n, 307, "/new/%d" % n)]

    # -- scenarios -----------------------------------------------------------
    def engines_for(self, context):
        out = []
        for e in self.o.engines:
            if context not in ENGINES[e]:
                continue
            if e == "nginx" and not self.have_nginx:
                continue
            out.append(e)
        return out

    def run_conf(self):
        for n in self.o.sizes:
            for e in self.engines_for("conf"):
                self.measure("conf", e, n, self.redirect_targets(n))

    def run_htaccess(self):
        for n in self.o.sizes:
            for e in self.engines_for("htaccess"):
                self.measure("htaccess", e, n, self.redirect_targets(n))

    def run_million(self):
        n = self.o.million
        # the 1-rule baselines of the ratios, when the conf scenario did not run them
        for e in ("ours-lines", "ours-map"):
            if not any((r["scenario"], r["engine"], r["rules"]) == ("conf", e, 1)
                       for r in self.rows):
                self.measure("conf", e, 1, self.redirect_targets(1))
        self.measure("million", "ours-map", n, self.redirect_targets(n))

    def _static_site(self, wd):
        body = "<html><body>static 200, %s</body></html>\n" % ("x" * 40)
        for d in ("plain", "up"):
            wd.write("htdocs/%s/static.html" % d, body)
        return body

    def run_upgrade_scope(self):
        """One server: /plain/ without, /up/ with RedirectUpgrade On; A B A B."""
        variant = "upgrade"
        log("upgrade (same server, two directories), %d pairs" % self.o.pairs)
        wd = Workdir(keep=self.o.keep, tag="upgrade")
        srv = None
        info = {"pairs": [], "na": None}
        self.upgrade[variant] = info
        try:
            self._static_site(wd)
            conf = ('<Directory "{h}/plain">\n    Require all granted\n</Directory>\n'
                    '<Directory "{h}/up">\n    Require all granted\n'
                    '    RedirectUpgrade On\n</Directory>\n').format(h=wd.htdocs)
            srv = Apache(wd, free_port(), self.o.module, conf)
            srv.check()
            a, b = "/plain/static.html", "/up/static.html"
            info["start_s"] = srv.start(a, self.o.start_timeout)
            for p in (a, b):
                st, _ = http_get(srv.port, p)
                if st != 200:
                    raise BenchError("GET %s answered %s" % (p, st))
            self.wrk.run(srv.port, a, duration=self.o.warmup)
            self.wrk.run(srv.port, b, duration=self.o.warmup)
            srv.wait_idle()
            for i in range(self.o.pairs):
                ra = self.measured(srv, a, "upgrade pair %d without" % (i + 1))
                srv.wait_idle()
                rb = self.measured(srv, b, "upgrade pair %d with" % (i + 1))
                srv.wait_idle()
                self._pair(info, i, ra, rb)
        except NotAvailable as e:
            info["na"] = str(e)
        except BenchError as e:
            info["na"] = "error (see notes)"
            self.notes.append("upgrade: %s" % e)
            log("  error: %s" % e)
        finally:
            if srv is not None:
                srv.stop()
            wd.cleanup()

    def run_upgrade_server(self):
        """Two servers: none vs `RedirectUpgrade On` server-wide; alternating."""
        variant = "upgrade-server"
        log("upgrade-server (two servers, alternating), %d pairs" % self.o.pairs)
        info = {"pairs": [], "na": None}
        self.upgrade[variant] = info
        if not directive_available(self.o.module, "RedirectUpgrade", "RedirectUpgrade On\n"):
            info["na"] = NA_DIRECTIVE
            return
        path = "/plain/static.html"
        try:
            for i in range(self.o.pairs):
                res = []
                for with_it in (False, True):
                    wd = Workdir(keep=self.o.keep, tag="upgrade-server")
                    srv = None
                    try:
                        self._static_site(wd)
                        srv = Apache(wd, free_port(), self.o.module,
                                     "RedirectUpgrade On\n" if with_it else "")
                        srv.check()
                        srv.start(path, self.o.start_timeout)
                        st, _ = http_get(srv.port, path)
                        if st != 200:
                            raise BenchError("GET %s answered %s" % (path, st))
                        self.wrk.run(srv.port, path, duration=self.o.warmup)
                        srv.wait_idle()
                        res.append(self.measured(srv, path, "upgrade-server pair %d %s" % (
                            i + 1, "with" if with_it else "without")))
                    finally:
                        if srv is not None:
                            srv.stop()
                        wd.cleanup()
                self._pair(info, i, res[0], res[1])
        except NotAvailable as e:
            info["na"] = str(e)
        except BenchError as e:
            info["na"] = "error (see notes)"
            self.notes.append("upgrade-server: %s" % e)
            log("  error: %s" % e)

    def _pair(self, info, i, ra, rb):
        for side, r in (("without", ra), ("with", rb)):
            if r["sock_errors"]:
                self.notes.append("upgrade pair %d %s: wrk socket errors: %s" % (
                    i + 1, side, r["sock_detail"]))
        ratio = rb["rps"] / ra["rps"] if ra["rps"] else None
        info["pairs"].append({"without": ra, "with": rb, "ratio": ratio})
        log("  pair %d: without %.1f  with %.1f  ratio %s" % (
            i + 1, ra["rps"], rb["rps"], "%.4f" % ratio if ratio else "-"))

    def find(self, scenario, engine, n, hit=None):
        for r in self.rows:
            if (r["scenario"], r["engine"], r["rules"]) == (scenario, engine, n) \
                    and r.get("rps") is not None and (hit is None or r["hit"] == hit):
                return r
        return None

    # -- report ----------------------------------------------------------------
    def baseline(self, scenario):
        """(row, label) the 'vs ours@1' column divides by."""
        if scenario == "htaccess":
            for e in ("ours-map", "ours-lines"):
                r = self.find("htaccess", e, 1)
                if r:
                    return r, "ours (%s) at 1 rule in .htaccess" % e
            return None, "ours at 1 rule in .htaccess (not measured)"
        r = self.find("conf", "ours-lines", 1)
        if r:
            return r, "ours (ours-lines) at 1 rule in httpd.conf"
        return None, "ours at 1 rule in httpd.conf (not measured)"

    def table(self, scenario):
        rows = [r for r in self.rows if r["scenario"] == scenario]
        if not rows:
            return ""
        base, base_label = self.baseline(scenario)
        out = []
        out.append("| engine | rules | hit | req/s | vs ours@1 | vs self@1 | sock err | "
                   "non-3xx | start→1st answer | RSS | ΔRSS vs 1 rule | PSS | ΔPSS |")
        out.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            rules = "{:,}".format(r["rules"])
            if r.get("na"):
                out.append("| %s | %s | %s | %s | | | | | | | | | |" % (
                    r["engine"], rules, r["hit"], r["na"]))
                continue
            self_scn = "conf" if scenario == "million" else scenario
            self1 = self.find(self_scn, r["engine"], 1)
            vs_ours = fmt_ratio(r["rps"], base["rps"] if base else None)
            vs_self = fmt_ratio(r["rps"], self1["rps"] if self1 else None)
            d_rss = "%+.1f MB" % ((r["rss_kb"] - self1["rss_kb"]) / 1024.0) if self1 else "-"
            d_pss = "%+.1f MB" % ((r["pss_kb"] - self1["pss_kb"]) / 1024.0) if self1 else "-"
            rps = "{:,.1f}".format(r["rps"])
            if r["requests"] < 100:
                rps += " (%d req)" % r["requests"]
            if r.get("busy_after"):
                rps += " (busy)"
            out.append("| %s | %s | %s | %s | %s | %s | %d | %d | %.3f s | %.1f MB | %s | %.1f MB | %s |" % (
                r["engine"], rules, r["hit"], rps, vs_ours, vs_self, r["sock_errors"],
                r["non_2xx_3xx"], r["start_s"], r["rss_kb"] / 1024.0, d_rss,
                r["pss_kb"] / 1024.0, d_pss))
        out.append("")
        out.append("vs ours@1 = req/s ÷ %s%s." % (
            base_label, (" = {:,.1f} req/s".format(base["rps"]) if base else "")))
        return "\n".join(out)

    def upgrade_table(self, variant):
        info = self.upgrade.get(variant)
        if info is None:
            return ""
        if info["na"]:
            return "%s\n" % info["na"]
        out = ["| pair | without: req/s | with RedirectUpgrade On: req/s | with ÷ without | "
               "sock err | non-2xx/3xx |", "|---:|---:|---:|---:|---:|---:|"]
        ratios = []
        for i, p in enumerate(info["pairs"], 1):
            ra, rb = p["without"], p["with"]
            ratios.append(p["ratio"])
            out.append("| %d | {:,.1f} | {:,.1f} | %.4f | %d | %d |".format(ra["rps"], rb["rps"]) % (
                i, p["ratio"], ra["sock_errors"] + rb["sock_errors"],
                ra["non_2xx_3xx"] + rb["non_2xx_3xx"]))
        if ratios:
            med = statistics.median(ratios)
            wa = statistics.median(p["without"]["rps"] for p in info["pairs"])
            wb = statistics.median(p["with"]["rps"] for p in info["pairs"])
            out.append("")
            out.append("**median ratio (with ÷ without) = %.4f** (%+.2f%%); min %.4f, max %.4f; "
                       "median req/s without {:,.1f}, with {:,.1f}.".format(wa, wb) % (
                           med, (med - 1) * 100, min(ratios), max(ratios)))
        return "\n".join(out)


def fmt_ratio(a, b):
    if not b:
        return "-"
    x = a / b
    if x >= 0.1:
        return "%.3f" % x
    if x >= 0.001:
        return "%.4f" % x
    return "%.6f" % x


# ----------------------------------------------------------------------------
# Machine description
# ----------------------------------------------------------------------------

def machine():
    lines = []
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    cpu = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for l in f:
                if l.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(l.split()[1]) / 1024.0 / 1024.0)
    except OSError:
        pass
    os_name = "?"
    try:
        with open("/etc/os-release") as f:
            for l in f:
                if l.startswith("PRETTY_NAME="):
                    os_name = l.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    lines.append("- CPU: %s, %d cores (os.cpu_count)" % (cpu, os.cpu_count() or 0))
    lines.append("- memory: %s" % mem)
    lines.append("- OS: %s, kernel %s (%s)" % (os_name, platform.release(), platform.machine()))
    rc, out = run_cmd([APACHE2, "-v"])
    lines.append("- apache2 -v: %s" % "; ".join(l.strip() for l in out.strip().splitlines()))
    rc, out = run_cmd([APACHE2, "-V"])
    m = re.search(r"^Server loaded:[ \t]*(.+)$", out, re.M)
    if m:
        lines.append("- apache2 libraries: %s" % m.group(1).strip())
    rc, out = run_cmd([WRK, "--version"])
    lines.append("- wrk: %s" % (out.strip().splitlines()[0] if out.strip() else "?"))
    if os.path.exists(NGINX):
        rc, out = run_cmd([NGINX, "-v"])
        lines.append("- nginx -v: %s" % out.strip())
    else:
        lines.append("- nginx: not installed (%s absent), nginx rows skipped" % NGINX)
    return "\n".join(lines)


def module_desc(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    st = os.stat(path)
    rev = ""
    here = os.path.dirname(os.path.abspath(__file__))
    rc, out = run_cmd(["git", "-C", here, "rev-parse", "--short", "HEAD"])
    if rc == 0:
        rev = ", git HEAD %s" % out.strip()
        rc, out = run_cmd(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"])
        if rc == 0 and out.strip():
            rev += " (+ uncommitted changes)"
    return "%s (sha256 %s…, built %s%s)" % (
        path, h.hexdigest()[:12],
        datetime.datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M"), rev)


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description="mod_redirect307 benchmark (see bench/README.md)")
    ap.add_argument("--module", required=True, help="absolute path of mod_redirect307.so")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: sizes 1,1000, 20,000-entry 'million', 1 s runs, 2 pairs")
    ap.add_argument("--scenarios", default=",".join(ALL_SCENARIOS),
                    help="comma list of: %s (default: all)" % ", ".join(ALL_SCENARIOS))
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma list of: %s (default: all; nginx only if %s exists)"
                    % (", ".join(ENGINES), NGINX))
    ap.add_argument("--sizes", help="rule counts for conf/htaccess (default 1,1000,10000,100000)")
    ap.add_argument("--million", type=int, help="entries of the big map (default 1000000)")
    ap.add_argument("--duration", type=int, help="seconds per wrk run (default 5)")
    ap.add_argument("--warmup", type=int, help="seconds of warm-up wrk per server (default 2)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="wrk runs per target and server; the median is reported (default 1)")
    ap.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    ap.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    ap.add_argument("--wrk-timeout", type=int, default=10, help="wrk --timeout seconds (default 10)")
    ap.add_argument("--pairs", type=int, help="A/B pairs of the upgrade scenarios (default 8)")
    ap.add_argument("--start-timeout", type=int, default=300,
                    help="seconds a server may take to answer its first request (default 300)")
    ap.add_argument("--out", help="markdown file (default bench/RESULTS.md; "
                    "with --quick /tmp/r307-bench-quick.md)")
    ap.add_argument("--pin", metavar="SERVER:WRK",
                    help="pin the server and wrk to CPU lists, e.g. 0:1 (default: no pinning)")
    ap.add_argument("--keep", action="store_true", help="keep the /tmp/r307bench-* directories")
    o = ap.parse_args(argv)
    q = o.quick
    o.scenarios = [s for s in o.scenarios.split(",") if s]
    for s in o.scenarios:
        if s not in ALL_SCENARIOS:
            ap.error("unknown scenario %r" % s)
    o.engines = [e for e in o.engines.split(",") if e]
    for e in o.engines:
        if e not in ENGINES:
            ap.error("unknown engine %r" % e)
    if o.sizes:
        o.sizes = [int(x.replace("_", "")) for x in o.sizes.split(",") if x]
    else:
        o.sizes = [1, 1000] if q else [1, 1000, 10000, 100000]
    if 1 not in o.sizes:
        o.sizes.insert(0, 1)      # every ratio needs the 1-rule figure
    o.million = o.million or (20000 if q else 1000000)
    o.duration = o.duration or (1 if q else 5)
    o.warmup = o.warmup or (1 if q else 2)
    o.pairs = o.pairs or (2 if q else 8)
    if q:
        o.start_timeout = min(o.start_timeout, 60)
    if not o.out:
        o.out = ("/tmp/r307-bench-quick.md" if q else
                 os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md"))
    o.module = os.path.abspath(o.module)
    if o.pin:
        global SERVER_CPUS, WRK_CPUS
        try:
            srv, cli = o.pin.split(":")
            SERVER_CPUS = {int(c) for c in srv.split(",")}
            WRK_CPUS = {int(c) for c in cli.split(",")}
        except ValueError:
            ap.error("--pin wants SERVER:WRK CPU lists, e.g. 0:1 or 0,1:1")
    return o


def main(argv=None):
    o = parse_args(sys.argv[1:] if argv is None else argv)
    for prog in (APACHE2, WRK):
        if not os.access(prog, os.X_OK):
            sys.exit("bench: %s not found (apt-get install -y %s)" % (
                prog, "apache2" if prog == APACHE2 else "wrk"))
    if not os.path.exists(o.module):
        sys.exit("bench: module %s does not exist (make build first)" % o.module)
    if not as_root():
        log("not root: servers run as the current user")
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = loadavg()
    b0 = cpu_busy_ticks()
    time.sleep(1.0)
    idle_busy = (cpu_busy_ticks() - b0) / float(CLK_TCK)
    if idle_busy > 0.2:
        log("warning: %.2f cores busy before the start: figures will be noisy" % idle_busy)
    t0 = time.monotonic()
    b = Bench(o)
    runners = {"conf": b.run_conf, "htaccess": b.run_htaccess, "million": b.run_million,
               "upgrade": b.run_upgrade_scope, "upgrade-server": b.run_upgrade_server}
    interrupted = False
    try:
        for s in o.scenarios:
            runners[s]()
    except KeyboardInterrupt:
        interrupted = True
        b.notes.append("interrupted (Ctrl-C): the tables are incomplete")
    elapsed = time.monotonic() - t0

    md = []
    md.append("# mod_redirect307 benchmark results%s" % (" (QUICK smoke run, not a measurement)"
                                                         if o.quick else ""))
    md.append("")
    md.append("Generated by `%s` on %s UTC; the whole run took %.0f s." % (
        " ".join(["bench/run.py"] + (sys.argv[1:] if argv is None else argv)),
        started.strftime("%Y-%m-%d %H:%M"), elapsed))
    md.append("")
    md.append("## Machine")
    md.append("")
    md.append(machine())
    machine_at = len(md) - 1
    md.append("- module: %s" % module_desc(o.module))
    md.append("")
    md.append("## Method")
    md.append("")
    md.append("- client: `%s` (keep-alive, no --latency), %s; "
              "warm-up: the same command for %d s on the last rule before measuring; "
              "after every run the bench waits until the server is idle." % (
                  b.wrk.describe(), "one run per line below" if o.repeat == 1 else
                  "%d runs per line below, the median shown" % o.repeat, o.warmup))
    md.append("- server: one private server at a time on %s, a fresh ServerRoot per row; "
              "apache2: event MPM, 2 processes × 32 threads started at once, KeepAlive On, "
              "MaxKeepAliveRequests 0, no access log, LogLevel warn, children as www-data; "
              "the same modules loaded in every apache2 row (mpm_event, authz_core, mime, alias, "
              "rewrite, redirect307). nginx: 2 workers, access_log off." % HOST)
    md.append("- rules: `/old/N → /new/N`, N = 1..rules; *first* requests `/old/1`, *last* "
              "`/old/<rules>`. Engines: " + "; ".join(
                  "**%s** = %s" % (e, ENGINE_DESC[e]) for e in o.engines) + ".")
    md.append("- start→1st answer: from launching the server to the first HTTP answer to the "
              "last rule's URL (for .htaccess it includes the first parse of the .htaccess). "
              "RSS: sum of VmRSS of all the server's processes after warm-up (shared pages "
              "counted once per process); PSS: sum of their Pss (shared pages divided among "
              "the sharers, so the server's real footprint). See bench/README.md.")
    md.append("")
    sections = [("conf", "Rules in httpd.conf"),
                ("htaccess", "Rules in .htaccess (AllowOverride All)"),
                ("million", "Ours, one map of {:,} entries in httpd.conf".format(o.million))]
    for scn, title in sections:
        t = b.table(scn)
        if t:
            md.append("## " + title)
            md.append("")
            md.append(t)
            md.append("")
    utitles = [("upgrade", "Static 200 with and without `RedirectUpgrade On` in scope: one server, "
                "`/plain/` without, `/up/` with"),
               ("upgrade-server", "Static 200: a server without vs a server with "
                "`RedirectUpgrade On` server-wide, alternating")]
    for v, title in utitles:
        t = b.upgrade_table(v)
        if t:
            md.append("## " + title)
            md.append("")
            md.append(t)
            md.append("")
    load_end = loadavg()
    if b.disturbed:
        b.notes.append("other processes used the CPUs (more than %.2f of a core on average) "
                       "during %d measured run(s); their figures are not trustworthy: %s" % (
                           FOREIGN_LIMIT, len(b.disturbed), "; ".join(b.disturbed)))
    md.insert(machine_at + 1, "- CPU busy before the run: %.2f cores (1 s sample of /proc/stat); "
              "load average (1/5/15 min) at start: %s, at end: %s%s" % (
                  idle_busy, load_start, load_end, "" if not b.disturbed else
                  " (**other processes used the CPUs during some runs: see Notes**)"))
    if b.notes:
        md.append("## Notes")
        md.append("")
        for n in b.notes:
            md.append("- " + n.replace("\n", " ⏎ "))
        md.append("")
    text = "\n".join(md)
    sys.stdout.write(text + "\n")
    # bench/stress.py owns a marked section of the same file: keep it.
    import results_md
    out_text = results_md.keep_sections(o.out, text)
    with open(o.out, "w", encoding="utf-8") as f:
        f.write(out_text)
    log("written to %s (%.0f s)" % (o.out, elapsed))
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
