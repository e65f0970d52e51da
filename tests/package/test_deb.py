# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""
The Debian package, installed on this machine (root only).

Builds libapache2-mod-redirect307_<version>_<arch>.deb with
scripts/build-deb.sh into a temporary directory (or takes the one named by
R307_DEB), checks its contents and lintian, installs it with `dpkg -i`,
runs `a2enmod redirect307`, `apache2ctl -t` and `apache2ctl -M` against the
system configuration, starts a PRIVATE httpd on 127.0.0.1 whose
configuration loads the module through the installed
/etc/apache2/mods-available/redirect307.load and asks it for a 307, and
finally removes and purges the package.

The machine is left as it was: the packaged apache2 service is never
started (a policy-rc.d that refuses every service action is in place while
dpkg runs, and an existing /usr/sbin/policy-rc.d is put back afterwards),
and apache2's module state markers (/var/lib/apache2/module/*/redirect307,
which a2enmod, a2dismod and the purge change) are restored.  The test
refuses to run (skips) when the package or the module files from
`make install` are already there, since removing them would change the
machine.

    sudo /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/package
    R307_DEB=dist/libapache2-mod-redirect307_0.1.0_amd64.deb ... (no build)
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

PKG = "libapache2-mod-redirect307"
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APACHE2 = os.environ.get("APACHE2", "/usr/sbin/apache2")
MODULE_SO = "/usr/lib/apache2/modules/mod_redirect307.so"
MODS_AVAILABLE = "/etc/apache2/mods-available"
MODS_ENABLED = "/etc/apache2/mods-enabled"
LOAD = MODS_AVAILABLE + "/redirect307.load"
CONF = MODS_AVAILABLE + "/redirect307.conf"
STATE_DIR = "/var/lib/apache2/module"
POLICY_RC_D = "/usr/sbin/policy-rc.d"
DOC = "/usr/share/doc/" + PKG

OWN_FILES = [MODULE_SO, LOAD, CONF,
             MODS_ENABLED + "/redirect307.load",
             MODS_ENABLED + "/redirect307.conf"]

if os.geteuid() != 0:
    pytest.skip("the package test installs a .deb with dpkg -i: run it as root "
                "(sudo make test-deb)", allow_module_level=True)

for _tool in ("dpkg", "dpkg-deb", "a2enmod", "a2dismod", "a2query",
              "apache2ctl", "curl"):
    if shutil.which(_tool) is None:
        pytest.skip("%s is not installed" % _tool, allow_module_level=True)
if not os.access(APACHE2, os.X_OK):
    pytest.skip("%s is not installed" % APACHE2, allow_module_level=True)


def run(cmd, timeout=60, check=True, **kw):
    """Runs cmd; returns (rc, stdout+stderr).  check: rc must be 0."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout, **kw)
    if check:
        assert p.returncode == 0, "%s failed (%d):\n%s" % (
            " ".join(cmd), p.returncode, p.stdout)
    return p.returncode, p.stdout


def dpkg(*args):
    """dpkg, waiting up to a minute for the dpkg lock held by another apt."""
    deadline = time.time() + 60
    while True:
        rc, out = run(["dpkg"] + list(args), timeout=120, check=False)
        if rc != 0 and "lock" in out and time.time() < deadline:
            time.sleep(2)
            continue
        assert rc == 0, "dpkg %s failed (%d):\n%s" % (" ".join(args), rc, out)
        return out


def package_status():
    rc, out = run(["dpkg-query", "-W", "-f=${Status}", PKG], check=False)
    return out.strip() if rc == 0 else ""


def state_markers():
    """apache2's module state markers for redirect307 (a2enmod/a2dismod)."""
    return sorted(glob.glob(STATE_DIR + "/*/redirect307"))


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    """The .deb: R307_DEB, or built with scripts/build-deb.sh (unit tests and
    lintian are left to `make unit` and to test_lintian)."""
    given = os.environ.get("R307_DEB")
    if given:
        assert os.path.isfile(given), "R307_DEB=%s: no such file" % given
        return os.path.abspath(given)
    dist = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, DIST=str(dist), LINTIAN="0",
               DEB_BUILD_OPTIONS="nocheck")
    run(["sh", os.path.join(TOP, "scripts", "build-deb.sh")], timeout=300,
        env=env, cwd=TOP)
    debs = [d for d in glob.glob(str(dist / (PKG + "_*.deb")))]
    assert len(debs) == 1, "expected one %s_*.deb in %s: %s" % (PKG, dist, debs)
    return debs[0]


@pytest.fixture(scope="module")
def machine_state():
    """Refuses to run on a machine that already has the module, and puts back
    policy-rc.d and the module state markers afterwards."""
    status = package_status()
    if status and "not-installed" not in status:
        pytest.skip("%s is already on this machine (%s); the test would "
                    "remove it" % (PKG, status))
    present = [f for f in OWN_FILES if os.path.lexists(f)]
    if present:
        pytest.skip("module files not owned by the package are present "
                    "(make install?): %s; the test would remove them"
                    % ", ".join(present))

    markers = state_markers()
    had_policy = os.path.lexists(POLICY_RC_D)
    saved_policy = POLICY_RC_D + ".r307-test-saved"
    if had_policy:
        os.rename(POLICY_RC_D, saved_policy)
    with open(POLICY_RC_D, "w") as f:
        f.write("#!/bin/sh\n# mod_redirect307 package test: no service "
                "starts or restarts.\nexit 101\n")
    os.chmod(POLICY_RC_D, 0o755)
    try:
        yield
    finally:
        # Safety net if a test failed half-way: purge, whatever state.
        if package_status():
            run(["dpkg", "--purge", PKG], timeout=120, check=False)
        for m in state_markers():
            if m not in markers:
                os.unlink(m)
        for m in markers:
            if not os.path.exists(m):
                os.makedirs(os.path.dirname(m), exist_ok=True)
                open(m, "w").close()
        os.unlink(POLICY_RC_D)
        if had_policy:
            os.rename(saved_policy, POLICY_RC_D)


@pytest.fixture(scope="module")
def installed(deb, machine_state):
    out = dpkg("-i", deb)
    assert "install ok installed" in package_status(), out
    return out


def test_contents(deb):
    _, listing = run(["dpkg-deb", "-c", deb])
    paths = {line.split()[-1].lstrip(".") for line in listing.splitlines()}
    for want in (MODULE_SO, LOAD, CONF, DOC + "/copyright",
                 DOC + "/changelog.gz", DOC + "/examples/htaccess.example"):
        assert want in paths, "%s not in the package:\n%s" % (want, listing)
    assert any(p.startswith(DOC + "/README.md") for p in paths)
    assert any(p.startswith(DOC + "/docs/directives.md") for p in paths)

    _, depends = run(["dpkg-deb", "-f", deb, "Depends"])
    # From dh_apache2 (module ABI of httpd 2.4) and dh_shlibdeps (pcre2).
    assert "apache2-api-20120211" in depends
    assert "apache2-bin" in depends
    assert "libpcre2-8-0" in depends

    _, conffiles = run(["sh", "-c", "dpkg-deb --ctrl-tarfile '%s' | "
                        "tar -xOf - ./conffiles" % deb])
    assert set(conffiles.split()) == {LOAD, CONF}

    name = os.path.basename(deb)
    version = run(["dpkg-deb", "-f", deb, "Version"])[1].strip()
    arch = run(["dpkg-deb", "-f", deb, "Architecture"])[1].strip()
    assert name == "%s_%s_%s.deb" % (PKG, version, arch)


def test_lintian(deb):
    if shutil.which("lintian") is None:
        pytest.skip("lintian is not installed (apt-get install lintian)")
    rc, out = run(["lintian", "--fail-on", "error,warning", deb],
                  timeout=120, check=False)
    out = "\n".join(l for l in out.splitlines()
                    if "running with root privileges" not in l)
    assert rc == 0, "lintian:\n" + out


def test_installed_files(installed):
    assert os.path.isfile(MODULE_SO)
    with open(LOAD) as f:
        assert "LoadModule redirect307_module %s" % MODULE_SO in f.read()
    assert os.path.isfile(CONF)
    _, listed = run(["dpkg", "-L", PKG])
    assert MODULE_SO in listed.split()


def test_a2enmod_and_configtest(installed):
    # The postinst enables the module unless the admin disabled it before
    # (apache2-maintscript-helper); a2enmod must work either way.
    _, out = run(["a2enmod", "redirect307"])
    assert os.path.realpath(MODS_ENABLED + "/redirect307.load") == LOAD, out
    assert os.path.realpath(MODS_ENABLED + "/redirect307.conf") == CONF, out
    run(["a2query", "-m", "redirect307"])

    _, out = run(["apache2ctl", "-t"])
    assert "Syntax OK" in out
    _, out = run(["apache2ctl", "-M"])
    assert "redirect307_module (shared)" in out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_module_answers(installed):
    """A private httpd on 127.0.0.1, loading the module the way the system's
    apache2 does: through the installed mods-available files."""
    root = tempfile.mkdtemp(prefix="r307-pkg-")
    os.chmod(root, 0o755)
    os.makedirs(root + "/htdocs")
    port = free_port()
    conf = root + "/httpd.conf"
    with open(conf, "w") as f:
        f.write("""\
ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{root}/httpd.pid"
DefaultRuntimeDir "{root}"
ErrorLog "{root}/error.log"
LogLevel warn redirect307:trace1
User www-data
Group www-data
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
Include {load}
Include {conf}
DocumentRoot "{root}/htdocs"
Redirect307 /old /new
""".format(root=root, port=port, load=LOAD, conf=CONF))
    proc = subprocess.Popen([APACHE2, "-f", conf, "-DFOREGROUND"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.time() + 15
        while True:
            assert proc.poll() is None, "httpd exited:\n%s\n%s" % (
                proc.stdout.read().decode(), _read(root + "/error.log"))
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                assert time.time() < deadline, "httpd did not listen:\n" + \
                    _read(root + "/error.log")
                time.sleep(0.1)
        _, head = run(["curl", "-sS", "--noproxy", "*", "-o", "/dev/null",
                       "-D", "-", "-X", "POST", "-d", "a=1",
                       "http://127.0.0.1:%d/old/x?q=1" % port], timeout=20)
        lines = head.splitlines()
        assert lines[0].split()[1] == "307", head
        assert "location: http://127.0.0.1:%d/new/x?q=1" % port in \
            [l.strip().lower() for l in lines], head
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        shutil.rmtree(root, ignore_errors=True)


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        return str(e)


def test_remove_and_purge(installed):
    run(["a2dismod", "-q", "redirect307"])
    assert not os.path.lexists(MODS_ENABLED + "/redirect307.load")
    run(["apache2ctl", "-t"])

    dpkg("-r", PKG)
    assert not os.path.exists(MODULE_SO)
    assert os.path.exists(LOAD)   # conffiles stay until purge
    dpkg("--purge", PKG)
    assert package_status() == ""  or "not-installed" in package_status()
    for f in OWN_FILES + [DOC]:
        assert not os.path.lexists(f), f
    run(["apache2ctl", "-t"])
