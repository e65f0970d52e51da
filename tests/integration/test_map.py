# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""Redirect307Map / Redirect308Map against a real apache2: map files in the
server config (relative to ServerRoot), in <VirtualHost>, <Location> and
.htaccess (relative to its directory, never leading out of it); exact
matching, per-line status, query strings, written order among Redirect307 and
Redirect307Match; errors at startup and in .htaccess; edits picked up by the
next request (.htaccess) or by a graceful restart (server config); the
REDIRECT307 variable in the access log; a 10,000-line map."""

import os
import re
import signal
import subprocess
import time

import pytest
import requests

import conftest
import r307httpd
from r307httpd import raw_request


def start_with(conf, root_files=None, files=None, loglevel="warn"):
    """A started server; root_files are written below ServerRoot, files
    below htdocs (placeholders substituted in both).  Caller cleans up."""
    srv = r307httpd.R307Httpd(module=conftest._module_path(),
                              loglevel=loglevel)
    try:
        for rel, content in (root_files or {}).items():
            srv.write_file(rel, content, base=srv.root)
        for rel, content in (files or {}).items():
            srv.write_file(rel, content)
        srv.start(conf)
    except BaseException:
        srv.cleanup()
        raise
    return srv


def get(srv, path, host=None, method="GET"):
    headers = {"Host": host} if host else {}
    return requests.request(method, srv.url(path), headers=headers,
                            allow_redirects=False, timeout=10)


def assert_redirect(r, status, location):
    assert (r.status_code, r.headers.get("Location")) == (status, location), \
        "%s %s: got %s Location=%r, expected %s %r" % (
            r.request.method, r.request.url, r.status_code,
            r.headers.get("Location"), status, location)


def big_map(prefix, n, target):
    return "".join("%s/%d %s/%d\n" % (prefix, i, target, i)
                   for i in range(1, n + 1))


# ----- one server for most tests ---------------------------------------------------

CONF = r"""
# server config: map paths relative to ServerRoot
Redirect307Map maps/server.map

# written order: prefix, map, regex, then a prefix after the map
Redirect307Match ^/order/first$ /from-first-regex
Redirect307 /order/pfx /from-prefix
Redirect307Map maps/order.map
Redirect307Match ^/order/re/(.*)$ /from-regex/$1
Redirect307 /order/late /from-late-prefix
Redirect308Map maps/order2.map

Redirect308Map maps/big.map

<VirtualHost @HOSTPORT@>
    ServerName default.test
    DocumentRoot "@HTDOCS@"
</VirtualHost>
<VirtualHost @HOSTPORT@>
    ServerName maps.test
    DocumentRoot "@HTDOCS@"
    Redirect308Map maps/vhost.map
</VirtualHost>

<Location /loc>
    Redirect307Map maps/location.map
</Location>

<Directory "@HTDOCS@/ht">
    AllowOverride FileInfo
</Directory>
<Directory "@HTDOCS@/htnone">
    AllowOverride None
</Directory>
<Directory "@HTDOCS@/htlist">
    AllowOverride None
    AllowOverrideList Redirect308Map
</Directory>
"""

ROOT_FILES = {
    "maps/server.map": (
        "# server-level map\n"                       # 1
        "/old /new\n"                                # 2
        "/perm /new-perm 308\n"                      # 3
        "/temp https://example.com/temp 307\n"       # 4
        "/own-query /new?lang=en\r\n"                # 5  (CRLF)
        "\n"                                         # 6
        "\t/tabbed\t\t/new-tabbed\n"                 # 7
        "/caf%C3%A9 /cafe\n"                         # 8
        "/both /server-both\n"                       # 9
        "/dir/ /new-dir/\n"                          # 10
        "/abs https://example.com\n"),               # 11
    "maps/order.map": (
        "/order/first /map-first\n"
        "/order/pfx /map-pfx\n"
        "/order/re/x /map-re-x\n"
        "/order/late /map-late\n"
        "/order/shared /map-one\n"),
    "maps/order2.map": (
        "/order/shared /map-two\n"
        "/order/re/y /map2-re-y\n"
        "/order/only2 /map2-only\n"),
    "maps/vhost.map": "/vh/old /vh-new\n/both /vhost-both\n",
    "maps/location.map": "/loc/old /loc-new\n/notloc /should-not-apply\n",
    "maps/big.map": big_map("/big", 10000, "/big-new"),
}

FILES = {
    "index.html": "top\n",
    "ht/index.html": "ht index\n",
    "ht/.htaccess": "# a map next to the .htaccess\nRedirect307Map site.map\n",
    "ht/site.map": "/ht/old /ht-new\n/ht/perm /ht-perm 308\n",
    "ht/big/.htaccess": "Redirect307Map sub/big.map\n",
    "ht/big/sub/big.map": big_map("/ht/big", 10000, "/ht-big-new"),
    "ht/edit/.htaccess": "Redirect307Map edit.map\n",
    "ht/edit/edit.map": "/ht/edit/a /first\n",
    "ht/edit/index.html": "edit index\n",
    "ht/bad/.htaccess": "\nRedirect307Map bad.map\n",
    "ht/bad/bad.map": "/ht/bad/ok /fine\n# comment\n/ht/bad/x /y 302\n",
    "ht/bad/index.html": "must not be served\n",
    "ht/dotdot/.htaccess": "Redirect307Map ../site.map\n",
    "ht/absolute/.htaccess": "Redirect307Map @ROOT@/maps/server.map\n",
    "ht/link/.htaccess": "Redirect307Map link.map\n",
    "ht/inlink/.htaccess": "Redirect307Map alias.map\n",
    "ht/inlink/real/real.map": "/ht/inlink/a /inlink-target\n",
    "ht/order/.htaccess": ("Redirect307 /ht/order/pfx /ht-from-prefix\n"
                           "Redirect307Map order.map\n"
                           "Redirect307Match ^/ht/order/re$ /ht-from-regex\n"),
    "ht/order/order.map": ("/ht/order/pfx /ht-map-pfx\n"
                           "/ht/order/re /ht-map-re\n"),
    "htnone/.htaccess": "Redirect307Map none.map\n",
    "htnone/none.map": "/htnone/old /must-not-redirect\n",
    "htlist/.htaccess": "Redirect308Map list.map\n",
    "htlist/list.map": "/htlist/old /list-new\n",
}


@pytest.fixture(scope="module")
def srv():
    s = r307httpd.R307Httpd(module=conftest._module_path())
    try:
        for rel, content in ROOT_FILES.items():
            s.write_file(rel, content, base=s.root)
        for rel, content in FILES.items():
            s.write_file(rel, content)
        # a symlink leading out of its .htaccess's directory, and one that
        # stays inside it
        os.symlink(os.path.join(s.root, "maps", "server.map"),
                   os.path.join(s.htdocs, "ht", "link", "link.map"))
        os.symlink("real/real.map",
                   os.path.join(s.htdocs, "ht", "inlink", "alias.map"))
        s.start(CONF)
        yield s
    finally:
        s.cleanup()


def url(srv, path):
    return srv.url(path)


# ----- server config ------------------------------------------------------------------

def test_server_map_relative_to_serverroot(srv):
    assert_redirect(get(srv, "/old"), 307, url(srv, "/new"))
    assert_redirect(get(srv, "/tabbed"), 307, url(srv, "/new-tabbed"))
    assert_redirect(get(srv, "/dir/"), 307, url(srv, "/new-dir/"))


def test_status_per_line(srv):
    assert_redirect(get(srv, "/perm"), 308, url(srv, "/new-perm"))
    assert_redirect(get(srv, "/temp"), 307, "https://example.com/temp")
    # Redirect308Map: lines without a status answer 308
    assert_redirect(get(srv, "/order/only2"), 308, url(srv, "/map2-only"))


def test_body_and_head(srv):
    r = get(srv, "/perm")
    assert "<title>308 Permanent Redirect</title>" in r.text, r.text
    assert 'href="%s"' % url(srv, "/new-perm") in r.text, r.text
    r = get(srv, "/old", method="HEAD")
    assert_redirect(r, 307, url(srv, "/new"))
    assert r.content == b""


def test_query_string(srv):
    assert_redirect(get(srv, "/old?a=1&b=2"), 307, url(srv, "/new?a=1&b=2"))
    assert_redirect(get(srv, "/temp?x=%20y"), 307,
                    "https://example.com/temp?x=%20y")
    assert_redirect(get(srv, "/abs?q=1"), 307, "https://example.com/?q=1")
    # a target with its own query keeps it and drops the request's
    assert_redirect(get(srv, "/own-query"), 307, url(srv, "/new?lang=en"))
    assert_redirect(get(srv, "/own-query?a=1"), 307, url(srv, "/new?lang=en"))


@pytest.mark.parametrize("path", [
    "/old/", "/old/x", "/ol", "/older", "/OLD", "/old.html", "/dir", "/dir/x",
    "/both/x", "/order/only2/", "/big/10001", "/big/1/", "/big/0",
])
def test_exact_only(srv, path):
    r = get(srv, path)
    assert r.status_code == 404, (path, r.status_code, r.headers.get("Location"))


def test_decoded_and_collapsed_paths(srv):
    # the key /caf%C3%A9 matches however the client spells the path
    for spelled in ("/caf%C3%A9", "/caf%c3%a9", "//caf%C3%A9"):
        assert_redirect(get(srv, spelled), 307, url(srv, "/cafe"))
    raw = raw_request(srv.port, b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: "
                      + srv.hostport.encode() + b"\r\nConnection: close\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 307 "), raw[:200]
    assert b"\r\nLocation: " + url(srv, "/cafe").encode() + b"\r\n" in raw, raw
    assert_redirect(get(srv, "//old"), 307, url(srv, "/new"))
    assert_redirect(get(srv, "/order//pfx"), 307, url(srv, "/from-prefix"))


def test_written_order_in_one_scope(srv):
    # a regex written before the map wins over its entry
    assert_redirect(get(srv, "/order/first"), 307, url(srv, "/from-first-regex"))
    # a prefix written before the map wins over its entry
    assert_redirect(get(srv, "/order/pfx"), 307, url(srv, "/from-prefix"))
    # the map wins over a regex and a prefix written after it
    assert_redirect(get(srv, "/order/re/x"), 307, url(srv, "/map-re-x"))
    assert_redirect(get(srv, "/order/late"), 307, url(srv, "/map-late"))
    # what the map does not list falls through to the later rules
    assert_redirect(get(srv, "/order/re/z"), 307, url(srv, "/from-regex/z"))
    assert_redirect(get(srv, "/order/late/sub"), 307,
                    url(srv, "/from-late-prefix/sub"))
    # the regex, written before the second map, wins over its entry
    assert_redirect(get(srv, "/order/re/y"), 307, url(srv, "/from-regex/y"))
    # two maps list the same path: the first written wins
    assert_redirect(get(srv, "/order/shared"), 307, url(srv, "/map-one"))


def test_virtualhost_map(srv):
    r = get(srv, "/vh/old", host="maps.test:%d" % srv.port)
    assert_redirect(r, 308, "http://maps.test:%d/vh-new" % srv.port)
    # the vhost's map is tried before the server's
    r = get(srv, "/both", host="maps.test:%d" % srv.port)
    assert_redirect(r, 308, "http://maps.test:%d/vhost-both" % srv.port)
    # the server's map still answers in that vhost
    r = get(srv, "/old", host="maps.test:%d" % srv.port)
    assert_redirect(r, 307, "http://maps.test:%d/new" % srv.port)
    # and the vhost's map is not seen by another vhost
    assert get(srv, "/vh/old").status_code == 404
    assert_redirect(get(srv, "/both"), 307, url(srv, "/server-both"))


def test_location_map(srv):
    assert_redirect(get(srv, "/loc/old"), 307, url(srv, "/loc-new"))
    # an entry outside the <Location> is never consulted
    assert get(srv, "/notloc").status_code == 404


def test_access_log_names_map_file_and_line(srv):
    mark = len(srv.access_log())
    get(srv, "/perm")
    get(srv, "/ht/perm")
    get(srv, "/big/10000")
    log = srv.wait_access_log("/big/10000", since=mark)
    server_map = os.path.join(srv.root, "maps", "server.map")
    assert 'rule="%s:3 308"' % server_map in log, log
    ht_map = os.path.realpath(os.path.join(srv.htdocs, "ht", "site.map"))
    assert 'rule="%s:2 308"' % ht_map in log, log
    big = os.path.join(srv.root, "maps", "big.map")
    assert 'rule="%s:10000 308"' % big in log, log


def test_big_server_map(srv):
    assert_redirect(get(srv, "/big/1"), 308, url(srv, "/big-new/1"))
    assert_redirect(get(srv, "/big/10000"), 308, url(srv, "/big-new/10000"))
    assert_redirect(get(srv, "/big/5000?x=1"), 308, url(srv, "/big-new/5000?x=1"))


# ----- .htaccess -----------------------------------------------------------------------

def test_htaccess_map_relative_to_its_directory(srv):
    assert_redirect(get(srv, "/ht/old"), 307, url(srv, "/ht-new"))
    assert_redirect(get(srv, "/ht/perm"), 308, url(srv, "/ht-perm"))
    assert_redirect(get(srv, "/ht/old?q=1"), 307, url(srv, "/ht-new?q=1"))
    r = get(srv, "/ht/")
    assert r.status_code == 200 and r.text == "ht index\n"
    assert get(srv, "/ht/old/x").status_code == 404


def test_htaccess_big_map_in_subdirectory(srv):
    for _ in range(2):      # parsed, then from the cache
        assert_redirect(get(srv, "/ht/big/1"), 307, url(srv, "/ht-big-new/1"))
        assert_redirect(get(srv, "/ht/big/10000"), 307,
                        url(srv, "/ht-big-new/10000"))
    assert get(srv, "/ht/big/10001").status_code == 404


def test_htaccess_written_order(srv):
    assert_redirect(get(srv, "/ht/order/pfx"), 307, url(srv, "/ht-from-prefix"))
    assert_redirect(get(srv, "/ht/order/re"), 307, url(srv, "/ht-map-re"))


def test_htaccess_symlink_inside_is_allowed(srv):
    assert_redirect(get(srv, "/ht/inlink/a"), 307, url(srv, "/inlink-target"))


def test_htaccess_edit_used_by_next_request(srv):
    path = os.path.join(srv.htdocs, "ht", "edit", "edit.map")
    assert_redirect(get(srv, "/ht/edit/a"), 307, url(srv, "/first"))
    # several requests, so every child process has it cached
    for _ in range(4):
        assert_redirect(get(srv, "/ht/edit/a"), 307, url(srv, "/first"))
    with open(path, "w") as f:
        f.write("/ht/edit/a /second\n/ht/edit/b /added 308\n")
    assert_redirect(get(srv, "/ht/edit/a"), 307, url(srv, "/second"))
    assert_redirect(get(srv, "/ht/edit/b"), 308, url(srv, "/added"))
    # same size, only the content and the mtime differ
    with open(path, "w") as f:
        f.write("/ht/edit/a /third_\n/ht/edit/b /added 308\n")
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2 * 10**9))
    assert_redirect(get(srv, "/ht/edit/a"), 307, url(srv, "/third_"))
    # replaced by rename (a new inode)
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write("/ht/edit/c /renamed\n")
    os.rename(tmp, path)
    assert_redirect(get(srv, "/ht/edit/c"), 307, url(srv, "/renamed"))
    assert get(srv, "/ht/edit/a").status_code == 404
    # broken by an edit: 500 for that directory; fixed: works again
    with open(path, "w") as f:
        f.write("/ht/edit/c\n")
    assert get(srv, "/ht/edit/c").status_code == 500
    assert get(srv, "/ht/edit/").status_code == 500
    with open(path, "w") as f:
        f.write("/ht/edit/c /fixed\n")
    assert_redirect(get(srv, "/ht/edit/c"), 307, url(srv, "/fixed"))
    r = get(srv, "/ht/edit/")
    assert r.status_code == 200 and r.text == "edit index\n"


def htaccess_alert(srv, mark, reldir):
    """The error log line for the .htaccess in reldir, after mark."""
    htaccess = os.path.join(srv.htdocs, reldir, ".htaccess")
    log = srv.error_log(mark)
    lines = [l for l in log.splitlines() if htaccess + ": line " in l]
    assert lines, "no alert for %s in:\n%s" % (htaccess, log)
    assert re.search(r"\[[a-z_0-9]+:alert\]", lines[0]), lines[0]
    return lines[0]


def test_htaccess_invalid_line_gives_500_with_file_and_line(srv):
    mark = len(srv.error_log())
    for path in ("/ht/bad/ok", "/ht/bad/", "/ht/bad/x"):
        assert get(srv, path).status_code == 500, path
    entry = htaccess_alert(srv, mark, "ht/bad")
    bad_map = os.path.realpath(os.path.join(srv.htdocs, "ht", "bad", "bad.map"))
    expected = ("%s/ht/bad/.htaccess: line 2: Redirect307Map: %s:3: "
                "status '302' is not 307 or 308" % (srv.htdocs, bad_map))
    assert expected in entry, "%r not in %r" % (expected, entry)
    # everything else keeps working
    r = get(srv, "/index.html")
    assert r.status_code == 200 and r.text == "top\n"
    assert_redirect(get(srv, "/ht/old"), 307, url(srv, "/ht-new"))
    assert_redirect(get(srv, "/old"), 307, url(srv, "/new"))


@pytest.mark.parametrize("reldir,message", [
    ("ht/dotdot", "Redirect307Map: in .htaccess the map file must lie inside "
                  "the .htaccess's directory: no '..'"),
    ("ht/absolute", "Redirect307Map: in .htaccess the map file is named "
                    "relative to the .htaccess's directory, not by an "
                    "absolute path"),
    ("ht/link", "Redirect307Map: map file 'link.map' leads outside the "
                ".htaccess's directory (to '@ROOT@/maps/server.map')"),
])
def test_htaccess_map_outside_its_directory_refused(srv, reldir, message):
    mark = len(srv.error_log())
    assert get(srv, "/%s/" % reldir).status_code == 500
    # the map's entries are never served from there
    assert get(srv, "/%s/old" % reldir).status_code == 500
    assert get(srv, "/old").status_code == 307
    entry = htaccess_alert(srv, mark, reldir)
    message = message.replace("@ROOT@", os.path.realpath(srv.root))
    expected = "%s/%s/.htaccess: line 1: %s" % (srv.htdocs, reldir, message)
    assert expected in entry, "%r not in %r" % (expected, entry)


def test_allowoverride_none_ignores_map(srv):
    r = get(srv, "/htnone/old")
    assert r.status_code == 404, (r.status_code, r.headers.get("Location"))


def test_allowoverridelist_allows_map(srv):
    assert_redirect(get(srv, "/htlist/old"), 308, url(srv, "/list-new"))


# ----- startup errors --------------------------------------------------------------

def refused(checker, conf, needle, *fragments):
    rc, out, path = checker.check_config(conf)
    assert rc != 0, "apache2 -t accepted:\n%s\n%s" % (conf, out)
    line = checker.conf_line(needle, checker.full_conf(conf))
    assert "Syntax error on line %d of %s:" % (line, path) in out, out
    for frag in fragments:
        assert frag in out, "%r not in:\n%s" % (frag, out)
    return out


@pytest.mark.parametrize("text,line,what", [
    ("/a /b\n/c\n", 2, "URL-path '/c' has no target"),
    ("# x\n\n/a /b 301\n", 3, "status '301' is not 307 or 308"),
    ("/a /b\n/c foo\n", 2, "target 'foo' is neither an absolute URL"),
    ("/a /b\n/c //evil.example/\n", 2,
     "target '//evil.example/' is a protocol-relative URL"),
    ("/a /b\n/x /y\n/a /c\n", 3, "URL-path '/a' is already mapped on line 1"),
    ("/a /b 307 x\n", 1, "more than three fields (URL-path URL [307|308])"),
    ("a /b\n", 1, "URL-path 'a' must start with '/'"),
    ("/loop /loop\n", 1, "target '/loop' is the URL-path itself"),
])
def test_bad_map_line_refused_at_startup(checker, text, line, what):
    checker.write_file("maps/bad.map", text, base=checker.root)
    conf = "Redirect307 /fine /ok\nRedirect308Map maps/bad.map\n"
    refused(checker, conf, "Redirect308Map maps/bad.map",
            "Redirect308Map: %s/maps/bad.map:%d: %s" % (checker.root, line, what))


def test_bad_map_in_virtualhost_refused(checker):
    checker.write_file("maps/vh.map", "/ok /fine\n/bad\n", base=checker.root)
    conf = ("<VirtualHost @HOSTPORT@>\n    ServerName x.test\n"
            "    Redirect307Map maps/vh.map\n</VirtualHost>\n")
    refused(checker, conf, "Redirect307Map maps/vh.map",
            "Redirect307Map: %s/maps/vh.map:2: URL-path '/bad' has no target"
            % checker.root)


def test_missing_map_refused_at_startup(checker):
    refused(checker, "Redirect307Map maps/none.map\n", "Redirect307Map",
            "Redirect307Map: cannot open map file '%s/maps/none.map'"
            % checker.root)


def test_map_directive_argument_count(checker):
    refused(checker, "Redirect307Map a.map b.map\n", "Redirect307Map",
            "Redirect307Map")
    refused(checker, "Redirect308Map\n", "Redirect308Map", "Redirect308Map")


def test_startup_refuses_and_server_does_not_start(checker):
    checker.write_file("maps/bad.map", "/a\n", base=checker.root)
    checker.write_conf("Redirect307Map maps/bad.map\n")
    p = subprocess.Popen([r307httpd.APACHE2, "-f", checker.conf_path, "-DFOREGROUND"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        pytest.fail("apache2 started with an invalid map")
    out = out.decode("utf-8", "replace")
    assert p.returncode != 0, out
    assert "%s/maps/bad.map:1: URL-path '/a' has no target" % checker.root in out, out


# ----- graceful restart -----------------------------------------------------------

def wait_for(srv, path, status, location, timeout=15.0):
    deadline = time.time() + timeout
    while True:
        try:
            r = get(srv, path)
            if (r.status_code, r.headers.get("Location")) == (status, location):
                return r
        except requests.RequestException:
            pass
        if time.time() > deadline:
            assert_redirect(get(srv, path), status, location)
        time.sleep(0.1)


def test_graceful_restart_reloads_server_map():
    srv = start_with("Redirect307Map maps/g.map\n",
                     root_files={"maps/g.map": "/g /before\n"})
    try:
        assert_redirect(get(srv, "/g"), 307, srv.url("/before"))
        with open(os.path.join(srv.root, "maps", "g.map"), "w") as f:
            f.write("/g /after 308\n/g2 /added\n")
        # a server-level map is read at (re)start only
        assert_redirect(get(srv, "/g"), 307, srv.url("/before"))
        assert get(srv, "/g2").status_code == 404
        srv.proc.send_signal(signal.SIGUSR1)      # graceful restart
        wait_for(srv, "/g", 308, srv.url("/after"))
        assert_redirect(get(srv, "/g2"), 307, srv.url("/added"))
        assert srv.proc.poll() is None, "apache2 exited on graceful restart"
    finally:
        srv.cleanup()
