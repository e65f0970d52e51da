/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fz_common.c -- see fz_common.h.
 */

#include <stdarg.h>

#include <apr_lib.h>

#include "fz_common.h"

apr_pool_t *fz_root;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (apr_initialize() != APR_SUCCESS
        || apr_pool_create(&fz_root, NULL) != APR_SUCCESS) {
        fprintf(stderr, "fuzz: APR initialization failed\n");
        abort();
    }
    return 0;
}

void fz_fail(const char *file, int line, const char *cond,
             const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\n==== r307 INVARIANT VIOLATED at %s:%d: %s\n", file,
            line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    fflush(stderr);
    abort();
}

const char *fz_show(apr_pool_t *p, const char *s, size_t len)
{
    char *out = apr_palloc(p, 4 * len + 3);
    char *o = out;
    size_t i;

    *o++ = '\'';
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
            *o++ = (char)c;
        }
        else {
            o += sprintf(o, "\\x%02x", c);
        }
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

static apr_status_t fz_free(void *block)
{
    free(block);
    return APR_SUCCESS;
}

char *fz_dup(apr_pool_t *p, const char *s, size_t len)
{
    char *out = malloc(len + 1);

    if (!out) {
        abort();
    }
    memcpy(out, s, len);
    out[len] = '\0';
    apr_pool_cleanup_register(p, out, fz_free, apr_pool_cleanup_null);
    return out;
}

int fz_fields(apr_pool_t *p, const uint8_t *data, size_t size, char **out,
              int n)
{
    size_t pos = 0;
    int k;

    for (k = 0; k < n; k++) {
        out[k] = NULL;
    }
    for (k = 0; k < n && pos <= size; k++) {
        const uint8_t *nul;
        size_t end;

        if (pos == size && k > 0) {
            break;
        }
        nul = memchr(data + pos, '\0', size - pos);
        end = nul ? (size_t)(nul - data) : size;
        out[k] = fz_dup(p, (const char *)data + pos, end - pos);
        pos = end + 1;
    }
    return k;
}

apr_array_header_t *fz_lines(apr_pool_t *p, const char *text, size_t len)
{
    apr_array_header_t *lines = apr_array_make(p, 16, sizeof(char *));
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;

        APR_ARRAY_PUSH(lines, char *) = fz_dup(p, text + pos, end - pos);
        pos = end + 1;
    }
    return lines;
}

size_t fz_count(const char *s, char c)
{
    size_t n = 0;

    for (; *s; s++) {
        n += (*s == c);
    }
    return n;
}

/* ---- references ----------------------------------------------------- */

static int fz_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}

static int fz_in(unsigned char c, const char *set)
{
    return c != 0 && strchr(set, c) != NULL;
}

int fz_uri_char(unsigned char c)
{
    return fz_unreserved(c) || fz_in(c, ":/?#[]@!$&'()*+,;=%");
}

int fz_path_safe(unsigned char c)
{
    return fz_unreserved(c) || fz_in(c, "!$&'()*+,;=:@/");
}

static char *fz_escape_with(apr_pool_t *p, const char *s, size_t len,
                            int (*keep)(unsigned char))
{
    char *out = apr_palloc(p, 3 * len + 1);
    char *o = out;
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (keep(c)) {
            *o++ = (char)c;
        }
        else {
            o += sprintf(o, "%%%02X", c);
        }
    }
    *o = '\0';
    return out;
}

char *fz_ref_escape_uri(apr_pool_t *p, const char *s, size_t len)
{
    return fz_escape_with(p, s, len, fz_uri_char);
}

char *fz_ref_escape_path(apr_pool_t *p, const char *s, size_t len)
{
    return fz_escape_with(p, s, len, fz_path_safe);
}

static int fz_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

char *fz_ref_unescape(apr_pool_t *p, const char *s, size_t len,
                      size_t *outlen)
{
    char *out = apr_palloc(p, len + 1);
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '%' && len - i >= 3 && fz_hex((unsigned char)s[i + 1]) >= 0
            && fz_hex((unsigned char)s[i + 2]) >= 0) {
            out[n++] = (char)(fz_hex((unsigned char)s[i + 1]) * 16
                              + fz_hex((unsigned char)s[i + 2]));
            i += 2;
        }
        else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    if (outlen) {
        *outlen = n;
    }
    return out;
}

char *fz_ref_collapse(apr_pool_t *p, const char *s)
{
    size_t len = strlen(s), i, n = 0;
    char *out = apr_palloc(p, len + 1);

    for (i = 0; i < len; i++) {
        if (s[i] == '/' && n > 0 && out[n - 1] == '/') {
            continue;
        }
        out[n++] = s[i];
    }
    out[n] = '\0';
    return out;
}

/* Drop the last segment and the '/' before it from out[0..*n). */
static void fz_pop(char *out, size_t *n)
{
    while (*n > 0 && out[*n - 1] != '/') {
        (*n)--;
    }
    if (*n > 0) {
        (*n)--;
    }
}

char *fz_ref_dots(apr_pool_t *p, const char *s)
{
    const char *in = s[0] == '/' ? s : apr_pstrcat(p, "/", s, NULL);
    char *out = apr_palloc(p, strlen(in) + 2);
    size_t n = 0;

    /* RFC 3986 5.2.4, steps B, C and E ('in' always starts with '/'). */
    while (*in) {
        if (strncmp(in, "/./", 3) == 0) {
            in += 2;
        }
        else if (strcmp(in, "/.") == 0) {
            in = "/";
        }
        else if (strncmp(in, "/../", 4) == 0) {
            in += 3;
            fz_pop(out, &n);
        }
        else if (strcmp(in, "/..") == 0) {
            in = "/";
            fz_pop(out, &n);
        }
        else {
            size_t seg = 1 + strcspn(in + 1, "/");
            memcpy(out + n, in, seg);
            n += seg;
            in += seg;
        }
    }
    if (n == 0) {
        out[n++] = '/';
    }
    out[n] = '\0';
    return out;
}

char *fz_ref_unbackslash(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) + 1);
    size_t n = 0;

    while (*s) {
        if (s[0] == '\\' && (s[1] == '$' || s[1] == '\\')) {
            s++;
        }
        out[n++] = *s++;
    }
    out[n] = '\0';
    return out;
}

int fz_ref_prefix(const char *path, const char *key)
{
    size_t klen = strlen(key);

    if (klen == 0 || strncmp(path, key, klen) != 0) {
        return 0;
    }
    return key[klen - 1] == '/' || path[klen] == '\0' || path[klen] == '/';
}

char *fz_ref_spelled(apr_pool_t *p, const char *text, size_t *origin_len)
{
    const char *sep;
    size_t olen, i;

    *origin_len = 0;
    if (text[0] == '/') {
        return text[1] == '/' ? NULL : apr_pstrdup(p, text);
    }
    sep = strstr(text, "://");
    if (!sep || sep == text) {
        return NULL;
    }
    for (i = 0; text + i < sep; i++) {
        unsigned char c = (unsigned char)text[i];
        if (!(apr_isalpha(c) || (i > 0 && (apr_isdigit(c) || c == '+'
                                            || c == '-' || c == '.')))) {
            return NULL;
        }
    }
    olen = (size_t)(sep + 3 - text) + strcspn(sep + 3, "/?#");
    *origin_len = olen;
    if (text[olen] == '/') {
        return apr_pstrdup(p, text);
    }
    return apr_pstrcat(p, apr_pstrndup(p, text, olen), "/", text + olen,
                       NULL);
}

/* ---- invariants ----------------------------------------------------- */

void fz_check_target(apr_pool_t *p, const r307_target_t *t, r307_kind_e kind,
                     const char *raw)
{
    size_t olen = 0, i;
    const char *spelled;

    FZ_CHECK(raw && *raw, "accepted an empty target");
    for (i = 0; raw[i]; i++) {
        unsigned char c = (unsigned char)raw[i];
        FZ_CHECK(c >= 0x20 && c != 0x7f, "accepted target %s with a control "
                 "character", FZ_SHOW(p, raw));
    }
    spelled = fz_ref_spelled(p, raw, &olen);
    FZ_CHECK(spelled != NULL, "accepted target %s, neither absolute nor a "
             "single-'/' URL-path", FZ_SHOW(p, raw));
    FZ_CHECK(t->absolute == (raw[0] != '/'), "target %s: absolute=%d",
             FZ_SHOW(p, raw), t->absolute);
    if (t->absolute) {
        const char *host = strstr(raw, "://") + 3;
        FZ_CHECK(t->origin_len == olen, "target %s: origin_len %zu, "
                 "expected %zu", FZ_SHOW(p, raw), (size_t)t->origin_len, olen);
        FZ_CHECK(host < raw + olen && *host != '@' && *host != ':',
                 "accepted target %s without a host", FZ_SHOW(p, raw));
        FZ_CHECK(!memchr(raw, ' ', olen), "accepted target %s with a space "
                 "in its host", FZ_SHOW(p, raw));
        if (kind == R307_KIND_REGEX) {
            /* a backslash before '$' or another backslash escapes it */
            for (i = 0; i + 1 < olen; i++) {
                if (raw[i] == '\\' && (raw[i + 1] == '$'
                                       || raw[i + 1] == '\\')) {
                    i++;
                    continue;
                }
                FZ_CHECK(!(raw[i] == '$' && apr_isdigit(raw[i + 1])),
                         "accepted target %s with $N in scheme/authority",
                         FZ_SHOW(p, raw));
            }
        }
    }
    FZ_CHECK(strcmp(t->escaped, fz_ref_escape_uri(p, spelled,
                                                  strlen(spelled))) == 0,
             "target %s escaped as %s, expected %s", FZ_SHOW(p, raw),
             FZ_SHOW(p, t->escaped),
             fz_ref_escape_uri(p, spelled, strlen(spelled)));
    FZ_CHECK(t->path_end == strcspn(t->escaped, "?#"),
             "target %s: path_end %zu", FZ_SHOW(p, raw), (size_t)t->path_end);
    if (kind != R307_KIND_REGEX) {
        FZ_CHECK(!t->has_refs, "target %s of a non-regex rule has $N",
                 FZ_SHOW(p, raw));
    }
}

void fz_check_location(apr_pool_t *p, const r307_match_t *m,
                       const char *args, const char *loc, const char *path)
{
    const r307_rule_t *rule = m->rule;
    const r307_target_t *t = &rule->target;
    int want_query = !t->has_query && args && *args;
    size_t i, want;
    const char *what;

    what = apr_psprintf(p, "Location %s (target %s, path %s, args %s, "
                        "kind %d)", FZ_SHOW(p, loc), FZ_SHOW(p, t->text),
                        FZ_SHOW(p, path), FZ_SHOW(p, args), (int)rule->kind);
    FZ_CHECK(loc != NULL && *loc, "empty %s", what);
    for (i = 0; loc[i]; i++) {
        FZ_CHECK(fz_uri_char((unsigned char)loc[i]),
                 "byte 0x%02x at offset %zu is not allowed in a URI: %s",
                 (unsigned char)loc[i], i, what);
    }
    if (t->absolute) {
        /* The rule's scheme://authority, from the target as written. */
        const char *text = rule->kind == R307_KIND_REGEX
                           ? fz_ref_unbackslash(p, t->text) : t->text;
        const char *sep = strstr(text, "://");
        const char *lsep = strstr(loc, "://");
        size_t olen, llen;
        const char *origin;

        FZ_CHECK(sep != NULL, "absolute target without '://': %s", what);
        olen = (size_t)(sep + 3 - text) + strcspn(sep + 3, "/?#");
        origin = fz_ref_escape_uri(p, text, olen);
        FZ_CHECK(lsep != NULL, "no '://' in %s", what);
        llen = (size_t)(lsep + 3 - loc) + strcspn(lsep + 3, "/");
        FZ_CHECK(llen == strlen(origin) && memcmp(loc, origin, llen) == 0,
                 "scheme://authority is not the rule's %s: %s",
                 FZ_SHOW(p, origin), what);
        FZ_CHECK(loc[llen] == '/', "no '/' after the authority: %s", what);
    }
    else {
        FZ_CHECK(loc[0] == '/' && loc[1] != '/',
                 "a /path Location must start with exactly one '/': %s",
                 what);
    }
    /* Nothing from the request adds a query or fragment delimiter: every
     * '?' and '#' is the target's own or comes with the query string. */
    want = fz_count(t->escaped, '?')
           + (want_query ? 1 + fz_count(args, '?') : 0);
    FZ_CHECK(fz_count(loc, '?') == want, "%zu '?' expected: %s", want, what);
    want = fz_count(t->escaped, '#') + (want_query ? fz_count(args, '#') : 0);
    FZ_CHECK(fz_count(loc, '#') == want, "%zu '#' expected: %s", want, what);
    if (!t->has_refs && rule->kind != R307_KIND_PREFIX && !want_query
        && !(rule->kind == R307_KIND_REGEX && strchr(t->text, '\\'))) {
        /* Nothing to fill in: the Location is the target as escaped
         * (a /path target's leading '/' is already single; a regex target
         * with backslash escapes differs from its 'escaped' spelling). */
        FZ_CHECK(strcmp(loc, t->escaped) == 0, "expected the target %s: %s",
                 FZ_SHOW(p, t->escaped), what);
    }
}

static void fz_log(void *baton, int level, const char *message)
{
    (void)baton;
    FZ_CHECK(message != NULL && level >= R307_LOG_ERR
             && level <= R307_LOG_TRACE3, "bad log call, level %d", level);
    /* Touch every byte, so ASan sees a formatting overrun. */
    (void)strlen(message);
}

const r307_logger_t fz_logger = { fz_log, NULL, R307_LOG_TRACE3 };
