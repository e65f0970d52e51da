/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_chain.c -- exhaustive order test of r307_chain_match: rules spread
 * over several scopes.
 *
 * Three scopes are chained innermost first, as the glue merges them: an
 * early one (say a <Location>), a late one (a .htaccess) and another early
 * one (the server config).  Every way of putting four rules -- two prefix
 * rules, a regex rule and a map -- into those scopes, in every written
 * order, is built, and for each phase and path r307_chain_match must give
 * what a naive reference gives: the scopes of that phase in chain order,
 * in each the rules in written order, the first match.
 */

#include "test_util.h"

#define NRULES 4
#define NSCOPES 3

static const int scope_late[NSCOPES] = { 0, 1, 0 };

/* The rules: kind, pattern (a map's text for the map), target. */
static const struct {
    r307_kind_e kind;
    const char *pattern;
    const char *target;
} chain_rules[NRULES] = {
    { R307_KIND_PREFIX, "/a", "/to-a" },
    { R307_KIND_REGEX, "^/a/b", "/to-re" },
    { R307_KIND_EXACT, "/a/b/c /to-map-abc\n/x /to-map-x\n", "chain.map" },
    { R307_KIND_PREFIX, "/a/b/c", "/to-abc" },
};

static const char *const chain_paths[] = {
    "/a", "/a/b", "/a/b/c", "/a/b/c/d", "/x", "/x/y", "/ab", "/", "//a//b",
};

/* The reference's own matcher, independent of the core's index. */
static int ref_rule_matches(int rule, const char *path)
{
    char collapsed[64];
    const char *c;
    char *o = collapsed;

    switch (chain_rules[rule].kind) {
    case R307_KIND_PREFIX:
        return r307_prefix_matches(path, chain_rules[rule].pattern) > 0;
    case R307_KIND_REGEX:
        /* "^/a/b", on the path as given (regexes see it uncollapsed) */
        return strncmp(path, "/a/b", 4) == 0;
    default:
        for (c = path; *c; c++) {
            if (*c == '/' && o > collapsed && o[-1] == '/') {
                continue;
            }
            *o++ = *c;
        }
        *o = '\0';
        return strcmp(collapsed, "/a/b/c") == 0
               || strcmp(collapsed, "/x") == 0;
    }
}

typedef struct {
    int scope_of[NRULES];      /* the scope each rule is written in */
    int order[NRULES];         /* written order: a permutation of rules */
    long checks;
} chain_case;

/* Expected: the rule that answers, or -1. */
static int ref_chain(const chain_case *cc, int late, const char *path)
{
    int s, i;

    for (s = 0; s < NSCOPES; s++) {
        if (scope_late[s] != late) {
            continue;
        }
        for (i = 0; i < NRULES; i++) {
            int rule = cc->order[i];
            if (cc->scope_of[rule] == s && ref_rule_matches(rule, path)) {
                return rule;
            }
        }
    }
    return -1;
}

/* Which rule a match is: parsed rules by pointer, the map by its file. */
static int which_rule(r307_rule_t *const *parsed, const r307_match_t *m)
{
    int i;

    if (m->rule->kind == R307_KIND_EXACT) {
        return strcmp(m->rule->file, "chain.map") == 0 ? 2 : -2;
    }
    for (i = 0; i < NRULES; i++) {
        if (parsed[i] == m->rule) {
            return i;
        }
    }
    return -2;
}

static void check_case(apr_pool_t *p, chain_case *cc)
{
    apr_array_header_t *chain = apr_array_make(p, NSCOPES,
                                               sizeof(r307_scope_t *));
    r307_scope_t *scopes[NSCOPES];
    r307_rule_t *parsed[NRULES] = { NULL };
    int s, i, late;
    size_t k;

    for (s = 0; s < NSCOPES; s++) {
        scopes[s] = r307_scope_make(p, scope_late[s]);
        APR_ARRAY_PUSH(chain, r307_scope_t *) = scopes[s];
    }
    for (i = 0; i < NRULES; i++) {
        int rule = cc->order[i];
        r307_scope_t *scope = scopes[cc->scope_of[rule]];

        if (chain_rules[rule].kind == R307_KIND_EXACT) {
            r307_map_t *map;
            const char *text = chain_rules[rule].pattern;
            assert_null(r307_map_parse(p, &map, chain_rules[rule].target,
                                       text, strlen(text), 307));
            r307_scope_add_map(scope, map);
        }
        else {
            assert_null(r307_rule_parse(p, &parsed[rule],
                                        chain_rules[rule].kind, 307,
                                        chain_rules[rule].pattern,
                                        chain_rules[rule].target, "t.conf",
                                        (unsigned)rule + 1));
            r307_scope_add(scope, parsed[rule]);
        }
    }
    for (late = 0; late <= 1; late++) {
        for (k = 0; k < R307_NELTS(chain_paths); k++) {
            r307_match_t m;
            int want = ref_chain(cc, late, chain_paths[k]);
            int got = r307_chain_match(chain, late, chain_paths[k], p, &m,
                                       NULL)
                          ? which_rule(parsed, &m) : -1;
            if (got != want) {
                print_error("chain: path %s, phase %s, rules in scopes "
                            "%d%d%d%d written in order %d%d%d%d: got rule "
                            "%d, want %d\n", chain_paths[k],
                            late ? "late" : "early", cc->scope_of[0],
                            cc->scope_of[1], cc->scope_of[2],
                            cc->scope_of[3], cc->order[0], cc->order[1],
                            cc->order[2], cc->order[3], got, want);
                fail();
            }
            cc->checks++;
        }
    }
}

static void permute(apr_pool_t *p, chain_case *cc, int k, unsigned used)
{
    int r;

    if (k == NRULES) {
        apr_pool_t *sub;
        apr_pool_create(&sub, p);
        check_case(sub, cc);
        apr_pool_destroy(sub);
        return;
    }
    for (r = 0; r < NRULES; r++) {
        if (!(used & (1u << r))) {
            cc->order[k] = r;
            permute(p, cc, k + 1, used | (1u << r));
        }
    }
}

static void every_placement_and_order(void **state)
{
    chain_case cc;
    int placement, r, total = 1;

    memset(&cc, 0, sizeof(cc));
    for (r = 0; r < NRULES; r++) {
        total *= NSCOPES;
    }
    for (placement = 0; placement < total; placement++) {
        int code = placement;
        for (r = 0; r < NRULES; r++) {
            cc.scope_of[r] = code % NSCOPES;
            code /= NSCOPES;
        }
        permute(POOL(state), &cc, 0, 0);
    }
    /* 81 placements x 24 orders x 2 phases x 9 paths */
    assert_int_equal(cc.checks, 81L * 24 * 2 * 9);
}

/* The reference itself, on cases worked out by hand. */
static void reference_sanity(void **state)
{
    chain_case cc = { { 0, 1, 2, 0 }, { 3, 0, 1, 2 }, 0 };

    (void)state;
    /* early: scope 0 holds /a/b/c and /a (in that order), scope 2 the map */
    assert_int_equal(ref_chain(&cc, 0, "/a/b/c"), 3);
    assert_int_equal(ref_chain(&cc, 0, "/a/b"), 0);
    assert_int_equal(ref_chain(&cc, 0, "/x"), 2);
    /* late: only the regex, in scope 1 */
    assert_int_equal(ref_chain(&cc, 1, "/a/b/c"), 1);
    assert_int_equal(ref_chain(&cc, 1, "/a"), -1);
}

const struct CMUnitTest r307_chain_tests[] = {
    T(reference_sanity),
    T(every_placement_and_order),
};
const size_t r307_chain_tests_n = R307_NELTS(r307_chain_tests);
