/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 */

/*
 * r307_rule.c -- parsing and validating one redirect rule.
 *
 * Everything that can be refused is refused here, at configuration time, so
 * the request path has nothing left to check: a target is split into a
 * template of pre-escaped literal pieces and capture references, and the
 * parts of an absolute target that decide where a client goes (scheme and
 * authority) are proven free of anything a request could fill in.
 */

#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "r307_internal.h"

static const char *r307_status_directive(r307_kind_e kind, int status)
{
    if (kind == R307_KIND_REGEX) {
        return status == 308 ? "Redirect308Match" : "Redirect307Match";
    }
    return status == 308 ? "Redirect308" : "Redirect307";
}

char *r307_escape_keeping(apr_pool_t *p, const char *s, apr_size_t len,
                          int (*keep)(unsigned char))
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, 3 * len + 1);
    char *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (keep(c)) {
            *o++ = (char)c;
        }
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 0x0f];
        }
    }
    *o = '\0';
    return out;
}

/* Bytes that may appear in a URI as written; the others are escaped in
 * literal target text (RFC 3986 section 2; '%' stays, as it is how an
 * administrator writes an escape). */
static int r307_uri_allowed(unsigned char c)
{
    return c > 0x20 && c < 0x7f && strchr("\"<>\\^`{|}", c) == NULL;
}

char *r307_escape_uri_text(apr_pool_t *p, const char *s, apr_size_t len)
{
    return r307_escape_keeping(p, s, len, r307_uri_allowed);
}

/* Decode %XX escapes, so a target path can be compared with a decoded
 * URL-path such as r->uri. Invalid escapes are kept as written. */
char *r307_unescape(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_palloc(p, len + 1);
    char *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && apr_isxdigit(s[i + 1])
            && apr_isxdigit(s[i + 2])) {
            char h[3] = { s[i + 1], s[i + 2], '\0' };
            *o++ = (char)strtol(h, NULL, 16);
            i += 2;
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Remove "." and ".." segments the way a client resolves a Location
 * (RFC 3986 5.2.4) and httpd the request path, so "/x/../a" is seen to be
 * "/a". */
char *r307_resolve_dots(apr_pool_t *p, const char *path)
{
    char *out = apr_palloc(p, strlen(path) + 2);
    apr_size_t n = 0;
    const char *seg = path;

    while (*seg) {
        const char *end;
        apr_size_t len;

        seg += (*seg == '/');
        end = seg + strcspn(seg, "/");
        len = (apr_size_t)(end - seg);
        if (len == 1 && seg[0] == '.') {
            /* stays in the same directory */
            if (!*end) {
                out[n++] = '/';
            }
        }
        else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (n > 0 && out[--n] != '/') {
            }
            if (!*end) {
                out[n++] = '/';
            }
        }
        else {
            out[n++] = '/';
            memcpy(out + n, seg, len);
            n += len;
        }
        seg = end;
    }
    if (n == 0) {
        out[n++] = '/';
    }
    out[n] = '\0';
    return out;
}

/* Length of "scheme://authority" when 'text' starts with an absolute URL,
 * 0 when it does not look like one. */
static apr_size_t r307_origin_length(const char *text)
{
    const char *c = text;

    if (!apr_isalpha(*c)) {
        return 0;
    }
    while (apr_isalnum(*c) || *c == '+' || *c == '-' || *c == '.') {
        c++;
    }
    if (strncmp(c, "://", 3) != 0) {
        return 0;
    }
    c += 3;
    c += strcspn(c, "/?#");
    return (apr_size_t)(c - text);
}

static void r307_push_part(apr_pool_t *p, apr_array_header_t *parts,
                           const char *text, apr_size_t len, int ref,
                           int in_query)
{
    r307_part_t *part;

    if (ref < 0 && len == 0) {
        return;
    }
    part = apr_array_push(parts);
    part->text = ref < 0 ? r307_escape_uri_text(p, text, len) : NULL;
    part->len = ref < 0 ? strlen(part->text) : 0;
    part->ref = ref;
    part->in_query = in_query;
}

/*
 * Split 'text' into literal pieces and (for regex rules) $N references.
 * Literal pieces are cut where the path ends, so the Location builder can
 * insert a remainder or a query string between pieces without searching.
 */
static void r307_target_template(apr_pool_t *p, r307_target_t *t,
                                 const char *s, int with_refs)
{
    char *lit = apr_palloc(p, strlen(s) + 1);
    apr_size_t n = 0;
    int in_query = 0;

    t->parts = apr_array_make(p, 4, sizeof(r307_part_t));
    t->max_ref = -1;
    while (*s) {
        if (with_refs && *s == '\\' && (s[1] == '$' || s[1] == '\\')) {
            lit[n++] = s[1];
            s += 2;
        }
        else if (with_refs && *s == '$' && apr_isdigit(s[1])) {
            r307_push_part(p, t->parts, lit, n, -1, in_query);
            n = 0;
            r307_push_part(p, t->parts, NULL, 0, s[1] - '0', in_query);
            if (s[1] - '0' > t->max_ref) {
                t->max_ref = s[1] - '0';
            }
            s += 2;
        }
        else if (!in_query && (*s == '?' || *s == '#')) {
            r307_push_part(p, t->parts, lit, n, -1, in_query);
            n = 0;
            in_query = 1;
            t->has_query = (*s == '?');
            lit[n++] = *s++;
        }
        else {
            lit[n++] = *s++;
        }
    }
    r307_push_part(p, t->parts, lit, n, -1, in_query);
    t->has_refs = t->max_ref >= 0;
}

const char *r307_target_parse(apr_pool_t *p, r307_target_t *t,
                              r307_kind_e kind, const char *name,
                              const char *text)
{
    const char *c;
    const char *spelled = text;

    memset(t, 0, sizeof(*t));
    t->text = text;
    if (!text || !*text) {
        return apr_psprintf(p, "%s: the target is empty", name);
    }
    for (c = text; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            return apr_psprintf(p, "%s: target '%s' contains a control "
                                "character", name, text);
        }
    }
    if (text[0] == '/') {
        if (text[1] == '/') {
            return apr_psprintf(p, "%s: target '%s' is a protocol-relative "
                                "URL; write the scheme (https://host/...) or "
                                "a URL-path starting with a single '/'",
                                name, text);
        }
    }
    else {
        t->origin_len = r307_origin_length(text);
        if (t->origin_len == 0) {
            return apr_psprintf(p, "%s: target '%s' is neither an absolute "
                                "URL (scheme://host/...) nor a URL-path "
                                "starting with '/'", name, text);
        }
        c = strstr(text, "://") + 3;
        if (c == text + t->origin_len || *c == '@' || *c == ':') {
            return apr_psprintf(p, "%s: target '%s' has no host", name, text);
        }
        if (memchr(c, ' ', t->origin_len - (apr_size_t)(c - text))) {
            return apr_psprintf(p, "%s: target '%s' has a space in its host",
                                name, text);
        }
        t->absolute = 1;
        /* "https://host" and "https://host/" are the same URL (RFC 3986
         * 6.2.3); spelling the '/' out keeps anything appended to the path
         * from running into the host or port. */
        if (text[t->origin_len] != '/') {
            spelled = apr_pstrcat(p, apr_pstrndup(p, text, t->origin_len),
                                  "/", text + t->origin_len, NULL);
        }
    }

    r307_target_template(p, t, spelled, kind == R307_KIND_REGEX);
    if (t->absolute && t->has_refs) {
        c = text;
        while ((c = strchr(c, '$')) != NULL) {
            if (apr_isdigit(c[1]) && (apr_size_t)(c - text) < t->origin_len) {
                return apr_psprintf(p, "%s: target '%s' puts a capture in "
                                    "its scheme or host; a request could "
                                    "choose where clients are sent. Only "
                                    "the path and query may use $N",
                                    name, text);
            }
            c++;
        }
    }
    t->escaped = r307_escape_uri_text(p, spelled, strlen(spelled));
    t->path_end = strcspn(t->escaped, "?#");
    return NULL;
}

static apr_status_t r307_regex_cleanup(void *re)
{
    pcre2_code_free(re);
    return APR_SUCCESS;
}

static const char *r307_regex_compile(apr_pool_t *p, r307_rule_t *rule,
                                      const char *name)
{
    int errcode;
    PCRE2_SIZE erroffset;
    uint32_t groups = 0;

    /* The options httpd's ap_regcomp() uses by default, so a pattern means
     * here what it means in RedirectMatch or RewriteRule. */
    rule->re = pcre2_compile((PCRE2_SPTR)rule->pattern, PCRE2_ZERO_TERMINATED,
                             PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY,
                             &errcode, &erroffset, NULL);
    if (!rule->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof(msg));
        return apr_psprintf(p, "%s: cannot compile regex '%s': %s at "
                            "offset %lu", name, rule->pattern,
                            (const char *)msg, (unsigned long)erroffset);
    }
    apr_pool_cleanup_register(p, rule->re, r307_regex_cleanup,
                              apr_pool_cleanup_null);
    pcre2_pattern_info(rule->re, PCRE2_INFO_CAPTURECOUNT, &groups);
    rule->groups = (int)groups;
    return NULL;
}

/* A /path target inside the rule's own URL-path would be matched again by
 * the very request it sends the client to. */
static const char *r307_loop_check(apr_pool_t *p, const r307_rule_t *rule,
                                   const char *name, const char *prefix)
{
    const r307_target_t *t = &rule->target;
    const char *path;

    if (t->absolute || !prefix || prefix[0] != '/') {
        return NULL;
    }
    path = r307_resolve_dots(p, r307_unescape(p, t->escaped, t->path_end));
    if (rule->kind == R307_KIND_WHOLE) {
        /* <Location /a> covers /abc too: httpd compares a plain prefix. */
        const char *loc = r307_path_collapse(p, prefix);
        path = r307_path_collapse(p, path);
        if (strncmp(path, loc, strlen(loc)) == 0) {
            return apr_psprintf(p, "%s: target '%s' lies inside its own "
                                "<Location %s>: every request would be "
                                "redirected again", name, t->text, prefix);
        }
        return NULL;
    }
    if (r307_prefix_matches(path, prefix) > 0) {
        return apr_psprintf(p, "%s: target '%s' lies inside its own "
                            "URL-path '%s': every request would be "
                            "redirected again", name, t->text, prefix);
    }
    return NULL;
}

const char *r307_rule_parse(apr_pool_t *p, r307_rule_t **out,
                            r307_kind_e kind, int status,
                            const char *pattern, const char *target,
                            const char *file, unsigned line)
{
    r307_rule_t *rule = apr_pcalloc(p, sizeof(*rule));
    const char *name = r307_status_directive(kind, status);
    const char *err;

    *out = NULL;
    if (status != 307 && status != 308) {
        return apr_psprintf(p, "%s: status %d is not 307 or 308", name,
                            status);
    }
    rule->kind = kind;
    rule->status = status;
    rule->pattern = pattern;
    rule->file = file ? file : "(unknown)";
    rule->line = line;

    if (kind == R307_KIND_PREFIX) {
        if (!pattern || pattern[0] != '/') {
            return apr_psprintf(p, "%s: URL-path '%s' must start with '/'",
                                name, pattern ? pattern : "");
        }
        rule->key = r307_path_collapse(p, pattern);
        rule->key_len = strlen(rule->key);
    }
    else if (kind == R307_KIND_REGEX) {
        if (!pattern || !*pattern) {
            return apr_psprintf(p, "%s: the regex is empty", name);
        }
        if ((err = r307_regex_compile(p, rule, name)) != NULL) {
            return err;
        }
    }

    if ((err = r307_target_parse(p, &rule->target, kind, name, target))) {
        return err;
    }
    if (rule->target.max_ref > rule->groups) {
        return apr_psprintf(p, "%s: target '%s' uses $%d but regex '%s' has "
                            "%d capture group%s", name, target,
                            rule->target.max_ref, pattern, rule->groups,
                            rule->groups == 1 ? "" : "s");
    }
    if (kind != R307_KIND_REGEX
        && (err = r307_loop_check(p, rule, name, pattern)) != NULL) {
        return err;
    }
    *out = rule;
    return NULL;
}

const char *r307_rule_tag(apr_pool_t *p, const r307_rule_t *rule)
{
    return apr_psprintf(p, "%s:%u %d", rule->file, rule->line, rule->status);
}
