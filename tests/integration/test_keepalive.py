"""A 307/308 to a request with a body leaves the keep-alive connection usable."""

import socket

import pytest

from conftest import module_server
from r307httpd import HOST, ResponseReader

CONF = r"""
Redirect307 /pay /cgi-bin/echo
Redirect308 /pay308 /cgi-bin/echo
<Directory "@HTDOCS@/late">
    Redirect307 /late /cgi-bin/echo
</Directory>
<Directory "@HTDOCS@/ht">
    AllowOverride FileInfo
</Directory>
"""

FILES = {
    "late/index.html": "late\n",
    "ht/.htaccess": "Redirect307 /ht/pay /cgi-bin/echo\n",
    "ht/index.html": "ht\n",
}

srv = module_server(CONF, FILES)

INDEX = b"<html><body>r307 index</body></html>\n"


def chunked(body, size=7):
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += b"%x\r\n%s\r\n" % (len(part), part)
    return out + b"0\r\n\r\n"


def request(srv, method, path, body, te_chunked):
    head = b"%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n" % (
        method, path, srv.hostport.encode())
    if te_chunked:
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(body)
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def follow_up(srv):
    return b"GET /index.html HTTP/1.1\r\nHost: %s\r\n\r\n" % srv.hostport.encode()


CASES = [
    (b"POST", b"/pay/x", 307),
    (b"PUT", b"/pay/x", 307),
    (b"POST", b"/pay308/x", 308),
    (b"PUT", b"/pay308/x", 308),
    (b"POST", b"/late/x", 307),
    (b"PUT", b"/ht/pay/x", 307),
]


def _check_first(resp, status, srv):
    assert resp.status == status, resp.raw_head
    assert resp.header("location") == srv.url("/cgi-bin/echo/x")
    assert b"<title>%d " % status in resp.body, resp.body
    assert (resp.header("connection") or "").lower() != "close", resp.raw_head


def _check_second(resp):
    assert resp.status == 200, resp.raw_head
    assert resp.body == INDEX


@pytest.mark.parametrize("te_chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("method,path,status", CASES,
                         ids=["%s %s" % (m.decode(), p.decode()) for m, p, _ in CASES])
def test_next_request_on_same_connection(srv, method, path, status, te_chunked):
    body = b"amount=10&" + b"a" * 3000
    with socket.create_connection((HOST, srv.port), timeout=10) as s:
        rd = ResponseReader(s)
        s.sendall(request(srv, method, path, body, te_chunked))
        _check_first(rd.read_response(), status, srv)
        s.sendall(follow_up(srv))
        _check_second(rd.read_response())
        # and a third one, through the redirect target itself
        s.sendall(request(srv, method, b"/cgi-bin/echo/x", b"n=3", te_chunked))
        third = rd.read_response()
        assert third.status == 200, third.raw_head
        assert b'"body": "n=3"' in third.body, third.body


@pytest.mark.parametrize("te_chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("method,path,status", CASES[:3] + CASES[4:5],
                         ids=["%s %s" % (m.decode(), p.decode())
                              for m, p, _ in CASES[:3] + CASES[4:5]])
def test_pipelined_requests(srv, method, path, status, te_chunked):
    """Body and the next request arrive in one packet: the body must be
    consumed exactly, not taken for the next request."""
    body = b"amount=10&GET /evil HTTP/1.1\r\n\r\n"
    with socket.create_connection((HOST, srv.port), timeout=10) as s:
        rd = ResponseReader(s)
        s.sendall(request(srv, method, path, body, te_chunked) + follow_up(srv)
                  + follow_up(srv))
        _check_first(rd.read_response(), status, srv)
        _check_second(rd.read_response())
        _check_second(rd.read_response())
        s.settimeout(1.0)
        try:
            extra = s.recv(1)
        except socket.timeout:
            extra = b""
        assert extra == b"", "unexpected further response data"


def test_large_body(srv):
    body = b"x" * (1024 * 1024)
    with socket.create_connection((HOST, srv.port), timeout=20) as s:
        rd = ResponseReader(s)
        s.sendall(request(srv, b"POST", b"/pay/x", body, False))
        _check_first(rd.read_response(), 307, srv)
        s.sendall(follow_up(srv))
        _check_second(rd.read_response())


def test_head_then_get_on_same_connection(srv):
    with socket.create_connection((HOST, srv.port), timeout=10) as s:
        rd = ResponseReader(s)
        s.sendall(b"HEAD /pay/x HTTP/1.1\r\nHost: %s\r\n\r\n" % srv.hostport.encode()
                  + follow_up(srv))
        first = rd.read_response(head_request=True)
        assert first.status == 307, first.raw_head
        assert first.header("location") == srv.url("/cgi-bin/echo/x")
        _check_second(rd.read_response())
