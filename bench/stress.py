#!/usr/bin/python3
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""
bench/stress.py -- load and restarts (`make stress`): mod_redirect307 under
wrk at 256 connections, then the same load with a graceful restart every few
seconds.  Unlike bench/run.py this is a test: it exits non-zero when a
criterion fails.

One private apache2 (event MPM, children as www-data when run as root) on
127.0.0.1:<free port>, in its own session, stopped in a `finally`; every wrk
and apache2 -k run has a hard subprocess timeout, so the run always stops by
itself.  Only loopback is used.

Request mix (wrk -s, a generated Lua script; each wrk thread walks the list
round-robin from its own offset, POST bodies are 64-128 bytes):

    GET  /p307/a/b?x=1           Redirect307 prefix rule              -> 307
    POST /p307/form              the same rule, with a body           -> 307
    GET  /p308/x/y               Redirect308 prefix rule              -> 308
    GET  /m307/123/abc           Redirect307Match, $1 $2              -> 307
    POST /m308/7                 Redirect308Match, with a body        -> 308
    GET  /map/k500               Redirect307Map (1000 entries)        -> 307
    POST /alias302/x             mod_alias `Redirect 302` +
                                 `RedirectUpgrade On`, with a body    -> 307
    GET  /static/index.html      plain file                           -> 200
    GET  /p307x.html             plain file next to a rule's prefix   -> 200

No HEAD: wrk's parser does not know a request was HEAD and waits for the
body the Content-Length announces, so every connection that sends one hangs
(or, with Connection: close, counts a read error).

Phase 1 ("plain"): --seconds of wrk -t2 -c256 with keep-alive.  Phase 2
("graceful"): the same, with `apache2 -k graceful -f <conf>` every
--graceful-every seconds (after each one the script waits until the parent
has logged "resuming normal operations", so restarts never merge).

Criteria (every phase): wrk socket errors (connect, read, write, timeout) =
0; 5xx = 0 (counted from wrk's Lua response() hook *and* from the access
log); only the expected statuses (200, 307, 308 -- a 302 means an upgrade was
missed, a 404 a rule that did not match) and each status's share within 2
points of the mix's (plus the requests in flight at the end); as many Lua
responses as wrk requests and at least as many access-log lines; no child
crash in the error log; the server alive and answering after the phase.
Phase 2 also: every graceful restart succeeded and was carried out (one
"SIGUSR1 received" line per restart).  Phase 1 of a full run (--seconds >=
30) also: the sum of RSS and the sum of anonymous PSS (Pss_Anon: heap, pools,
stacks) of all live apache2 processes, sampled every second, grow < 5 %
between 10 s and the end (median of the samples at 9-11 s vs median of the
last 3).  The whole PSS is printed but not judged: it divides each shared
library page among every process of the machine that maps it, so other
apache2 instances (a test suite running alongside) move it by up to ~5 %.  --quick judges no memory growth:
5 s of samples cannot tell a leak from the warm-up (the figure is printed,
marked "not judged").  Phase 2's memory is printed, never judged: restarts
replace the children; the parent's RSS after all restarts is printed (a
module leaking at each configuration load shows there).

Server sizing, and why.  The event MPM closes idle keep-alive connections in
two situations, and wrk -- which sends its next request as soon as an answer
arrives and never retries -- counts each request crossing such a close on
the wire as a "read" socket error, although httpd never read it (it does not
appear in the access log).  HTTP/1.1 clients must retry such requests (RFC
9112, 9.3.1); browsers do, wrk does not.
  1. When all worker threads of a process are busy ("All workers are busy or
     dying, will shutdown N keep-alive connections", LogLevel
     mpm_event:trace1): with 4 x 64 threads for 256 connections this shed
     100-500 connections per 5 s run on 2 cores.  So the server runs
     2 processes x max(64, --connections) threads (ThreadsPerChild >= wrk's
     connections): no process can run out of workers.  The script logs at
     mpm_event:trace1 and prints how often this happened.
  2. At a graceful restart, each old child closes the keep-alive connections
     idle at that moment (it is going away); no setting keeps them open
     (GracefulShutdownTimeout only bounds how long *busy* connections may
     finish, and applies to graceful-stop).  So phase 2's client sends
     `Connection: close` on every request (the server configuration is the
     same as in phase 1): every connection carries one request and is closed
     by the server after the answer, none is ever idle when a restart comes,
     and any error left is a real failure (a refused or reset connection, a
     lost request, a 5xx).  `--graceful-keepalive` runs phase 2 with
     keep-alive instead, to show case 2: about 250-300 read errors per restart
     at 256 connections (one per connection), and the access log has no more
     lines than wrk answers plus the requests in flight at the end, i.e. the
     failed requests were never processed.
After a graceful restart the event MPM starts the new generation as it reaps
the old one, and the parent looks once a second, so for up to ~1 s no
process accepts: connections wait in the listen backlog (ListenBacklog 1024 >=
256), hence phase 2's max latency of about 1.1 s.  That is a delay, not an
error, and it is httpd's, not the module's.

Usage:
  /usr/bin/python3 bench/stress.py --module $PWD/.libs/mod_redirect307.so
  /usr/bin/python3 bench/stress.py --module ... --quick      # ~10 s, no RESULTS.md
  /usr/bin/python3 bench/stress.py --module ... --seconds 30
"""

import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as bench  # noqa: E402  (bench/run.py: servers, wrk parsing, machine)
import results_md  # noqa: E402

HOST = bench.HOST
APACHE2 = bench.APACHE2
WRK = bench.WRK

BEGIN, END = results_md.SECTIONS[0]

MAP_ENTRIES = 1000

# (label, method, path, body, expected status)
MIX = [
    ("prefix 307 GET", "GET", "/p307/a/b?x=1", None, 307),
    ("prefix 307 POST", "POST", "/p307/form", "a=1&b=" + "x" * 60, 307),
    ("prefix 308 GET", "GET", "/p308/x/y", None, 308),
    ("regex 307 GET", "GET", "/m307/123/abc", None, 307),
    ("regex 308 POST", "POST", "/m308/7", "payload=" + "y" * 120, 308),
    ("map 307 GET", "GET", "/map/k%d" % (MAP_ENTRIES // 2), None, 307),
    ("upgraded 302 POST", "POST", "/alias302/x", "q=" + "z" * 80, 307),
    ("static 200 GET", "GET", "/static/index.html", None, 200),
    ("static 200 GET (near a prefix)", "GET", "/p307x.html", None, 200),
]

SCENARIO_CONF = """\
# --- scenario: bench/stress.py ---
LogFormat "%>s %m" r307stress
CustomLog "{root}/logs/access_log" r307stress
RedirectUpgrade On
Redirect307 /p307 /new307
Redirect308 /p308 http://127.0.0.1:{port}/new308
Redirect307Match "^/m307/([0-9]+)/(.*)$" "/n307/$2?id=$1"
Redirect308Match "^/m308/([0-9]+)$" "/n308/$1"
Redirect307Map "{root}/conf/stress.map"
Redirect 302 /alias302 /target302
"""

APACHE_CONF = """\
# --- generated by bench/stress.py ---
ServerRoot "{root}"
ServerName 127.0.0.1
Listen {host}:{port}
{usergroup}
PidFile "{root}/run/httpd.pid"
DefaultRuntimeDir "{root}/run"
Mutex file:{root}/run default
ErrorLog "{root}/logs/error_log"
LogLevel warn mpm_event:trace1
{loadmodules}
# Both processes are started at once and never reaped, so the memory curve of
# phase 1 is not a process count.  ThreadsPerChild >= wrk's connections: a
# process whose workers are all busy closes idle keep-alive connections ("All
# workers are busy or dying, will shutdown N keep-alive connections", trace1),
# which wrk counts as read errors.  ServerLimit leaves room for the processes
# of old generations that finish their connections after a graceful restart.
StartServers 2
ServerLimit 16
ThreadsPerChild {threads}
ThreadLimit {threads}
MaxRequestWorkers {maxworkers}
MinSpareThreads 64
MaxSpareThreads {maxspare}
MaxConnectionsPerChild 0
ListenBacklog 1024
GracefulShutdownTimeout 30
KeepAlive On
KeepAliveTimeout 15
MaxKeepAliveRequests 0
Timeout 30
TypesConfig "{types}"
DocumentRoot "{htdocs}"
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory "{htdocs}">
    Options FollowSymLinks
    AllowOverride None
    Require all granted
</Directory>
"""

LOAD = [
    ("mpm_event_module", "mod_mpm_event.so"),
    ("unixd_module", "mod_unixd.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("mime_module", "mod_mime.so"),
    ("alias_module", "mod_alias.so"),
    ("rewrite_module", "mod_rewrite.so"),
    ("log_config_module", "mod_log_config.so"),
]


def log(msg):
    sys.stderr.write("[stress %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


class StressError(Exception):
    pass


# ----------------------------------------------------------------------------
# Server
# ----------------------------------------------------------------------------

class StressApache(bench.Server):
    name = "apache2"

    def __init__(self, wd, port, module, threads=256):
        bench.Server.__init__(self, wd, port)
        self.threads = threads
        self.conf_path = wd.path("conf/httpd.conf")
        loadmodules, types, usergroup = bench.apache_head_parts(wd, module, LOAD)
        wd.write("conf/stress.map", "".join(
            "/map/k%d /mapped/%d\n" % (i, i) for i in range(1, MAP_ENTRIES + 1)))
        wd.write("htdocs/static/index.html",
                 "<html><body>static 200 %s</body></html>\n" % ("s" * 200))
        wd.write("htdocs/p307x.html", "<html><body>not below /p307</body></html>\n")
        wd.write("conf/httpd.conf",
                 APACHE_CONF.format(root=wd.root, host=HOST, port=port, usergroup=usergroup,
                                    threads=threads, maxworkers=2 * threads,
                                    maxspare=4 * threads,
                                    loadmodules=loadmodules, types=types,
                                    htdocs=wd.htdocs)
                 + SCENARIO_CONF.format(root=wd.root, port=port))

    def command(self):
        return [APACHE2, "-f", self.conf_path, "-DFOREGROUND"]

    def check(self):
        rc, out = bench.run_cmd([APACHE2, "-t", "-f", self.conf_path], timeout=120)
        if rc != 0:
            raise StressError("apache2 -t failed: %s" % " | ".join(out.strip().splitlines()[-4:]))

    def graceful(self):
        """apache2 -k graceful -f conf; (rc, seconds, output)."""
        t = time.monotonic()
        rc, out = bench.run_cmd([APACHE2, "-k", "graceful", "-f", self.conf_path], timeout=60)
        return rc, time.monotonic() - t, out.strip()

    def parent_rss_kb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, AttributeError):
            pass
        return 0

    def log_size(self, rel):
        try:
            return os.path.getsize(self.wd.path(rel))
        except OSError:
            return 0

    def read_log(self, rel, since=0):
        try:
            with open(self.wd.path(rel), "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


def http_request(port, method, path, body=None, timeout=10.0):
    """(status, location) of one request on its own connection."""
    import socket
    head = "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n" % (method, path, HOST, port)
    data = (body or "").encode("ascii")
    if body is not None:
        head += ("Content-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: %d\r\n" % len(data))
    with socket.create_connection((HOST, port), timeout=timeout) as sk:
        sk.sendall(head.encode("ascii") + b"\r\n" + data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sk.recv(65536)
            if not chunk:
                break
            buf += chunk
    lines = buf.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/"):
        raise StressError("%s %s: not an HTTP answer: %r" % (method, path, buf[:80]))
    loc = None
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.strip().lower() == "location":
            loc = v.strip()
    return int(lines[0].split(" ")[1]), loc


def check_mix(srv):
    """Every request of the mix answers its status once, before any load."""
    bad = []
    for label, method, path, body, status in MIX:
        st, loc = http_request(srv.port, method, path, body)
        if st != status:
            bad.append("%s %s -> %s (expected %s, Location %r)" % (method, path, st, status, loc))
    if bad:
        raise StressError("request mix not answered as expected: %s; %s" % (
            "; ".join(bad), srv.error_log_tail()))


# ----------------------------------------------------------------------------
# wrk and its Lua script
# ----------------------------------------------------------------------------

LUA = """\
-- generated by bench/stress.py: the request mix, status counts
local mix = {{
{entries}
}}
local conn_close = {conn_close}
local threads = {{}}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

function init(args)
  reqs = {{}}
  for i, m in ipairs(mix) do
    local h = {{}}
    if m[3] ~= nil then h["Content-Type"] = "application/x-www-form-urlencoded" end
    if conn_close then h["Connection"] = "close" end
    reqs[i] = wrk.format(m[1], m[2], h, m[3])
  end
  nreq = #reqs
  idx = ((tid or 1) * 3) % nreq
  statuses = {{}}
end

function request()
  idx = idx % nreq + 1
  return reqs[idx]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {{}}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s ~= nil then
      for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
    end
  end
  for k, v in pairs(total) do
    io.write(string.format("R307STATUS %d %d\\n", k, v))
  end
end
"""


def lua_script(conn_close):
    def q(s):
        return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')
    entries = ",\n".join("  {%s, %s, %s}" % (q(m), q(p), q(b) if b is not None else "nil")
                         for _, m, p, b, _ in MIX)
    return LUA.format(entries=entries, conn_close="true" if conn_close else "false")


def expected_shares():
    shares = {}
    for _, _, _, _, st in MIX:
        shares[st] = shares.get(st, 0) + 1.0 / len(MIX)
    return shares


def run_wrk(o, port, script, seconds):
    cmd = [WRK, "-t%d" % o.threads, "-c%d" % o.connections, "-d%ds" % seconds,
           "--timeout", "%ds" % o.wrk_timeout, "-s", script, "http://%s:%d/" % (HOST, port)]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=seconds + o.wrk_timeout + 60)
    except subprocess.TimeoutExpired:
        raise StressError("wrk did not finish in time")
    out = p.stdout.decode("utf-8", "replace")
    res = bench.parse_wrk(out)
    res["cmd"] = " ".join(cmd)
    res["errors"] = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["errors"] = dict(zip(("connect", "read", "write", "timeout"),
                                 (int(x) for x in m.groups())))
    res["statuses"] = {int(a): int(b) for a, b in re.findall(r"^R307STATUS (\d+) (\d+)$", out, re.M)}
    res["rc"] = p.returncode
    m = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", out, re.M)
    res["latency"] = list(m.groups()) if m else None
    return res


# ----------------------------------------------------------------------------
# One phase
# ----------------------------------------------------------------------------

class Sampler(threading.Thread):
    """RSS/PSS of all the server's processes, every second."""

    def __init__(self, srv):
        threading.Thread.__init__(self, daemon=True)
        self.srv = srv
        self.samples = []     # (t, rss_kb, pss_kb, nprocs, parent_rss_kb)
        self.stop_ev = threading.Event()
        self.t0 = time.monotonic()

    def sample(self):
        rss = pss = anon = live = 0
        have_anon = False
        for pid in self.srv.pids():
            try:
                with open("/proc/%d/status" % pid) as f:
                    st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
                if st.get("State", "").split()[:1] == ["Z"] or "VmRSS" not in st:
                    continue        # a child that exited and is not reaped yet
                live += 1
                rss += int(st["VmRSS"].split()[0])
                with open("/proc/%d/smaps_rollup" % pid) as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            pss += int(line.split()[1])
                        elif line.startswith("Pss_Anon:"):
                            anon += int(line.split()[1])
                            have_anon = True
            except (OSError, ValueError):
                pass
        # (t, RSS, PSS, live processes, parent RSS, anonymous PSS or None)
        self.samples.append((time.monotonic() - self.t0, rss, pss, live,
                             self.srv.parent_rss_kb(), anon if have_anon else None))

    def run(self):
        nxt = self.t0 + 1.0
        while not self.stop_ev.wait(max(0.0, nxt - time.monotonic())):
            self.sample()
            nxt += 1.0


class Restarter(threading.Thread):
    """apache2 -k graceful every `every` seconds.  After each one it waits
    (up to 15 s) until the parent has logged "resuming normal operations", so
    two restarts never merge into one signal on a slow machine."""

    def __init__(self, srv, every):
        threading.Thread.__init__(self, daemon=True)
        self.srv = srv
        self.every = every
        self.done = []        # (t, rc, seconds of apache2 -k, output, seconds until resumed)
        self.stop_ev = threading.Event()
        self.t0 = time.monotonic()

    def resumed_count(self):
        return len(re.findall(r"AH00489|resuming normal operations",
                              self.srv.read_log("logs/error_log")))

    def run(self):
        nxt = self.t0 + self.every
        while not self.stop_ev.wait(max(0.0, nxt - time.monotonic())):
            before = self.resumed_count()
            t = time.monotonic()
            rc, secs, out = self.srv.graceful()
            resumed = None
            while rc == 0 and time.monotonic() - t < 15:
                if self.resumed_count() > before:
                    resumed = time.monotonic() - t
                    break
                time.sleep(0.02)
            self.done.append((t - self.t0, rc, secs, out, resumed))
            nxt = max(nxt + self.every, time.monotonic())


def window_median(samples, t_from, t_to, idx):
    vals = [s[idx] for s in samples if t_from <= s[0] <= t_to]
    return statistics.median(vals) if vals else None


def run_phase(o, srv, name, seconds, graceful_every, conn_close):
    log("phase %s: %d s of wrk -t%d -c%d%s%s" % (
        name, seconds, o.threads, o.connections,
        ", apache2 -k graceful every %g s" % graceful_every if graceful_every else "",
        ", Connection: close" if conn_close else ", keep-alive"))
    script = srv.wd.write("conf/mix-%s.lua" % name, lua_script(conn_close))
    err_since = srv.log_size("logs/error_log")
    acc_since = srv.log_size("logs/access_log")
    sampler = Sampler(srv)
    restarter = Restarter(srv, graceful_every) if graceful_every else None
    busy0 = bench.cpu_busy_ticks()
    t0 = time.monotonic()
    sampler.start()
    if restarter:
        restarter.start()
    try:
        res = run_wrk(o, srv.port, script, seconds)
    finally:
        if restarter:
            restarter.stop_ev.set()
            restarter.join(90)
        sampler.stop_ev.set()
        sampler.join(10)
    wall = time.monotonic() - t0
    res["machine_busy_cores"] = (bench.cpu_busy_ticks() - busy0) / float(bench.CLK_TCK) / wall
    # let the old generations finish, then look at logs and the server
    time.sleep(1.0)
    srv.wait_idle(timeout=15)
    alive = srv.proc is not None and srv.proc.poll() is None
    try:
        st_after, _ = bench.http_get(srv.port, "/static/index.html", timeout=10)
    except OSError as e:
        st_after = "no answer (%s)" % e
    errlog = srv.read_log("logs/error_log", err_since)
    acclog = srv.read_log("logs/access_log", acc_since)
    acc = {}
    for line in acclog.splitlines():
        parts = line.split()
        if parts and parts[0].isdigit():
            acc[int(parts[0])] = acc.get(int(parts[0]), 0) + 1
    crashes = [l for l in errlog.splitlines()
               if re.search(r"exit signal|Segmentation fault|AH00052|AH00060|double free|"
                            r"corrupted|Aborted|AH00051", l)]
    sigusr1 = len(re.findall(r"SIGUSR1 received", errlog))
    scoreboard_full = len(re.findall(r"scoreboard is full|AH00485|AH00484|MaxRequestWorkers",
                                     errlog))
    shed = len(re.findall(r"All workers are busy or dying", errlog))
    too_many = len(re.findall(r"Too many open connections", errlog))
    ph = {
        "name": name, "seconds": seconds, "wrk": res, "samples": sampler.samples,
        "restarts": restarter.done if restarter else [], "graceful_every": graceful_every,
        "conn_close": conn_close, "alive": alive, "status_after": st_after,
        "access": acc, "crashes": crashes, "sigusr1": sigusr1,
        "scoreboard_full": scoreboard_full, "shed": shed, "too_many": too_many,
        "errlog_tail": "\n".join(errlog.strip().splitlines()[-8:]),
    }
    return ph


# ----------------------------------------------------------------------------
# Judging
# ----------------------------------------------------------------------------

def judge(o, ph, judge_memory):
    """List of (criterion, value, ok) for a phase."""
    out = []
    w = ph["wrk"]
    e = w["errors"]
    out.append(("wrk socket errors (connect/read/write/timeout)",
                "%d/%d/%d/%d" % (e["connect"], e["read"], e["write"], e["timeout"]),
                sum(e.values()) == 0))
    out.append(("wrk exit status", str(w["rc"]), w["rc"] == 0))
    st = w["statuses"]
    total_lua = sum(st.values())
    five = sum(v for k, v in st.items() if 500 <= k <= 599)
    five_acc = sum(v for k, v in ph["access"].items() if 500 <= k <= 599)
    out.append(("5xx (wrk Lua / access log)", "%d / %d" % (five, five_acc),
                five == 0 and five_acc == 0))
    allowed = set(expected_shares())
    unexpected = {k: v for k, v in st.items() if k not in allowed}
    unexpected_acc = {k: v for k, v in ph["access"].items() if k not in allowed}
    out.append(("unexpected statuses (wrk / access log)",
                "%s / %s" % (fmt_counts(unexpected) or "none", fmt_counts(unexpected_acc) or "none"),
                not unexpected and not unexpected_acc))
    shares = expected_shares()
    worst = 0.0
    for k, share in shares.items():
        got = st.get(k, 0) / float(total_lua) if total_lua else 0.0
        worst = max(worst, abs(got - share))
    # round-robin per wrk thread: the shares are exact but for the requests
    # still in flight at the end (at most one per connection)
    tol = 0.02 + (float(o.connections) / total_lua if total_lua else 1.0)
    out.append(("status shares vs mix: max deviation (allowed)", "%.2f points (%.1f)" % (
        worst * 100, tol * 100), total_lua > 0 and worst <= tol))
    acc_total = sum(ph["access"].values())
    # wrk does not count the answers still in flight when it stops: the access
    # log has at least as many lines (up to one per connection more)
    out.append(("requests: wrk / Lua responses / access log",
                "{:,} / {:,} / {:,}".format(w["requests"], total_lua, acc_total),
                total_lua == w["requests"] and acc_total >= w["requests"]))
    out.append(("child crashes in error log", str(len(ph["crashes"])), not ph["crashes"]))
    out.append(("server alive and answering after the phase",
                "%s, GET -> %s" % ("alive" if ph["alive"] else "DEAD", ph["status_after"]),
                ph["alive"] and ph["status_after"] == 200))
    if ph["graceful_every"]:
        n = len(ph["restarts"])
        failed = [r for r in ph["restarts"] if r[1] != 0 or r[4] is None]
        out.append(("graceful restarts: sent / failed or not resumed / SIGUSR1 in error log",
                    "%d / %d / %d" % (n, len(failed), ph["sigusr1"]),
                    n > 0 and not failed and ph["sigusr1"] == n))
    g = growth(o, ph) if not ph["graceful_every"] else None
    if g:
        # judged: RSS and the anonymous part of PSS (heap, pools, stacks: where
        # a leak shows).  The whole PSS is printed, not judged: its file part
        # divides each shared library page among *every* process on the machine
        # that maps it, so other apache2 instances (e.g. a test suite running
        # alongside) move it by several percent.  Without Pss_Anon (kernels
        # before 5.x) the whole PSS is judged.
        second = "anon" if "anon_pct" in g else "pss"
        label = "memory growth %s→end (RSS / %s)" % (
            fmt_t(g["t_from"]), "anonymous PSS" if second == "anon" else "PSS")
        val = "%+.2f%% / %+.2f%%" % (g["rss_pct"], g[second + "_pct"])
        if judge_memory:
            out.append((label + " < %g%%" % o.max_growth, val,
                        g["rss_pct"] < o.max_growth and g[second + "_pct"] < o.max_growth))
        else:
            out.append((label + " (not judged: %s)" % judge_memory_why(o, ph), val, None))
        if second == "anon" and "pss_pct" in g:
            out.append(("memory growth %s→end, whole PSS (not judged: shared with other "
                        "processes of the machine)" % fmt_t(g["t_from"]),
                        "%+.2f%%" % g["pss_pct"], None))
    return out


def judge_memory_why(o, ph):
    if o.quick:
        return "quick run, too short"
    if ph["graceful_every"]:
        return "restarts replace the processes"
    return "run too short"


def growth(o, ph):
    s = ph["samples"]
    if len(s) < 4:
        return None
    end_t = s[-1][0]
    t_from = 10.0 if ph["seconds"] >= 30 else max(1.0, ph["seconds"] / 3.0)
    last = s[-3:]
    g = {"t_from": t_from, "t_to": end_t}
    for key, idx in (("rss", 1), ("pss", 2), ("anon", 5)):
        if any(x[idx] is None for x in s):
            continue
        a = window_median(s, t_from - 1.0, t_from + 1.0, idx)
        b = statistics.median(x[idx] for x in last)
        if not a:
            continue
        g[key + "_from"], g[key + "_to"] = a, b
        g[key + "_pct"] = (b - a) * 100.0 / a
    return g if "rss_pct" in g else None


def fmt_counts(d):
    return ", ".join("%s: {:,}".format(v) % k for k, v in sorted(d.items()))


def fmt_t(t):
    return "%g s" % round(t, 1)


def fmt_mb(kb):
    return "%.1f MB" % (kb / 1024.0)


# ----------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------

def phase_table(o, ph, verdicts):
    w = ph["wrk"]
    s = ph["samples"]
    lines = []
    lines.append("| %s | |" % ("phase **%s**: %d s, wrk -t%d -c%d, %s%s" % (
        ph["name"], ph["seconds"], o.threads, o.connections,
        "Connection: close" if ph["conn_close"] else "keep-alive",
        ", `apache2 -k graceful` every %g s" % ph["graceful_every"] if ph["graceful_every"]
        else "")))
    lines.append("|---|---|")
    lines.append("| requests (wrk) | {:,} in {:.1f} s = {:,.0f} req/s |".format(
        w["requests"], w["seconds"] or 0, w["rps"] or 0))
    if w.get("latency"):
        lines.append("| latency (wrk) avg / stdev / max | %s |" % " / ".join(w["latency"]))
    lines.append("| statuses (wrk Lua) | %s |" % fmt_counts(w["statuses"]))
    lines.append("| statuses (access log) | %s |" % fmt_counts(ph["access"]))
    lines.append("| access-log lines − wrk answers (≤ %d: requests in flight when wrk "
                 "stopped) | {:,} |".format(sum(ph["access"].values()) - w["requests"])
                 % o.connections)
    if s:
        rss = [x[1] for x in s]
        pss = [x[2] for x in s]
        npr = [x[3] for x in s]
        lines.append("| RSS sum, min / max / last | %s / %s / %s |" % (
            fmt_mb(min(rss)), fmt_mb(max(rss)), fmt_mb(rss[-1])))
        lines.append("| PSS sum, min / max / last | %s / %s / %s |" % (
            fmt_mb(min(pss)), fmt_mb(max(pss)), fmt_mb(pss[-1])))
        if all(x[5] is not None for x in s):
            an = [x[5] for x in s]
            lines.append("| anonymous PSS sum, min / max / last | %s / %s / %s |" % (
                fmt_mb(min(an)), fmt_mb(max(an)), fmt_mb(an[-1])))
        lines.append("| apache2 processes (live, zombies not counted), min / max | %d / %d |"
                     % (min(npr), max(npr)))
        lines.append("| parent RSS, first / last sample%s | %s / %s |" % (
            " (after %d restarts)" % len(ph["restarts"]) if ph["restarts"] else "",
            fmt_mb(s[0][4]), fmt_mb(s[-1][4])))
        g = growth(o, ph) if not ph["graceful_every"] else None
        if g:
            lines.append("| RSS at %s → end | %s → %s |" % (
                fmt_t(g["t_from"]), fmt_mb(g["rss_from"]), fmt_mb(g["rss_to"])))
            lines.append("| PSS at %s → end | %s → %s |" % (
                fmt_t(g["t_from"]), fmt_mb(g["pss_from"]), fmt_mb(g["pss_to"])))
            if "anon_from" in g:
                lines.append("| anonymous PSS (Pss_Anon) at %s → end | %s → %s |" % (
                    fmt_t(g["t_from"]), fmt_mb(g["anon_from"]), fmt_mb(g["anon_to"])))
    if ph["restarts"]:
        secs = [r[2] for r in ph["restarts"]]
        res = [r[4] for r in ph["restarts"] if r[4] is not None]
        lines.append("| `apache2 -k graceful`: run time max / until \"resuming normal "
                     "operations\" max | %.2f s / %s |" % (
                         max(secs), "%.2f s" % max(res) if res else "-"))
    lines.append("| event MPM log: \"All workers are busy\" (keep-alive connections shed) / "
                 "\"Too many open connections\" / scoreboard full | %d / %d / %d |" % (
                     ph["shed"], ph["too_many"], ph["scoreboard_full"]))
    lines.append("| CPU busy, whole machine (server, wrk and others) | %.2f cores |" %
                 w["machine_busy_cores"])
    for label, val, ok in verdicts:
        lines.append("| %s | %s — %s |" % (label, val, "n/a" if ok is None else
                                           ("**ok**" if ok else "**FAIL**")))
    return "\n".join(lines)


def memory_curve(ph, step=5):
    s = ph["samples"]
    if not s:
        return ""
    pts = []
    nxt = 0.0
    for x in s:
        if x[0] + 0.5 >= nxt:
            pts.append(x)
            nxt = x[0] + step - 0.5
    return "; ".join("%d s: %.1f/%.1f/%s (%d)" % (
        round(x[0]), x[1] / 1024.0, x[2] / 1024.0,
        "%.1f" % (x[5] / 1024.0) if x[5] is not None else "-", x[3]) for x in pts)


def write_results(path, text):
    results_md.replace_section(path, BEGIN, END, text)


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description="mod_redirect307 load and restart test "
                                 "(see the docstring of bench/stress.py)")
    ap.add_argument("--module", required=True, help="absolute path of mod_redirect307.so")
    ap.add_argument("--seconds", type=int, default=60, help="seconds of each phase (default 60)")
    ap.add_argument("--quick", action="store_true",
                    help="5 s plain + 5 s with a graceful restart every 2 s; memory not "
                         "judged; RESULTS.md not written")
    ap.add_argument("--graceful-every", type=float,
                    help="seconds between graceful restarts in phase 2 (default 5, quick 2)")
    ap.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    ap.add_argument("--connections", type=int, default=256, help="wrk -c (default 256)")
    ap.add_argument("--wrk-timeout", type=int, default=10,
                    help="wrk --timeout seconds: a slower answer is a timeout error (default 10)")
    ap.add_argument("--max-growth", type=float, default=5.0,
                    help="allowed memory growth in percent (default 5)")
    ap.add_argument("--graceful-keepalive", action="store_true",
                    help="phase 2 with keep-alive instead of Connection: close (shows the "
                         "idle keep-alive close race as wrk read errors)")
    ap.add_argument("--out", help="markdown file whose stress section is replaced "
                    "(default bench/RESULTS.md; never written with --quick)")
    ap.add_argument("--keep", action="store_true", help="keep the /tmp/r307bench-stress-* directory")
    o = ap.parse_args(argv)
    if o.quick:
        o.seconds = 5
        o.graceful_every = o.graceful_every or 2.0
    o.graceful_every = o.graceful_every or 5.0
    if o.seconds < 3:
        ap.error("--seconds must be at least 3")
    if o.graceful_every >= o.seconds:
        ap.error("--graceful-every (%g) must be shorter than --seconds (%d)"
                 % (o.graceful_every, o.seconds))
    o.out = o.out or os.path.join(HERE, "RESULTS.md")
    o.module = os.path.abspath(o.module)
    return o


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    o = parse_args(argv)
    for prog in (APACHE2, WRK):
        if not os.access(prog, os.X_OK):
            sys.exit("stress: %s not found (apt-get install -y %s)" % (
                prog, "apache2" if prog == APACHE2 else "wrk"))
    if not os.path.exists(o.module):
        sys.exit("stress: module %s does not exist (make build first)" % o.module)
    if not bench.as_root():
        log("not root: the server's children run as the current user")
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = bench.loadavg()
    b0 = bench.cpu_busy_ticks()
    time.sleep(0.5)
    idle_busy = (bench.cpu_busy_ticks() - b0) / float(bench.CLK_TCK) / 0.5
    t_start = time.monotonic()
    wd = bench.Workdir(keep=o.keep, tag="stress")
    # a private copy: graceful restarts reload the module from disk, and a
    # `make build` meanwhile must not swap (or half-write) it under the test
    module_copy = wd.path("conf/mod_redirect307.so")
    shutil.copyfile(o.module, module_copy)
    os.chmod(module_copy, 0o755)
    module_text = bench.module_desc(o.module)
    srv = None
    phases = []
    failure = None
    try:
        srv = StressApache(wd, bench.free_port(), module_copy, threads=max(64, o.connections))
        srv.check()
        start_s = srv.start("/static/index.html", 60)
        log("server on %s:%d answered after %.2f s" % (HOST, srv.port, start_s))
        check_mix(srv)
        phases.append(run_phase(o, srv, "plain", o.seconds, 0, conn_close=False))
        phases.append(run_phase(o, srv, "graceful", o.seconds, o.graceful_every,
                                conn_close=not o.graceful_keepalive))
    except (StressError, bench.BenchError, OSError) as e:
        failure = str(e)
        log("error: %s" % e)
    finally:
        if srv is not None:
            srv.stop()
        wd.cleanup()
    elapsed = time.monotonic() - t_start

    ok = failure is None
    md = []
    md.append("## Stress: load and graceful restarts%s" % (" (QUICK run)" if o.quick else ""))
    md.append("")
    md.append("Generated by `%s` on %s UTC; %.0f s in all. CPU busy before the run: %.2f "
              "cores; load average at start %s, at end %s." % (
                  " ".join(["bench/stress.py"] + argv), started.strftime("%Y-%m-%d %H:%M"),
                  elapsed, idle_busy, load_start, bench.loadavg()))
    md.append("")
    md.append(bench.machine())
    md.append("- module: %s, copied at the start of the run" % module_text)
    md.append("")
    md.append("One private apache2 on %s (event MPM, 2 processes × %d threads started at "
              "once, ServerLimit 16, LogLevel warn mpm_event:trace1, KeepAlive On, MaxKeepAliveRequests 0, access log "
              "`%%>s %%m`, children as www-data) with Redirect307/308 prefix and regex rules, "
              "a %d-entry Redirect307Map, mod_alias `Redirect 302` under `RedirectUpgrade On` "
              "hit with POST, and static files. wrk's Lua script rotates over %d requests "
              "(%s); POST bodies 64–128 bytes. Phase 2 sends `Connection: close` (idle "
              "keep-alive connections are closed at a graceful restart and wrk does not "
              "retry: see bench/stress.py). Memory: sums of VmRSS, Pss and Pss_Anon of all "
              "live apache2 processes, sampled every second; phase 1's growth is judged on "
              "RSS and Pss_Anon (the whole PSS also counts shared-library pages divided "
              "among every process of the machine mapping them, other apache2 instances "
              "included, so it moves with them)." % (
                  HOST, max(64, o.connections), MAP_ENTRIES, len(MIX), ", ".join(
                      "%s %s → %d" % (m, p, st) for _, m, p, _, st in MIX)))
    md.append("")
    for ph in phases:
        judge_mem = (not o.quick) and not ph["graceful_every"] and ph["seconds"] >= 30
        verdicts = judge(o, ph, judge_mem)
        if any(v[2] is False for v in verdicts):
            ok = False
        md.append(phase_table(o, ph, verdicts))
        md.append("")
        md.append("Memory every 5 s (RSS / PSS / anonymous PSS in MB, live processes): "
                  + memory_curve(ph))
        md.append("")
        if any(v[2] is False for v in verdicts) and ph["errlog_tail"]:
            md.append("Error log (last lines): " + ph["errlog_tail"].replace("\n", " ⏎ "))
            md.append("")
    if failure:
        md.append("**FAILED before the end: %s**" % failure)
        md.append("")
    md.append("**Result: %s**" % ("PASS" if ok else "FAIL"))
    text = "\n".join(md)
    sys.stdout.write(text + "\n")
    if not o.quick:
        write_results(o.out, text)
        log("stress section written to %s" % o.out)
    log("%s in %.0f s" % ("PASS" if ok else "FAIL", elapsed))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
