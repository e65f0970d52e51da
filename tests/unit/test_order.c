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
 */

#include "test_util.h"

typedef struct {
    r307_kind_e kind;
    const char *pattern;
    const char *target;
} rule_spec;

typedef struct {
    const rule_spec *specs;
    int nspecs;
    const char *const *paths;
    int npaths;
    pcre2_code *ref_re[16];      /* reference regexes, by spec index */
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

/* The four rules of the brief. */
static const rule_spec brief_specs[] = {
    { R307_KIND_PREFIX, "/a", "/t0" },
    { R307_KIND_PREFIX, "/a/b", "/t1" },
    { R307_KIND_REGEX, "^/a/b/c$", "/t2" },
    { R307_KIND_REGEX, "^/a", "/t3" },
};

/* A wider set: trailing-slash prefix, a duplicate key written with slash
 * runs, a case-insensitive regex and a whole rule. */
static const rule_spec wide_specs[] = {
    { R307_KIND_PREFIX, "/a", "/t0" },
    { R307_KIND_PREFIX, "/a/b", "/t1" },
    { R307_KIND_REGEX, "^/a/b/c$", "/t2" },
    { R307_KIND_REGEX, "^/a", "/t3" },
    { R307_KIND_PREFIX, "/a/", "/t4" },
    { R307_KIND_PREFIX, "//a//b", "/t5" },
    { R307_KIND_REGEX, "(?i)^/A/B", "/t6" },
    { R307_KIND_WHOLE, NULL, "/t7" },
};

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
        /* map entries: never among these specs */
        break;
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
                           : s->kind == R307_KIND_REGEX ? "regex" : "whole",
                           s->pattern ? s->pattern : "-");
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
        const char *err = r307_rule_parse(p, &r, s->kind, 307, s->pattern,
                                          s->target, "order.conf",
                                          (unsigned)i + 1);
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
                if (m.rule == rules[i]) {
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

static void run_all(apr_pool_t *p, const rule_spec *specs, int nspecs,
                    long expect_arrangements)
{
    order_ctx c;
    int i;

    memset(&c, 0, sizeof(c));
    c.specs = specs;
    c.nspecs = nspecs;
    c.paths = order_paths;
    c.npaths = (int)R307_NELTS(order_paths);
    c.p = p;
    for (i = 0; i < nspecs; i++) {
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
};
const size_t r307_order_tests_n = R307_NELTS(r307_order_tests);
