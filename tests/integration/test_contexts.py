"""Every context the directives are allowed in, .htaccess included."""

import pytest
import requests

from conftest import module_server
from r307httpd import curl

CONF = r"""
Redirect307 /srv /server-target
Redirect307 /both /server-both

<VirtualHost @HOSTPORT@>
    ServerName default.test
    DocumentRoot "@HTDOCS@"
</VirtualHost>
<VirtualHost @HOSTPORT@>
    ServerName vhost.test
    ServerAlias www.vhost.test
    DocumentRoot "@HTDOCS@"
    Redirect307 /vh /vhost-target
    Redirect308Match ^/vhm/(\d+)$ /vhost-match/$1
    Redirect307 /both /vhost-both
    Redirect 307 /vh-alias /vhost-target
</VirtualHost>

<Location /loc>
    Redirect307 /loc/page /location-target
</Location>
<LocationMatch "^/lm/">
    Redirect308 /lm /locationmatch-target
</LocationMatch>

<If "%{REQUEST_METHOD} == 'POST'">
    Redirect307 /checkout /maintenance-gateway
</If>
<If "%{QUERY_STRING} =~ /beta=1/">
    Redirect307Match ^/feature/(.*)$ /beta/$1
</If>

<Directory "@HTDOCS@/dir">
    Redirect307 /dir/old /directory-target
    Redirect307 /dir/gone /directory-gone
    Redirect308Match ^/dir/m/(.*)$ /directory-match/$1
</Directory>
<DirectoryMatch "^@HTDOCS@/dm[0-9]">
    Redirect307 /dm1 /directorymatch-target
</DirectoryMatch>

<Directory "@HTDOCS@/filesdir">
    <Files "legacy.html">
        Redirect307Match legacy\.html$ /current.html
    </Files>
</Directory>
<FilesMatch "\.old$">
    Redirect308Match ^/(.*)\.old$ /$1.new
</FilesMatch>

<Directory "@HTDOCS@/htfi">
    AllowOverride FileInfo
</Directory>
<Directory "@HTDOCS@/htlist">
    AllowOverride None
    AllowOverrideList Redirect307 Redirect308Match
</Directory>
<Directory "@HTDOCS@/htnone">
    AllowOverride None
</Directory>
<Directory "@HTDOCS@/htauth">
    AllowOverride AuthConfig
</Directory>
"""

FILES = {
    "dir/index.html": "dir index\n",
    "dir/old": "dir/old exists\n",
    "dm1/x.html": "dm1\n",
    "filesdir/legacy.html": "legacy\n",
    "filesdir/other.html": "other\n",
    "page.old": "old page\n",
    "checkout": "checkout page\n",
    "htfi/.htaccess": "Redirect307 /htfi/old /htaccess-target\n"
                      "Redirect308Match ^/htfi/m/(.*)$ https://example.com/m/$1\n",
    "htfi/index.html": "htfi index\n",
    "htfi/old/index.html": "htfi old\n",
    "htlist/.htaccess": "Redirect307 /htlist/old /list-target\n"
                        "Redirect308Match ^/htlist/m/(.*)$ /list-match/$1\n",
    "htlist/index.html": "htlist index\n",
    "htnone/.htaccess": "Redirect307 /htnone/old /must-not-happen\n",
    "htnone/old": "htnone old served\n",
    "htauth/.htaccess": "Redirect307 /htauth/old /must-not-happen\n",
    "htauth/old": "htauth old\n",
}

srv = module_server(CONF, FILES)


def get(srv, path, *args):
    r = curl(srv.url(path), *args)
    assert r.returncode == 0, r
    return r


def loc(srv, path, host=None):
    return "http://%s%s" % (host or srv.hostport, path)


def test_server_context(srv):
    r = get(srv, "/srv/a")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/server-target/a")


# ----- <VirtualHost> ----------------------------------------------------------

def test_virtualhost_rule_applies_to_its_host(srv):
    host = "vhost.test:%d" % srv.port
    r = get(srv, "/vh/x?q=1", "-H", "Host: " + host)
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/vhost-target/x?q=1", host)


def test_virtualhost_rule_without_port_in_host(srv):
    """Location made absolute exactly as mod_alias makes it."""
    r = get(srv, "/vh", "-H", "Host: www.vhost.test")
    assert r.status == 307, r
    alias = get(srv, "/vh-alias", "-H", "Host: www.vhost.test")
    assert alias.status == 307, alias
    assert r.header("location") == alias.header("location")
    assert r.header("location").startswith("http://www.vhost.test"), r


def test_virtualhost_match_rule(srv):
    r = requests.get(srv.url("/vhm/12"), headers={"Host": "vhost.test"},
                     allow_redirects=False, timeout=10)
    assert r.status_code == 308
    assert r.headers["Location"].endswith("/vhost-match/12")


def test_virtualhost_rule_not_in_other_vhost(srv):
    r = get(srv, "/vh/x", "-H", "Host: default.test")
    assert r.status == 404, r
    r = get(srv, "/vh/x")
    assert r.status == 404, r


def test_server_rule_inherited_by_vhost(srv):
    r = get(srv, "/srv/b", "-H", "Host: vhost.test")
    assert r.status == 307, r
    assert r.header("location") == "http://vhost.test/server-target/b"


def test_virtualhost_rule_before_server_rule(srv):
    r = get(srv, "/both", "-H", "Host: vhost.test:%d" % srv.port)
    assert r.header("location") == "http://vhost.test:%d/vhost-both" % srv.port
    r = get(srv, "/both", "-H", "Host: default.test:%d" % srv.port)
    assert r.header("location") == "http://default.test:%d/server-both" % srv.port


# ----- <Location>, <LocationMatch> ---------------------------------------------

def test_location_context(srv):
    r = get(srv, "/loc/page/1")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/location-target/1")


def test_location_rule_only_inside_location(srv):
    r = get(srv, "/loc/other")
    assert r.status == 404, r


def test_locationmatch_context(srv):
    r = get(srv, "/lm/x")
    assert r.status == 308, r
    assert r.header("location") == loc(srv, "/locationmatch-target/x")


# ----- <If> ------------------------------------------------------------------------

def test_if_post_redirected(srv):
    r = get(srv, "/checkout", "-d", "cart=1")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/maintenance-gateway")


def test_if_get_not_redirected(srv):
    r = get(srv, "/checkout")
    assert r.status == 200, r
    assert r.body == b"checkout page\n"


def test_if_query_condition(srv):
    r = get(srv, "/feature/x?beta=1")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/beta/x?beta=1")
    r = get(srv, "/feature/x?beta=0")
    assert r.status == 404, r


# ----- <Directory>, <DirectoryMatch> -------------------------------------------------

def test_directory_context_existing_file(srv):
    r = get(srv, "/dir/old")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/directory-target")


def test_directory_context_missing_file(srv):
    r = get(srv, "/dir/gone/missing.html")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/directory-gone/missing.html")


def test_directory_match_rule(srv):
    r = get(srv, "/dir/m/a%20b")
    assert r.status == 308, r
    assert r.header("location").upper() == loc(srv, "/directory-match/a%20b").upper()


def test_directory_other_url_served(srv):
    r = get(srv, "/dir/")
    assert r.status == 200, r
    assert r.body == b"dir index\n"


def test_directorymatch_context(srv):
    r = get(srv, "/dm1/x.html")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/directorymatch-target/x.html")


# ----- <Files>, <FilesMatch> ---------------------------------------------------------

def test_files_context(srv):
    r = get(srv, "/filesdir/legacy.html")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/current.html")
    r = get(srv, "/filesdir/other.html")
    assert r.status == 200, r


def test_filesmatch_context(srv):
    r = get(srv, "/page.old")
    assert r.status == 308, r
    assert r.header("location") == loc(srv, "/page.new")


# ----- .htaccess -----------------------------------------------------------------------

def test_htaccess_allowoverride_fileinfo(srv):
    r = get(srv, "/htfi/old/x?y=1")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/htaccess-target/x?y=1")


def test_htaccess_allowoverride_fileinfo_match(srv):
    r = get(srv, "/htfi/m/abc")
    assert r.status == 308, r
    assert r.header("location") == "https://example.com/m/abc"


def test_htaccess_other_urls_served(srv):
    r = get(srv, "/htfi/")
    assert r.status == 200, r
    assert r.body == b"htfi index\n"


def test_htaccess_allowoverridelist(srv):
    r = get(srv, "/htlist/old")
    assert r.status == 307, r
    assert r.header("location") == loc(srv, "/list-target")
    r = get(srv, "/htlist/m/q")
    assert r.status == 308, r
    assert r.header("location") == loc(srv, "/list-match/q")


def test_htaccess_allowoverride_none_ignored(srv):
    r = get(srv, "/htnone/old")
    assert r.status == 200, r
    assert r.body == b"htnone old served\n"


def test_htaccess_wrong_override_class_is_error(srv):
    # AllowOverride AuthConfig does not admit FileInfo directives: httpd
    # answers 500, as for mod_alias's Redirect
    mark = len(srv.error_log())
    r = get(srv, "/htauth/old")
    assert r.status == 500, r
    log = srv.error_log(mark)
    assert "htauth/.htaccess" in log and "Redirect307" in log, log
