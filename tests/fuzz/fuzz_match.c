/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_match.c -- r307_scope_match, the indexed first-match search, against
 * a naive scan of the rules in written order.
 *
 * Input: lines ('\n'), at most 24 rules and 24 paths:
 *   P<URL-path>\t<target>     Redirect307 URL-path URL
 *   R<regex>\t<target>        Redirect307Match regex URL
 *   W<target>                 one-argument form
 *   M<map text>               a map; '|' stands for a line break
 *   U<path>[\t<args>]         a request path to match (and its query)
 * Anything else is ignored, as are rules the core refuses.  For each path
 * the rule found must be the first one in written order that matches by
 * the reference semantics (prefix at a segment boundary on '/'-collapsed
 * strings, PCRE2 on the path as given, maps exactly on the collapsed path),
 * with the same extent; its Location is then checked.
 */

#include "fz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX 24

typedef struct {
    r307_rule_t *rule;       /* NULL for a map */
    const r307_map_t *map;
    unsigned seq;
} fz_entry;

/* 1 when 'e' matches 'path' by the reference semantics; *ov gets the
 * regex's whole-match extent. */
static int fz_ref_match(apr_pool_t *p, const fz_entry *e, const char *path,
                        const char *collapsed, size_t *ov)
{
    if (e->map) {
        apr_hash_index_t *hi;
        for (hi = apr_hash_first(p, e->map->entries); hi;
             hi = apr_hash_next(hi)) {
            const void *key;
            apr_ssize_t klen;
            apr_hash_this(hi, &key, &klen, NULL);
            if ((size_t)klen == strlen(collapsed)
                && memcmp(key, collapsed, (size_t)klen) == 0) {
                return 1;
            }
        }
        return 0;
    }
    switch (e->rule->kind) {
    case R307_KIND_PREFIX:
        return fz_ref_prefix(collapsed, fz_ref_collapse(p,
                                                        e->rule->pattern));
    case R307_KIND_WHOLE:
        return 1;
    case R307_KIND_REGEX: {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(
            e->rule->re, NULL);
        int rc = pcre2_match(e->rule->re, (PCRE2_SPTR)path,
                             PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
        if (rc >= 0) {
            PCRE2_SIZE *o = pcre2_get_ovector_pointer(md);
            ov[0] = o[0];
            ov[1] = o[1];
        }
        pcre2_match_data_free(md);
        return rc >= 0;
    }
    default:
        FZ_CHECK(0, "unexpected kind %d", (int)e->rule->kind);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    apr_array_header_t *lines;
    r307_scope_t *scope;
    fz_entry entries[FZ_MAX];
    int nentries = 0, npaths = 0, i, j;

    apr_pool_create(&p, fz_root);
    lines = fz_lines(p, (const char *)data, size);
    scope = r307_scope_make(p, 0);

    for (i = 0; i < lines->nelts && nentries < FZ_MAX; i++) {
        char *line = APR_ARRAY_IDX(lines, i, char *);
        char *tab = strchr(line, '\t');
        r307_rule_t *rule;
        const char *err = NULL;

        switch (line[0]) {
        case 'P':
        case 'R':
            if (!tab) {
                continue;
            }
            *tab = '\0';
            err = r307_rule_parse(p, &rule, line[0] == 'P' ? R307_KIND_PREFIX
                                                           : R307_KIND_REGEX,
                                  307, line + 1, tab + 1, "fuzz.conf",
                                  (unsigned)i + 1);
            break;
        case 'W':
            err = r307_rule_parse(p, &rule, R307_KIND_WHOLE, 308, NULL,
                                  line + 1, "fuzz.conf", (unsigned)i + 1);
            break;
        case 'M': {
            r307_map_t *map;
            char *c;
            for (c = line + 1; *c; c++) {
                if (*c == '|') {
                    *c = '\n';
                }
            }
            if (r307_map_parse(p, &map, "fuzz.map", line + 1,
                               strlen(line + 1), 307) == NULL) {
                entries[nentries].rule = NULL;
                entries[nentries].map = map;
                entries[nentries].seq = scope->next_seq;
                nentries++;
                r307_scope_add_map(scope, map);
            }
            continue;
        }
        default:
            continue;
        }
        if (err) {
            continue;
        }
        entries[nentries].rule = rule;
        entries[nentries].map = NULL;
        entries[nentries].seq = scope->next_seq;
        nentries++;
        r307_scope_add(scope, rule);
    }

    for (i = 0; i < lines->nelts && npaths < FZ_MAX; i++) {
        char *line = APR_ARRAY_IDX(lines, i, char *);
        char *tab;
        const char *path, *args = NULL, *collapsed, *loc;
        r307_match_t m;
        int hit, want = -1;
        size_t ov[2] = { 0, 0 };

        if (line[0] != 'U') {
            continue;
        }
        npaths++;
        path = line + 1;
        if ((tab = strchr(line, '\t')) != NULL) {
            *tab = '\0';
            args = tab + 1;
        }
        collapsed = fz_ref_collapse(p, path);
        for (j = 0; j < nentries; j++) {
            if (fz_ref_match(p, &entries[j], path, collapsed, ov)) {
                want = j;
                break;
            }
        }
        hit = r307_scope_match(scope, path, p, &m, &fz_logger);
        FZ_CHECK(hit == (want >= 0), "path %s: core %s, reference %s (entry "
                 "%d)", FZ_SHOW(p, path), hit ? "matches" : "does not match",
                 want >= 0 ? "matches" : "does not", want);
        if (!hit) {
            continue;
        }
        FZ_CHECK(m.rule->seq == entries[want].seq, "path %s: core chose the "
                 "rule at position %u (%s), reference the one at %u",
                 FZ_SHOW(p, path), m.rule->seq, FZ_SHOW(p, m.rule->pattern),
                 entries[want].seq);
        if (entries[want].map) {
            FZ_CHECK(m.rule->kind == R307_KIND_EXACT
                     && strcmp(m.subject, collapsed) == 0
                     && m.consumed == strlen(collapsed),
                     "path %s: map hit", FZ_SHOW(p, path));
        }
        else {
            FZ_CHECK(m.rule == entries[want].rule, "path %s: rule",
                     FZ_SHOW(p, path));
            if (m.rule->kind == R307_KIND_PREFIX) {
                FZ_CHECK(strcmp(m.subject, collapsed) == 0
                         && m.consumed == m.rule->key_len,
                         "path %s: prefix extent %zu", FZ_SHOW(p, path),
                         (size_t)m.consumed);
            }
            else if (m.rule->kind == R307_KIND_REGEX) {
                FZ_CHECK(m.subject == path && m.ovector[0] == ov[0]
                         && m.ovector[1] == ov[1], "path %s: regex extent "
                         "[%zu, %zu), reference [%zu, %zu)", FZ_SHOW(p, path),
                         (size_t)m.ovector[0], (size_t)m.ovector[1], ov[0],
                         ov[1]);
            }
        }
        loc = r307_location_build(p, &m, args);
        fz_check_location(p, &m, args, loc, path);
    }
    apr_pool_destroy(p);
    return 0;
}
