# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""Helpers shared by the test_upgrade*.py files (RedirectUpgrade*)."""

import re
import socket

from r307httpd import HOST

UNSAFE = ("POST", "PUT", "DELETE", "PATCH")
SAFE = ("GET", "HEAD")
METHODS = SAFE + UNSAFE

REASON = {
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    200: "OK",
}
UPGRADED = {302: 307, 301: 308}
LOG_DIRECTIVE = {302: "RedirectUpgrade", 301: "RedirectUpgradePermanent"}

REQUEST_BODY = b"amount=10&note=r307"

# CGI scripts (/bin/sh: much cheaper to start than python) producing
# redirects themselves.
BARE_LOCATION_CGI = """#!/bin/sh
# A bare absolute Location (no Status): mod_cgid answers 302 itself.
# (Read the request body first: a script leaving it unread makes mod_cgid
# see a connection reset and truncate the response -- not what we test.)
cat >/dev/null
printf 'Location: http://@HOSTPORT@/cgi-bin/echo\\r\\n'
printf 'X-App: bare\\r\\n'
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'this body is discarded by mod_cgid\\n'
"""

# The body an application writes itself: binary, and mentioning the
# original status, to show it passes untouched.
APP_BODY = (b"<html><title>%(code)d from the app</title>\n"
            b"app body \x00\x01\xfe\xff %(code)d %(reason)s\n</html>\n")


def app_body(code):
    return APP_BODY % {b"code": code, b"reason": REASON[code].encode()}


def status_cgi(code):
    """A CGI sending `Status: code` with its own headers and body."""
    body = app_body(code)
    octal = "".join("\\%03o" % b for b in body)
    return """#!/bin/sh
# Explicit Status with a body of the application's own.
cat >/dev/null
printf 'Status: %(code)d %(reason)s\\r\\n'
printf 'Location: http://@HOSTPORT@/cgi-bin/echo\\r\\n'
printf 'X-App: status-%(code)d\\r\\n'
printf 'Set-Cookie: app=%(code)d; Path=/\\r\\n'
printf 'Cache-Control: no-store\\r\\n'
printf 'Content-Type: application/octet-stream\\r\\n\\r\\n'
printf '%(octal)s'
""" % {"code": code, "reason": REASON[code], "octal": octal}


class Response:
    def __init__(self, raw, method):
        head, sep, rest = raw.partition(b"\r\n\r\n")
        assert sep, "no complete response head: %r" % raw[:500]
        lines = head.split(b"\r\n")
        self.raw_head = head
        self.status_line = lines[0].decode("latin-1")
        parts = self.status_line.split(" ", 2)
        self.version = parts[0]
        self.status = int(parts[1])
        self.reason = parts[2] if len(parts) > 2 else ""
        self.headers = []
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            self.headers.append((k.strip().lower().decode("latin-1"),
                                 v.strip().decode("latin-1")))
        self.raw_body = rest
        te = self.header("transfer-encoding")
        if method != "HEAD" and te and "chunked" in te.lower():
            self.body = dechunk(rest)
        else:
            self.body = rest

    def header(self, name):
        vals = self.header_all(name)
        return vals[0] if vals else None

    def header_all(self, name):
        return [v for k, v in self.headers if k == name.lower()]

    def __repr__(self):
        return "<Response %r headers=%r body=%r>" % (self.status_line, self.headers,
                                                      self.body[:300])


def dechunk(data):
    out = b""
    while True:
        line, _, data = data.partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        if size == 0:
            return out
        out += data[:size]
        data = data[size + 2:]


def send(srv, method, path, body=None, headers=(), timeout=10.0):
    """One request on its own connection (Connection: close); everything the
    server sent is read, so a HEAD response carrying a body would show."""
    if body is None:
        body = REQUEST_BODY if method in UNSAFE else b""
    req = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % srv.hostport,
           "Connection: close", "User-Agent: r307-upgrade-tests"]
    if body or method in UNSAFE:
        req.append("Content-Type: application/x-www-form-urlencoded")
        req.append("Content-Length: %d" % len(body))
    req.extend(headers)
    data = ("\r\n".join(req) + "\r\n\r\n").encode("latin-1") + body
    with socket.create_connection((HOST, srv.port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    return Response(b"".join(chunks), method)


def notice_lines(log):
    """The RedirectUpgrade(Permanent) Log lines of an error-log excerpt."""
    return [l for l in log.splitlines()
            if re.search(r"RedirectUpgrade(Permanent)? Log: ", l)]


def title_of(code):
    return "<title>%d %s</title>" % (code, REASON[code])
