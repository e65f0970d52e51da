# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""Fixtures for the mod_redirect307 integration tests.

`make integration` sets R307_MODULE (absolute path of mod_redirect307.so) and
APACHE2.  Set R307_KEEP=1 to keep the temporary ServerRoots for inspection.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import r307httpd  # noqa: E402


def _module_path():
    path = os.environ.get("R307_MODULE")
    if not path:
        pytest.fail("R307_MODULE is not set: run the suite with `make integration`",
                    pytrace=False)
    if not os.path.exists(path):
        pytest.fail("R307_MODULE=%s does not exist: run `make build`" % path,
                    pytrace=False)
    return path


def start_server(conf="", files=None, loglevel="warn", load_module=True,
                 cgi=None, extra_modules=()):
    """Create, populate and start a server; the caller must cleanup().

    cgi: {name: script text} written executable into cgi-bin/ (placeholders
    such as @HOSTPORT@ substituted); extra_modules: short names from
    r307httpd.OPTIONAL_MODULES ("proxy", "proxy_http", "http2")."""
    srv = r307httpd.R307Httpd(module=_module_path() if load_module else None,
                              loglevel=loglevel, load_module=load_module,
                              extra_modules=extra_modules)
    try:
        for rel, content in (files or {}).items():
            srv.write_file(rel, content)
        for rel, content in (cgi or {}).items():
            srv.write_file(os.path.join("cgi-bin", rel), content, mode=0o755,
                           base=srv.root)
        srv.start(conf)
    except BaseException:
        srv.cleanup()
        raise
    return srv


@pytest.fixture
def httpd(request):
    """Factory: httpd(conf, files={rel: content}, loglevel=...) -> started
    R307Httpd, stopped and removed when the test ends (pass or fail)."""
    servers = []

    def make(conf="", files=None, loglevel="warn", load_module=True):
        srv = start_server(conf, files, loglevel, load_module)
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.cleanup()


@pytest.fixture
def checker():
    """An unstarted R307Httpd to run `apache2 -t` on configuration text."""
    srv = r307httpd.R307Httpd(module=_module_path())
    yield srv
    srv.cleanup()


def module_server(conf, files=None, loglevel="warn", cgi=None, extra_modules=()):
    """Build a module-scoped fixture serving `conf` (a generator fixture)."""

    @pytest.fixture(scope="module")
    def _fixture():
        srv = start_server(conf, files, loglevel, cgi=cgi,
                           extra_modules=extra_modules)
        try:
            yield srv
        finally:
            srv.cleanup()

    return _fixture
