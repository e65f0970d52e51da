/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_order.c -- exhaustive order test of r307_scope_match.
 *
 * For every arrangement (every ordered subset) of a small set of rules, a
 * scope is built in that order and r307_scope_match is compared, for a list
 * of paths, with a naive reference: scan the rules in written order, prefix
 * rules with r307_prefix_matches, regex rules with PCRE2 directly (httpd's
 * ap_regex defaults: DOTALL | DOLLAR_ENDONLY), whole rules always match.
 * Whatever index the core keeps, it must give the same first match.
 *
 * Maps (Redirect307Map files) are one of the rule kinds: a map of several
 * entries takes one place in the written order, and the reference matches
 * it by comparing the path, its '/' runs collapsed by a loop of its own,
 * with the decoded URL-paths listed beside the map's text.  A map hit must
 * also name the right map file, line and target.
 */

#include "test_util.h"

/* One line of a map as the reference sees it: the decoded, collapsed
 * URL-path, its line in the map text and the Location it gives. */
typedef struct {
    const char *key;
    unsigned line;
    const char *location;
} map_ref;

typedef struct {
    r307_kind_e kind;          /* R307_KIND_EXACT: a map                  */
    const char *pattern;       /* the map's text for a map                */
    const char *target;        /* the map's file name for a map           */
    const map_ref *entries;    /* map only, ends with a NULL key          */
} rule_spec;

typedef struct {
    const rule_spec *specs;
    int nspecs;
    const char *const *paths;
    int npaths;
    pcre2_code *ref_re[16];      /* reference regexes, by spec index */
    r307_map_t *maps[16];        /* parsed once, shared by every scope */
    pcre2_match_data *md;
    apr_pool_t *p;
    int order[16];
    long arrangements;
    long checks;
    int failures;
} order_ctx;

static const char *const order_paths[] = {
    "/a", "/a/", "/a/b", "/a/b/", "/a/b/c", "/a/b/c/", "/a/b/c/d",
    "/a/bc", "/a/b/cd", "/ab", "/b", "/", "//a//b", "/a//b/c", "//a/b/c",
    "/A/B", "/A/b/c", "/a\n", "/a/b/c\n", "*",
};

/* For the sets with maps: the paths above and the maps' own keys spelled
 * with slash runs, their near misses and a few that only a map knows. */
static const char *const map_paths[] = {
    "/a", "/a/", "/a/b", "/a/b/", "/a/b/c", "/a/b/c/", "/a/b/c/d",
    "/a/bc", "/a/b/cd", "/ab", "/b", "/", "//a//b", "/a//b/c", "//a/b/c",
    "/A/B", "/A/b/c", "/a\n", "/a/b/c\n", "*",
    "/b/", "//b", "/a/b/c//", "//", "/a/bc/", "/a/b/c/d/", "/%61",
    "/x/y", "/x/y/", "/x", "/A/B/", "/a/b/c/d//",
};

/* Two maps with overlapping keys (a key may be in several maps; the
 * earlier map wins), comments, a decoded key and slash runs. */
static const map_ref map_m_entries[] = {
    { "/a/b", 1, "/m/ab" },
    { "/a/b/c/", 3, "/m/abc-slash" },
    { "/a/bc", 4, "/m/bc" },
    { "/A/B", 5, "https://example.com/m/AB" },
    { "/x/y", 6, "/m/xy" },
    { NULL, 0, NULL },
};
static const map_ref map_n_entries[] = {
    { "/a", 1, "/n/a" },
    { "/b", 2, "/n/b" },
    { "/a/b/c", 3, "/n/abc" },
    { "/a/b/c/d", 4, "/n/abcd" },
    { "/", 5, "/n/root" },
    { "/a/b", 6, "/n/ab" },
    { NULL, 0, NULL },
};
#define MAP_M_TEXT "/a/b /m/ab\n" \
                   "# the same key as in the other map, with slash runs\n" \
                   "//a//b/c/ /m/abc-slash 308\n" \
                   "/a/bc /m/bc\r\n" \
                   "/A/B https://example.com/m/AB\n" \
                   "/x/y\t/m/xy\n"
#define MAP_N_TEXT "/a /n/a\n" \
                   "/b /n/b\n" \
                   "/a/b/c /n/abc\n" \
                   "/%61/b/c/d /n/abcd\n" \
                   "/ /n/root\n" \
                   "/a///b /n/ab\n"

/* The four rules of the brief. */
static const rule_spec brief_specs[] = {
    { R307_KIND_PREFIX, "/a", "/t0", NULL },
    { R307_KIND_PREFIX, "/a/b", "/t1", NULL },
    { R307_KIND_REGEX, "^/a/b/c$", "/t2", NULL },
    { R307_KIND_REGEX, "^/a", "/t3", NULL },
};

/* A wider set: trailing-slash prefix, a duplicate key written with slash
 * runs, a case-insensitive regex and a whole rule. */
static const rule_spec wide_specs[] = {
    { R307_KIND_PREFIX, "/a", "/t0", NULL },
    { R307_KIND_PREFIX, "/a/b", "/t1", NULL },
    { R307_KIND_REGEX, "^/a/b/c$", "/t2", NULL },
    { R307_KIND_REGEX, "^/a", "/t3", NULL },
    { R307_KIND_PREFIX, "/a/", "/t4", NULL },
    { R307_KIND_PREFIX, "//a//b", "/t5", NULL },
    { R307_KIND_REGEX, "(?i)^/A/B", "/t6", NULL },
    { R307_KIND_WHOLE, NULL, "/t7", NULL },
};

/* Collapse '/' runs, independently of the core's r307_path_collapse. */
static void ref_collapse(const char *in, char *out)
{
    while (*in) {
        if (*in == '/' && in[1] == '/') {
            in++;
            continue;
        }
        *out++ = *in++;
    }
    *out = '\0';
}

/* The map entry of 'spec' that lists 'path', or NULL. */
static const map_ref *ref_map_entry(const rule_spec *s, const char *path)
{
    char collapsed[256];
    const map_ref *e;

    ref_collapse(path, collapsed);
    for (e = s->entries; e->key; e++) {
        if (strcmp(e->key, collapsed) == 0) {
            return e;
        }
    }
    return NULL;
}

static int ref_matches(order_ctx *c, int spec, const char *path)
{
    const rule_spec *s = &c->specs[spec];
    int rc;
    switch (s->kind) {
    case R307_KIND_PREFIX:
        return r307_prefix_matches(path, s->pattern) > 0;
    case R307_KIND_REGEX:
        rc = pcre2_match(c->ref_re[spec], (PCRE2_SPTR)path, strlen(path), 0,
                         0, c->md, NULL);
        return rc >= 0;
    case R307_KIND_WHOLE:
        return 1;
    case R307_KIND_EXACT:
        return ref_map_entry(s, path) != NULL;
    }
    return 0;
}

static const char *describe(order_ctx *c, apr_pool_t *p, int k)
{
    const char *out = "";
    int i;
    for (i = 0; i < k; i++) {
        const rule_spec *s = &c->specs[c->order[i]];
        out = apr_psprintf(p, "%s%s#%d %s %s", out, i ? ", " : "",
                           c->order[i],
                           s->kind == R307_KIND_PREFIX ? "prefix"
                           : s->kind == R307_KIND_REGEX ? "regex"
                           : s->kind == R307_KIND_EXACT ? "map" : "whole",
                           s->kind == R307_KIND_EXACT ? s->target
                           : s->pattern ? s->pattern : "-");
    }
    return apr_psprintf(p, "[%s]", out);
}

static void check_arrangement(order_ctx *c, int k)
{
    apr_pool_t *p;
    r307_scope_t *scope;
    r307_rule_t *rules[16];
    int i, j;

    apr_pool_create(&p, c->p);
    scope = r307_scope_make(p, 0);
    for (i = 0; i < k; i++) {
        const rule_spec *s = &c->specs[c->order[i]];
        r307_rule_t *r = NULL;
        const char *err;

        if (s->kind == R307_KIND_EXACT) {
            rules[i] = NULL;
            r307_scope_add_map(scope, c->maps[c->order[i]]);
            continue;
        }
        err = r307_rule_parse(p, &r, s->kind, 307, s->pattern, s->target,
                              "order.conf", (unsigned)i + 1);
        if (err != NULL || r == NULL) {
            print_error("rule %s refused: %s\n", s->pattern,
                        err ? err : "(no rule)");
            apr_pool_destroy(p);
            fail();
        }
        rules[i] = r;
        r307_scope_add(scope, r);
    }
    c->arrangements++;

    for (j = 0; j < c->npaths; j++) {
        const char *path = c->paths[j];
        int want = -1, got = -1;
        r307_match_t m;

        for (i = 0; i < k; i++) {
            if (ref_matches(c, c->order[i], path)) {
                want = i;
                break;
            }
        }
        memset(&m, 0, sizeof(m));
        if (r307_scope_match(scope, path, p, &m, NULL)) {
            got = -2;
            for (i = 0; i < k; i++) {
                const rule_spec *s = &c->specs[c->order[i]];
                if (rules[i] ? m.rule == rules[i]
                             : (m.rule->kind == R307_KIND_EXACT
                                && strcmp(m.rule->file, s->target) == 0)) {
                    got = i;
                    break;
                }
            }
        }
        c->checks++;
        if (got != want) {
            if (c->failures < 10) {
                print_error("order %s, path %s: scope_match chose %s, the "
                            "reference (first match in written order) %s\n",
                            describe(c, p, k), r307_show(p, path),
                            got == -1 ? "no rule"
                            : got == -2 ? "a foreign rule"
                            : apr_psprintf(p, "position %d (#%d)", got,
                                           c->order[got]),
                            want == -1 ? "no rule"
                            : apr_psprintf(p, "position %d (#%d)", want,
                                           c->order[want]));
            }
            c->failures++;
        }
        else if (got >= 0 && !rules[got]) {
            /* a map hit: the reference's entry, line and Location */
            const map_ref *e = ref_map_entry(&c->specs[c->order[got]], path);
            const char *loc = r307_location_build(p, &m, NULL);
            if (m.rule->line != e->line || strcmp(loc, e->location) != 0
                || m.rule->seq != (unsigned)got) {
                if (c->failures < 10) {
                    print_error("order %s, path %s: map hit names line %u "
                                "(seq %u) with Location %s; expected line %u "
                                "(seq %d), %s\n", describe(c, p, k),
                                r307_show(p, path), m.rule->line,
                                m.rule->seq, r307_show(p, loc), e->line, got,
                                e->location);
                }
                c->failures++;
            }
        }
        else if (got >= 0 && rules[got]->kind == R307_KIND_REGEX) {
            if (m.subject == NULL || strcmp(m.subject, path) != 0) {
                if (c->failures < 10) {
                    print_error("path %s: regex match subject %s\n",
                                r307_show(p, path), r307_show(p, m.subject));
                }
                c->failures++;
            }
        }
    }
    apr_pool_destroy(p);
}

/* Every ordered subset: depth-first over unused specs. */
static void arrange(order_ctx *c, int k, unsigned used)
{
    int s;
    check_arrangement(c, k);
    if (c->failures >= 10) {
        return;
    }
    for (s = 0; s < c->nspecs; s++) {
        if (!(used & (1u << s))) {
            c->order[k] = s;
            arrange(c, k + 1, used | (1u << s));
        }
    }
}

static void run_paths(apr_pool_t *p, const rule_spec *specs, int nspecs,
                      const char *const *paths, int npaths,
                      long expect_arrangements)
{
    order_ctx c;
    int i;

    memset(&c, 0, sizeof(c));
    c.specs = specs;
    c.nspecs = nspecs;
    c.paths = paths;
    c.npaths = npaths;
    c.p = p;
    for (i = 0; i < nspecs; i++) {
        if (specs[i].kind == R307_KIND_EXACT) {
            const map_ref *e;
            const char *err = r307_map_parse(p, &c.maps[i], specs[i].target,
                                             specs[i].pattern,
                                             strlen(specs[i].pattern), 307);
            if (err) {
                print_error("map %s refused: %s\n", specs[i].target, err);
                fail();
            }
            /* the reference lists every entry the map holds */
            for (e = specs[i].entries; e->key; e++) {
                assert_non_null(apr_hash_get(c.maps[i]->entries, e->key,
                                             strlen(e->key)));
            }
            assert_int_equal(c.maps[i]->count, e - specs[i].entries);
        }
        if (specs[i].kind == R307_KIND_REGEX) {
            int errcode;
            PCRE2_SIZE off;
            c.ref_re[i] = pcre2_compile((PCRE2_SPTR)specs[i].pattern,
                                        PCRE2_ZERO_TERMINATED,
                                        PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY,
                                        &errcode, &off, NULL);
            assert_non_null(c.ref_re[i]);
        }
    }
    c.md = pcre2_match_data_create(32, NULL);

    arrange(&c, 0, 0);

    for (i = 0; i < nspecs; i++) {
        pcre2_code_free(c.ref_re[i]);
    }
    pcre2_match_data_free(c.md);

    if (c.failures) {
        print_error("%d of %ld checks over %ld arrangements disagree with "
                    "the reference (first 10 shown; stopped after 10)\n",
                    c.failures, c.checks, c.arrangements);
        fail();
    }
    assert_int_equal(c.arrangements, expect_arrangements);
}

static void run_all(apr_pool_t *p, const rule_spec *specs, int nspecs,
                    long expect_arrangements)
{
    run_paths(p, specs, nspecs, order_paths, (int)R307_NELTS(order_paths),
              expect_arrangements);
}

static void brief_rules_all_orders(void **state)
{
    /* 4 rules: sum over k of 4!/(4-k)! = 1+4+12+24+24 = 65 arrangements */
    run_all(POOL(state), brief_specs, (int)R307_NELTS(brief_specs), 65);
}

static void wide_rules_all_orders(void **state)
{
    /* 8 rules: sum over k of 8!/(8-k)! = 109601 arrangements */
    run_all(POOL(state), wide_specs, (int)R307_NELTS(wide_specs), 109601);
}

/* The four rules of the brief and a map. */
static const rule_spec brief_map_specs[] = {
    { R307_KIND_PREFIX, "/a", "/t0", NULL },
    { R307_KIND_PREFIX, "/a/b", "/t1", NULL },
    { R307_KIND_REGEX, "^/a/b/c$", "/t2", NULL },
    { R307_KIND_REGEX, "^/a", "/t3", NULL },
    { R307_KIND_EXACT, MAP_N_TEXT, "n.map", map_n_entries },
};

/* Prefix, regex and map rules together: two maps sharing a key, a
 * trailing-slash prefix, a case-insensitive regex and a whole rule. */
static const rule_spec mixed_map_specs[] = {
    { R307_KIND_PREFIX, "/a", "/t0", NULL },
    { R307_KIND_EXACT, MAP_M_TEXT, "m.map", map_m_entries },
    { R307_KIND_REGEX, "^/a/b/c$", "/t2", NULL },
    { R307_KIND_PREFIX, "/a/b", "/t1", NULL },
    { R307_KIND_EXACT, MAP_N_TEXT, "n.map", map_n_entries },
    { R307_KIND_REGEX, "(?i)^/A/B", "/t6", NULL },
    { R307_KIND_PREFIX, "/a/", "/t4", NULL },
    { R307_KIND_WHOLE, NULL, "/t7", NULL },
};

static void brief_rules_and_map_all_orders(void **state)
{
    /* 5 rules: sum over k of 5!/(5-k)! = 326 arrangements */
    run_paths(POOL(state), brief_map_specs, (int)R307_NELTS(brief_map_specs),
              map_paths, (int)R307_NELTS(map_paths), 326);
}

static void mixed_rules_and_maps_all_orders(void **state)
{
    run_paths(POOL(state), mixed_map_specs, (int)R307_NELTS(mixed_map_specs),
              map_paths, (int)R307_NELTS(map_paths), 109601);
}

/* The reference for maps on fixed cases. */
static void map_reference_sanity(void **state)
{
    apr_pool_t *p = POOL(state);
    const rule_spec *m = &mixed_map_specs[1];
    const rule_spec *n = &mixed_map_specs[4];

    assert_str(ref_map_entry(m, "//a//b")->location, "/m/ab");
    assert_str(ref_map_entry(m, "/a/b/c//")->location, "/m/abc-slash");
    assert_null(ref_map_entry(m, "/a/b/c"));
    assert_null(ref_map_entry(m, "/a"));
    assert_str(ref_map_entry(n, "/a/b/c/d")->location, "/n/abcd");
    assert_null(ref_map_entry(n, "/%61"));
    assert_str(ref_map_entry(n, "//")->location, "/n/root");
    (void)p;
}

/* The reference itself, on fixed cases, so a broken reference cannot make
 * the exhaustive tests pass or fail for the wrong reason. */
static void reference_sanity(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_scope_t *scope = r307_scope_make(p, 0);
    r307_rule_t *r0 = REGEX_OK(p, "^/a/b/c$", "/t2");
    r307_rule_t *r1 = PREFIX_OK(p, "/a/b", "/t1");
    r307_rule_t *r2 = REGEX_OK(p, "^/a", "/t3");
    r307_rule_t *r3 = PREFIX_OK(p, "/a", "/t0");
    r307_match_t m;

    r307_scope_add(scope, r0);
    r307_scope_add(scope, r1);
    r307_scope_add(scope, r2);
    r307_scope_add(scope, r3);

    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(scope, "/a/b/c", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, r0);
    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(scope, "/a/b/c/", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, r1);
    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(scope, "/a/bc", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, r2);
    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(scope, "//a", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, r3);
    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(scope, "/b", p, &m, NULL), 0);
}

const struct CMUnitTest r307_order_tests[] = {
    T(reference_sanity),
    T(brief_rules_all_orders),
    T(wide_rules_all_orders),
    T(map_reference_sanity),
    T(brief_rules_and_map_all_orders),
    T(mixed_rules_and_maps_all_orders),
};
const size_t r307_order_tests_n = R307_NELTS(r307_order_tests);
