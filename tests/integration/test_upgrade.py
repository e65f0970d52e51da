# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""RedirectUpgrade / RedirectUpgradePermanent: every producer of a 302/301
(mod_alias and mod_rewrite in server config and .htaccess, a CGI's bare
Location, a CGI's own `Status:`, an application behind mod_proxy) x methods
x Off/On/Log; then real clients following the upgraded redirect."""

import json

import pytest
import requests

from conftest import start_server
from r307httpd import curl
from upgrade_common import (METHODS, UNSAFE, REASON, UPGRADED, LOG_DIRECTIVE,
                            REQUEST_BODY, BARE_LOCATION_CGI, app_body,
                            status_cgi, send, notice_lines, title_of)

CONF = r"""
RedirectUpgrade @MODE@
RedirectUpgradePermanent @MODE@

# mod_alias, server config (answered at translate_name)
Redirect 302 /alias302 /cgi-bin/echo
Redirect 301 /alias301 /cgi-bin/echo
Redirect 303 /alias303 /cgi-bin/echo

# mod_rewrite, server config
RewriteEngine On
RewriteRule ^/rw302$ /cgi-bin/echo [R=302,L]
RewriteRule ^/rw301$ /cgi-bin/echo [R=301,L]
RewriteRule ^/rw303$ /cgi-bin/echo [R=303,L]

<Directory "@HTDOCS@/ht">
    AllowOverride FileInfo
</Directory>

# Module's own redirects and a plain page: must not be disturbed.
Redirect307 /own307 /cgi-bin/echo
Redirect308 /own308 /cgi-bin/echo

# An application behind mod_proxy: the backend is this same server under
# /backend/, where the policy is explicitly Off, so any upgrade seen on
# /proxied/ is done by the front request (the access log shows both).
ProxyPass /proxied/ http://@HOSTPORT@/backend/
ScriptAlias /backend/cgi/ "@CGIBIN@/"
Redirect 302 /backend/alias302 /cgi-bin/echo
Redirect 301 /backend/alias301 /cgi-bin/echo
<Location /backend/>
    RedirectUpgrade Off
    RedirectUpgradePermanent Off
</Location>
"""

HTACCESS = """\
Redirect 302 /ht/alias302 /cgi-bin/echo
Redirect 301 /ht/alias301 /cgi-bin/echo
RewriteEngine On
RewriteRule ^rw302$ /cgi-bin/echo [R=302,L]
RewriteRule ^rw301$ /cgi-bin/echo [R=301,L]
"""

FILES = {
    "ht/.htaccess": HTACCESS,
    "ht/index.html": "ht\n",
    "plain.html": "<html>plain page</html>\n",
}

CGI = {
    "bareloc": BARE_LOCATION_CGI,
    "app302": status_cgi(302),
    "app301": status_cgi(301),
    "app303": status_cgi(303),
}

# producer -> (path template, who writes the body, codes it can produce)
#   "httpd": httpd generates the body (ap_send_error_response)
#   "app":   the CGI's own body
#   "proxy": whatever the backend sent (httpd's page of the *backend*)
PRODUCERS = {
    "alias": ("/alias%d", "httpd", (302, 301)),
    "alias_htaccess": ("/ht/alias%d", "httpd", (302, 301)),
    "rewrite": ("/rw%d", "httpd", (302, 301)),
    "rewrite_htaccess": ("/ht/rw%d", "httpd", (302, 301)),
    "cgi_bare_location": ("/cgi-bin/bareloc", "httpd", (302,)),
    "cgi_status": ("/cgi-bin/app%d", "app", (302, 301)),
    "proxy_cgi": ("/proxied/cgi/app%d", "app", (302, 301)),
    "proxy_alias": ("/proxied/alias%d", "proxy", (302, 301)),
}

PAIRS = [(p, c) for p, (_, _, codes) in PRODUCERS.items() for c in codes]


def path_of(producer, code):
    tmpl = PRODUCERS[producer][0]
    return tmpl % code if "%d" in tmpl else tmpl


@pytest.fixture(scope="module")
def servers():
    """servers(mode) -> a started server with the policy `mode` in server
    config; one per mode, started on first use, stopped at module end."""
    live = {}

    def get(mode):
        if mode not in live:
            srv = start_server(CONF.replace("@MODE@", mode), FILES, cgi=CGI,
                               extra_modules=("proxy", "proxy_http"))
            srv.mode = mode
            live[mode] = srv
        return live[mode]

    yield get
    for srv in live.values():
        srv.cleanup()


@pytest.fixture(params=["Off", "On", "Log"])
def srv(request, servers):
    return servers(request.param)


# ----- the matrix ----------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("producer,code", PAIRS)
def test_producer_method_mode(srv, producer, code, method):
    path = path_of(producer, code)
    location = srv.url("/cgi-bin/echo")
    unsafe = method in UNSAFE
    upgrade = srv.mode == "On" and unsafe
    want = UPGRADED[code] if upgrade else code

    kind = PRODUCERS[producer][1]
    backend = path.replace("/proxied/", "/backend/")
    if kind == "proxy" and method != "HEAD":
        # the backend's own page, asked directly (there the policy is Off)
        _, amark = srv.log_marks()
        direct = send(srv, method, backend)
        assert direct.status == code, direct
        srv.wait_access_log('"%s %s' % (method, backend), since=amark)

    emark, amark = srv.log_marks()
    r = send(srv, method, path)

    # status line, Location, other headers
    assert (r.status, r.reason) == (want, REASON[want]), r
    assert r.header_all("location") == [location], r
    if kind == "app":
        assert r.header("x-app") == "status-%d" % code, r
        assert r.header("set-cookie") == "app=%d; Path=/" % code, r
        assert r.header("cache-control") == "no-store", r
        assert r.header("content-type") == "application/octet-stream", r

    # body
    if method == "HEAD":
        assert r.raw_body == b"", r
    elif kind == "app":
        assert r.body == app_body(code), r
    elif kind == "proxy":
        assert r.body == direct.body, (r, direct)
        assert title_of(code).encode() in r.body, r
    else:
        text = r.body.decode("latin-1")
        assert title_of(want) in text, r
        assert '<a href="%s">here</a>' % location in text, r
        if upgrade:
            assert REASON[code] not in text, r

    # error log: exactly one notice per response in Log mode, for unsafe
    # methods only; nothing in the other modes
    notes = notice_lines(srv.error_log(emark))
    if srv.mode == "Log" and unsafe:
        assert len(notes) == 1, notes
        line = notes[0]
        assert "[redirect307:notice]" in line, line
        assert ("%s Log: would answer %s %s with %d instead of %d (Location: %s)"
                % (LOG_DIRECTIVE[code], method, path, UPGRADED[code], code, location)
                in line), line
    else:
        assert notes == [], notes

    # access log: the front request's status and REDIRECT307
    needle = '"%s %s HTTP/1.1"' % (method, path)
    log = srv.wait_access_log(needle, since=amark)
    env = "upgrade %d->%d" % (code, UPGRADED[code]) if upgrade else "-"
    front = [l for l in log.splitlines() if needle in l]
    assert front, log
    for line in front:
        assert '%s %d rule="%s"' % (needle, want, env) in line, line
    if producer.startswith("proxy"):
        # the backend answered the original code itself, not upgraded
        # (its log line may come after the front one: wait for it)
        back = '"%s %s HTTP/1.1"' % (method, backend)
        log = srv.wait_access_log(back, since=amark)
        lines = [l for l in log.splitlines() if back in l]
        assert lines, log
        for line in lines:
            assert '%s %d rule="-"' % (back, code) in line, line


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("producer,code", PAIRS)
def test_on_keeps_every_header_of_off(servers, producer, code, method):
    """The upgraded response carries the same header fields as the one the
    policy Off sends (Date aside, and the framing: whether httpd sends a
    CGI's body with Content-Length or chunked depends on timing, and a page
    httpd writes changes length with its title)."""
    off = send(servers("Off"), method, path_of(producer, code))
    on = send(servers("On"), method, path_of(producer, code))
    assert (off.status, on.status) == (code, UPGRADED[code])

    def fields(r):
        skip = {"date", "content-length", "transfer-encoding"}
        port = str(r is on and servers("On").port or servers("Off").port)
        return sorted((k, v.replace(port, "PORT")) for k, v in r.headers if k not in skip)

    assert fields(on) == fields(off), (on, off)
    if PRODUCERS[producer][1] != "httpd":
        # (the proxied backend's page names its own port)
        assert (on.body.replace(b"%d" % servers("On").port, b"PORT")
                == off.body.replace(b"%d" % servers("Off").port, b"PORT"))


# ----- never touched ----------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path,kind", [("/alias303", "httpd"), ("/rw303", "httpd"),
                                       ("/cgi-bin/app303", "app")])
def test_303_never_touched(srv, path, kind, method):
    emark, amark = srv.log_marks()
    r = send(srv, method, path)
    assert (r.status, r.reason) == (303, "See Other"), r
    assert r.header("location") == srv.url("/cgi-bin/echo"), r
    if method == "HEAD":
        assert r.raw_body == b""
    elif kind == "app":
        assert r.body == app_body(303)
    else:
        assert title_of(303) in r.body.decode("latin-1"), r
    assert notice_lines(srv.error_log(emark)) == []


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path,code", [("/own307", 307), ("/own308", 308)])
def test_own_redirects_not_affected(srv, path, code, method):
    emark, amark = srv.log_marks()
    r = send(srv, method, path)
    assert (r.status, r.reason) == (code, REASON[code]), r
    assert r.header("location") == srv.url("/cgi-bin/echo"), r
    if method == "HEAD":
        assert r.raw_body == b""
    else:
        assert title_of(code) in r.body.decode("latin-1"), r
    assert notice_lines(srv.error_log(emark)) == []
    needle = '"%s %s HTTP/1.1"' % (method, path)
    log = srv.wait_access_log(needle, since=amark)
    assert '%s %d rule="%s:%d %d"' % (needle, code, srv.conf_path,
                                      srv.conf_line("Redirect%d %s" % (code, path)),
                                      code) in log, log


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_plain_200_not_affected(srv, method):
    emark, _ = srv.log_marks()
    r = send(srv, method, "/plain.html")
    # a POST to a static file is answered by the default handler as well
    assert (r.status, r.reason) == (200, "OK"), r
    assert r.body == b"<html>plain page</html>\n", r
    assert r.header("location") is None
    assert notice_lines(srv.error_log(emark)) == []


def test_post_to_echo_not_affected(srv):
    r = send(srv, "POST", "/cgi-bin/echo", body=b"x=1")
    assert r.status == 200, r
    assert json.loads(r.body)["body"] == "x=1"


# ----- real clients following the redirect -------------------------------------------

def curl_args(method, body):
    if method == "POST":
        # no -X: curl picks the method itself and would switch to GET on a
        # 301/302, so only the upgrade keeps it a POST
        return ["-d", body]
    return ["-X", method, "-H", "Content-Type: application/x-www-form-urlencoded",
            "--data-binary", body]


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("producer,code", PAIRS)
def test_curl_follows_upgrade_with_body(servers, producer, code, method):
    srv = servers("On")
    body = "order=%s&via=%s" % (method.lower(), producer)
    r = curl(srv.url(path_of(producer, code)), "-L", *curl_args(method, body))
    assert r.returncode == 0, r
    assert r.statuses == [UPGRADED[code], 200], r
    assert r.header("location", 0) == srv.url("/cgi-bin/echo")
    echo = r.json()
    assert echo["method"] == method, echo
    assert echo["body"] == body, echo


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("producer,code", PAIRS)
def test_requests_follows_upgrade_with_body(servers, producer, code, method):
    srv = servers("On")
    body = "order=%s&via=%s" % (method.lower(), producer)
    r = requests.request(method, srv.url(path_of(producer, code)), data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"},
                         timeout=10)
    assert [h.status_code for h in r.history] == [UPGRADED[code]], r.history
    assert r.status_code == 200
    echo = r.json()
    assert echo["method"] == method, echo
    assert echo["body"] == body, echo


# Without the upgrade (Off) the same clients lose the method and the body:
# the hazard the policy exists for.

@pytest.mark.parametrize("producer,code", PAIRS)
def test_off_curl_turns_post_into_get(servers, producer, code):
    srv = servers("Off")
    r = curl(srv.url(path_of(producer, code)), "-L", "-d", "amount=10")
    assert r.returncode == 0, r
    assert r.statuses == [code, 200], r
    echo = r.json()
    assert (echo["method"], echo["body"]) == ("GET", ""), echo


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("producer", [p for p, c in PAIRS if c == 302])
def test_off_requests_turns_302_into_get(servers, producer, method):
    srv = servers("Off")
    r = requests.request(method, srv.url(path_of(producer, 302)), data="amount=10",
                         timeout=10)
    assert [h.status_code for h in r.history] == [302]
    echo = r.json()
    assert (echo["method"], echo["body"]) == ("GET", ""), echo


@pytest.mark.parametrize("producer", [p for p, c in PAIRS if c == 301])
def test_off_requests_turns_301_post_into_get(servers, producer):
    srv = servers("Off")
    r = requests.post(srv.url(path_of(producer, 301)), data="amount=10", timeout=10)
    assert [h.status_code for h in r.history] == [301]
    echo = r.json()
    assert (echo["method"], echo["body"]) == ("GET", ""), echo


@pytest.mark.parametrize("producer,code", PAIRS)
def test_log_mode_clients_still_lose_the_body(servers, producer, code):
    """Log changes nothing on the wire."""
    srv = servers("Log")
    r = curl(srv.url(path_of(producer, code)), "-L", "-d", "amount=10")
    assert r.statuses == [code, 200], r
    assert r.json()["method"] == "GET"
