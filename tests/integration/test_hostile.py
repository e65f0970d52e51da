# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""Hostile URLs against prefix, regex and map rules and the upgrade policy:
encoded slashes (AllowEncodedSlashes Off, On, NoDecode), %00, '..' segments
and their encodings, double encoding, invalid UTF-8 (escaped and raw bytes on
the request line), 8 KB paths and long query strings.

Each request is answered correctly (the Location names what httpd decoded the
URL-path to: the URL-path a rule sees, r->uri, escaped once more) or with a
4xx from httpd's core; never a 5xx, never a crashed child, never a Location
on another host, with a '//' path, or with raw control bytes or spaces; no
header line is split or injected.

Expected rests are written out per AllowEncodedSlashes mode (one
<VirtualHost> each, chosen by the Host header):
- Off: a %2F in the path is refused by httpd with 404 before any module runs.
- On: %2F is decoded to '/', then the path is normalised again.
- NoDecode: %2F stays "%2F" in the URL-path the rules see; the Location
  escapes its '%' ("%252F"), which this server decodes back to the same
  URL-path.
"""

import re
import socket
from urllib.parse import unquote_to_bytes, urlsplit

import pytest

from conftest import module_server
from r307httpd import HOST

CONF = r"""
Redirect307 /pfx /dest
Redirect307Match ^/re/(.*)$ /dest/$1
Redirect308Match ^/reabs/(.*)$ https://example.com/dest/$1
Redirect307Match ^/re3/(.*)$ /dest/$1/$1/$1
Redirect307Map "@HTDOCS@/hostile.map"
# the upgrade policy: a 302 of httpd's own (mod_alias) and one a handler writes
Redirect 302 /alias /dest
RedirectUpgrade On

<VirtualHost @HOSTPORT@>
    ServerName off.test
    AllowEncodedSlashes Off
</VirtualHost>
<VirtualHost @HOSTPORT@>
    ServerName on.test
    AllowEncodedSlashes On
</VirtualHost>
<VirtualHost @HOSTPORT@>
    ServerName nodecode.test
    AllowEncodedSlashes NoDecode
</VirtualHost>
"""

MAP = (
    "/map/a /dest/a\n"
    "/map/caf%C3%A9 /dest/cafe\n"
    "/map/slash%2Fx /dest/slash\n"      # key decoded at load: /map/slash/x
    "/map/pct%2541 /dest/pct\n"         # key decoded at load: /map/pct%41
    "/map/q /dest/q?own=1\n"
)

S302_CGI = """#!/bin/sh
# a handler writing its own 302 (the REDIRECT307_UPGRADE output filter)
cat >/dev/null
printf 'Status: 302 Found\\r\\n'
printf 'Location: http://@HOSTPORT@/dest\\r\\n'
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'moved\\n'
"""

FILES = {"hostile.map": MAP}

srv = module_server(CONF, FILES, cgi={"s302": S302_CGI})

MODES = ("off", "on", "nodecode")
EXTERNAL = "example.com"


def each(expect):
    return {m: expect for m in MODES}


def slashes(off, on, nodecode):
    return {"off": off, "on": on, "nodecode": nodecode}


# (id, suffix appended to each rule's URL-path, {mode: expectation}).
# An expectation is a 4xx status, or (rest, query): the Location's path,
# percent-decoded, is "/dest" + rest, and its query, percent-decoded, is the
# query's (None: no query).
RAW_HIGH = b"/" + bytes(range(0x80, 0x100))
SUFFIX_CASES = [
    ("plain", b"/a/b", each((b"/a/b", None))),
    ("encoded-slash", b"/a%2Fb",
     slashes(404, (b"/a/b", None), (b"/a%2Fb", None))),
    ("encoded-slash-lower", b"/a%2fb",
     slashes(404, (b"/a/b", None), (b"/a%2fb", None))),
    ("encoded-slashes-host", b"/%2F%2Fevil.com",
     slashes(404, (b"/evil.com", None), (b"/%2F%2Fevil.com", None))),
    ("raw-slashes-host", b"//evil.com/x", each((b"/evil.com/x", None))),
    ("nul", b"/a%00b", each(404)),
    ("nul-only", b"/%00", each(404)),
    ("dotdot", b"/a/../b", each((b"/b", None))),
    ("dotdot-encoded", b"/a/%2e%2e/b", each((b"/b", None))),
    ("dotdot-encoded-mixed", b"/a/%2E%2e/b", each((b"/b", None))),
    ("dot-dotencoded", b"/a/.%2e/b", each((b"/b", None))),
    ("dotdot-encoded-slash", b"/a/..%2fb",
     slashes(404, (b"/b", None), (b"/a/..%2fb", None))),
    ("dotdot-above-root", b"/../../x", each(400)),
    ("dotdot-encoded-above-root", b"/%2e%2e/%2E%2E/x", each(400)),
    # On: decoding the slashes makes /pfx/../../x; the second normalisation
    # drops the '..' above the root: /x, which no rule matches
    ("dotdot-all-encoded", b"/%2e%2e%2f%2e%2e%2fx",
     slashes(404, 404, (b"/..%2f..%2fx", None))),
    ("double-encoded-slash", b"/a%252Fb", each((b"/a%2Fb", None))),
    ("double-encoded-pieces", b"/a%25%32%46b", each((b"/a%2Fb", None))),
    ("double-encoded-dotdot", b"/%252e%252e/x", each((b"/%2e%2e/x", None))),
    ("overlong-slash", b"/%C0%AF", each((b"/\xc0\xaf", None))),
    ("overlong-dots", b"/%C0%AE%C0%AE/x", each((b"/\xc0\xae\xc0\xae/x", None))),
    ("invalid-utf8", b"/%FF%FE%80", each((b"/\xff\xfe\x80", None))),
    ("raw-utf8", b"/caf\xc3\xa9", each((b"/caf\xc3\xa9", None))),
    ("raw-bytes-80-ff", RAW_HIGH, each((RAW_HIGH, None))),
    ("raw-overlong-slash", b"/\xc0\xaf/x", each((b"/\xc0\xaf/x", None))),
    ("backslash", b"/a%5Cb", each((b"/a\\b", None))),
    ("backslashes-host", b"/%5C%5Cevil.com", each((b"/\\\\evil.com", None))),
    ("crlf", b"/a%0d%0aX-Evil:%201", each((b"/a\r\nX-Evil: 1", None))),
    ("controls", b"/%01%09%1b%7f", each((b"/\x01\t\x1b\x7f", None))),
    ("encoded-query-fragment", b"/a%3Fb%23c", each((b"/a?b#c", None))),
    ("long-path-8000", b"/" + b"a" * 8000, each((b"/" + b"a" * 8000, None))),
    ("long-escaped-path", b"/" + b"%C3%A9" * 1300,
     each((b"/" + b"\xc3\xa9" * 1300, None))),
    ("long-dotdot-path", b"/x/.." * 1500 + b"/y", each((b"/y", None))),
    ("path-over-limit", b"/" + b"a" * 8200, each(414)),
    ("long-query", b"/a?" + b"x=1&" * 1950, each((b"/a", b"x=1&" * 1950))),
    ("query-crlf-nul", b"/a?q=%0d%0a%00&r=%25%32%46",
     each((b"/a", b"q=%0d%0a%00&r=%25%32%46"))),
    ("query-raw-bytes", b"/a?q=\x80\xff", each((b"/a", b"q=\x80\xff"))),
    ("query-long-escapes", b"/a?" + b"%ff" * 2600, each((b"/a", b"%ff" * 2600))),
]

# Our rules: (id, method, prefix, status, host of the Location or None for
# the request's own).  "upgrade" is mod_alias's 302 turned into a 307.
RULES = [
    ("prefix", b"GET", b"/pfx", 307, None),
    ("regex", b"GET", b"/re", 307, None),
    ("regex-absolute", b"GET", b"/reabs", 308, EXTERNAL),
    ("upgrade", b"POST", b"/alias", 307, None),
]


# ----- helpers ------------------------------------------------------------------

def request(srv, method, target, mode):
    """One request on its own connection; (status, raw head)."""
    data = (b"%s %s HTTP/1.1\r\nHost: %s.test:%d\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n" % (method, target, mode.encode(), srv.port))
    chunks = []
    with socket.create_connection((HOST, srv.port), timeout=10) as s:
        s.sendall(data)
        while True:
            b = s.recv(65536)          # a timeout raises: nothing may hang
            if not b:
                break
            chunks.append(b)
    raw = b"".join(chunks)
    head, sep, _ = raw.partition(b"\r\n\r\n")
    assert sep, "no complete response to %r: %r" % (target[:200], raw[:300])
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", head)
    assert m, head[:300]
    return int(m.group(1)), head


HEADER_LINE = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \t]*[^\x00-\x08\x0a-\x1f\x7f]*$")


def check_head(head):
    """Every line of the head is one well-formed header: nothing injected."""
    assert b"\n" not in head.replace(b"\r\n", b""), head[:500]
    assert b"\r" not in head.replace(b"\r\n", b""), head[:500]
    for line in head.split(b"\r\n")[1:]:
        assert HEADER_LINE.match(line), line[:300]
        assert not line.lower().startswith((b"x-evil", b"set-cookie")), head[:500]


def location(head):
    locs = re.findall(rb"(?mi)^Location:[ \t]*(.*?)\r?$", head)
    assert len(locs) == 1, head[:500]
    return locs[0]


def check_location(loc, netloc, escaped=True):
    """No open redirect; escaped: only printable ASCII (ours always is)."""
    if escaped:
        bad = [c for c in loc if not 0x21 <= c <= 0x7e]
        assert not bad, "raw bytes %r in Location %r" % (bytes(bad[:10]), loc[:300])
    else:
        assert not [c for c in loc if c < 0x20 or c == 0x7f], loc[:300]
    parts = urlsplit(loc.decode("latin-1"))
    assert parts.scheme in ("http", "https"), loc[:300]
    assert parts.netloc == netloc, loc[:300]
    assert parts.path.startswith("/") and not parts.path.startswith("//"), loc[:300]
    assert "\\" not in parts.path, loc[:300]
    return parts


def decoded(text):
    """Percent-decoded bytes of a Location part (read as latin-1)."""
    return unquote_to_bytes(text.encode("latin-1") if isinstance(text, str) else text)


def own_netloc(srv, mode):
    return "%s.test:%d" % (mode, srv.port)


def no_crash(srv, mark):
    log = srv.error_log(mark)
    assert "exit signal" not in log, log[-2000:]
    assert "redirect307:error" not in log and "redirect307:crit" not in log, log[-2000:]


def case_ids(cases):
    return [c[0] for c in cases]


# ----- rules against hostile suffixes ----------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,suffix,expect", SUFFIX_CASES, ids=case_ids(SUFFIX_CASES))
@pytest.mark.parametrize("rule,method,prefix,status,host", RULES,
                         ids=[r[0] for r in RULES])
def test_hostile_suffix(srv, rule, method, prefix, status, host, name, suffix,
                        expect, mode):
    mark = srv.log_marks()[0]
    got, head = request(srv, method, prefix + suffix, mode)
    check_head(head)
    want = expect[mode]
    if isinstance(want, int):
        assert got == want, "%s %r (%s): expected %d, got %s" % (
            method.decode(), (prefix + suffix)[:120], mode, want, head[:400])
        assert b"\nLocation:" not in head, head[:400]
    else:
        rest, query = want
        assert got == status, "%s %r (%s): expected %d, got %s" % (
            method.decode(), (prefix + suffix)[:120], mode, status, head[:400])
        # mod_alias (behind the upgrade) copies the query string unescaped
        parts = check_location(location(head), host or own_netloc(srv, mode),
                               escaped=rule != "upgrade" or b"?" not in suffix)
        assert parts.scheme == ("https" if host else "http")
        assert decoded(parts.path) == b"/dest" + rest, parts.path[:300]
        if query is None:
            assert parts.query == "", parts.query[:300]
        else:
            assert decoded(parts.query) == decoded(query), \
                parts.query[:300]
        assert parts.fragment == ""
    no_crash(srv, mark)


CGI_UNMAPPABLE = {"long-path-8000": 403}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,suffix,expect", SUFFIX_CASES, ids=case_ids(SUFFIX_CASES))
def test_hostile_suffix_handler_302_upgraded(srv, name, suffix, expect, mode):
    """A CGI's own 302 behind a hostile PATH_INFO: upgraded to 307 with the
    script's Location untouched, or a 4xx from httpd's core."""
    mark = srv.log_marks()[0]
    got, head = request(srv, b"POST", b"/cgi-bin/s302" + suffix, mode)
    check_head(head)
    if name in CGI_UNMAPPABLE:
        # a PATH_INFO segment longer than NAME_MAX: httpd's directory walk
        # cannot stat it (AH00127 "Cannot map ...: File name too long")
        assert got == CGI_UNMAPPABLE[name], head[:400]
    elif isinstance(expect[mode], int):
        assert 400 <= got < 500, head[:400]
    else:
        assert got == 307, head[:400]
        assert location(head) == b"http://%s/dest" % srv.hostport.encode()
    no_crash(srv, mark)


LONG_CAPTURE = [
    ("ascii-8000", b"/" + b"a" * 7990, b"a" * 7990),
    ("escaped-2600", b"/" + b"%C3%A9" * 1300, b"\xc3\xa9" * 1300),
    ("controls-2600", b"/" + b"%0d%0a" * 1300, b"\r\n" * 1300),
    ("percent-2600", b"/" + b"%25" * 2600, b"%" * 2600),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,suffix,capture", LONG_CAPTURE,
                         ids=case_ids(LONG_CAPTURE))
def test_long_capture_used_three_times(srv, name, suffix, capture, mode):
    """`/dest/$1/$1/$1` with an 8 KB capture: a ~24 KB (up to 70 KB escaped)
    Location, correct and escaped."""
    mark = srv.log_marks()[0]
    got, head = request(srv, b"GET", b"/re3" + suffix, mode)
    check_head(head)
    assert got == 307, head[:400]
    parts = check_location(location(head), own_netloc(srv, mode))
    assert decoded(parts.path) == b"/dest/" + b"/".join([capture] * 3)
    no_crash(srv, mark)


# ----- whole URL-paths: the prefix itself encoded, maps -------------------------------------

PATH_CASES = [
    # the rule's own URL-path spelled in other ways
    ("prefix-unreserved-escaped", b"/%70fx/a", each(("/dest/a", None))),
    ("prefix-double-escaped", b"/%2570fx/a", each(404)),
    ("prefix-doubled-slash", b"//pfx/a", each(("/dest/a", None))),
    ("prefix-dot", b"/./pfx/a", each(("/dest/a", None))),
    ("prefix-after-dotdot", b"/x/../pfx/a", each(("/dest/a", None))),
    ("prefix-after-encoded-dotdot", b"/x/%2E%2E/pfx/a", each(("/dest/a", None))),
    ("prefix-not-segment", b"/pfxx/a", each(404)),
    ("prefix-case", b"/PFX/a", each(404)),
    ("prefix-encoded-slash", b"/pfx%2Fa", slashes(404, ("/dest/a", None), 404)),
    ("regex-encoded-slash", b"/re%2Fa", slashes(404, ("/dest/a", None), 404)),
    ("prefix-nul", b"/pfx%00/a", each(404)),
    # map entries match exactly the URL-path httpd decoded
    ("map-plain", b"/map/a", each(("/dest/a", None))),
    ("map-doubled-slash", b"/map//a", each(("/dest/a", None))),
    ("map-dotdot", b"/map/x/../a", each(("/dest/a", None))),
    ("map-encoded-dotdot", b"/map/x/%2e%2E/a", each(("/dest/a", None))),
    ("map-unreserved-escaped", b"/map/%61", each(("/dest/a", None))),
    ("map-trailing-slash", b"/map/a/", each(404)),
    ("map-case", b"/map/A", each(404)),
    ("map-nul", b"/map/a%00", each(404)),
    ("map-encoded-slash-after", b"/map/a%2F", each(404)),
    ("map-utf8-escaped", b"/map/caf%c3%a9", each(("/dest/cafe", None))),
    ("map-utf8-raw", b"/map/caf\xc3\xa9", each(("/dest/cafe", None))),
    ("map-overlong", b"/map/caf%C0%A9", each(404)),
    ("map-key-with-slash", b"/map/slash/x", each(("/dest/slash", None))),
    ("map-key-with-encoded-slash", b"/map/slash%2Fx",
     slashes(404, ("/dest/slash", None), 404)),
    ("map-double-encoded-key", b"/map/pct%2541", each(("/dest/pct", None))),
    ("map-single-decoded-key", b"/map/pct%41", each(404)),
    ("map-query-appended", b"/map/a?x=%0d%0a\xff", each(("/dest/a", b"x=%0d%0a\xff"))),
    ("map-own-query-kept", b"/map/q?x=%0d%0a", each(("/dest/q", b"own=1"))),
    ("map-long-miss", b"/map/" + b"%C3%A9" * 1300, each(404)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,path,expect", PATH_CASES, ids=case_ids(PATH_CASES))
def test_hostile_path(srv, name, path, expect, mode):
    mark = srv.log_marks()[0]
    got, head = request(srv, b"GET", path, mode)
    check_head(head)
    want = expect[mode]
    if isinstance(want, int):
        assert got == want, "GET %r (%s): expected %d, got %s" % (
            path[:120], mode, want, head[:400])
        assert b"\nLocation:" not in head, head[:400]
    else:
        dest, query = want
        assert got == 307, "GET %r (%s): expected 307, got %s" % (path[:120], mode,
                                                                  head[:400])
        parts = check_location(location(head), own_netloc(srv, mode))
        assert parts.path == dest, parts.path
        if query is None:
            assert parts.query == ""
        else:
            assert decoded(parts.query) == decoded(query), parts.query
    no_crash(srv, mark)


def test_server_still_answers_and_no_child_died(srv):
    for mode in MODES:
        got, head = request(srv, b"GET", b"/pfx/still/alive", mode)
        assert got == 307, head
    log = srv.error_log()
    assert "exit signal" not in log, log[-3000:]
    assert "AH00052" not in log, log[-3000:]
