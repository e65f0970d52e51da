/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_rule.c -- r307_rule_parse: Redirect307/308 and Redirect307Match
 * arguments, and the one-argument form.
 *
 * Input: one control byte, then NUL-separated fields
 *   pattern \0 target \0 path \0 args
 * control: bits 0-1 kind (0 prefix, 1 regex, 2 whole, 3 whole without
 * <Location> path), bit 2 status 308, bit 7 a bad status (300 + low bits).
 * An accepted rule is checked against its raw text (fz_check_target), the
 * loop check is redone independently for URL-path targets, and the rule is
 * then matched against 'path' (and, for a prefix rule, its own URL-path)
 * with every Location checked.
 */

#include "fz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_try_path(apr_pool_t *p, r307_rule_t *rule, const char *path,
                        const char *args, int must_match)
{
    r307_scope_t *scope = r307_scope_make(p, 0);
    r307_match_t m;
    int hit;

    r307_scope_add(scope, rule);
    hit = r307_scope_match(scope, path, p, &m, &fz_logger);
    if (must_match) {
        FZ_CHECK(hit, "rule %s does not match its own URL-path %s",
                 FZ_SHOW(p, rule->pattern), FZ_SHOW(p, path));
    }
    if (hit) {
        const char *loc = r307_location_build(p, &m, args);
        FZ_CHECK(m.rule == rule, "matched another rule");
        fz_check_location(p, &m, args, loc, path);
        if (rule->kind == R307_KIND_PREFIX && must_match && !args
            && !rule->target.absolute) {
            /* The request for the URL-path itself is sent to the target:
             * as a client resolves it, it must not lie in the prefix. */
            size_t n = strcspn(loc, "?#");
            const char *to = fz_ref_collapse(p, fz_ref_dots(p,
                fz_ref_unescape(p, loc, n, NULL)));
            FZ_CHECK(!fz_ref_prefix(to, rule->key), "Location %s for %s "
                     "lies inside the rule's own URL-path %s: a loop",
                     FZ_SHOW(p, loc), FZ_SHOW(p, path),
                     FZ_SHOW(p, rule->key));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *f[4];
    r307_kind_e kind;
    int status;
    const char *pattern;
    r307_rule_t *rule = (r307_rule_t *)&rule;
    const char *err;

    if (size < 1) {
        return 0;
    }
    apr_pool_create(&p, fz_root);
    fz_fields(p, data + 1, size - 1, f, 4);
    kind = (data[0] & 3) == 3 ? R307_KIND_WHOLE : (r307_kind_e)(data[0] & 3);
    status = (data[0] & 4) ? 308 : 307;
    if (data[0] & 0x80) {
        status = 300 + (data[0] & 0x0f);
    }
    pattern = (data[0] & 3) == 3 ? NULL : f[0];

    err = r307_rule_parse(p, &rule, kind, status, pattern, f[1], "fuzz.conf",
                          7);
    if (err) {
        FZ_CHECK(rule == NULL, "error %s but a rule", FZ_SHOW(p, err));
        FZ_CHECK(strncmp(err, "Redirect30", 10) == 0,
                 "message %s does not name the directive", FZ_SHOW(p, err));
        apr_pool_destroy(p);
        return 0;
    }
    FZ_CHECK(rule != NULL, "no error and no rule");
    FZ_CHECK(status == 307 || status == 308, "accepted status %d", status);
    FZ_CHECK(rule->status == status && rule->kind == kind, "status/kind");
    fz_check_target(p, &rule->target, kind, f[1]);
    if (kind == R307_KIND_PREFIX) {
        FZ_CHECK(pattern && pattern[0] == '/', "accepted URL-path %s",
                 FZ_SHOW(p, pattern));
        FZ_CHECK(strcmp(rule->key, fz_ref_collapse(p, pattern)) == 0
                 && rule->key_len == strlen(rule->key),
                 "key %s for URL-path %s", FZ_SHOW(p, rule->key),
                 FZ_SHOW(p, pattern));
    }
    if (kind == R307_KIND_REGEX) {
        FZ_CHECK(rule->re != NULL, "no compiled regex");
        FZ_CHECK(rule->target.max_ref <= rule->groups, "$%d with %d groups",
                 rule->target.max_ref, rule->groups);
    }
    if (kind == R307_KIND_WHOLE && pattern && pattern[0] == '/'
        && !rule->target.absolute) {
        const char *to = fz_ref_collapse(p, fz_ref_dots(p, fz_ref_unescape(
            p, rule->target.escaped, rule->target.path_end, NULL)));
        FZ_CHECK(!fz_ref_prefix(to, fz_ref_collapse(p, pattern)),
                 "accepted target %s inside its <Location %s>: a loop",
                 FZ_SHOW(p, f[1]), FZ_SHOW(p, pattern));
    }

    if (kind == R307_KIND_PREFIX) {
        fz_try_path(p, rule, rule->key, NULL, 1);
        fz_try_path(p, rule, pattern, f[3], 1);
    }
    if (f[2]) {
        fz_try_path(p, rule, f[2], f[3], kind == R307_KIND_WHOLE);
    }
    apr_pool_destroy(p);
    return 0;
}
