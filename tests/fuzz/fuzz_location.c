/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_location.c -- regex-capture substitution, escaping and Location
 * building: r307_scope_match + r307_location_build with request-controlled
 * paths and query strings.
 *
 * Input: one control byte, then NUL-separated fields.
 *   control < 0x80: a fixed rule, number control % N (the realistic case:
 *     the administrator's rule is fixed, the request is hostile); fields
 *     path \0 args
 *   control >= 0x80: a fuzzed rule (bit 6: prefix, else regex); fields
 *     pattern \0 target \0 path \0 args
 * Every Location is checked by fz_check_location; captures are also
 * checked to be escaped where they land (each capture byte that is not
 * path-safe must not appear raw in the Location when the target is only
 * "/$1").
 */

#include "fz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    r307_kind_e kind;
    const char *pattern;
    const char *target;
} fz_rule_spec;

static const fz_rule_spec fz_fixed[] = {
    { R307_KIND_REGEX, "^/old/(.*)$", "/new/$1" },
    { R307_KIND_REGEX, "^/u/([^/]+)/(.*)", "https://example.com/users/$1?page=$2" },
    { R307_KIND_REGEX, "(.*)", "/$1" },
    { R307_KIND_REGEX, "^/(.*)", "http://example.com/$1" },
    { R307_KIND_REGEX, "^/a(.*)b(.*)", "/x$2/y$1#frag" },
    { R307_KIND_REGEX, "^/q/(.*)", "/search?q=$1&x=1" },
    { R307_KIND_REGEX, "(?i)^/CASE/(.*)", "https://h.example:8443/c/$1" },
    { R307_KIND_REGEX, "^/(x)?(y)?", "/$1-$2-$0" },
    { R307_KIND_REGEX, "^/e/(.*)", "/lit\\$1/$1/\\\\" },
    { R307_KIND_REGEX, "^/((((((((((a))))))))))(.*)", "/$9/$0/$1" },
    { R307_KIND_REGEX, "^/f/(.*)", "/f#$1" },
    { R307_KIND_REGEX, "^/s(.*)", "/ spaced\"<>{}|/$1" },
    { R307_KIND_REGEX, "(.*)", "https://example.com" },
    { R307_KIND_REGEX, "(.*)", "https://example.com?from=$1" },
    { R307_KIND_REGEX, "^(.*)$", "/$1$1$1$1$1$1$1$1$1$1" },
    { R307_KIND_REGEX, "(?<=/)(.)", "/$1" },
    { R307_KIND_PREFIX, "/old", "/new" },
    { R307_KIND_PREFIX, "/", "https://example.com" },
    { R307_KIND_PREFIX, "/p/", "/q/?x=1" },
    { R307_KIND_PREFIX, "/h", "/#top" },
    { R307_KIND_PREFIX, "//a//b", "http://[::1]:8080/x/" },
    { R307_KIND_WHOLE, NULL, "/whole#f" },
    { R307_KIND_WHOLE, NULL, "https://example.com/a b?c" },
};

#define FZ_NFIXED (sizeof(fz_fixed) / sizeof(fz_fixed[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *f[4];
    const char *pattern, *target, *path, *args;
    r307_kind_e kind;
    r307_rule_t *rule;
    r307_scope_t *scope;
    r307_match_t m;
    const char *loc;

    if (size < 1) {
        return 0;
    }
    apr_pool_create(&p, fz_root);
    if (data[0] < 0x80) {
        const fz_rule_spec *spec = &fz_fixed[data[0] % FZ_NFIXED];
        fz_fields(p, data + 1, size - 1, f, 2);
        kind = spec->kind;
        pattern = spec->pattern;
        target = spec->target;
        path = f[0];
        args = f[1];
    }
    else {
        fz_fields(p, data + 1, size - 1, f, 4);
        kind = (data[0] & 0x40) ? R307_KIND_PREFIX : R307_KIND_REGEX;
        pattern = f[0];
        target = f[1];
        path = f[2];
        args = f[3];
    }
    if (!path || r307_rule_parse(p, &rule, kind, 307, pattern, target,
                                 "fuzz.conf", 1) != NULL) {
        FZ_CHECK(data[0] >= 0x80 || path == NULL,
                 "fixed rule %u refused", data[0] % (unsigned)FZ_NFIXED);
        apr_pool_destroy(p);
        return 0;
    }
    scope = r307_scope_make(p, 0);
    r307_scope_add(scope, rule);
    if (r307_scope_match(scope, path, p, &m, &fz_logger)) {
        int i;

        FZ_CHECK(m.rule == rule, "matched another rule");
        if (kind == R307_KIND_REGEX) {
            size_t plen = strlen(path);
            FZ_CHECK(m.ncaptures >= 1 && m.ncaptures <= R307_MAX_CAPTURE + 1,
                     "ncaptures %d", m.ncaptures);
            for (i = 0; i < m.ncaptures; i++) {
                size_t a = m.ovector[2 * i], b = m.ovector[2 * i + 1];
                FZ_CHECK((a == (size_t)-1 && b == (size_t)-1)
                         || (a <= b && b <= plen),
                         "capture %d is [%zu, %zu) of a %zu-byte path", i, a,
                         b, plen);
            }
        }
        loc = r307_location_build(p, &m, args);
        fz_check_location(p, &m, args, loc, path);
        loc = r307_location_build(p, &m, NULL);
        fz_check_location(p, &m, NULL, loc, path);
        if (kind == R307_KIND_REGEX && strcmp(target, "/$1") == 0
            && m.ovector[2] != (size_t)-1) {
            /* "/$1": the Location is the capture, escaped, with leading
             * '/' runs made one. */
            const char *cap = path + m.ovector[2];
            const char *want = apr_pstrcat(p, "/", fz_ref_escape_path(
                p, cap, m.ovector[3] - m.ovector[2]), NULL);
            while (want[0] == '/' && want[1] == '/') {
                want++;
            }
            FZ_CHECK(strcmp(loc, want) == 0, "'/$1' with capture %s gave %s, "
                     "expected %s", fz_show(p, cap, m.ovector[3]
                                                   - m.ovector[2]),
                     FZ_SHOW(p, loc), FZ_SHOW(p, want));
        }
        if (kind == R307_KIND_PREFIX && !rule->target.has_query
            && !strchr(rule->target.escaped, '#')) {
            /* target + escaped rest, one '/' where they meet. */
            const char *rest = m.subject + m.consumed;
            const char *esc = fz_ref_escape_path(p, rest, strlen(rest));
            const char *want = rule->target.escaped;
            size_t wl = strlen(want);
            if (wl && want[wl - 1] == '/' && esc[0] == '/') {
                esc++;
            }
            want = apr_pstrcat(p, want, esc, NULL);
            FZ_CHECK(strcmp(loc, want) == 0, "prefix %s -> %s for %s gave "
                     "%s, expected %s", FZ_SHOW(p, pattern),
                     FZ_SHOW(p, target), FZ_SHOW(p, path), FZ_SHOW(p, loc),
                     FZ_SHOW(p, want));
        }
    }
    apr_pool_destroy(p);
    return 0;
}
