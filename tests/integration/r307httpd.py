# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""
r307httpd -- a small harness that runs a private Apache httpd for the
mod_redirect307 integration tests and for `make run` (scripts/demo.py).

Each R307Httpd owns a temporary ServerRoot under /tmp:

    <root>/conf/httpd.conf   base template + the test's own configuration
    <root>/htdocs/           DocumentRoot (tests write files and .htaccess)
    <root>/cgi-bin/echo      JSON echo CGI (method, body, query, path info)
    <root>/logs/             error_log, access_log
    <root>/run/              pid file, cgid socket, mutexes, runtime dir

The server listens on 127.0.0.1:<free port> only, runs its children as
www-data (when started as root), and is started in the foreground
(-DFOREGROUND) as a child process of its own session so it can always be
stopped: SIGTERM to the parent, then SIGKILL to its process group if it does
not go away in time.  Every started server is also stopped at interpreter
exit.

Placeholders in configuration text: @ROOT@, @HTDOCS@, @CGIBIN@, @PORT@,
@HOSTPORT@ (127.0.0.1:PORT), @CONF@ (the path of the written httpd.conf).

Memory checking (off unless asked for; see "memory checking" below):
R307_SANITIZE=1 runs every apache2 through tests/sanitize/apache2 (ASan
runtime preloaded, for a module built with `make ... SANITIZE=1`);
R307_VALGRIND=1 runs servers as `valgrind --tool=memcheck apache2 -X`.  In
both modes the reports in <root>/logs/memcheck/ are read when a server stops
and a finding raises MemoryCheckError quoting it.

Inspired by httpd's own test/pyhttpd (no code taken from it).
"""

import atexit
import os
import pwd
import grp
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ElementTree

APACHE2 = os.environ.get("APACHE2", "/usr/sbin/apache2")
MODULE_DIR = os.environ.get("R307_MODULE_DIR", "/usr/lib/apache2/modules")
HOST = "127.0.0.1"

# Loaded when present in MODULE_DIR (mod_unixd and mod_log_config are
# compiled into Debian's apache2; they are loaded only if shipped as .so).
WANTED_MODULES = [
    ("mpm_event_module", "mod_mpm_event.so"),
    ("unixd_module", "mod_unixd.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("authz_host_module", "mod_authz_host.so"),
    ("mime_module", "mod_mime.so"),
    ("dir_module", "mod_dir.so"),
    ("alias_module", "mod_alias.so"),
    ("rewrite_module", "mod_rewrite.so"),
    ("cgid_module", "mod_cgid.so"),
    ("include_module", "mod_include.so"),
    ("log_config_module", "mod_log_config.so"),
    ("env_module", "mod_env.so"),
    ("headers_module", "mod_headers.so"),
    ("setenvif_module", "mod_setenvif.so"),
]

# Loaded only by servers that ask for them (R307Httpd(extra_modules=...)),
# by short name: "proxy", "proxy_http", "http2".
OPTIONAL_MODULES = {
    "proxy": ("proxy_module", "mod_proxy.so"),
    "proxy_http": ("proxy_http_module", "mod_proxy_http.so"),
    "http2": ("http2_module", "mod_http2.so"),
}

ECHO_CGI = r'''#!/usr/bin/python3
# Echo CGI for the mod_redirect307 tests: reports what arrived, as JSON.
import json, os, sys

def main():
    env = os.environ
    body = b""
    length = env.get("CONTENT_LENGTH", "")
    if length.strip():
        want = int(length)
        while len(body) < want:
            chunk = sys.stdin.buffer.read(want - len(body))
            if not chunk:
                break
            body += chunk
    elif env.get("HTTP_TRANSFER_ENCODING", "").lower().find("chunked") >= 0:
        # mod_cgid dechunks the body and closes the script's stdin at its end
        body = sys.stdin.buffer.read()
    out = {
        "method": env.get("REQUEST_METHOD", ""),
        "body": body.decode("utf-8", "surrogateescape"),
        "body_length": len(body),
        "content_length": length,
        "query": env.get("QUERY_STRING", ""),
        "path_info": env.get("PATH_INFO", ""),
        "content_type": env.get("CONTENT_TYPE", ""),
        "request_uri": env.get("REQUEST_URI", ""),
        "transfer_encoding": env.get("HTTP_TRANSFER_ENCODING", ""),
        "redirect_status": env.get("REDIRECT_STATUS", ""),
    }
    data = json.dumps(out, sort_keys=True).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Type: application/json\r\n")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(data))
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()

main()
'''

BASE_CONF = """\
# --- r307httpd base configuration ---
ServerRoot "@ROOT@"
ServerName 127.0.0.1
Listen @HOSTPORT@
@USERGROUP@
PidFile "@ROOT@/run/httpd.pid"
DefaultRuntimeDir "@ROOT@/run"
Mutex file:@ROOT@/run default
ErrorLog "@ROOT@/logs/error_log"
LogLevel @LOGLEVEL@
@LOADMODULES@
<IfModule mpm_event_module>
    StartServers 1
    ServerLimit 2
    ThreadsPerChild 16
    ThreadLimit 16
    MaxRequestWorkers 32
    MinSpareThreads 1
    MaxSpareThreads 32
</IfModule>
<IfModule mpm_prefork_module>
    StartServers 2
    MinSpareServers 1
    MaxSpareServers 4
    MaxRequestWorkers 16
</IfModule>
<IfModule cgid_module>
    ScriptSock "@ROOT@/run/cgid.sock"
</IfModule>
KeepAlive On
KeepAliveTimeout 5
MaxKeepAliveRequests 100
Timeout 20
<IfModule mime_module>
    TypesConfig "@TYPESCONFIG@"
    AddType text/html .shtml
</IfModule>
<IfModule include_module>
    AddOutputFilter INCLUDES .shtml
</IfModule>
<IfModule log_config_module>
    LogFormat "%h \\"%r\\" %>s rule=\\"%{REDIRECT307}e\\" loc=\\"%{Location}o\\"" r307
    CustomLog "@ROOT@/logs/access_log" r307
</IfModule>
<IfModule dir_module>
    DirectoryIndex index.html
</IfModule>
DocumentRoot "@HTDOCS@"
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory "@HTDOCS@">
    Options +Includes +FollowSymLinks -Indexes
    AllowOverride None
    Require all granted
</Directory>
<IfModule alias_module>
    ScriptAlias /cgi-bin/ "@CGIBIN@/"
</IfModule>
<Directory "@CGIBIN@">
    Options +ExecCGI
    AllowOverride None
    Require all granted
</Directory>
# --- end of base configuration ---
"""


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


_LIVE = set()


@atexit.register
def _stop_all():
    for srv in list(_LIVE):
        try:
            srv.stop()
        except Exception:
            pass


class HttpdError(Exception):
    pass


class MemoryCheckError(HttpdError):
    """A sanitizer or valgrind report from an apache2 the harness ran."""


# ----- memory checking: sanitizers and valgrind ------------------------------
#
# Off by default: then nothing below changes how apache2 is run.
#
# R307_SANITIZE=1 (`make integration SANITIZE=1`; the module is built with
#   -fsanitize=address,undefined): every apache2 the harness runs, servers and
#   `apache2 -t`, is run through tests/sanitize/apache2, which preloads the
#   ASan runtime into the (uninstrumented) apache2 and sends reports to
#   <root>/logs/memcheck/asan.<pid> and ubsan.<pid>.  LeakSanitizer reports
#   count only for the main process (marked by the wrapper with main.<pid>):
#   httpd's children exit without destroying their pools, and Debian's APR
#   allocator takes pool memory with mmap(), which LeakSanitizer does not
#   scan, so every malloc()ed object a live pool points to (a compiled regex,
#   an allocator) would be reported as a leak by every child.  The main
#   process destroys all its pools before it exits, so a leak it reports is
#   real.
# R307_VALGRIND=1 (`make valgrind`): servers run as `valgrind --tool=memcheck
#   apache2 -X` (one process, no children, no graceful restart) and
#   `apache2 -t` under valgrind too, with tests/valgrind/httpd.supp;
#   <root>/logs/memcheck/valgrind.<pid>.xml is checked: any error except a
#   leak fails, and a definite leak fails when a frame of its stack is in
#   mod_redirect307.so (or a function r307_*).  Timeouts are multiplied by
#   TIME_FACTOR.
#
# Findings are checked after the apache2 ended: stop() (and cleanup(), and
# check_config() for `apache2 -t`) raise MemoryCheckError quoting them; the
# ServerRoot is then kept for inspection.

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SANITIZE = os.environ.get("R307_SANITIZE", "") not in ("", "0")
VALGRIND = os.environ.get("R307_VALGRIND", "") not in ("", "0")
SANITIZE_WRAPPER = os.path.join(TOP, "tests", "sanitize", "apache2")
VALGRIND_SUPPRESSIONS = os.path.join(TOP, "tests", "valgrind", "httpd.supp")
# the binary the wrapper or valgrind runs (APACHE2 may be pointed at the
# wrapper for tests that start apache2 themselves: see conftest.py)
REAL_APACHE2 = (os.environ.get("R307_REAL_APACHE2", "/usr/sbin/apache2")
                if os.path.realpath(APACHE2) == os.path.realpath(SANITIZE_WRAPPER)
                else APACHE2)
TIME_FACTOR = float(os.environ.get("R307_TIME_FACTOR", "")
                    or (10 if VALGRIND else 1))
if SANITIZE and VALGRIND:
    raise HttpdError("R307_SANITIZE and R307_VALGRIND cannot be combined")

VALGRIND_ARGS = [
    "valgrind", "--tool=memcheck", "--leak-check=full",
    "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
    "--num-callers=40", "--child-silent-after-fork=yes", "--vgdb=no",
    # httpd dlclose()s its modules before it exits: keep their symbols for
    # the stacks of leaks allocated in them
    "--keep-debuginfo=yes",
    "--gen-suppressions=all", "--suppressions=" + VALGRIND_SUPPRESSIONS,
]
# at most this much of each report is quoted in an exception
QUOTE_MAX = 12000
_ASAN_SEPARATOR = re.compile(r"^=+$", re.M)
_LOG_FINDING = re.compile(r"runtime error:|ERROR: AddressSanitizer|"
                          r"AddressSanitizer:DEADLYSIGNAL|ERROR: LeakSanitizer|"
                          r"ERROR: Can't open file")
_LSAN_PID = re.compile(r"==(\d+)==ERROR: LeakSanitizer")
# an error_log line of httpd's own ("[Tue Nov 24 ...] [module:level] ...")
_HTTPD_LOG_LINE = re.compile(r"^\[\w{3} \w{3} ")


def module_is_sanitized(path):
    """True when the .so at path was built with -fsanitize=address."""
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def _main_pids(mdir):
    try:
        return {n.split(".", 1)[1] for n in os.listdir(mdir)
                if n.startswith("main.")}
    except FileNotFoundError:
        return set()


def sanitizer_reports_in_text(text, mains):
    """Sanitizer reports written to stderr (an error_log, apache2's stdout,
    `apache2 -t` output): the runs of lines that are not httpd's own log
    lines and mention a report.  Once libubsan has reported in a process,
    the sanitizers of that process write to stderr instead of log_path, so
    both places are read.  Leak reports of pids not in mains are skipped."""
    blocks, cur = [], []
    for line in text.splitlines() + [None]:
        if line is not None and not _HTTPD_LOG_LINE.match(line):
            cur.append(line)
            continue
        if cur:
            blocks.extend(b.strip("\n") for b in
                          _ASAN_SEPARATOR.split("\n".join(cur)))
            cur = []
    found = []
    for block in blocks:
        if not _LOG_FINDING.search(block):
            continue
        pids = set(_LSAN_PID.findall(block))
        rest = _LSAN_PID.sub("", block)
        if pids and not (pids & mains) and not re.search(
                r"runtime error:|ERROR: AddressSanitizer|DEADLYSIGNAL", rest):
            continue            # only leak reports of httpd children
        found.append(block)
    return found


def _sanitizer_findings(mdir, seen):
    """New reports in mdir's asan.<pid>/ubsan.<pid> files: [(title, text)].

    seen: {file name: length already looked at}, updated."""
    out = []
    try:
        names = sorted(os.listdir(mdir))
    except FileNotFoundError:
        return out
    mains = _main_pids(mdir)
    for name in names:
        kind, _, pid = name.partition(".")
        if kind not in ("asan", "ubsan"):
            continue
        path = os.path.join(mdir, name)
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace")
        start = seen.get(name, 0)
        seen[name] = len(data)
        text = data[start:]
        if not text.strip():
            continue
        if kind == "ubsan":
            out.append((path, text))
            continue
        for chunk in _ASAN_SEPARATOR.split(text):
            if not chunk.strip():
                continue
            if "ERROR: LeakSanitizer" in chunk and pid not in mains:
                continue        # an httpd child's pools: see above
            out.append((path, chunk.strip("\n")))
    return out


def _frame_text(frame):
    get = lambda tag: (frame.findtext(tag) or "")
    where = get("file") and "%s:%s" % (get("file"), get("line"))
    return "    %s %s %s" % (get("fn") or get("ip"),
                             ("(%s)" % where) if where else "",
                             "[%s]" % get("obj") if get("obj") else "")


def _valgrind_error_text(err):
    what = err.findtext("what") or err.findtext("xwhat/text") or ""
    lines = ["%s: %s" % (err.findtext("kind"), what)]
    for stack in err.findall("stack"):
        lines.extend(_frame_text(fr) for fr in stack.findall("frame"))
        lines.append("  --")
    aux = err.findtext("auxwhat")
    if aux:
        lines.append("  " + aux)
    supp = err.findtext("suppression/rawtext")
    if supp:
        lines.append("  suppression:\n" + supp.rstrip())
    return "\n".join(lines)


def _is_module_frame(frame):
    return ((frame.findtext("obj") or "").endswith("mod_redirect307.so")
            or (frame.findtext("fn") or "").startswith("r307_"))


def _valgrind_findings(mdir, seen):
    """Errors in mdir's finished valgrind.<pid>.xml files: [(title, text)]."""
    out = []
    try:
        names = sorted(os.listdir(mdir))
    except FileNotFoundError:
        return out
    for name in names:
        if not (name.startswith("valgrind.") and name.endswith(".xml")) \
                or name in seen:
            continue
        path = os.path.join(mdir, name)
        seen[name] = 1
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError as e:
            out.append((path, "valgrind's XML is incomplete (%s): was apache2 "
                        "killed before it finished?  See %s"
                        % (e, path[:-4] + ".log")))
            continue
        for err in root.findall("error"):
            kind = err.findtext("kind") or ""
            if kind.startswith("Leak_") and not any(
                    _is_module_frame(fr) for fr in err.iter("frame")):
                continue
            out.append((path, _valgrind_error_text(err)))
    return out


class R307Httpd:
    """A private httpd with its own ServerRoot under /tmp."""

    def __init__(self, module=None, loglevel="warn", port=None,
                 load_module=True, keep=None, extra_modules=()):
        self.module = module if module is not None else os.environ.get("R307_MODULE")
        self.load_module = load_module
        self.extra_modules = list(extra_modules)
        self.loglevel = loglevel
        self.port = port or free_port()
        self.keep = keep if keep is not None else bool(os.environ.get("R307_KEEP"))
        self.root = tempfile.mkdtemp(prefix="r307httpd-", dir="/tmp")
        os.chmod(self.root, 0o755)
        for d in ("conf", "htdocs", "cgi-bin", "logs", "run"):
            os.mkdir(os.path.join(self.root, d))
            os.chmod(os.path.join(self.root, d), 0o755)
        self.htdocs = os.path.join(self.root, "htdocs")
        self.cgibin = os.path.join(self.root, "cgi-bin")
        self.conf_path = os.path.join(self.root, "conf", "httpd.conf")
        self.error_log_path = os.path.join(self.root, "logs", "error_log")
        self.access_log_path = os.path.join(self.root, "logs", "access_log")
        self.pid_path = os.path.join(self.root, "run", "httpd.pid")
        self.proc = None
        self.extra_conf = ""
        self.conf_text = ""
        self._out = None
        self._checks = 0
        self.memcheck_dir = os.path.join(self.root, "logs", "memcheck")
        self._memcheck_seen = {}
        self.memcheck_findings = []     # every (file, text) reported so far
        self._pending = []              # found in `apache2 -t` output
        self.write_file("cgi-bin/echo", ECHO_CGI, mode=0o755, base=self.root)
        self.write_file("index.html", "<html><body>r307 index</body></html>\n")

    # ----- paths, URLs ---------------------------------------------------
    @property
    def hostport(self):
        return "%s:%d" % (HOST, self.port)

    def url(self, path="/"):
        return "http://%s%s" % (self.hostport, path)

    # ----- files ----------------------------------------------------------
    def write_file(self, relpath, content, mode=0o644, base=None):
        """Write a file below htdocs (or 'base'), creating directories 0755."""
        base = base or self.htdocs
        path = os.path.join(base, relpath.lstrip("/"))
        d = os.path.dirname(path)
        parts = []
        while not os.path.isdir(d):
            parts.append(d)
            d = os.path.dirname(d)
        for d in reversed(parts):
            os.mkdir(d)
            os.chmod(d, 0o755)
        data = content.encode("utf-8") if isinstance(content, str) else content
        with open(path, "wb") as f:
            f.write(self.subst(data.decode("utf-8", "surrogateescape"))
                    .encode("utf-8", "surrogateescape"))
        os.chmod(path, mode)
        return path

    def write_htaccess(self, reldir, content):
        return self.write_file(os.path.join(reldir, ".htaccess"), content)

    def mkdir(self, reldir):
        path = os.path.join(self.htdocs, reldir.strip("/"))
        os.makedirs(path, exist_ok=True)
        p = path
        while p.startswith(self.htdocs) and p != self.htdocs:
            os.chmod(p, 0o755)
            p = os.path.dirname(p)
        return path

    # ----- configuration --------------------------------------------------
    def subst(self, text):
        return (text.replace("@ROOT@", self.root)
                .replace("@HTDOCS@", self.htdocs)
                .replace("@CGIBIN@", self.cgibin)
                .replace("@HOSTPORT@", self.hostport)
                .replace("@PORT@", str(self.port))
                .replace("@CONF@", self.conf_path))

    def _load_modules(self):
        lines = []
        for name, so in WANTED_MODULES:
            path = os.path.join(MODULE_DIR, so)
            if os.path.exists(path):
                lines.append('LoadModule %s "%s"' % (name, path))
        for short in self.extra_modules:
            name, so = OPTIONAL_MODULES[short]
            path = os.path.join(MODULE_DIR, so)
            if not os.path.exists(path):
                raise HttpdError("module %s is not installed (%s)" % (short, path))
            lines.append('LoadModule %s "%s"' % (name, path))
        if self.load_module:
            if not self.module:
                raise HttpdError("R307_MODULE is not set (path of mod_redirect307.so)")
            if not os.path.exists(self.module):
                raise HttpdError("module %s does not exist (make build?)" % self.module)
            lines.append('LoadModule redirect307_module "%s"' % self.module)
        return "\n".join(lines)

    def _usergroup(self):
        if os.geteuid() != 0:
            return "# not root: children keep the current user"
        user, group = "www-data", "www-data"
        try:
            pwd.getpwnam(user)
            grp.getgrnam(group)
        except KeyError:
            return "# no www-data user"
        return "User %s\nGroup %s" % (user, group)

    def base_conf(self):
        types = "/etc/mime.types"
        if not os.path.exists(types):
            types = self.write_file("conf/mime.types", "text/html html htm\n",
                                    base=self.root)
        text = (BASE_CONF.replace("@LOGLEVEL@", self.loglevel)
                .replace("@LOADMODULES@", self._load_modules())
                .replace("@USERGROUP@", self._usergroup())
                .replace("@TYPESCONFIG@", types))
        return self.subst(text)

    def full_conf(self, extra):
        return (self.base_conf() + "# --- test configuration ---\n"
                + self.subst(extra).rstrip("\n") + "\n")

    def write_conf(self, extra="", path=None):
        path = path or self.conf_path
        text = self.full_conf(extra)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        if path == self.conf_path:
            self.extra_conf = extra
            self.conf_text = text
        return path

    def conf_line(self, needle, text=None):
        """1-based line number of the first line of httpd.conf containing needle."""
        text = text if text is not None else self.conf_text
        for i, line in enumerate(text.splitlines(), 1):
            if needle in line:
                return i
        raise KeyError("%r not in configuration" % needle)

    def check_config(self, conf_text):
        """Run `apache2 -t` on base template + conf_text.

        Returns (returncode, output, path_of_checked_conf)."""
        self._checks += 1
        path = os.path.join(self.root, "conf", "check%d.conf" % self._checks)
        self.write_conf(conf_text, path=path)
        argv, env = self._command(["-t", "-f", path])
        p = subprocess.run(argv, stdout=subprocess.PIPE, env=env,
                           stderr=subprocess.STDOUT, timeout=30 * TIME_FACTOR)
        out = p.stdout.decode("utf-8", "replace")
        if SANITIZE:
            self._pending.extend(
                ("apache2 -t output", block) for block in
                sanitizer_reports_in_text(out, _main_pids(self.memcheck_dir)))
        self.check_memory()
        return p.returncode, out, path

    # ----- memory checking (see the comment above MemoryCheckError) --------
    def _command(self, args, server=False):
        """(argv, env) that run apache2 with args in the current mode; env
        None means the harness's own environment, unchanged."""
        if not (SANITIZE or VALGRIND):
            return [APACHE2] + args, None
        os.makedirs(self.memcheck_dir, exist_ok=True)
        os.chmod(self.memcheck_dir, 0o1777)
        if SANITIZE:
            env = dict(os.environ, R307_REAL_APACHE2=REAL_APACHE2,
                       R307_MEMCHECK_DIR=self.memcheck_dir)
            return [SANITIZE_WRAPPER] + args, env
        logs = os.path.join(self.memcheck_dir, "valgrind.%p")
        return (VALGRIND_ARGS + ["--log-file=" + logs + ".log",
                                 "--xml=yes", "--xml-file=" + logs + ".xml",
                                 REAL_APACHE2]
                + (["-X"] if server else []) + args), None

    def memcheck_reports(self, final=True):
        """New sanitizer/valgrind findings: [(file, text)].  Valgrind's
        files are complete only once its apache2 has ended (final)."""
        found = []
        if SANITIZE:
            found = _sanitizer_findings(self.memcheck_dir, self._memcheck_seen)
            # and on stderr: the server's stdout file, and the error_log
            # (children's stderr)
            mains = _main_pids(self.memcheck_dir)
            for path in (os.path.join(self.root, "logs", "stdout"),
                         self.error_log_path):
                key = "log:" + path
                text = self._read(path)
                if not final:       # leave a report being written for later
                    text = text[:text.rfind("\n") + 1]
                new = text[self._memcheck_seen.get(key, 0):]
                self._memcheck_seen[key] = len(text)
                found.extend((path, block) for block in
                             sanitizer_reports_in_text(new, mains))
        elif VALGRIND and final:
            found = _valgrind_findings(self.memcheck_dir, self._memcheck_seen)
        self.memcheck_findings.extend(found)
        return found

    def check_memory(self, final=True):
        """Raise MemoryCheckError quoting any new finding."""
        found = self.memcheck_reports(final)
        if self._pending:
            self.memcheck_findings.extend(self._pending)
            found = self._pending + found
            self._pending = []
        if found:
            parts = []
            for path, text in found:
                if len(text) > QUOTE_MAX:
                    text = text[:QUOTE_MAX] + "\n[... %d more characters in %s]" % (
                        len(text) - QUOTE_MAX, path)
                parts.append("--- %s\n%s" % (path, text))
            raise MemoryCheckError(
                "%s: %d memory report(s) from apache2 (ServerRoot %s kept):\n%s"
                % ("AddressSanitizer/UBSan" if SANITIZE else "valgrind memcheck",
                   len(found), self.root, "\n".join(parts)))

    # ----- logs -----------------------------------------------------------
    @staticmethod
    def _read(path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def error_log(self, since=0):
        return self._read(self.error_log_path)[since:]

    def access_log(self, since=0):
        return self._read(self.access_log_path)[since:]

    def log_marks(self):
        """(error_log length, access_log length) to read only what follows."""
        return (len(self.error_log()), len(self.access_log()))

    def wait_access_log(self, needle, since=0, timeout=5.0):
        """Access log lines are written after the response: wait for them."""
        deadline = time.time() + timeout
        while True:
            text = self.access_log(since)
            if needle in text or time.time() > deadline:
                return text
            time.sleep(0.05)

    # ----- start/stop -----------------------------------------------------
    def start(self, extra="", timeout=15.0):
        timeout *= TIME_FACTOR
        if self.proc is not None:
            self.stop()
        self.write_conf(extra)
        rc, out, _ = self.check_config(extra)
        if rc != 0:
            raise HttpdError("configuration refused by apache2 -t:\n%s\n--- conf ---\n%s"
                             % (out, self._numbered(self.conf_text)))
        self._out = open(os.path.join(self.root, "logs", "stdout"), "ab")
        argv, env = self._command(["-f", self.conf_path, "-DFOREGROUND"],
                                  server=True)
        env = dict(env or os.environ)
        env.setdefault("LANG", "C")
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
            start_new_session=True, env=env)
        _LIVE.add(self)
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                out = self._read(os.path.join(self.root, "logs", "stdout"))
                log = self.error_log()
                self._reap()
                self.check_memory()
                raise HttpdError("apache2 exited with %s\nstdout:\n%s\nerror_log:\n%s"
                                 % (self.proc_rc, out, log))
            if self._answers():
                return self
            if time.time() > deadline:
                self.stop()
                raise HttpdError("apache2 did not answer on %s within %ss:\n%s"
                                 % (self.hostport, timeout, self.error_log()))
            time.sleep(0.05)

    @staticmethod
    def _numbered(text):
        return "\n".join("%4d  %s" % (i, l) for i, l in enumerate(text.splitlines(), 1))

    def _answers(self):
        try:
            with socket.create_connection((HOST, self.port),
                                          timeout=1.0 * TIME_FACTOR) as s:
                s.sendall(b"HEAD /__r307_ready__ HTTP/1.1\r\nHost: %s\r\n"
                          b"Connection: close\r\n\r\n" % self.hostport.encode())
                return s.recv(16).startswith(b"HTTP/")
        except OSError:
            return False

    def _reap(self):
        self.proc_rc = self.proc.returncode if self.proc else None
        self.proc = None
        _LIVE.discard(self)
        if self._out:
            self._out.close()
            self._out = None

    def stop(self, timeout=10.0):
        """Stop the server: SIGTERM, wait; SIGKILL the process group if needed.

        In a memory checking mode, then raise MemoryCheckError if apache2
        (or any apache2 -t run since the last check) reported something."""
        if self.proc is None:
            if SANITIZE or VALGRIND:
                self.check_memory()
            return
        timeout *= TIME_FACTOR
        p = self.proc
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=5)
        # children left behind (they are in the server's own session)?
        try:
            os.killpg(p.pid, 0)
            deadline = time.time() + timeout
            while time.time() < deadline:
                time.sleep(0.05)
                os.killpg(p.pid, 0)
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._reap()
        if SANITIZE or VALGRIND:
            self.check_memory()

    def cleanup(self):
        try:
            self.stop()
        except MemoryCheckError:
            self.keep = True
            raise
        finally:
            if not self.keep:
                shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False


# ----- small HTTP helpers shared by tests --------------------------------

def raw_request(port, data, timeout=10.0, read_until_close=True):
    """Send raw bytes, return everything the server sent until it closed."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            chunks.append(b)
            if not read_until_close:
                break
        return b"".join(chunks)


class RawResponse:
    def __init__(self, status_line, headers, body, raw_head):
        self.status_line = status_line
        self.status = int(status_line.split(b" ")[1])
        self.headers = headers          # list of (name lower str, value str)
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k == name]


class ResponseReader:
    """Reads successive HTTP/1.1 responses from one socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        b = self.sock.recv(65536)
        if not b:
            raise EOFError("connection closed by server")
        self.buf += b

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, head_request=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw_head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw_head.split(b"\r\n")
        headers = []
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            headers.append((k.strip().lower().decode("latin-1"),
                            v.strip().decode("latin-1")))
        resp = RawResponse(lines[0], headers, b"", raw_head)
        if head_request or resp.status in (204, 304) or 100 <= resp.status < 200:
            return resp
        te = resp.header("transfer-encoding")
        cl = resp.header("content-length")
        if te and "chunked" in te.lower():
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line() != b"":
                        pass
                    break
                body += self._exact(size)
                self._exact(2)
            resp.body = body
        elif cl is not None:
            resp.body = self._exact(int(cl))
        else:
            try:
                while True:
                    self._fill()
            except (EOFError, socket.timeout):
                pass
            resp.body, self.buf = self.buf, b""
        return resp


# ----- curl ----------------------------------------------------------------

class CurlResult:
    """All responses curl saw (one per redirect hop with -L) and the body."""

    def __init__(self, returncode, out, err):
        self.returncode = returncode
        self.raw = out
        self.stderr = err.decode("utf-8", "replace")
        self.responses = []   # list of (status, [(name, value)], raw_head)
        data = out
        while data.startswith(b"HTTP/"):
            head, sep, rest = data.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            status = int(lines[0].split(b" ")[1])
            hdrs = []
            for l in lines[1:]:
                k, _, v = l.partition(b":")
                hdrs.append((k.strip().lower().decode("latin-1"),
                             v.strip().decode("latin-1")))
            self.responses.append((status, hdrs, head))
            data = rest
        self.body = data

    @property
    def status(self):
        return self.responses[-1][0] if self.responses else None

    @property
    def statuses(self):
        return [r[0] for r in self.responses]

    def header(self, name, index=-1):
        for k, v in self.responses[index][1]:
            if k == name.lower():
                return v
        return None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        import json
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<curl rc=%s statuses=%s body=%r stderr=%r>" % (
            self.returncode, self.statuses, self.body[:300], self.stderr[:300])


def curl(url, *args, input=None, timeout=20):
    """Run curl -sS -i ARGS URL; return a CurlResult."""
    cmd = ["curl", "-sS", "-i", "--max-time", str(timeout - 2)] + list(args) + [url]
    p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return CurlResult(p.returncode, p.stdout, p.stderr)
