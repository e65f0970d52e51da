"""Bad configuration: `apache2 -t` fails naming file and line; in .htaccess a
500 for that directory only, with the reason in the error log."""

import os
import re

import pytest

from conftest import module_server
from r307httpd import curl


def refused(checker, conf, needle, *fragments):
    """apache2 -t must fail, naming the file and the line of `needle`."""
    rc, out, path = checker.check_config(conf)
    assert rc != 0, "apache2 -t accepted:\n%s\n%s" % (conf, out)
    text = checker.full_conf(conf)
    line = checker.conf_line(needle, text)
    assert "Syntax error on line %d of %s:" % (line, path) in out, out
    for frag in fragments:
        assert frag in out, "%r not in:\n%s" % (frag, out)
    return out


def accepted(checker, conf):
    rc, out, _ = checker.check_config(conf)
    assert rc == 0, "apache2 -t refused:\n%s\n%s" % (conf, out)
    assert "Syntax OK" in out, out


# ----- wrong argument count ------------------------------------------------------

@pytest.mark.parametrize("directive", [
    "Redirect307 /a /b /c",
    "Redirect308 /a /b /c",
    "Redirect307Match ^/a /b /c",
    "Redirect308Match ^/a",
    "Redirect307Match",
    "Redirect307",
    "Redirect307 /only-one",         # one argument only inside <Location>
    "Redirect308 https://example.com/",
])
def test_wrong_argument_count(checker, directive):
    name = directive.split()[0]
    refused(checker, directive + "\n", directive, name)


def test_one_argument_form_refused_in_directory(checker):
    conf = '<Directory "@HTDOCS@">\n    Redirect307 /x\n</Directory>\n'
    refused(checker, conf, "Redirect307 /x", "Redirect307")


def test_one_argument_form_accepted_in_location(checker):
    accepted(checker, "<Location /x>\n    Redirect307 https://example.com/\n</Location>\n"
                      "<LocationMatch ^/y>\n    Redirect308 /z\n</LocationMatch>\n")


# ----- regex ----------------------------------------------------------------------

@pytest.mark.parametrize("directive,frag", [
    ("Redirect307Match ( /x", "("),
    ("Redirect308Match ^/[a-  /x", "^/[a-"),
    ("Redirect307Match *abc /x", "*abc"),
])
def test_bad_regex(checker, directive, frag):
    out = refused(checker, directive + "\n", directive, directive.split()[0], frag)
    assert "regex" in out.lower() or "regular expression" in out.lower(), out


def test_capture_beyond_groups(checker):
    refused(checker, "Redirect307Match ^/(a)$ /b/$2\n", "Redirect307Match",
            "Redirect307Match", "$2")


# ----- targets --------------------------------------------------------------------

@pytest.mark.parametrize("directive,frag", [
    ("Redirect307 /a foo", "foo"),
    ("Redirect308 /a foo/bar", "foo/bar"),
    ("Redirect307 /a //evil.com/x", "//evil.com/x"),
    ("Redirect307Match ^/a(.*)$ $1", "$1"),
    ("Redirect307Match ^/a(.*)$ //$1", "//$1"),
    ("Redirect307 /a http://", "http://"),
    ("Redirect307 /a mailto:x@example.com", "mailto:x@example.com"),
])
def test_bad_target(checker, directive, frag):
    refused(checker, directive + "\n", directive, directive.split()[0], frag)


@pytest.mark.parametrize("directive", [
    "Redirect307Match ^/h/(.*)$ http://$1/",
    "Redirect307Match ^/h/(.*)$ https://$1.example.com/x",
    "Redirect308Match ^/h/(.*)$ https://example.com$1",
    "Redirect307Match ^/h/(.*)$ https://example.com:$1/",
    "Redirect307Match ^/h/(.*)$ https://user$1@example.com/",
    "Redirect307Match ^/h/(.*)$ http$1://example.com/",
])
def test_capture_in_scheme_or_host_refused(checker, directive):
    refused(checker, directive + "\n", directive, directive.split()[0])


def test_capture_in_path_of_absolute_target_accepted(checker):
    accepted(checker, "Redirect307Match ^/h/(.*)$ https://example.com/$1\n"
                      "Redirect307Match ^/q/(.*)$ https://example.com/?q=$1\n")


@pytest.mark.parametrize("directive", ["Redirect307 a /b", "Redirect308 old /b"])
def test_prefix_must_be_url_path(checker, directive):
    refused(checker, directive + "\n", directive, directive.split()[0])


# ----- loops --------------------------------------------------------------------------

@pytest.mark.parametrize("directive,target", [
    ("Redirect307 /a /a/b", "/a/b"),
    ("Redirect307 /a /a", "/a"),
    ("Redirect308 /a /a?x=1", "/a?x=1"),
    ("Redirect307 /a/ /a/b/", "/a/b/"),
])
def test_loop_refused_at_startup(checker, directive, target):
    out = refused(checker, directive + "\n", directive, directive.split()[0],
                  "'%s'" % target)
    assert "inside" in out or "loop" in out, out


def test_loop_refused_when_server_starts(checker):
    """Not only -t: starting the server fails too, with the message."""
    import subprocess
    checker.write_conf("Redirect307 /a /a/b\n")
    p = subprocess.Popen([os.environ.get("APACHE2", "/usr/sbin/apache2"), "-f",
                          checker.conf_path, "-DFOREGROUND"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.terminate()
        p.communicate(timeout=10)
        pytest.fail("httpd started with a looping rule")
    out = out.decode()
    assert p.returncode != 0, out
    assert "Redirect307" in out and "/a/b" in out, out


@pytest.mark.parametrize("directive", [
    "Redirect307 /a /ab",
    "Redirect307 /a/b /a",
    "Redirect307 /a /b/a",
    "Redirect307 /a https://example.com/a/b",
])
def test_not_a_loop_accepted(checker, directive):
    accepted(checker, directive + "\n")


def test_error_names_included_file_and_line(checker):
    inc = checker.write_file("conf/extra.conf",
                             "# extra\n\nRedirect307 /ok /fine\nRedirect307Match ( /x\n",
                             base=checker.root)
    rc, out, _ = checker.check_config('Include "%s"\n' % inc)
    assert rc != 0, out
    assert "Syntax error on line 4 of %s:" % inc in out, out
    assert "Redirect307Match" in out, out


def test_error_inside_section_names_its_line(checker):
    conf = ('<VirtualHost @HOSTPORT@>\n    ServerName v.test\n'
            '    <Location /x>\n        Redirect307 /x foo\n    </Location>\n'
            '</VirtualHost>\n')
    refused(checker, conf, "Redirect307 /x foo", "Redirect307", "foo")


# ----- .htaccess ------------------------------------------------------------------------

HT_CONF = r"""
# early rules are answered in translate_name, before any .htaccess is read
Redirect307 /bad/regex/early /early-target
<Location /bad/target/loc>
    Redirect308 /bad/target/loc /location-early
</Location>
<Directory "@HTDOCS@/bad">
    AllowOverride FileInfo
</Directory>
<Directory "@HTDOCS@/good">
    AllowOverride FileInfo
</Directory>
"""

HT_CASES = {
    # dir: (.htaccess text, bad line number, fragments expected in the log)
    "args": ("# too many arguments\nRedirect307 /bad/args/x /y /z\n", 2, ["Redirect307"]),
    "args1": ("Redirect308Match ^/x\n", 1, ["Redirect308Match"]),
    "onearg": ("\nRedirect307 /only-one\n", 2, ["Redirect307"]),
    "regex": ("# ok\nRedirect307 /bad/regex/ok /fine\n\nRedirect307Match ( /x\n", 4,
              ["Redirect307Match", "("]),
    "target": ("Redirect307 /bad/target/x foo\n", 1, ["Redirect307", "foo"]),
    "host": ("Redirect307Match ^/h/(.*)$ http://$1/\n", 1, ["Redirect307Match"]),
    "loop": ("\n\n\nRedirect307 /bad/loop /bad/loop/x\n", 4, ["Redirect307", "/bad/loop/x"]),
}

HT_FILES = {"index.html": "top\n", "good/index.html": "good\n",
            "good/.htaccess": "Redirect307 /good/old /good/\n"}
for _d, (_text, _line, _frags) in HT_CASES.items():
    HT_FILES["bad/%s/.htaccess" % _d] = _text
    HT_FILES["bad/%s/index.html" % _d] = "should not be served\n"
    HT_FILES["bad/%s/page.html" % _d] = "should not be served\n"

ht_srv = module_server(HT_CONF, HT_FILES)


@pytest.mark.parametrize("case", sorted(HT_CASES))
def test_htaccess_error_gives_500_with_reason(ht_srv, case):
    text, line, frags = HT_CASES[case]
    mark = len(ht_srv.error_log())
    for path in ("/bad/%s/" % case, "/bad/%s/page.html" % case,
                 "/bad/%s/missing" % case):
        r = curl(ht_srv.url(path))
        assert r.status == 500, (path, r)
    log = ht_srv.error_log(mark)
    htaccess = os.path.join(ht_srv.htdocs, "bad", case, ".htaccess")
    lines = [l for l in log.splitlines() if htaccess in l]
    assert lines, log
    entry = lines[0]
    assert re.search(r"\[[a-z_0-9]+:alert\]", entry), entry
    assert re.search(r"%s: line %d: " % (re.escape(htaccess), line), entry), \
        "no '%s: line %d: ' in: %s" % (htaccess, line, entry)
    for frag in frags:
        assert frag in entry, (frag, entry)


def test_htaccess_error_other_urls_keep_working(ht_srv):
    for case in HT_CASES:
        curl(ht_srv.url("/bad/%s/" % case))       # trigger every broken .htaccess
    r = curl(ht_srv.url("/index.html"))
    assert r.status == 200 and r.body == b"top\n", r
    r = curl(ht_srv.url("/good/"))
    assert r.status == 200 and r.body == b"good\n", r
    r = curl(ht_srv.url("/good/old/x"))
    assert r.status == 307, r
    assert r.header("location") == ht_srv.url("/good/x")
    r = curl(ht_srv.url("/cgi-bin/echo?x=1"))
    assert r.status == 200 and r.json()["query"] == "x=1", r


def test_early_rules_answer_before_htaccess_is_read(ht_srv):
    r = curl(ht_srv.url("/bad/regex/early/x"))
    assert r.status == 307, r
    assert r.header("location") == ht_srv.url("/early-target/x")
    r = curl(ht_srv.url("/bad/target/loc"))
    assert r.status == 308, r
    assert r.header("location") == ht_srv.url("/location-early")
    r = curl(ht_srv.url("/bad/regex/late"))
    assert r.status == 500, r
