"""Matching, targets, query strings and the response itself (server config)."""

import re

import pytest
import requests

from conftest import module_server
from r307httpd import curl, raw_request

CONF = r"""
Redirect307 /old /new
Redirect307 /slash/ /slashtarget/
Redirect307 /root /
Redirect308 /perm https://example.com/v2
Redirect307 /abs http://other.example:8080/base
Redirect307 /withq /target?fixed=1
Redirect307 /frag /frag-target#sec
Redirect307 /sp /with%20space
Redirect307Match ^/orders/([0-9]+)$ /v2/orders/$1
Redirect308Match (?i)^/blog/(.*)$ https://blog.example.com/$1
Redirect307Match ^/two/([a-z]+)/([0-9]+)$ /swapped/$2/$1
Redirect307Match ^/whole/.*$ /all$0
Redirect307Match ^/dollar/(x)$ /price\$1/$1
Redirect307Match ^/rq/(.*)$ /rq-target/$1?from=rule

<Location /onearg>
    Redirect307 http://127.0.0.1:@PORT@/onearg-target
</Location>
<Location /onearg308>
    Redirect308 /one308-target
</Location>
"""

FILES = {
    "older": "older: not redirected\n",
    "slash": "slash without trailing slash\n",
    "orders/abc": "orders/abc\n",
}

srv = module_server(CONF, FILES)


def loc(srv, path):
    return "http://%s%s" % (srv.hostport, path)


def norm(url):
    """Percent-escapes compared without case (RFC 3986 6.2.2.1)."""
    return re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group(0).upper(), url or "")


def get(srv, path, *args):
    r = curl(srv.url(path), *args)
    assert r.returncode == 0, r
    return r


# ----- prefix rules: segment boundary and remainder -------------------------

@pytest.mark.parametrize("path,expected", [
    ("/old", "/new"),
    ("/old/", "/new/"),
    ("/old/x", "/new/x"),
    ("/old/x/y.html", "/new/x/y.html"),
    ("/slash/", "/slashtarget/"),
    ("/slash/deep/er", "/slashtarget/deep/er"),
    ("/root/x", "/x"),
    ("/root/", "/"),
    ("/root", "/"),
])
def test_prefix_redirects_with_remainder(srv, path, expected):
    r = get(srv, path)
    assert r.status == 307, r
    assert r.header("location") == loc(srv, expected)


@pytest.mark.parametrize("path,status", [
    ("/older", 200),        # /old never matches /older
    ("/oldx/y", 404),
    ("/slash", 200),        # "/slash/" does not match "/slash"
    ("/ol", 404),
])
def test_prefix_respects_segment_boundary(srv, path, status):
    r = get(srv, path)
    assert r.status == status, r
    assert r.header("location") is None


@pytest.mark.parametrize("path,expected", [
    ("/old/a%20b", "/new/a%20b"),               # space
    ("/old/caf%C3%A9", "/new/caf%C3%A9"),       # non-ASCII
    ("/old/%3Fnot-a-query", "/new/%3Fnot-a-query"),  # '?' in the path
    ("/old/%23nofrag", "/new/%23nofrag"),       # '#' in the path
    ("/old/100%25", "/new/100%25"),             # '%' itself
    ("/old/a%22b%3Cc%3E", "/new/a%22b%3Cc%3E"),  # " < >
    ("/old/x:y@z!$&'()*+,;=", "/new/x:y@z!$&'()*+,;="),  # kept as they are
])
def test_prefix_remainder_is_escaped(srv, path, expected):
    r = get(srv, path)
    assert r.status == 307, r
    assert norm(r.header("location")) == loc(srv, expected)


def test_remainder_goes_before_target_fragment(srv):
    r = get(srv, "/frag/x")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/frag-target/x#sec")


def test_literal_target_percent_kept(srv):
    r = get(srv, "/sp")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/with%20space")


# ----- one-argument form in <Location> --------------------------------------

@pytest.mark.parametrize("path", ["/onearg", "/onearg/", "/onearg/deep/page.html"])
def test_one_argument_form_in_location(srv, path):
    r = get(srv, path)
    assert r.status == 307, r
    assert r.header("location") == "http://%s/onearg-target" % srv.hostport


def test_one_argument_form_308_path_target(srv):
    r = get(srv, "/onearg308/anything")
    assert r.status == 308, r
    assert r.header("location") == loc(srv, "/one308-target")


def test_one_argument_form_query_appended(srv):
    r = get(srv, "/onearg/x?q=1")
    assert r.status == 307, r
    assert r.header("location") == "http://%s/onearg-target?q=1" % srv.hostport


# ----- regex rules ------------------------------------------------------------

def test_match_with_capture(srv):
    r = get(srv, "/orders/42")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/v2/orders/42")


@pytest.mark.parametrize("path,status", [("/orders/abc", 200), ("/orders/42/x", 404),
                                         ("/xorders/42", 404)])
def test_match_anchors(srv, path, status):
    r = get(srv, path)
    assert r.status == status, r


@pytest.mark.parametrize("path,expected", [
    ("/blog/hello", "https://blog.example.com/hello"),
    ("/BLOG/Hello", "https://blog.example.com/Hello"),
    ("/Blog/a%20b", "https://blog.example.com/a%20b"),
    ("/blog/%C3%A9t%C3%A9", "https://blog.example.com/%C3%A9t%C3%A9"),
    ("/blog/x/y?z=1", "https://blog.example.com/x/y?z=1"),
])
def test_match_case_insensitive_absolute_308(srv, path, expected):
    r = get(srv, path)
    assert r.status == 308, r
    assert norm(r.header("location")) == expected


def test_match_several_captures(srv):
    r = get(srv, "/two/abc/12")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/swapped/12/abc")


def test_match_dollar_zero(srv):
    r = get(srv, "/whole/x")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/all/whole/x")


def test_match_escaped_dollar_is_literal(srv):
    r = get(srv, "/dollar/x")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/price$1/x")


def test_match_against_normalised_path(srv):
    r = get(srv, "/orders/../blog/", "--path-as-is")  # httpd normalises first
    assert r.status == 308, r
    assert r.header("location") == "https://blog.example.com/"


def test_dollar_matches_only_at_end(srv):
    # DOLLAR_ENDONLY, as ap_regex: "$" does not match before a final newline
    r = get(srv, "/two/abc/12%0a")
    assert r.status == 404, r


# ----- targets ----------------------------------------------------------------

def test_absolute_target_with_remainder(srv):
    r = get(srv, "/perm/users/7")
    assert r.status == 308, r
    assert r.header("location") == "https://example.com/v2/users/7"


def test_absolute_target_other_port(srv):
    r = get(srv, "/abs/x")
    assert r.status == 307, r
    assert r.header("location") == "http://other.example:8080/base/x"


def test_path_target_made_absolute_from_host_header(srv):
    r = get(srv, "/old/h", "-H", "Host: www.example.org:%d" % srv.port)
    assert r.status == 307, r
    assert r.header("location") == "http://www.example.org:%d/new/h" % srv.port


def test_absolute_target_ignores_host_header(srv):
    r = get(srv, "/perm/x", "-H", "Host: evil.example")
    assert r.status == 308, r
    assert r.header("location") == "https://example.com/v2/x"


# ----- query strings ----------------------------------------------------------

def test_query_string_appended(srv):
    r = get(srv, "/old/x?a=1&b=two%20words")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/new/x?a=1&b=two%20words")


def test_query_string_appended_to_absolute(srv):
    r = get(srv, "/perm?page=2")
    assert r.header("location") == "https://example.com/v2?page=2"


def test_target_query_kept_request_query_dropped(srv):
    r = get(srv, "/withq?a=1")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/target?fixed=1")
    r = get(srv, "/withq/sub?a=1")
    assert r.header("location") == loc(srv, "/target/sub?fixed=1")


def test_regex_target_query_kept(srv):
    r = get(srv, "/rq/abc?mine=1")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/rq-target/abc?from=rule")


def test_regex_query_appended(srv):
    r = get(srv, "/orders/9?x=y")
    assert r.header("location") == loc(srv, "/v2/orders/9?x=y")


# ----- the response -------------------------------------------------------------

def test_307_response_body(srv):
    r = requests.get(srv.url("/old/page"), allow_redirects=False, timeout=10)
    assert r.status_code == 307
    assert r.reason == "Temporary Redirect"
    target = loc(srv, "/new/page")
    assert r.headers["Location"] == target
    assert "<title>307 Temporary Redirect</title>" in r.text
    assert 'The document has moved <a href="%s">here</a>.' % target in r.text
    assert r.headers["Content-Type"].startswith("text/html")


def test_308_response_body(srv):
    r = requests.get(srv.url("/perm/p"), allow_redirects=False, timeout=10)
    assert r.status_code == 308
    assert r.reason == "Permanent Redirect"
    assert r.headers["Location"] == "https://example.com/v2/p"
    assert "<title>308 Permanent Redirect</title>" in r.text
    assert 'The document has moved <a href="https://example.com/v2/p">here</a>.' in r.text


@pytest.mark.parametrize("path,status", [("/old/x", 307), ("/perm/x", 308)])
def test_head_has_no_body(srv, path, status):
    raw = raw_request(srv.port, b"HEAD %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                      % (path.encode(), srv.hostport.encode()))
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, raw
    assert head.startswith(b"HTTP/1.1 %d " % status), head
    assert re.search(rb"(?mi)^Location: \S+", head), head
    assert body == b""


def test_get_and_post_get_same_redirect(srv):
    for args in ([], ["-d", "a=1"], ["-X", "PUT", "-d", "a=1"], ["-X", "DELETE"],
                 ["-X", "OPTIONS"], ["-X", "PATCH", "-d", "x"]):
        r = get(srv, "/old/m", *args)
        assert r.status == 307, (args, r)
        assert r.header("location") == loc(srv, "/new/m"), args


def test_env_var_names_rule(srv):
    mark = len(srv.access_log())
    get(srv, "/orders/77")
    log = srv.wait_access_log("/orders/77", since=mark)
    line = srv.conf_line("Redirect307Match ^/orders/")
    assert 'rule="%s:%d 307"' % (srv.conf_path, line) in log, log
