# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""RedirectUpgrade*: scoping and merging (<Location>, .htaccess, <If>,
innermost wins), the phase limit of translate_name redirects,
RedirectUpgradeMethods, and configuration errors."""

import pytest

from conftest import module_server
from upgrade_common import (UNSAFE, REASON, send, notice_lines, status_cgi,
                            app_body, title_of)

CONF = r"""
# Server level: the policy is not set (default Off).
Redirect 302 /web/x /cgi-bin/echo
Redirect 301 /web/p /cgi-bin/echo

# <Location> On under a server that is Off; a later, narrower <Location>
# switches the temporary policy Off again (the permanent one stays On).
<Location /api>
    RedirectUpgrade On
    RedirectUpgradePermanent On
</Location>
<Location /api/legacy>
    RedirectUpgrade Off
</Location>
Redirect 302 /api/x /cgi-bin/echo
Redirect 301 /api/p /cgi-bin/echo
Redirect 302 /api/legacy/x /cgi-bin/echo
Redirect 301 /api/legacy/p /cgi-bin/echo
Redirect 303 /api/see /cgi-bin/echo

# <If> at server level, and nested in a <Location>
<If "%{REQUEST_METHOD} == 'POST' && %{REQUEST_URI} =~ m#^/if/#">
    RedirectUpgrade On
</If>
Redirect 302 /if/x /cgi-bin/echo
<Location /lif>
    <If "%{REQUEST_METHOD} == 'POST'">
        RedirectUpgrade On
    </If>
</Location>
Redirect 302 /lif/x /cgi-bin/echo

# RedirectUpgradeMethods
<Location /only-post>
    RedirectUpgrade On
    RedirectUpgradeMethods POST
</Location>
Redirect 302 /only-post/x /cgi-bin/echo
<Location /default-methods>
    RedirectUpgrade On
</Location>
Redirect 302 /default-methods/x /cgi-bin/echo
<Location /custom>
    RedirectUpgrade On
    RedirectUpgradeMethods POST MKCOL
</Location>
<Location /custom/replaced>
    RedirectUpgradeMethods PUT
</Location>
Redirect 302 /custom/x /cgi-bin/echo
Redirect 302 /custom/replaced/x /cgi-bin/echo
<Location /log-methods>
    RedirectUpgrade Log
    RedirectUpgradeMethods PUT
</Location>
Redirect 302 /log-methods/x /cgi-bin/echo

# .htaccess
<Directory "@HTDOCS@/sub">
    AllowOverride FileInfo
</Directory>
<Directory "@HTDOCS@/htcgi">
    Options +ExecCGI
    AddHandler cgi-script .cgi
    AllowOverride FileInfo
</Directory>
<Directory "@HTDOCS@/htlist">
    AllowOverride None
    AllowOverrideList RedirectUpgrade
</Directory>
<Directory "@HTDOCS@/htnone">
    AllowOverride None
</Directory>
<Directory "@HTDOCS@/htauth">
    AllowOverride AuthConfig
</Directory>
<Directory "@HTDOCS@/htbad">
    AllowOverride FileInfo
</Directory>

# Phase limit: server-level Redirects are answered at translate_name and
# judged before <Directory> and .htaccess are merged.
Redirect 302 /phase/ht/x /cgi-bin/echo
Redirect 302 /phase/dir/x /cgi-bin/echo
Redirect 302 /phase/loc/x /cgi-bin/echo
<Directory "@HTDOCS@/phase">
    AllowOverride FileInfo
</Directory>
<Directory "@HTDOCS@/phase/dir">
    RedirectUpgrade On
</Directory>
<Location /phase/loc>
    RedirectUpgrade On
</Location>
"""

FILES = {
    "sub/.htaccess": "RedirectUpgrade On\nRedirect 302 /sub/x /cgi-bin/echo\n",
    "sub/inner/.htaccess": "RedirectUpgrade Off\nRedirect 302 /sub/inner/x /cgi-bin/echo\n",
    "sub/inherit/.htaccess": "Redirect 302 /sub/inherit/x /cgi-bin/echo\n",
    "htcgi/.htaccess": "RedirectUpgrade On\n",
    "htlist/.htaccess": "RedirectUpgrade On\n",
    "htlist/index.html": "htlist\n",
    "htnone/.htaccess": "RedirectUpgrade On\n",
    "htnone/index.html": "htnone\n",
    "htauth/.htaccess": "RedirectUpgrade On\n",
    "htauth/index.html": "htauth\n",
    "htbad/.htaccess": "# comment\nRedirectUpgrade Maybe\n",
    "htbad/index.html": "htbad\n",
    "phase/ht/.htaccess": "RedirectUpgrade On\nRedirect 302 /phase/ht/y /cgi-bin/echo\n",
    "phase/dir/index.html": "phase dir\n",
}

srv = module_server(CONF, FILES)


@pytest.fixture(scope="module", autouse=True)
def _cgi_in_htdocs(srv):
    # an executable CGI under htdocs (module_server writes files 0644)
    srv.write_file("htcgi/app.cgi", status_cgi(302), mode=0o755)


def check(srv, method, path, want, env=None):
    emark, amark = srv.log_marks()
    r = send(srv, method, path)
    assert (r.status, r.reason) == (want, REASON[want]), (method, path, r)
    if want in (301, 302, 303, 307, 308):
        assert r.header("location") == srv.url("/cgi-bin/echo"), r
    if env is not None:
        needle = '"%s %s HTTP/1.1"' % (method, path)
        log = srv.wait_access_log(needle, since=amark)
        assert '%s %d rule="%s"' % (needle, want, env) in log, log
    return r


# ----- <Location>, innermost wins ----------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "HEAD"] + list(UNSAFE))
@pytest.mark.parametrize("path,code,upgraded", [
    ("/web/x", 302, None),          # server Off
    ("/web/p", 301, None),
    ("/api/x", 302, 307),           # <Location /api> On
    ("/api/p", 301, 308),
    ("/api/legacy/x", 302, None),   # later <Location /api/legacy> Off
    ("/api/legacy/p", 301, 308),    # ... for RedirectUpgrade only
    ("/api/see", 303, None),        # 303 never
])
def test_location_scope(srv, path, code, upgraded, method):
    want = upgraded if upgraded and method in UNSAFE else code
    env = "upgrade %d->%d" % (code, want) if want != code else "-"
    r = check(srv, method, path, want, env)
    if method == "HEAD":
        assert r.raw_body == b""
    else:
        assert title_of(want) in r.body.decode("latin-1"), r


# ----- <If> ------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/if/x", "/lif/x"])
@pytest.mark.parametrize("method,want", [("POST", 307), ("PUT", 302), ("DELETE", 302),
                                         ("GET", 302)])
def test_if_scope(srv, path, method, want):
    check(srv, method, path, want)


# ----- .htaccess ---------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST", "PATCH"])
@pytest.mark.parametrize("path,on", [
    ("/sub/x", True),               # .htaccess On
    ("/sub/inner/x", False),        # a subdirectory's .htaccess Off wins
    ("/sub/inherit/x", True),       # a subdirectory without a setting inherits On
])
def test_htaccess_scope(srv, path, on, method):
    want = 307 if on and method != "GET" else 302
    check(srv, method, path, want,
          env="upgrade 302->307" if want == 307 else "-")


@pytest.mark.parametrize("method,want", [("POST", 307), ("GET", 302), ("HEAD", 302)])
def test_htaccess_policy_applies_to_handler_response(srv, method, want):
    r = check(srv, method, "/htcgi/app.cgi", want)
    assert r.header("x-app") == "status-302"
    if method != "HEAD":
        assert r.body == app_body(302)


@pytest.mark.parametrize("path,status", [
    ("/htlist/", 200),      # AllowOverrideList RedirectUpgrade
    ("/htnone/", 200),      # AllowOverride None: .htaccess not even read
    ("/htauth/", 500),      # AuthConfig only: RedirectUpgrade not allowed here
    ("/htbad/", 500),       # bad value
])
def test_htaccess_override_classes(srv, path, status):
    emark, _ = srv.log_marks()
    r = send(srv, "GET", path)
    assert r.status == status, r
    log = srv.error_log(emark)
    if path == "/htauth/":
        assert "RedirectUpgrade not allowed here" in log, log
    if path == "/htbad/":
        assert "%s/htbad/.htaccess: " % srv.htdocs in log, log
        assert "RedirectUpgrade Maybe: must be On, Off or Log" in log, log


def test_htaccess_bad_value_only_breaks_its_directory(srv):
    assert send(srv, "POST", "/sub/x").status == 307
    assert send(srv, "GET", "/htbad/").status == 500


# ----- phase limit (documented behaviour) -------------------------------------------

@pytest.mark.parametrize("path,want,why", [
    # server-level Redirect answered at translate_name: .htaccess and
    # <Directory> are not merged yet, so their On does not count ...
    ("/phase/ht/x", 302, "server Redirect, On only in .htaccess"),
    ("/phase/dir/x", 302, "server Redirect, On only in <Directory>"),
    # ... but <Location> is
    ("/phase/loc/x", 307, "server Redirect, On in <Location>"),
    # a Redirect written in that .htaccess is judged with the .htaccess
    ("/phase/ht/y", 307, ".htaccess Redirect, On in .htaccess"),
])
def test_phase_limit(srv, path, want, why):
    check(srv, "POST", path, want)


# ----- RedirectUpgradeMethods ---------------------------------------------------------

@pytest.mark.parametrize("path,method,want", [
    # custom list: only POST
    ("/only-post/x", "POST", 307),
    ("/only-post/x", "PUT", 302),
    ("/only-post/x", "DELETE", 302),
    ("/only-post/x", "PATCH", 302),
    ("/only-post/x", "MKCOL", 302),
    # default list: everything but GET, HEAD, OPTIONS, TRACE
    ("/default-methods/x", "MKCOL", 307),
    ("/default-methods/x", "PROPPATCH", 307),
    ("/default-methods/x", "COPY", 307),
    ("/default-methods/x", "LOCK", 307),
    ("/default-methods/x", "BREW", 307),
    ("/default-methods/x", "OPTIONS", 302),
    ("/default-methods/x", "GET", 302),
    # methods are case-sensitive: 'post' is not POST (and not safe either)
    ("/only-post/x", "post", 302),
    ("/default-methods/x", "post", 307),
    # POST MKCOL
    ("/custom/x", "MKCOL", 307),
    ("/custom/x", "POST", 307),
    ("/custom/x", "PUT", 302),
    # a nested list replaces the inherited one (PUT only)
    ("/custom/replaced/x", "PUT", 307),
    ("/custom/replaced/x", "POST", 302),
    ("/custom/replaced/x", "MKCOL", 302),
])
def test_methods(srv, path, method, want):
    check(srv, method, path, want,
          env="upgrade 302->307" if want == 307 else "-")


@pytest.mark.parametrize("method,logged", [("PUT", 1), ("POST", 0), ("GET", 0)])
def test_log_mode_honours_method_list(srv, method, logged):
    emark, _ = srv.log_marks()
    check(srv, method, "/log-methods/x", 302)
    notes = notice_lines(srv.error_log(emark))
    assert len(notes) == logged, notes
    if logged:
        assert ("RedirectUpgrade Log: would answer PUT /log-methods/x with 307 instead"
                " of 302 (Location: %s)" % srv.url("/cgi-bin/echo")) in notes[0]


def test_trace_not_upgraded(srv):
    # TRACE is safe; httpd answers it (TraceEnable on) or redirects it
    r = send(srv, "TRACE", "/default-methods/x", body=b"")
    assert r.status != 307, r


# ----- configuration errors -----------------------------------------------------------

def refused(checker, conf, needle, message):
    rc, out, path = checker.check_config(conf)
    assert rc != 0, "apache2 -t accepted:\n%s\n%s" % (conf, out)
    line = checker.conf_line(needle, checker.full_conf(conf))
    assert "Syntax error on line %d of %s:" % (line, path) in out, out
    assert message in out, "%r not in:\n%s" % (message, out)


@pytest.mark.parametrize("conf,needle,message", [
    ("RedirectUpgradeMethods post\n", "RedirectUpgradeMethods post",
     "RedirectUpgradeMethods: 'post': methods are case-sensitive and written in "
     "upper case; did you mean 'POST'?"),
    ("<Location /a>\n    RedirectUpgradeMethods POST Put\n</Location>\n",
     "RedirectUpgradeMethods POST Put",
     "RedirectUpgradeMethods: 'Put': methods are case-sensitive and written in "
     "upper case; did you mean 'PUT'?"),
    ("RedirectUpgradeMethods PO/ST\n", "RedirectUpgradeMethods PO/ST",
     "RedirectUpgradeMethods: 'PO/ST' is not a method name"),
    # a safe method in the list could never be upgraded: refused
    ("RedirectUpgradeMethods POST GET\n", "RedirectUpgradeMethods POST GET",
     "RedirectUpgradeMethods: GET is a safe method"),
    ("RedirectUpgrade Maybe\n", "RedirectUpgrade Maybe",
     "RedirectUpgrade Maybe: must be On, Off or Log"),
    ('<Directory "@HTDOCS@">\n    RedirectUpgradePermanent yes\n</Directory>\n',
     "RedirectUpgradePermanent yes",
     "RedirectUpgradePermanent yes: must be On, Off or Log"),
    ("RedirectUpgrade\n", "RedirectUpgrade", "RedirectUpgrade takes one argument"),
    ("RedirectUpgrade On Log\n", "RedirectUpgrade On Log",
     "RedirectUpgrade takes one argument"),
    ("RedirectUpgradeMethods\n", "RedirectUpgradeMethods", "RedirectUpgradeMethods"),
])
def test_config_refused(checker, conf, needle, message):
    refused(checker, conf, needle, message)


def test_config_accepted(checker):
    conf = ("RedirectUpgrade on\nRedirectUpgradePermanent LOG\n"
            "RedirectUpgradeMethods POST PUT MKCOL X-CUSTOM_1\n"
            "<VirtualHost @HOSTPORT@>\n    RedirectUpgrade Off\n</VirtualHost>\n"
            '<Directory "@HTDOCS@">\n    RedirectUpgrade Log\n</Directory>\n'
            "<Files x.cgi>\n    RedirectUpgrade On\n</Files>\n"
            "<If \"%{REQUEST_METHOD} == 'PUT'\">\n    RedirectUpgrade On\n</If>\n")
    rc, out, _ = checker.check_config(conf)
    assert rc == 0 and "Syntax OK" in out, out
