"""Evaluation order: written order, deeper scopes first, mod_alias,
mod_rewrite, subrequests, and no rule firing twice."""

import re

import pytest

from conftest import module_server
from r307httpd import curl, raw_request

CONF = r"""
# within one scope: written order, first match wins
Redirect307 /ord /first
Redirect307 /ord/x /second
Redirect307Match ^/mix/ /mix-regex
Redirect307 /mix /mix-prefix
Redirect308 /st /st-308
Redirect307 /st /st-307

# <Location> before server config
Redirect307 /lp/page /server-target
<Location /lp>
    Redirect307 /lp/page /location-target
</Location>

# mod_alias Redirect written first, still ours wins
Redirect 302 /al /alias-target
Redirect307 /al /r307-target
RedirectMatch 301 ^/alm/(.*)$ /alias-match/$1
Redirect307Match ^/alm/(.*)$ /r307-match/$1

# server-level mod_rewrite [R] fires before us (as before mod_alias)
RewriteEngine On
RewriteRule ^/rw(/.*)?$ /rewrite-target$1 [R=302,L]
Redirect307 /rw /r307-rw
Redirect307 /rwx /r307-rwx

# subrequests are not redirected
Redirect307 /incl /must-not-redirect-subrequest
<Directory "@HTDOCS@/incl2">
    Redirect307 /incl2 /must-not-redirect-subrequest2
</Directory>

<Directory "@HTDOCS@/ht">
    AllowOverride FileInfo
    Redirect307 /ht/dvh /from-directory
    Redirect307 /ht/donly /directory-only
</Directory>

# the same URL covered by <Location> and <Directory>
<Location /dbl>
    Redirect307 /dbl /from-location
</Location>
<Directory "@HTDOCS@/dbl">
    Redirect307 /dbl /from-directory
    Redirect307 /dbl/donly /dbl-directory-only
</Directory>
"""

FILES = {
    "ht/.htaccess": (
        "# parent .htaccess\n"
        "Redirect307 /ht/sub/page /parent-target\n"
        "Redirect307 /ht/p /parent-only\n"
        "Redirect307 /ht/sub/only-parent /parent-sub\n"
        "Redirect307 /ht/o /ht-first\n"
        "Redirect307 /ht/o/x /ht-second\n"
        "Redirect 302 /ht/al /alias-ht\n"
        "Redirect307 /ht/al /r307-ht\n"
        "Redirect307 /ht/dvh /from-htaccess\n"
        "RewriteEngine On\n"
        "RewriteRule ^rwh$ /rewrite-ht [R=302,L]\n"
        "Redirect307 /ht/rwh /r307-rwh\n"
    ),
    "ht/sub/.htaccess": "Redirect307 /ht/sub/page /child-target\n",
    "ht/sub/page": "HT-SUB-PAGE\n",
    "incl/part.html": "PART-CONTENT\n",
    "incl2/part.html": "PART2-CONTENT\n",
    "inc/page.shtml": 'BEFORE <!--#include virtual="/incl/part.html" --> AFTER\n',
    "inc/page2.shtml": 'BEFORE <!--#include virtual="/incl2/part.html" --> AFTER\n',
    "inc/page3.shtml": 'BEFORE <!--#include virtual="/ht/sub/page" --> AFTER\n',
    "dbl/index.html": "dbl\n",
}

srv = module_server(CONF, FILES)


def get(srv, path, *args):
    r = curl(srv.url(path), *args)
    assert r.returncode == 0, r
    return r


def loc(srv, path):
    return "http://%s%s" % (srv.hostport, path)


@pytest.mark.parametrize("path,status,target", [
    ("/ord/x", 307, "/first/x"),          # first written wins, not the longest
    ("/mix/a", 307, "/mix-regex"),        # regex written before the prefix rule
    ("/mix", 307, "/mix-prefix"),
    ("/st", 308, "/st-308"),
])
def test_first_match_in_written_order(srv, path, status, target):
    r = get(srv, path)
    assert r.status == status, r
    assert r.header("location") == loc(srv, target)


def test_location_before_server(srv):
    r = get(srv, "/lp/page")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/location-target")


def test_subdirectory_htaccess_before_parent(srv):
    r = get(srv, "/ht/sub/page")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/child-target")


def test_parent_htaccess_still_applies_in_subdirectory(srv):
    r = get(srv, "/ht/sub/only-parent/z")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/parent-sub/z")
    r = get(srv, "/ht/p")
    assert r.header("location") == loc(srv, "/parent-only")


def test_htaccess_written_order(srv):
    r = get(srv, "/ht/o/x")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/ht-first/x")


def test_htaccess_before_directory(srv):
    r = get(srv, "/ht/dvh")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/from-htaccess")
    r = get(srv, "/ht/donly")
    assert r.header("location") == loc(srv, "/directory-only")


# ----- mod_alias ------------------------------------------------------------------

def test_wins_over_mod_alias_redirect_server(srv):
    r = get(srv, "/al/x")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/r307-target/x")


def test_wins_over_mod_alias_redirectmatch_server(srv):
    r = get(srv, "/alm/y")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/r307-match/y")


def test_wins_over_mod_alias_redirect_htaccess(srv):
    r = get(srv, "/ht/al/x")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/r307-ht/x")


# ----- mod_rewrite -----------------------------------------------------------------

def test_server_rewrite_redirect_fires_first(srv):
    r = get(srv, "/rw/a")
    assert r.status == 302, r
    assert r.header("location") == loc(srv, "/rewrite-target/a")


def test_rewrite_not_matching_leaves_ours(srv):
    r = get(srv, "/rwx/a")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/r307-rwx/a")


def test_htaccess_rewrite_redirect_fires_first(srv):
    r = get(srv, "/ht/rwh")
    assert r.status == 302, r
    assert r.header("location") == loc(srv, "/rewrite-ht")


# ----- subrequests --------------------------------------------------------------------

@pytest.mark.parametrize("page,direct,content", [
    ("/inc/page.shtml", "/incl/part.html", "PART-CONTENT"),     # server rule
    ("/inc/page2.shtml", "/incl2/part.html", "PART2-CONTENT"),  # <Directory> rule
    ("/inc/page3.shtml", "/ht/sub/page", "HT-SUB-PAGE"),        # .htaccess rule
])
def test_subrequest_not_redirected(srv, page, direct, content):
    r = get(srv, direct)
    assert r.status == 307, r                  # the URL itself is redirected
    r = get(srv, page)
    assert r.status == 200, r
    assert r.text == "BEFORE %s\n AFTER\n" % content, r
    assert "error occurred" not in r.text


# ----- no rule fires twice ---------------------------------------------------------------

def test_location_and_directory_rule_only_location_fires(srv):
    mark = len(srv.access_log())
    raw = raw_request(srv.port, b"GET /dbl/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                      % srv.hostport.encode())
    assert raw.startswith(b"HTTP/1.1 307 "), raw
    assert len(re.findall(rb"(?m)^HTTP/1\.[01] \d\d\d", raw)) == 1, raw
    assert raw.count(b"<title>") == 1, raw
    locs = re.findall(rb"(?mi)^Location: (.*)\r$", raw)
    assert locs == [loc(srv, "/from-location/").encode()], raw
    log = srv.wait_access_log("GET /dbl/ ", since=mark)
    entries = [l for l in log.splitlines() if '"GET /dbl/ ' in l]
    assert len(entries) == 1, log
    line = srv.conf_line("Redirect307 /dbl /from-location")
    assert 'rule="%s:%d 307"' % (srv.conf_path, line) in entries[0], entries


def test_location_rule_covers_the_directory_urls(srv):
    r = get(srv, "/dbl/donly")
    # the <Location /dbl> rule covers /dbl/donly too, and comes first
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/from-location/donly")
