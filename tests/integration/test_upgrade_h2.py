# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""RedirectUpgrade over HTTP/2 (mod_http2, h2c with prior knowledge on
loopback): the same answers as over HTTP/1.1."""

import subprocess

import pytest

from conftest import module_server
from r307httpd import curl
from upgrade_common import (BARE_LOCATION_CGI, app_body, status_cgi, notice_lines,
                            title_of)


def _curl_has_http2():
    out = subprocess.run(["curl", "-V"], stdout=subprocess.PIPE).stdout.decode()
    return "HTTP2" in out


pytestmark = pytest.mark.skipif(not _curl_has_http2(),
                                reason="curl -V does not list the HTTP2 feature")

CONF = r"""
Protocols h2c http/1.1
H2Direct on
RedirectUpgrade On
RedirectUpgradePermanent On
Redirect 302 /alias302 /cgi-bin/echo
Redirect 301 /alias301 /cgi-bin/echo
Redirect 303 /alias303 /cgi-bin/echo
<Location /log>
    RedirectUpgrade Log
</Location>
Redirect 302 /log/alias302 /cgi-bin/echo
"""

CGI = {"app302": status_cgi(302), "bareloc": BARE_LOCATION_CGI}

srv = module_server(CONF, cgi=CGI, extra_modules=("http2",))


def h2(srv, path, *args):
    url = path if path.startswith("http") else srv.url(path)
    r = curl(url, "--http2-prior-knowledge", *args)
    assert r.returncode == 0, r
    for status, hdrs, head in r.responses:
        # every response really came over HTTP/2
        assert head.startswith(b"HTTP/2 "), head
    return r


H2_CASES = [(path, code, want, method)
            for path, code, want in [("/alias302", 302, 307), ("/alias301", 301, 308),
                                     ("/cgi-bin/bareloc", 302, 307),
                                     ("/cgi-bin/app302", 302, 307),
                                     ("/alias303", 303, 303)]
            for method in ("POST", "PUT", "DELETE", "GET", "HEAD")
            # mod_http2 answers HEAD to a CGI that writes a body with "stream
            # not closed cleanly: PROTOCOL_ERROR" now and then (6 of 60 with
            # this module not loaded): left out
            if not (method == "HEAD" and path.startswith("/cgi-bin/"))]


@pytest.mark.parametrize("path,code,want,method", H2_CASES)
def test_h2_status(srv, path, code, want, method):
    if method == "HEAD":
        args = ["-I"]
    elif method == "GET":
        args = []
    else:
        args = ["-X", method]     # no body: see below
    r = h2(srv, path, *args)
    expect = want if method in ("POST", "PUT", "DELETE") else code
    assert r.status == expect, r
    assert r.header("location") == srv.url("/cgi-bin/echo"), r
    if method == "HEAD":
        assert r.body == b"", r
    elif path == "/cgi-bin/app302":
        assert r.body == app_body(302), r
        assert r.header("x-app") == "status-302"
        assert r.header("set-cookie") == "app=302; Path=/"
    else:
        assert title_of(expect) in r.text, r


def test_h2_version_reported_by_curl(srv):
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                        "--http2-prior-knowledge", "-X", "POST", srv.url("/alias302")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    assert r.stdout.decode() == "2 307", (r.stdout, r.stderr)


# Two bugs of curl 7.88.1 (Debian 12) shape these tests; both show the same
# with a plain mod_alias `Redirect 307` and this module not loaded:
# - a request with a body to a response that does not read it (a Redirect,
#   a 404) fails at random (~8 %) with "(92) Stream error in the HTTP/2
#   framing layer" and no output: so the redirects are asked for with the
#   unsafe method and no body (the upgrade depends on the method only);
# - `-L --http2-prior-knowledge` fails at random on the second hop with
#   "(16) Error in the HTTP2 framing layer" (curl/curl#10634, fixed in curl
#   8.0 by curl/curl#10643): so the follow is done by hand, as -L would.
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path,first", [("/alias302", 307), ("/alias301", 308),
                                        ("/cgi-bin/app302", 307)])
def test_h2_follow_keeps_method_and_body(srv, path, first, method):
    body = "pay=%s" % method
    r = h2(srv, path, "-X", method)
    assert r.status == first, r
    location = r.header("location")
    assert location == srv.url("/cgi-bin/echo")
    # a 307/308 tells the client to repeat method and body unchanged; the
    # echo CGI reads the body, so sending one is safe here
    again = h2(srv, location, "-X", method, "--data-binary", body)
    assert again.status == 200, again
    echo = again.json()
    assert (echo["method"], echo["body"]) == (method, body), echo


def test_h2_log_mode(srv):
    emark, _ = srv.log_marks()
    r = h2(srv, "/log/alias302", "-X", "POST")
    assert r.status == 302, r
    notes = notice_lines(srv.error_log(emark))
    assert len(notes) == 1, notes
    assert ("RedirectUpgrade Log: would answer POST /log/alias302 with 307 instead of "
            "302 (Location: %s)" % srv.url("/cgi-bin/echo")) in notes[0]


def test_h2_access_log_protocol_and_env(srv):
    _, amark = srv.log_marks()
    h2(srv, "/alias302?h2env", "-X", "POST")
    log = srv.wait_access_log("/alias302?h2env", since=amark)
    assert '"POST /alias302?h2env HTTP/2.0" 307 rule="upgrade 302->307"' in log, log
