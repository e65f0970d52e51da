"""Real clients following 307/308: method and body arrive at the echo CGI."""

import pytest
import requests

from conftest import module_server
from r307httpd import curl

CONF = r"""
Redirect307 /pay /cgi-bin/echo
Redirect308 /pay308 /cgi-bin/echo
Redirect307Match ^/api/v1/(.*)$ /cgi-bin/echo/v2/$1
# control: mod_alias 302, which clients follow with GET
Redirect 302 /pay302 /cgi-bin/echo
"""

srv = module_server(CONF)


def follow(srv, path, *args, input=None):
    r = curl(srv.url(path), "-L", *args, input=input)
    assert r.returncode == 0, r
    return r


@pytest.mark.parametrize("prefix,status", [("/pay", 307), ("/pay308", 308)])
def test_curl_follows_post_with_body(srv, prefix, status):
    r = follow(srv, prefix + "?order=5", "-d", "amount=10")
    assert r.statuses == [status, 200], r
    assert r.header("location", 0) == srv.url("/cgi-bin/echo?order=5")
    echo = r.json()
    assert echo["method"] == "POST"
    assert echo["body"] == "amount=10"
    assert echo["query"] == "order=5"
    assert echo["content_type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize("prefix,status", [("/pay", 307), ("/pay308", 308)])
def test_curl_follows_put_with_body(srv, prefix, status):
    body = '{"amount": 10, "currency": "EUR"}'
    r = follow(srv, prefix + "/put", "-X", "PUT", "-H", "Content-Type: application/json",
               "--data-binary", body)
    assert r.statuses == [status, 200], r
    echo = r.json()
    assert echo["method"] == "PUT"
    assert echo["body"] == body
    assert echo["path_info"] == "/put"
    assert echo["content_type"] == "application/json"


@pytest.mark.parametrize("prefix,status", [("/pay", 307), ("/pay308", 308)])
def test_curl_follows_delete_with_body(srv, prefix, status):
    r = follow(srv, prefix + "/item/3", "-X", "DELETE", "-d", "reason=dup")
    assert r.statuses == [status, 200], r
    echo = r.json()
    assert echo["method"] == "DELETE"
    assert echo["body"] == "reason=dup"
    assert echo["path_info"] == "/item/3"


def test_curl_follows_chunked_post(srv):
    body = b"x" * 5000 + b"END"
    r = follow(srv, "/pay/chunked", "-H", "Transfer-Encoding: chunked",
               "--data-binary", "@-", input=body)
    assert r.statuses == [307, 200], r
    echo = r.json()
    assert echo["method"] == "POST"
    assert echo["body"] == body.decode()


def test_curl_follows_binary_post_through_regex_rule(srv):
    body = bytes(range(1, 256)).replace(b"\r", b"").decode("latin-1").encode("utf-8")
    r = follow(srv, "/api/v1/orders/12", "-H", "Content-Type: application/octet-stream",
               "--data-binary", "@-", input=body)
    assert r.statuses == [307, 200], r
    assert r.header("location", 0) == srv.url("/cgi-bin/echo/v2/orders/12")
    echo = r.json()
    assert echo["method"] == "POST"
    assert echo["body"].encode("utf-8") == body
    assert echo["path_info"] == "/v2/orders/12"


def test_control_302_turns_post_into_get(srv):
    """Shows the echo endpoint would notice a lost method/body."""
    r = follow(srv, "/pay302", "-d", "amount=10")
    assert r.statuses == [302, 200], r
    echo = r.json()
    assert echo["method"] == "GET"
    assert echo["body"] == ""


@pytest.mark.parametrize("prefix,status", [("/pay", 307), ("/pay308", 308)])
def test_requests_follows_post(srv, prefix, status):
    r = requests.post(srv.url(prefix + "/r?x=1"), data={"amount": "10", "note": "a b"},
                      timeout=10)
    assert [h.status_code for h in r.history] == [status]
    assert r.history[0].headers["Location"] == srv.url("/cgi-bin/echo/r?x=1")
    assert r.status_code == 200
    echo = r.json()
    assert echo["method"] == "POST"
    assert echo["body"] == "amount=10&note=a+b"
    assert echo["query"] == "x=1"
    assert echo["path_info"] == "/r"


@pytest.mark.parametrize("prefix,status", [("/pay", 307), ("/pay308", 308)])
def test_requests_follows_put_json(srv, prefix, status):
    r = requests.put(srv.url(prefix), json={"amount": 10}, timeout=10)
    assert [h.status_code for h in r.history] == [status]
    echo = r.json()
    assert echo["method"] == "PUT"
    assert echo["body"] == '{"amount": 10}'
    assert echo["content_type"] == "application/json"


def test_requests_session_keepalive_follow(srv):
    """Several POSTs through a 307 on one pooled keep-alive connection."""
    with requests.Session() as s:
        for i in range(5):
            r = s.post(srv.url("/pay/k%d" % i), data="n=%d" % i, timeout=10)
            assert [h.status_code for h in r.history] == [307]
            assert r.json()["body"] == "n=%d" % i
            assert r.json()["path_info"] == "/k%d" % i
