/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 */

/*
 * r307_location.c -- building the Location of a matched rule.
 *
 * The only request-controlled bytes that reach a Location are the rest of
 * the path after a prefix, regex captures and the query string.  Each is
 * escaped for the place it lands in, so none can end the header line, open
 * a new authority ("//host") or turn one query parameter into several.
 */

#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "r307_internal.h"

/* What may stay unescaped: in a path, pchar and '/' (RFC 3986 3.3); in a
 * query, the same less the separators "&=+;" that give a query structure,
 * so a capture stays one value. */
static int r307_path_safe(unsigned char c)
{
    return apr_isalnum(c) || (c && strchr("-._~!$&'()*+,;=:@/", c));
}

static int r307_query_safe(unsigned char c)
{
    return apr_isalnum(c) || (c && strchr("-._~!$'()*,:@/", c));
}

char *r307_escape_path(apr_pool_t *p, const char *s, apr_size_t len)
{
    return r307_escape_keeping(p, s, len, r307_path_safe);
}

/* A string being built from pool memory. */
typedef struct r307_buf_t {
    apr_pool_t *pool;
    char *data;
    apr_size_t len;
    apr_size_t cap;
} r307_buf_t;

static void r307_buf_add(r307_buf_t *b, const char *s, apr_size_t len)
{
    if (b->len + len + 1 > b->cap) {
        apr_size_t cap = 2 * (b->len + len + 1);
        char *data = apr_palloc(b->pool, cap);
        if (b->len) {
            memcpy(data, b->data, b->len);
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

/* Append a path piece, dropping its leading '/' when the path so far ends
 * with one, so "/" + "/x" gives "/x", not "//x". */
static void r307_buf_add_path(r307_buf_t *b, const char *s)
{
    if (s[0] == '/' && b->len && b->data[b->len - 1] == '/') {
        s++;
    }
    r307_buf_add(b, s, strlen(s));
}

/* The query string is passed on as the client sent it, already escaped:
 * its escapes and delimiters stay, only bytes no URI may hold are escaped
 * (httpd refuses most of them on the request line already). */
static void r307_buf_add_query(r307_buf_t *b, const char *args)
{
    const char *q = r307_escape_uri_text(b->pool, args, strlen(args));

    r307_buf_add(b, "?", 1);
    r307_buf_add(b, q, strlen(q));
}

const char *r307_location_build(apr_pool_t *p, const r307_match_t *m,
                                const char *args)
{
    const r307_rule_t *rule = m->rule;
    const r307_target_t *t = &rule->target;
    r307_buf_t out = { p, NULL, 0, 0 };
    const char *rest = NULL;
    const char *loc;
    int want_query = !t->has_query && args && *args;
    int i;

    if (rule->kind == R307_KIND_EXACT) {
        /* A map entry: no captures, no remainder, only the query. */
        r307_buf_add(&out, t->escaped, t->path_end);
        if (want_query) {
            r307_buf_add_query(&out, args);
        }
        r307_buf_add(&out, t->escaped + t->path_end,
                     strlen(t->escaped + t->path_end));
        return out.data;
    }
    if (rule->kind == R307_KIND_PREFIX) {
        rest = m->subject + m->consumed;
        rest = r307_escape_path(p, rest, strlen(rest));
    }
    r307_buf_add(&out, "", 0);
    for (i = 0; i < t->parts->nelts; i++) {
        const r307_part_t *part = &APR_ARRAY_IDX(t->parts, i, r307_part_t);

        if (part->in_query && rest) {
            r307_buf_add_path(&out, rest);
            rest = NULL;
        }
        if (part->in_query && want_query) {
            /* The target has a '#fragment' but no query of its own: the
             * request's query goes before the fragment. */
            r307_buf_add_query(&out, args);
            want_query = 0;
        }
        if (part->ref < 0) {
            r307_buf_add(&out, part->text, part->len);
        }
        else if (part->ref < m->ncaptures
                 && m->ovector[2 * part->ref] != (apr_size_t)-1) {
            apr_size_t from = m->ovector[2 * part->ref];
            apr_size_t to = m->ovector[2 * part->ref + 1];
            const char *esc = r307_escape_keeping(
                p, m->subject + from, to - from,
                part->in_query ? r307_query_safe : r307_path_safe);
            r307_buf_add(&out, esc, strlen(esc));
        }
    }
    if (rest) {
        r307_buf_add_path(&out, rest);
    }
    if (want_query) {
        r307_buf_add_query(&out, args);
    }

    loc = out.data;
    if (!t->absolute) {
        /* A /path target stays on the request's own host: collapse what a
         * capture may have made into "//host". */
        while (loc[0] == '/' && loc[1] == '/') {
            loc++;
        }
    }
    return loc;
}

/* Split an absolute URL into scheme, authority and the rest; 0 if it is
 * not one. */
static int r307_url_split(const char *url, const char **scheme,
                          apr_size_t *scheme_len, const char **host,
                          apr_size_t *host_len, const char **rest)
{
    const char *sep = strstr(url, "://");

    if (!sep || sep == url) {
        return 0;
    }
    *scheme = url;
    *scheme_len = (apr_size_t)(sep - url);
    *host = sep + 3;
    *host_len = strcspn(*host, "/?#");
    *rest = *host + *host_len;
    return 1;
}

/* Authority without a port that is the scheme's default. */
static apr_size_t r307_host_len_normalized(const char *scheme,
                                           apr_size_t scheme_len,
                                           const char *host, apr_size_t len)
{
    const char *colon = NULL;
    apr_size_t i;

    for (i = len; i > 0; i--) {
        if (host[i - 1] == ':') {
            colon = host + i - 1;
            break;
        }
        if (!apr_isdigit(host[i - 1])) {
            break;
        }
    }
    if (!colon) {
        return len;
    }
    if ((scheme_len == 4 && strncasecmp(scheme, "http", 4) == 0
         && strncmp(colon, ":80", len - (apr_size_t)(colon - host)) == 0
         && len - (apr_size_t)(colon - host) == 3)
        || (scheme_len == 5 && strncasecmp(scheme, "https", 5) == 0
            && len - (apr_size_t)(colon - host) == 4
            && strncmp(colon, ":443", 4) == 0)) {
        return (apr_size_t)(colon - host);
    }
    return len;
}

int r307_url_same(apr_pool_t *p, const char *a, const char *b)
{
    const char *sa, *sb, *ha, *hb, *ra, *rb;
    apr_size_t sal, sbl, hal, hbl, lra, lrb;

    (void)p;
    if (!r307_url_split(a, &sa, &sal, &ha, &hal, &ra)
        || !r307_url_split(b, &sb, &sbl, &hb, &hbl, &rb)) {
        return strcmp(a, b) == 0;
    }
    hal = r307_host_len_normalized(sa, sal, ha, hal);
    hbl = r307_host_len_normalized(sb, sbl, hb, hbl);
    if (sal != sbl || strncasecmp(sa, sb, sal) != 0
        || hal != hbl || strncasecmp(ha, hb, hal) != 0) {
        return 0;
    }
    /* A client never sends the fragment, and an empty path is the same
     * resource as "/" (RFC 9110 4.2.3). */
    lra = strcspn(ra, "#");
    lrb = strcspn(rb, "#");
    if (lra == 0 && lrb == 1 && *rb == '/') {
        return 1;
    }
    if (lrb == 0 && lra == 1 && *ra == '/') {
        return 1;
    }
    return lra == lrb && strncmp(ra, rb, lra) == 0;
}
