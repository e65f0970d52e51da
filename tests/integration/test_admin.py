# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""What an administrator sees: apache2 -M, mod_info, and the trace levels
that tell each decision."""

import os
import re
import subprocess

from r307httpd import APACHE2, curl

INFO_CONF = r"""
LoadModule info_module /usr/lib/apache2/modules/mod_info.so
<Location /server-info>
    SetHandler server-info
</Location>
Redirect307 /old /new
"""

TRACE_CONF = r"""
Redirect307 /old /new
Redirect307Match ^/self$ /self
Redirect 302 /app-302 /elsewhere
RedirectUpgrade On
"""


def test_apache2_M_lists_the_module(httpd):
    srv = httpd("")
    out = subprocess.run([APACHE2, "-M", "-f", srv.conf_path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=30).stdout.decode()
    assert re.search(r"^\s*redirect307_module \(shared\)$", out, re.M), out


def test_mod_info_shows_directives_with_their_help(httpd):
    srv = httpd(INFO_CONF)
    page = curl(srv.url("/server-info?mod_redirect307.c"))
    assert page.status == 200
    text = re.sub(r"<[^>]+>", "", page.text)
    for directive, help_text in [
            ("Redirect307", "answer 307 Temporary Redirect"),
            ("Redirect308Match", "answer 308 Permanent Redirect"),
            ("Redirect307Map", "matched exactly"),
            ("RedirectUpgrade", "send 307 where a 302 answers an unsafe"),
            ("RedirectUpgradeMethods", "the methods counted as unsafe")]:
        assert re.search(r"%s\s*:?\s*[^\n]*%s" % (directive,
                                                  re.escape(help_text)),
                         text), (directive, text)
    # and the configured rule, with its file and line
    assert "Redirect307 /old /new" in text


def trace_lines(log, level):
    return [line for line in log.splitlines()
            if "[redirect307:%s]" % level in line]


def test_trace1_tells_each_decision(httpd):
    srv = httpd(TRACE_CONF, loglevel="warn redirect307:trace1")
    rule_line = srv.conf_line("Redirect307 /old /new")

    mark = len(srv.error_log())
    assert curl(srv.url("/old/x")).status == 307
    log = srv.error_log(mark)
    where = "%s:%d" % (srv.conf_path, rule_line)
    assert any("trying the 2 rules of the section starting at " + where
               in line for line in trace_lines(log, "trace1")), log
    assert any(where + ": URL-path '/old' matches /old/x" in line
               for line in trace_lines(log, "trace1")), log
    assert any("307 redirect of /old/x to " + srv.url("/new/x") in line
               for line in trace_lines(log, "trace1")), log

    mark = len(srv.error_log())
    curl(srv.url("/self"))
    log = srv.error_log(mark)
    assert re.search(r"\[redirect307:warn\].*httpd\.conf:%d: rule would "
                     r"redirect \S+/self to itself; not applied"
                     % srv.conf_line("^/self$"), log), log

    mark = len(srv.error_log())
    assert curl(srv.url("/app-302"), "-d", "a=1").status == 307
    log = srv.error_log(mark)
    assert any("upgrading 302 to 307 for POST /app-302" in line
               for line in trace_lines(log, "trace1")), log

    # non-matches are explained only from trace3 on
    mark = len(srv.error_log())
    curl(srv.url("/nothing"))
    assert "does not match" not in srv.error_log(mark)
    assert "no rule of" not in srv.error_log(mark)


def test_trace3_explains_non_matches(httpd):
    srv = httpd(TRACE_CONF, loglevel="warn redirect307:trace3")
    mark = len(srv.error_log())
    assert curl(srv.url("/nothing")).status == 404
    log = srv.error_log(mark)
    assert any("regex '^/self$' does not match /nothing" in line
               for line in trace_lines(log, "trace3")), log
    assert any("no rule of 2 matches /nothing" in line
               for line in trace_lines(log, "trace3")), log


def test_shipped_conf_shows_both_trace_levels():
    conf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "..", "conf", "redirect307.conf")
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    assert re.search(r"^\s*#LogLevel redirect307:trace1$", text, re.M)
    assert re.search(r"^\s*#LogLevel redirect307:trace3$", text, re.M)
