# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""Request bodies after a redirect: what httpd reads, when the connection
survives, and that nothing in a body is ever taken for a request.

The behaviour tested (docs/evaluation-order.md, "Request bodies and
connections"), for a 307/308 of a Redirect307/308 rule or map entry and for a
302 upgraded to 307 by RedirectUpgrade On:

- Content-Length <= 1 MiB: httpd reads and drops the body; the connection is
  kept and the next request on it is answered.
- Content-Length > 1 MiB: the body is not read; the response says
  `Connection: close` and the server closes the connection after it.
- chunked: read up to 1 MiB; ending within that, the connection is kept,
  otherwise `Connection: close`.
- `Expect: 100-continue`: no `100 Continue` before the final 307/308, no body
  read, `Connection: close`.

Every socket read is bounded by a timeout, so a server that hangs fails a
test instead of hanging the suite.
"""

import socket
import threading
import time

import pytest

from conftest import module_server
from r307httpd import HOST, ResponseReader

MiB = 1024 * 1024
LIMIT = MiB                     # R307_DISCARD_LIMIT in mod_redirect307.c

CONF = r"""
Redirect307 /r307 /cgi-bin/echo
Redirect308 /r308 /cgi-bin/echo
Redirect307Map "@HTDOCS@/bodies.map"
Redirect 302 /alias302 /cgi-bin/echo
RedirectUpgrade On
"""

FILES = {
    "bodies.map": "/map307 /cgi-bin/echo/x\n/map308 /cgi-bin/echo/x 308\n",
    # what a request smuggled in a body would ask for
    "secret": "the secret\n",
}

srv = module_server(CONF, FILES)

INDEX = b"<html><body>r307 index</body></html>\n"

# (id, request path, status); every one redirects to /cgi-bin/echo/x
RULES = [
    ("Redirect307", b"/r307/x", 307),
    ("Redirect308", b"/r308/x", 308),
    ("map-307", b"/map307", 307),
    ("map-308", b"/map308", 308),
    ("upgraded-302", b"/alias302/x", 307),
]
RULE_IDS = [r[0] for r in RULES]
METHODS = [b"POST", b"PUT"]

SMUGGLED = b"GET /secret HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


# ----- helpers ----------------------------------------------------------------------

def chunked(body, size=4096):
    out = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
           for i in range(0, len(body), size)]
    return b"".join(out) + b"0\r\n\r\n"


def head(srv, method, path, extra=b""):
    return (b"%s %s HTTP/1.1\r\nHost: %s\r\n"
            b"Content-Type: application/octet-stream\r\n%s\r\n"
            % (method, path, srv.hostport.encode(), extra))


def with_length(srv, method, path, body, declared=None, extra=b""):
    n = len(body) if declared is None else declared
    return head(srv, method, path, b"Content-Length: %d\r\n" % n + extra) + body


def with_chunks(srv, method, path, body, extra=b""):
    return head(srv, method, path, b"Transfer-Encoding: chunked\r\n" + extra) \
        + chunked(body)


def get_index(srv):
    return b"GET /index.html HTTP/1.1\r\nHost: %s\r\n\r\n" % srv.hostport.encode()


def connect(srv, timeout=10):
    return socket.create_connection((HOST, srv.port), timeout=timeout)


def drain(sock, timeout):
    """(bytes the server still sent, True if it closed the connection)
    within `timeout` seconds; a reset counts as closed."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, False
        sock.settimeout(left)
        try:
            b = sock.recv(65536)
        except socket.timeout:
            return data, False
        except (ConnectionResetError, BrokenPipeError):
            return data, True
        if not b:
            return data, True
        data += b


class Sender(threading.Thread):
    """Sends bytes in the background (a server that stops reading must not
    block the test); send errors after the server closed are expected."""

    def __init__(self, sock, data):
        super().__init__(daemon=True)
        self.sock, self.data, self.error = sock, data, None

    def run(self):
        try:
            view = memoryview(self.data)
            for i in range(0, len(view), 256 * 1024):
                self.sock.sendall(view[i:i + 256 * 1024])
        except OSError as e:
            self.error = e


def check_redirect(resp, srv, status):
    assert resp.status == status, resp.raw_head
    assert resp.header("location") == srv.url("/cgi-bin/echo/x"), resp.raw_head
    assert b"<title>%d " % status in resp.body, resp.body


def is_close(resp):
    return "close" in (resp.header("connection") or "").lower()


def check_kept(rd, sock, srv, resp, status):
    """The redirect kept the connection: the next requests are answered."""
    check_redirect(resp, srv, status)
    assert not is_close(resp), resp.raw_head
    sock.sendall(get_index(srv))
    nxt = rd.read_response()
    assert nxt.status == 200 and nxt.body == INDEX, (nxt.raw_head, nxt.body)
    # a body on the kept connection arrives intact at the redirect target
    sock.sendall(with_length(srv, b"POST", b"/cgi-bin/echo/next", b"n=3&after=1"))
    echo = rd.read_response()
    assert echo.status == 200, echo.raw_head
    assert b'"body": "n=3&after=1"' in echo.body, echo.body


def check_closed(rd, sock, srv, resp, status):
    """The redirect announced Connection: close: the server closes and
    answers nothing more, whatever the client sent after the headers."""
    check_redirect(resp, srv, status)
    assert is_close(resp), resp.raw_head
    rest, closed = drain(sock, 5.0)
    rest = rd.buf + rest
    assert b"HTTP/" not in rest, rest[:300]
    assert closed, "server kept the connection open after Connection: close"


def no_secret(srv, mark):
    log = srv.access_log(mark)
    assert "/secret" not in log, log


# ----- bodies by Content-Length -------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1024, LIMIT], ids=["0B", "1KB", "1MiB"])
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.decode())
@pytest.mark.parametrize("rule,path,status", RULES, ids=RULE_IDS)
def test_content_length_body_up_to_limit_keeps_connection(srv, rule, path, status,
                                                          method, size):
    body = (b"amount=10&" * (size // 10 + 1))[:size]
    with connect(srv) as s:
        rd = ResponseReader(s)
        sender = Sender(s, with_length(srv, method, path, body))
        sender.start()
        resp = rd.read_response()
        sender.join(10)
        assert sender.error is None, sender.error
        check_kept(rd, s, srv, resp, status)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.decode())
@pytest.mark.parametrize("rule,path,status", RULES, ids=RULE_IDS)
def test_10mb_content_length_answered_at_once_without_reading_body(srv, rule, path,
                                                                   status, method):
    """Headers only: the body is never sent, yet the redirect arrives at
    once, so the server did not wait for (read) it."""
    with connect(srv) as s:
        rd = ResponseReader(s)
        t0 = time.monotonic()
        s.sendall(with_length(srv, method, path, b"", declared=10 * MiB))
        s.settimeout(3.0)
        resp = rd.read_response()
        elapsed = time.monotonic() - t0
        assert elapsed < 1.0, \
            "redirect took %.2fs: did the server wait for the body?" % elapsed
        check_closed(rd, s, srv, resp, status)


@pytest.mark.parametrize("rule,path,status", RULES, ids=RULE_IDS)
def test_10mb_content_length_sent_in_full(srv, rule, path, status):
    """The client sends all 10 MB (and a request after them): one response,
    Connection: close, and the request after the body is not answered."""
    mark = srv.log_marks()[1]
    body = SMUGGLED + b"z" * (10 * MiB - len(SMUGGLED))
    with connect(srv) as s:
        rd = ResponseReader(s)
        sender = Sender(s, with_length(srv, b"POST", path, body) + get_index(srv))
        sender.start()
        resp = rd.read_response()
        check_closed(rd, s, srv, resp, status)
        sender.join(10)
    srv.wait_access_log(path.decode(), since=mark)
    no_secret(srv, mark)


@pytest.mark.parametrize("size,kept", [(LIMIT, True), (LIMIT + 1, False)],
                         ids=["1MiB-kept", "1MiB+1-closed"])
@pytest.mark.parametrize("rule,path,status", [RULES[0], RULES[4]],
                         ids=[RULE_IDS[0], RULE_IDS[4]])
def test_content_length_limit_boundary(srv, rule, path, status, size, kept):
    with connect(srv) as s:
        rd = ResponseReader(s)
        sender = Sender(s, with_length(srv, b"POST", path, b"b" * size))
        sender.start()
        resp = rd.read_response()
        if kept:
            sender.join(10)
            check_kept(rd, s, srv, resp, status)
        else:
            check_closed(rd, s, srv, resp, status)


# ----- chunked bodies -------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 3000, LIMIT], ids=["empty", "3000B", "1MiB"])
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.decode())
@pytest.mark.parametrize("rule,path,status", RULES, ids=RULE_IDS)
def test_chunked_body_within_limit_keeps_connection(srv, rule, path, status, method,
                                                   size):
    body = (b"chunk-data;" * (size // 11 + 1))[:size]
    with connect(srv) as s:
        rd = ResponseReader(s)
        sender = Sender(s, with_chunks(srv, method, path, body))
        sender.start()
        resp = rd.read_response()
        sender.join(10)
        assert sender.error is None, sender.error
        check_kept(rd, s, srv, resp, status)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.decode())
@pytest.mark.parametrize("rule,path,status", RULES, ids=RULE_IDS)
def test_chunked_body_over_limit_closes_connection(srv, rule, path, status, method):
    """2 MiB chunked, a request hidden after the first MiB, and a real one
    after the body: one response, Connection: close, nothing else answered."""
    mark = srv.log_marks()[1]
    data = b"c" * (LIMIT + 200 * 1024) + b"\r\n\r\n" + SMUGGLED + b"d" * (800 * 1024)
    with connect(srv) as s:
        rd = ResponseReader(s)
        sender = Sender(s, with_chunks(srv, method, path, data) + get_index(srv))
        sender.start()
        resp = rd.read_response()
        check_closed(rd, s, srv, resp, status)
        sender.join(10)
    srv.wait_access_log(path.decode(), since=mark)
    no_secret(srv, mark)


@pytest.mark.parametrize("rule,path,status", [RULES[0], RULES[4]],
                         ids=[RULE_IDS[0], RULE_IDS[4]])
def test_chunked_body_read_before_redirect_is_sent(srv, rule, path, status):
    """The chunked body (up to 1 MiB) is read before the response: a body
    still arriving holds the redirect back until it ends."""
    with connect(srv) as s:
        rd = ResponseReader(s)
        s.sendall(head(srv, b"POST", path, b"Transfer-Encoding: chunked\r\n")
                  + b"5\r\nhello\r\n")
        early, closed = drain(s, 0.5)
        assert (early, closed) == (b"", False), early[:300]
        s.sendall(b"6\r\n world\r\n0\r\n\r\n")
        s.settimeout(5.0)
        check_kept(rd, s, srv, rd.read_response(), status)


@pytest.mark.parametrize("rule,path,status", [RULES[0], RULES[4]],
                         ids=[RULE_IDS[0], RULE_IDS[4]])
def test_chunked_body_one_byte_over_limit_closes(srv, rule, path, status):
    with connect(srv) as s:
        rd = ResponseReader(s)
        sender = Sender(s, with_chunks(srv, b"POST", path, b"e" * (LIMIT + 1)))
        sender.start()
        resp = rd.read_response()
        check_closed(rd, s, srv, resp, status)
        sender.join(10)


# ----- Expect: 100-continue -------------------------------------------------------------

EXPECT_FRAMINGS = {
    "length-10": b"Content-Length: 10\r\n",
    "length-10MB": b"Content-Length: %d\r\n" % (10 * MiB),
    "chunked": b"Transfer-Encoding: chunked\r\n",
}


@pytest.mark.parametrize("framing", list(EXPECT_FRAMINGS))
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.decode())
@pytest.mark.parametrize("rule,path,status", RULES, ids=RULE_IDS)
def test_expect_100_continue_gets_final_redirect_only(srv, rule, path, status,
                                                      method, framing):
    mark = srv.log_marks()[1]
    with connect(srv) as s:
        s.sendall(head(srv, method, path,
                       EXPECT_FRAMINGS[framing] + b"Expect: 100-continue\r\n"))
        s.settimeout(3.0)
        rd = ResponseReader(s)
        resp = rd.read_response()
        assert resp.status_line.startswith(b"HTTP/1.1 %d " % status), resp.raw_head
        assert b" 100 " not in resp.raw_head.split(b"\r\n")[0]
        check_redirect(resp, srv, status)
        assert is_close(resp), resp.raw_head
        # a client that sends the body anyway (here: a request) gets nothing
        try:
            s.sendall(SMUGGLED)
        except OSError:
            pass
        rest, closed = drain(s, 5.0)
        rest = rd.buf + rest
        assert b"HTTP/" not in rest, rest[:300]
        assert closed, "server kept the connection open after Connection: close"
    srv.wait_access_log(path.decode(), since=mark)
    no_secret(srv, mark)


# ----- pipelining and requests hidden in bodies ------------------------------------------

def test_three_pipelined_requests_with_bodies_answered_in_order(srv):
    body = b"amount=10&note=" + b"p" * 1000
    data = (with_length(srv, b"POST", b"/r307/x", body)
            + with_chunks(srv, b"PUT", b"/map308", body)
            + with_length(srv, b"POST", b"/alias302/x", body)
            + with_chunks(srv, b"PUT", b"/r308/x", b"")
            + with_length(srv, b"POST", b"/map307", b"")
            + get_index(srv))
    with connect(srv) as s:
        rd = ResponseReader(s)
        s.sendall(data)
        for status in (307, 308, 307, 308, 307):
            resp = rd.read_response()
            check_redirect(resp, srv, status)
            assert not is_close(resp), resp.raw_head
        last = rd.read_response()
        assert last.status == 200 and last.body == INDEX, last.raw_head
        rest, closed = drain(s, 0.5)
        assert (rd.buf + rest, closed) == (b"", False)


@pytest.mark.parametrize("te_chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("rule,path,status", RULES, ids=RULE_IDS)
def test_request_hidden_in_body_never_answered(srv, rule, path, status, te_chunked):
    """Body bytes that look like requests, pipelined with a real request:
    exactly two responses, and /secret is never served."""
    mark = srv.log_marks()[1]
    body = SMUGGLED + b"x=1&" + SMUGGLED + SMUGGLED[:20]
    build = with_chunks if te_chunked else with_length
    with connect(srv) as s:
        rd = ResponseReader(s)
        s.sendall(build(srv, b"POST", path, body) + get_index(srv))
        check_redirect(rd.read_response(), srv, status)
        second = rd.read_response()
        assert second.status == 200 and second.body == INDEX, second.raw_head
        rest, closed = drain(s, 0.5)
        assert rd.buf + rest == b"", "a third response: %r" % (rd.buf + rest)[:300]
        assert not closed
    srv.wait_access_log("GET /index.html", since=mark)
    no_secret(srv, mark)


@pytest.mark.parametrize("rule,path,status", RULES, ids=RULE_IDS)
def test_pipelined_after_unread_large_body_not_answered(srv, rule, path, status):
    """A redirect that closes the connection ends the pipeline: the bytes
    after its headers (declared as body) are never parsed as requests."""
    mark = srv.log_marks()[1]
    first = with_length(srv, b"POST", b"/r307/x", b"small")
    second = with_length(srv, b"POST", path, b"", declared=LIMIT + 1)
    with connect(srv) as s:
        rd = ResponseReader(s)
        s.sendall(first + second + SMUGGLED + get_index(srv))
        resp = rd.read_response()
        check_redirect(resp, srv, 307)
        assert not is_close(resp), resp.raw_head
        s.settimeout(3.0)
        check_closed(rd, s, srv, rd.read_response(), status)
    srv.wait_access_log(path.decode(), since=mark)
    no_secret(srv, mark)
    assert "GET /index.html" not in srv.access_log(mark)


def test_server_healthy_after_bodies(srv):
    with connect(srv) as s:
        rd = ResponseReader(s)
        s.sendall(get_index(srv))
        assert rd.read_response().status == 200
    assert "exit signal" not in srv.error_log()
