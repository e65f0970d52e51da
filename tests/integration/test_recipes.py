# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""docs/recipes.md stays true: every `apache` block of the page passes
`apache2 -t`, and each recipe answers as the page shows."""

import os
import re

import pytest

from r307httpd import curl

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "docs", "recipes.md")
MAP_PATH = "/etc/apache2/redirects/migration.map"


def doc_blocks(lang):
    """The fenced blocks of the page whose info string is 'lang'."""
    blocks, current, current_lang = [], None, None
    with open(DOC, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                if current is None:
                    current, current_lang = [], line[3:].strip()
                else:
                    if current_lang == lang:
                        blocks.append("".join(current))
                    current = None
            elif current is not None:
                current.append(line)
    return blocks


def migration_map():
    """The example map file of the page (the plain block naming it)."""
    for block in doc_blocks(""):
        if block.startswith("# " + MAP_PATH):
            return block
    pytest.fail("recipes.md lost its example map")


def localize(srv, block):
    """Point the page's absolute paths into the test's ServerRoot."""
    srv.write_file("maps/migration.map", migration_map(), base=srv.root)
    # the .htaccess recipe, checked inside <Directory>, is ServerRoot-relative
    srv.write_file("migration.map", migration_map(), base=srv.root)
    block = block.replace(MAP_PATH, os.path.join(srv.root, "maps",
                                                 "migration.map"))
    return "Define APACHE_LOG_DIR %s/logs\n%s" % (srv.root, block)


def test_every_block_passes_config_check(checker):
    blocks = doc_blocks("apache")
    assert len(blocks) >= 7
    for block in blocks:
        if block.startswith("# .htaccess"):
            block = "<Directory \"@HTDOCS@\">\n%s</Directory>\n" % block
        rc, out, _ = checker.check_config(localize(checker, block))
        assert rc == 0, "recipe block fails apache2 -t:\n%s\n%s" % (block,
                                                                     out)


def block_with(needle):
    found = [b for b in doc_blocks("apache") if needle in b]
    assert found, needle
    return found[0]


def start(httpd, block, files=None):
    srv = httpd("", files)
    srv.stop()
    srv.start(localize(srv, block))
    return srv


def test_maintenance_reroutes_only_posts(httpd):
    srv = start(httpd, block_with("/maintenance/pay"),
                {"checkout/pay": "the payment page\n"})
    post = curl(srv.url("/checkout/pay"), "-d", "amount=10")
    assert post.status == 307
    assert post.header("Retry-After") == "600"
    assert post.header("Location") == srv.url("/maintenance/pay")
    page = curl(srv.url("/checkout/pay"))
    assert page.status == 200
    assert page.header("Retry-After") is None


def test_api_move_is_308_with_capped_caching(httpd):
    srv = start(httpd, block_with("Redirect308 /api/v1"))
    put = curl(srv.url("/api/v1/users/7?dry=1"), "-X", "PUT", "-d",
               '{"name":"x"}')
    assert put.status == 308
    assert put.header("Cache-Control") == "max-age=3600"
    assert put.header("Location") == \
        "https://api.example.com/v2/users/7?dry=1"


def test_migration_map(httpd):
    srv = start(httpd, block_with("Redirect308Map /etc/"))
    widget = curl(srv.url("/products/widget.html?ref=mail"))
    assert widget.status == 308
    assert widget.header("Location") == \
        "https://shop.example.com/p/widget?ref=mail"
    submit = curl(srv.url("/checkout/submit.php"), "-d", "a=1")
    assert submit.status == 307
    assert submit.header("Location") == srv.url("/checkout/submit")
    assert curl(srv.url("/contact.php/x")).status == 404


def test_api_upgrade_log_then_on(httpd):
    app = 'Redirect 302 /api/orders /api/v2/orders\n' \
          'Redirect 302 /shop/thanks /shop/done\n'
    log_block, on_block = [b for b in doc_blocks("apache")
                           if "RedirectUpgrade" in b]
    srv = start(httpd, log_block + app)
    mark = srv.log_marks()
    assert curl(srv.url("/api/orders"), "-d", "x=1").status == 302
    notices = [line for line in srv.error_log(mark[0]).splitlines()
               if "RedirectUpgrade Log: would answer POST /api/orders "
                  "with 307 instead of 302" in line]
    assert len(notices) == 1, srv.error_log(mark[0])

    srv.stop()
    srv.start(localize(srv, on_block + app))
    assert curl(srv.url("/api/orders"), "-d", "x=1").status == 307
    assert curl(srv.url("/shop/thanks"), "-d", "x=1").status == 302


def test_which_rule_answered(httpd):
    block = block_with("X-Redirect-Rule")
    srv = start(httpd, block + "Redirect307 /checkout/pay /maintenance/pay\n")
    res = curl(srv.url("/checkout/pay"), "-d", "x=1")
    assert res.status == 307
    tag = res.header("X-Redirect-Rule")
    assert re.fullmatch(r".*/httpd\.conf:\d+ 307", tag), tag
    line = int(tag.rsplit(":", 1)[1].split()[0])
    assert "Redirect307 /checkout/pay" in srv.conf_text.splitlines()[line - 1]
