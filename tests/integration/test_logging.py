"""LogLevel redirect307:traceN shows what the rules did; REDIRECT307 env."""

import re

from r307httpd import curl

CONF = r"""
Redirect307 /old /new
Redirect308Match ^/re/(.*)$ /new-re/$1
"""


def test_trace_levels(httpd):
    srv = httpd(CONF, loglevel="warn redirect307:trace3")
    mark = len(srv.error_log())
    r = curl(srv.url("/old/x"))
    assert r.status == 307, r
    log = srv.error_log(mark)
    fired = [l for l in log.splitlines() if "[redirect307:trace1]" in l]
    assert fired, log
    assert any("%s:%d" % (srv.conf_path, srv.conf_line("Redirect307 /old /new")) in l
               for l in fired), log

    mark = len(srv.error_log())
    r = curl(srv.url("/nothing-matches"))
    assert r.status == 404, r
    log = srv.error_log(mark)
    assert re.search(r"\[redirect307:trace[23]\]", log), log


def test_default_loglevel_is_quiet(httpd):
    srv = httpd(CONF)
    mark = len(srv.error_log())
    for path in ("/old/x", "/re/y", "/nothing"):
        curl(srv.url(path))
    assert "redirect307" not in srv.error_log(mark)


def test_env_var_for_htaccess_and_regex_rules(httpd):
    srv = httpd(CONF + '<Directory "@HTDOCS@/ht">\n    AllowOverride FileInfo\n</Directory>\n',
                files={"ht/.htaccess": "# x\nRedirect308 /ht/a /b\n"})
    mark = len(srv.access_log())
    curl(srv.url("/re/1"))
    curl(srv.url("/ht/a"))
    log = srv.wait_access_log("/ht/a", since=mark)
    assert 'rule="%s:%d 308"' % (srv.conf_path, srv.conf_line("Redirect308Match")) in log, log
    assert 'rule="%s/ht/.htaccess:2 308"' % srv.htdocs in log, log
