# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""Fixtures for the mod_redirect307 integration tests.

`make integration` sets R307_MODULE (absolute path of mod_redirect307.so) and
APACHE2.  Set R307_KEEP=1 to keep the temporary ServerRoots for inspection.

Memory checking (r307httpd.py, "memory checking"): with R307_SANITIZE=1
(`make integration SANITIZE=1`) every apache2 runs with the ASan runtime
preloaded, also the ones tests start themselves through $APACHE2 /
r307httpd.APACHE2 (pointed at tests/sanitize/apache2 here); with
R307_VALGRIND=1 (`make valgrind`) servers run under valgrind memcheck.  A
report makes the test whose server stopped fail (sanitizers: also the test
running when a live server reported).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import r307httpd  # noqa: E402

if r307httpd.SANITIZE:
    # tests that run apache2 themselves (a server that must refuse to start)
    # get the ASan runtime too
    os.environ["R307_REAL_APACHE2"] = r307httpd.REAL_APACHE2
    os.environ["APACHE2"] = r307httpd.APACHE2 = r307httpd.SANITIZE_WRAPPER

_checked_modules = {}


def _module_path():
    path = os.environ.get("R307_MODULE")
    if not path:
        pytest.fail("R307_MODULE is not set: run the suite with `make integration`",
                    pytrace=False)
    if not os.path.exists(path):
        pytest.fail("R307_MODULE=%s does not exist: run `make build`" % path,
                    pytrace=False)
    if path not in _checked_modules:
        _checked_modules[path] = r307httpd.module_is_sanitized(path)
    if _checked_modules[path] != r307httpd.SANITIZE:
        pytest.fail("R307_MODULE=%s was %sbuilt with the sanitizers but "
                    "R307_SANITIZE is %sset: rebuild it (`make build%s`)"
                    % (path, "" if _checked_modules[path] else "not ",
                       "" if r307httpd.SANITIZE else "not ",
                       " SANITIZE=1" if r307httpd.SANITIZE else ""),
                    pytrace=False)
    return path


def cleanup_all(servers):
    """cleanup() every server, then fail with the memory reports if any."""
    errors = []
    for srv in servers:
        try:
            srv.cleanup()
        except r307httpd.MemoryCheckError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


@pytest.fixture(autouse=True)
def _memcheck_live_servers():
    """Sanitizer reports written while a test ran fail that test, also
    those of module-scoped servers (checked again when they stop)."""
    yield
    if r307httpd.SANITIZE:
        errors = []
        for srv in list(r307httpd._LIVE):
            try:
                srv.check_memory(final=False)
            except r307httpd.MemoryCheckError as e:
                errors.append(str(e))
        if errors:
            pytest.fail("\n\n".join(errors), pytrace=False)


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
    cleanup_all(servers)


@pytest.fixture
def checker():
    """An unstarted R307Httpd to run `apache2 -t` on configuration text."""
    srv = r307httpd.R307Httpd(module=_module_path())
    yield srv
    cleanup_all([srv])


def module_server(conf, files=None, loglevel="warn", cgi=None, extra_modules=()):
    """Build a module-scoped fixture serving `conf` (a generator fixture)."""

    @pytest.fixture(scope="module")
    def _fixture():
        srv = start_server(conf, files, loglevel, cgi=cgi,
                           extra_modules=extra_modules)
        try:
            yield srv
        finally:
            cleanup_all([srv])

    return _fixture
