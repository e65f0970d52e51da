"""Safety: no open redirect, no header injection, no redirect loops."""

import re
from urllib.parse import urlsplit

import pytest

from conftest import module_server
from r307httpd import curl, raw_request

CONF = r"""
MergeSlashes Off
AllowEncodedSlashes On
Redirect307Match ^/go/(.*)$ /$1
Redirect307Match ^/go2/(.*)$ /$1/$1
Redirect307Match ^/ext/(.*)$ https://example.com/$1
Redirect307 /pre /
Redirect307 /pre2 /base
Redirect307Match ^/same$ /same
Redirect307Match ^/sameq$ /sameq?x=1
<Location /selfloc>
    Redirect307Match ^/selfloc$ /selfloc
</Location>
<Directory "@HTDOCS@/selfdir">
    Redirect307Match ^/selfdir/x$ /selfdir/x
</Directory>
<Directory "@HTDOCS@/ht">
    AllowOverride FileInfo
</Directory>
"""

FILES = {
    "same": "same served\n",
    "sameq": "sameq served\n",
    "selfloc": "selfloc served\n",
    "selfdir/x": "selfdir served\n",
    "ht/.htaccess": "Redirect307Match ^/ht/go/(.*)$ /$1\n"
                    "Redirect307 /ht/pre /\n",
}

srv = module_server(CONF, FILES)


def raw_get(srv, target, extra=b""):
    raw = raw_request(srv.port, b"GET " + target + b" HTTP/1.1\r\nHost: "
                      + srv.hostport.encode() + b"\r\n" + extra
                      + b"Connection: close\r\n\r\n")
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, raw
    return head, body


def location_of(head):
    locs = re.findall(rb"(?mi)^Location:[ \t]*(.*)$", head)
    assert len(locs) == 1, head
    return locs[0].rstrip(b"\r").decode("latin-1")


OPEN_REDIRECT_PATHS = [
    b"/go//evil.com",
    b"/go//evil.com/x",
    b"/go///evil.com",
    b"/go/%2Fevil.com",
    b"/go/%2F%2Fevil.com",
    b"/go/%2f/evil.com",
    b"/go/%5Cevil.com",
    b"/go/%5C%5Cevil.com",
    b"/go/%5C/evil.com",
    b"/go/%09/evil.com",
    b"/go/http://evil.com/",
    b"/go/%68ttp:%2F%2Fevil.com",
    b"/go2//evil.com",
    b"/pre//evil.com",
    b"/pre///evil.com/x",
    b"/pre/%2Fevil.com",
    b"/pre2//evil.com",
    b"/ht/go//evil.com",
    b"/ht/go/%2Fevil.com",
    b"/ht/pre//evil.com",
]


@pytest.mark.parametrize("path", OPEN_REDIRECT_PATHS, ids=lambda p: p.decode())
def test_captures_cannot_change_host(srv, path):
    head, _ = raw_get(srv, path)
    assert head.startswith(b"HTTP/1.1 307 "), head
    location = location_of(head)
    parts = urlsplit(location)
    assert parts.scheme == "http", location
    assert parts.netloc == srv.hostport, location
    assert not parts.path.startswith("//"), location
    assert "\\" not in location, location
    # what a browser would resolve it to stays on this host as well
    assert re.match(r"^http://%s/(?![/\\])" % re.escape(srv.hostport), location), location


def test_protocol_relative_capture_exact_location(srv):
    head, _ = raw_get(srv, b"/go//evil.com")
    assert location_of(head) == "http://%s/evil.com" % srv.hostport


@pytest.mark.parametrize("path", [b"/ext/@evil.com", b"/ext/%2F%2Fevil.com",
                                  b"/ext/%40evil.com%3A80", b"/ext/:80@evil.com"],
                         ids=lambda p: p.decode())
def test_absolute_target_host_fixed(srv, path):
    head, _ = raw_get(srv, path, b"X-Forwarded-Host: evil.com\r\n")
    assert head.startswith(b"HTTP/1.1 307 "), head
    location = location_of(head)
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc) == ("https", "example.com"), location
    assert location.startswith("https://example.com/"), location


def test_absolute_target_ignores_host_header(srv):
    raw = raw_request(srv.port, b"GET /ext/x HTTP/1.1\r\nHost: evil.com\r\n"
                      b"Connection: close\r\n\r\n")
    head = raw.partition(b"\r\n\r\n")[0]
    assert location_of(head) == "https://example.com/x"


@pytest.mark.parametrize("path", [
    b"/go/x%0d%0aSet-Cookie:%20evil=1",
    b"/go/x%0aSet-Cookie:%20evil=1",
    b"/go/x%0dSet-Cookie:%20evil=1",
    b"/pre/x%0d%0aSet-Cookie:%20evil=1",
    b"/ext/x%0d%0aSet-Cookie:%20evil=1",
    b"/ht/go/x%0d%0aSet-Cookie:%20evil=1",
    b"/go/x%00y%0d%0a%0d%0a<html>evil",
    b"/go/x?%0d%0aSet-Cookie:%20evil=1",
], ids=lambda p: p.decode())
def test_crlf_never_reaches_a_header(srv, path):
    head, body = raw_get(srv, path)
    status = head.split(b"\r\n")[0]
    if status.startswith(b"HTTP/1.1 307 "):
        location = location_of(head).encode("latin-1")
        assert re.search(rb"(?i)%0d|%0a", location), location
        for bad in (b"\r", b"\n", b"\x00", b" "):
            assert bad not in location, location
    else:
        # httpd may refuse a NUL itself (404/400); then no Location at all
        assert b"Location" not in head, head
    for line in head.split(b"\r\n")[1:]:
        assert re.match(rb"^[A-Za-z0-9-]+: ", line), head   # every line a real header
        assert not line.lower().startswith(b"set-cookie"), head
    assert b"\n" not in head.replace(b"\r\n", b""), head


# ----- loops at run time ------------------------------------------------------------

def _warnings(srv, mark):
    return [l for l in srv.error_log(mark).splitlines() if "redirect307:warn" in l]


@pytest.mark.parametrize("path,body,needle", [
    ("/same", b"same served\n", "Redirect307Match ^/same$"),
    ("/sameq?x=1", b"sameq served\n", "Redirect307Match ^/sameq$"),
    ("/selfloc", b"selfloc served\n", "Redirect307Match ^/selfloc$"),
    ("/selfdir/x", b"selfdir served\n", "Redirect307Match ^/selfdir/x$"),
])
def test_runtime_self_redirect_not_applied_and_warned(srv, path, body, needle):
    mark = len(srv.error_log())
    r = curl(srv.url(path))
    assert r.status == 200, r
    assert r.body == body
    line = srv.conf_line(needle)
    warns = _warnings(srv, mark)
    assert len(warns) == 1, srv.error_log(mark)   # tried once, warned once
    assert "%s:%d" % (srv.conf_path, line) in warns[0], warns


def test_self_redirect_rule_applies_to_other_urls(srv):
    r = curl(srv.url("/sameq?y=2"))
    assert r.status == 307, r
    assert r.header("location") == srv.url("/sameq?x=1")


def test_runtime_self_redirect_with_other_host_header(srv):
    # the requested URL is compared with the Host the client sent
    r = curl(srv.url("/same"), "-H", "Host: LOCALHOST:%d" % srv.port)
    assert r.status == 200, r
