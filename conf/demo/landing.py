#!/usr/bin/python3
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""Landing page of the mod_redirect307 browser demo (scripts/demo.py).

Installed as /cgi-bin/landing; the redirect rules of conf/demo.conf send
/try/<route> to /cgi-bin/landing/<route>.  Shows, as HTML, the method and
the body that arrived and which redirect brought the browser here.
"""
import html
import os
import sys
from urllib.parse import parse_qsl

MAX_BODY = 64 * 1024

ROUTES = {
    "302": ("302 Found", "mod_alias: Redirect 302 /try/302 /cgi-bin/landing/302",
            "GET",
            "httpd answered the POST with 302 Found. Browsers follow a 302 "
            "after a POST with a GET and drop the form (historic behaviour, "
            "now allowed by the HTTP standard)."),
    "303": ("303 See Other", "mod_alias: Redirect 303 /try/303 /cgi-bin/landing/303",
            "GET",
            "httpd answered the POST with 303 See Other, which means: the "
            "request is done, now GET this other page. The form is dropped "
            "by design (post/redirect/get)."),
    "307": ("307 Temporary Redirect",
            "mod_redirect307: Redirect307 /try/307 /cgi-bin/landing/307",
            "POST",
            "mod_redirect307 answered with 307 Temporary Redirect. A 307 "
            "forbids changing the method: the browser sent the same POST, "
            "with the same form, to the new URL."),
    "308": ("308 Permanent Redirect",
            "mod_redirect307: Redirect308 /try/308 /cgi-bin/landing/308",
            "POST",
            "mod_redirect307 answered with 308 Permanent Redirect: like 307, "
            "the method and the form are kept, and the move may be "
            "remembered (cached) by the browser."),
    "upgrade": ("302 upgraded to 307",
                "mod_alias: Redirect 302 in <Location \"/try/upgrade\"> "
                "with RedirectUpgrade On",
                "POST",
                "mod_alias made a 302 Found; RedirectUpgrade On changed it to "
                "307 Temporary Redirect because the request was a POST. The "
                "rule itself was not touched, and a GET would still get the "
                "302."),
}


def read_body():
    length = os.environ.get("CONTENT_LENGTH", "").strip()
    if not length:
        return b""
    try:
        want = min(int(length), MAX_BODY)
    except ValueError:
        return b""
    body = b""
    while len(body) < want:
        chunk = sys.stdin.buffer.read(want - len(body))
        if not chunk:
            break
        body += chunk
    return body


def esc(s):
    return html.escape(s, quote=True)


def main():
    env = os.environ
    method = env.get("REQUEST_METHOD", "")
    route = env.get("PATH_INFO", "").strip("/")
    body = read_body()
    text = body.decode("utf-8", "replace")
    ctype = env.get("CONTENT_TYPE", "")

    known = ROUTES.get(route)
    if known:
        status, rule, expected, explain = known
        title = "Arrived via %s" % status
    else:
        status, rule, expected, explain = (
            "no redirect", "(none)", None,
            "This URL was opened directly, not through one of the demo's "
            "redirects.")
        title = "Arrived without a redirect"

    kept = method == "POST" and len(body) > 0
    if kept:
        verdict = ("<strong>%s with the form.</strong> The browser sent the "
                   "method and the body again." % esc(method))
        vclass = "post"
    else:
        verdict = ("<strong>%s without the form.</strong> The body was "
                   "dropped on the way." % esc(method or "?"))
        vclass = "get"
    if expected and method != expected:
        verdict += (" <br>(Submitting the form from the start page would "
                    "arrive here as %s.)" % esc(expected))

    fields = []
    if body and ctype.startswith("application/x-www-form-urlencoded"):
        fields = parse_qsl(text, keep_blank_values=True)
    if fields:
        rows = "".join("<tr><td>%s</td><td>%s</td></tr>" % (esc(k), esc(v))
                       for k, v in fields)
        fields_html = ('<table class="fields" id="fields"><thead><tr><th>Field'
                       '</th><th>Value</th></tr></thead><tbody>%s</tbody>'
                       '</table>' % rows)
    else:
        fields_html = '<p class="empty" id="fields">No form fields arrived.</p>'

    if body:
        body_html = '<pre id="body">%s</pre>' % esc(text)
    else:
        body_html = '<pre id="body" class="empty">(empty)</pre>'

    page = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%(title)s &middot; mod_redirect307 demo</title>
<link rel="stylesheet" href="/demo.css">
</head>
<body data-method="%(method)s" data-route="%(route)s" data-body-length="%(blen)d">
<main>
<h1>%(title)s</h1>
<p class="verdict %(vclass)s" id="verdict">%(verdict)s</p>
<dl class="facts">
<dt>Method</dt><dd><span class="method %(method)s" id="method">%(method)s</span></dd>
<dt>Redirect</dt><dd id="route">%(status)s</dd>
<dt>Rule</dt><dd><code>%(rule)s</code></dd>
<dt>Arrived at</dt><dd><code id="uri">%(uri)s</code></dd>
<dt>Content-Type</dt><dd><code>%(ctype)s</code></dd>
<dt>Body length</dt><dd id="body-length">%(blen)d bytes</dd>
</dl>
<p>%(explain)s</p>
<h2>Form fields</h2>
%(fields)s
<h2>Raw body</h2>
%(body)s
<a class="back" id="back" href="/">&larr; Back to the form</a>
</main>
</body>
</html>
""" % {
        "title": esc(title), "verdict": verdict, "vclass": vclass,
        "method": esc(method), "route": esc(route or "none"),
        "blen": len(body), "status": esc(status), "rule": esc(rule),
        "uri": esc(env.get("REQUEST_URI", "")), "ctype": esc(ctype or "(none)"),
        "explain": esc(explain), "fields": fields_html, "body": body_html,
    }
    data = page.encode("utf-8")
    out = sys.stdout.buffer
    out.write(b"Content-Type: text/html; charset=utf-8\r\n")
    out.write(b"Cache-Control: no-store\r\n")
    out.write(b"Content-Length: %d\r\n\r\n" % len(data))
    if method != "HEAD":
        out.write(data)
    out.flush()


main()
