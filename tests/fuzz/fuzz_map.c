/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_map.c -- r307_map_parse, the text of a Redirect307Map file.
 *
 * Input: the map text itself.  An accepted map is checked against a naive
 * re-parse of the same text: one entry per rule line, its key the URL-path
 * %XX-decoded with '/' runs collapsed, its target the target as written,
 * escaped (a '/' added after a bare authority), its status the line's or
 * 307.  Every key is then looked up through a scope holding the map and its
 * Location checked; a refused map must say where (file:line).
 */

#include "fz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Split at blanks and tabs, as a map line is; returns the field count. */
static int fz_split(char *line, char **field, int max)
{
    int n = 0;
    char *tok = strtok(line, " \t");

    while (tok) {
        if (n < max) {
            field[n] = tok;
        }
        n++;
        tok = strtok(NULL, " \t");
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    r307_map_t *map = (r307_map_t *)&map;
    const char *text, *err;
    apr_array_header_t *lines;
    size_t rules = 0;
    int i;

    apr_pool_create(&p, fz_root);
    text = fz_dup(p, (const char *)data, size);
    err = r307_map_parse(p, &map, "fuzz.map", text, size, 307);
    if (err) {
        FZ_CHECK(map == NULL, "error and a map");
        FZ_CHECK(strncmp(err, "fuzz.map", 8) == 0, "message %s does not "
                 "name the map", FZ_SHOW(p, err));
        apr_pool_destroy(p);
        return 0;
    }
    FZ_CHECK(map != NULL && !memchr(data, '\0', size), "accepted a NUL");

    lines = fz_lines(p, text, size);
    for (i = 0; i < lines->nelts; i++) {
        char *line = APR_ARRAY_IDX(lines, i, char *);
        size_t len = strlen(line), olen, klen;
        char *field[3];
        int n;
        const char *key, *spelled, *want;
        const r307_map_entry_t *e;
        r307_scope_t *scope;
        r307_match_t m;
        const char *loc;

        if (len && line[len - 1] == '\r') {
            line[--len] = '\0';
        }
        n = fz_split(line, field, 3);
        if (n == 0 || field[0][0] == '#') {
            continue;
        }
        rules++;
        FZ_CHECK(n == 2 || n == 3, "accepted line %d with %d fields", i + 1,
                 n);
        FZ_CHECK(field[0][0] == '/', "accepted URL-path %s",
                 FZ_SHOW(p, field[0]));
        key = fz_ref_unescape(p, field[0], strlen(field[0]), &klen);
        FZ_CHECK(klen == strlen(key), "accepted URL-path %s decoding to NUL",
                 FZ_SHOW(p, field[0]));
        key = fz_ref_collapse(p, key);
        e = apr_hash_get(map->entries, key, APR_HASH_KEY_STRING);
        FZ_CHECK(e != NULL, "line %d: no entry for key %s", i + 1,
                 FZ_SHOW(p, key));
        FZ_CHECK(e->line == (apr_uint32_t)i + 1, "key %s: entry of line %u, "
                 "expected %d", FZ_SHOW(p, key), e->line, i + 1);
        FZ_CHECK(e->status == (n == 3 ? atoi(field[2]) : 307)
                 && (e->status == 307 || e->status == 308),
                 "line %d: status %u", i + 1, e->status);
        spelled = fz_ref_spelled(p, field[1], &olen);
        FZ_CHECK(spelled != NULL, "accepted target %s",
                 FZ_SHOW(p, field[1]));
        want = fz_ref_escape_uri(p, spelled, strlen(spelled));
        FZ_CHECK(strcmp(e->target, want) == 0, "line %d: target %s, expected "
                 "%s", i + 1, FZ_SHOW(p, e->target), FZ_SHOW(p, want));
        FZ_CHECK(e->absolute == (field[1][0] != '/')
                 && e->path_end == strcspn(e->target, "?#")
                 && e->has_query == (e->target[e->path_end] == '?'),
                 "line %d: flags", i + 1);
        if (!e->absolute) {
            const char *to = fz_ref_collapse(p, fz_ref_dots(p,
                fz_ref_unescape(p, e->target, e->path_end, NULL)));
            FZ_CHECK(strcmp(to, key) != 0, "line %d: target %s is its own "
                     "URL-path %s", i + 1, FZ_SHOW(p, e->target),
                     FZ_SHOW(p, key));
        }

        /* The entry answers its URL-path through a scope. */
        scope = r307_scope_make(p, 1);
        r307_scope_add_map(scope, map);
        FZ_CHECK(r307_scope_match(scope, key, p, &m, &fz_logger)
                 && m.rule->kind == R307_KIND_EXACT
                 && m.rule->line == e->line && m.rule->status == e->status,
                 "line %d: key %s not answered by its entry", i + 1,
                 FZ_SHOW(p, key));
        loc = r307_location_build(p, &m, "a=1&b=%20");
        fz_check_location(p, &m, "a=1&b=%20", loc, key);
        loc = r307_location_build(p, &m, NULL);
        fz_check_location(p, &m, NULL, loc, key);
    }
    FZ_CHECK(map->count == rules && apr_hash_count(map->entries) == rules,
             "%zu entries, %zu rule lines", (size_t)map->count, rules);
    apr_pool_destroy(p);
    return 0;
}
