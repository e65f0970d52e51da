/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_scope.c -- r307_scope_make/add/match: the first rule in written order
 * wins, across prefix, regex and whole rules; the match record.
 */

#include "test_util.h"

#define MAXR 8

typedef struct {
    apr_pool_t *p;
    r307_scope_t *scope;
    r307_rule_t *rules[MAXR];
    int n;
} fixture;

static void fx_init(fixture *f, apr_pool_t *p)
{
    memset(f, 0, sizeof(*f));
    f->p = p;
    f->scope = r307_scope_make(p, 0);
    assert_non_null(f->scope);
}

static void fx_add(fixture *f, r307_rule_t *r)
{
    assert_true(f->n < MAXR);
    f->rules[f->n++] = r;
    r307_scope_add(f->scope, r);
}

#define ADD_PREFIX(f, pat, tgt) fx_add((f), PREFIX_OK((f)->p, (pat), (tgt)))
#define ADD_REGEX(f, pat, tgt)  fx_add((f), REGEX_OK((f)->p, (pat), (tgt)))
#define ADD_WHOLE(f, tgt)       fx_add((f), WHOLE_OK((f)->p, (tgt)))

/* Index (in the order added) of the rule that matches 'path', -1 if none. */
static int fx_which(fixture *f, const char *path)
{
    r307_match_t m;
    int i;
    memset(&m, 0, sizeof(m));
    if (!r307_scope_match(f->scope, path, f->p, &m, NULL)) {
        return -1;
    }
    for (i = 0; i < f->n; i++) {
        if (m.rule == f->rules[i]) {
            return i;
        }
    }
    return -2; /* a rule that is not ours */
}

#define WHICH(f, path, expected) \
    do { \
        int got_ = fx_which((f), (path)); \
        if (got_ != (expected)) { \
            print_error("scope_match(%s): rule #%d matched, expected #%d " \
                        "(-1: none)\n", r307_show((f)->p, (path)), got_, \
                        (expected)); \
            _fail(__FILE__, __LINE__); \
        } \
    } while (0)

/* ---- bookkeeping ---------------------------------------------------- */

static void scope_make_and_add(void **state)
{
    apr_pool_t *p = POOL(state);
    fixture f;
    r307_scope_t *late = r307_scope_make(p, 1);

    assert_non_null(late);
    assert_int_equal(late->late, 1);

    fx_init(&f, p);
    assert_int_equal(f.scope->late, 0);
    assert_int_equal(f.scope->rules->nelts, 0);
    ADD_PREFIX(&f, "/a", "/x");
    ADD_REGEX(&f, "^/b", "/y");
    ADD_WHOLE(&f, "/z");
    assert_int_equal(f.scope->rules->nelts, 3);
    assert_ptr_equal(APR_ARRAY_IDX(f.scope->rules, 0, r307_rule_t *),
                     f.rules[0]);
    assert_ptr_equal(APR_ARRAY_IDX(f.scope->rules, 1, r307_rule_t *),
                     f.rules[1]);
    assert_ptr_equal(APR_ARRAY_IDX(f.scope->rules, 2, r307_rule_t *),
                     f.rules[2]);
    assert_int_equal(f.rules[0]->seq, 0);
    assert_int_equal(f.rules[1]->seq, 1);
    assert_int_equal(f.rules[2]->seq, 2);
}

static void empty_scope_matches_nothing(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    WHICH(&f, "/", -1);
    WHICH(&f, "/a", -1);
    WHICH(&f, "", -1);
}

/* ---- the match record ------------------------------------------------ */

static void prefix_match_record(void **state)
{
    apr_pool_t *p = POOL(state);
    fixture f;
    r307_match_t m;

    fx_init(&f, p);
    ADD_PREFIX(&f, "/old", "/new");

    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(f.scope, "/old/x/y", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, f.rules[0]);
    assert_str(m.subject, "/old/x/y");
    assert_int_equal(m.consumed, 4);

    /* the subject of a PREFIX match is the collapsed path */
    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(f.scope, "//old///x", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, f.rules[0]);
    assert_str(m.subject, "/old/x");
    assert_int_equal(m.consumed, 4);
    assert_str(m.subject + m.consumed, "/x");

    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(f.scope, "/old", p, &m, NULL), 1);
    assert_int_equal(m.consumed, 4);

    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(f.scope, "/older", p, &m, NULL), 0);
}

static void regex_match_record(void **state)
{
    apr_pool_t *p = POOL(state);
    fixture f;
    r307_match_t m;

    fx_init(&f, p);
    ADD_REGEX(&f, "^/orders/([0-9]+)(/x)?$", "/v2/orders/$1");

    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(f.scope, "/orders/42", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, f.rules[0]);
    assert_str(m.subject, "/orders/42");
    assert_true(m.ncaptures >= 2);
    assert_int_equal(m.ovector[0], 0);
    assert_int_equal(m.ovector[1], 10);
    assert_int_equal(m.ovector[2], 8);
    assert_int_equal(m.ovector[3], 10);

    /* a regex sees the path as given, slash runs included */
    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(f.scope, "/orders//42", p, &m, NULL), 0);
}

static void regex_sees_uncollapsed_path(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_REGEX(&f, "^//x$", "/y");
    WHICH(&f, "//x", 0);
    WHICH(&f, "/x", -1);
}

static void regex_default_options(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    /* ap_regex defaults: DOTALL and DOLLAR_ENDONLY */
    ADD_REGEX(&f, "^/dot.all$", "/r0");
    ADD_REGEX(&f, "^/end$", "/r1");
    ADD_REGEX(&f, "(?i)^/blog/(.*)$", "/r2");
    WHICH(&f, "/dot\nall", 0);
    WHICH(&f, "/dotXall", 0);
    WHICH(&f, "/end", 1);
    WHICH(&f, "/end\n", -1);
    WHICH(&f, "/BLOG/x", 2);
    WHICH(&f, "/Blog/", 2);
    WHICH(&f, "/blogx", -1);
}

static void regex_is_case_sensitive_by_default(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_REGEX(&f, "^/Case$", "/y");
    WHICH(&f, "/Case", 0);
    WHICH(&f, "/case", -1);
}

static void whole_matches_everything(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_WHOLE(&f, "/x");
    /* a WHOLE rule's pattern (the <Location> path) does not restrict it */
    fx_add(&f, PARSE_OK(f.p, R307_KIND_WHOLE, "/loc", "/y"));
    WHICH(&f, "/", 0);
    WHICH(&f, "/anything/at/all", 0);
    WHICH(&f, "//x", 0);

    fx_init(&f, POOL(state));
    fx_add(&f, PARSE_OK(f.p, R307_KIND_WHOLE, "/loc", "/y"));
    WHICH(&f, "/elsewhere", 0);
    WHICH(&f, "/loc/x", 0);
    WHICH(&f, "/", 0);
}

/* ---- written order, first match wins -------------------------------- */

static void regex_before_prefix_wins(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_REGEX(&f, "^/a/b", "/r0");
    ADD_PREFIX(&f, "/a", "/r1");
    WHICH(&f, "/a/b", 0);
    WHICH(&f, "/a/b/c", 0);
    WHICH(&f, "/a/c", 1);
    WHICH(&f, "/a", 1);
    WHICH(&f, "/b", -1);
}

static void prefix_before_regex_wins(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_PREFIX(&f, "/a", "/r0");
    ADD_REGEX(&f, "^/a/b", "/r1");
    WHICH(&f, "/a/b", 0);
    WHICH(&f, "/a/b/c", 0);
    WHICH(&f, "/ab/b", -1);
    WHICH(&f, "/a", 0);
}

static void earlier_shorter_prefix_wins(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_PREFIX(&f, "/a", "/r0");
    ADD_PREFIX(&f, "/a/b", "/r1");
    ADD_PREFIX(&f, "/a/b/c", "/r2");
    WHICH(&f, "/a/b/c", 0);
    WHICH(&f, "/a/b", 0);
    WHICH(&f, "/a", 0);
    WHICH(&f, "/ab", -1);
}

static void earlier_longer_prefix_wins(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_PREFIX(&f, "/a/b/c", "/r0");
    ADD_PREFIX(&f, "/a/b", "/r1");
    ADD_PREFIX(&f, "/a", "/r2");
    WHICH(&f, "/a/b/c/d", 0);
    WHICH(&f, "/a/b/c", 0);
    WHICH(&f, "/a/b/cd", 1);
    WHICH(&f, "/a/b", 1);
    WHICH(&f, "/a/bc", 2);
    WHICH(&f, "/a", 2);
    WHICH(&f, "//a//b//c", 0);
    WHICH(&f, "/b", -1);
}

static void middle_prefix_before_longer(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_PREFIX(&f, "/a/b/c", "/r0");
    ADD_PREFIX(&f, "/a", "/r1");
    ADD_PREFIX(&f, "/a/b", "/r2");
    WHICH(&f, "/a/b/c", 0);
    WHICH(&f, "/a/b/x", 1);
    WHICH(&f, "/a/b", 1);
}

static void same_prefix_twice_first_wins(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_PREFIX(&f, "/a", "/r0");
    ADD_PREFIX(&f, "/a", "/r1");
    ADD_PREFIX(&f, "//a", "/r2");
    WHICH(&f, "/a", 0);
    WHICH(&f, "/a/x", 0);
}

static void trailing_slash_prefix_order(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_PREFIX(&f, "/a/", "/r0");
    ADD_PREFIX(&f, "/a", "/r1");
    WHICH(&f, "/a", 1);
    WHICH(&f, "/a/", 0);
    WHICH(&f, "/a/x", 0);
    WHICH(&f, "/a//x", 0);
}

static void root_prefix(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_PREFIX(&f, "/b", "/r0");
    ADD_PREFIX(&f, "/", "https://example.com/");
    ADD_PREFIX(&f, "/a", "/r2");
    WHICH(&f, "/b/x", 0);
    WHICH(&f, "/a/x", 1);
    WHICH(&f, "/", 1);
    WHICH(&f, "*", -1);
}

static void whole_after_and_before(void **state)
{
    apr_pool_t *p = POOL(state);
    fixture f;

    fx_init(&f, p);
    ADD_PREFIX(&f, "/a", "/r0");
    ADD_REGEX(&f, "^/b", "/r1");
    ADD_WHOLE(&f, "/r2");
    ADD_PREFIX(&f, "/c", "/r3");
    WHICH(&f, "/a/x", 0);
    WHICH(&f, "/b/x", 1);
    WHICH(&f, "/c/x", 2);
    WHICH(&f, "/", 2);

    fx_init(&f, p);
    ADD_WHOLE(&f, "/r0");
    ADD_PREFIX(&f, "/a", "/r1");
    WHICH(&f, "/a", 0);
    WHICH(&f, "/zzz", 0);
}

static void regexes_in_written_order(void **state)
{
    fixture f;
    fx_init(&f, POOL(state));
    ADD_REGEX(&f, "^/a/b/c$", "/r0");
    ADD_PREFIX(&f, "/a/b", "/r1");
    ADD_REGEX(&f, "^/a", "/r2");
    ADD_PREFIX(&f, "/a", "/r3");
    WHICH(&f, "/a/b/c", 0);
    WHICH(&f, "/a/b/c/d", 1);
    WHICH(&f, "/a/b", 1);
    WHICH(&f, "/a/x", 2);
    WHICH(&f, "/ab", 2);
    WHICH(&f, "//a", 3);
    WHICH(&f, "/x", -1);
}

/* Many rules: the index must still give written order. */
static void many_rules(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_scope_t *scope = r307_scope_make(p, 0);
    r307_rule_t *rules[300];
    r307_match_t m;
    int i;

    for (i = 0; i < 300; i++) {
        if (i == 100) {
            rules[i] = REGEX_OK(p, "^/p1[0-9][0-9]", "/regex");
        }
        else if (i == 200) {
            rules[i] = PREFIX_OK(p, "/p2", "/short");
        }
        else {
            rules[i] = PREFIX_OK(p, apr_psprintf(p, "/p%d", i),
                                 apr_psprintf(p, "/t%d", i));
        }
        r307_scope_add(scope, rules[i]);
    }
    /* also a later duplicate key */
    r307_scope_add(scope, PREFIX_OK(p, "/p50", "/dup"));

    for (i = 0; i < 300; i++) {
        const char *path = apr_psprintf(p, "/p%d/x", i);
        const r307_rule_t *want;
        if (i == 200) {
            continue;                   /* "/p2" does not match "/p200" */
        }
        if (i > 100 && i < 200) {
            want = rules[100];          /* regex #100 precedes them */
        }
        else {
            want = rules[i];
        }
        memset(&m, 0, sizeof(m));
        if (!r307_scope_match(scope, path, p, &m, NULL)) {
            print_error("no match for %s\n", path);
            fail();
        }
        if (m.rule != want) {
            print_error("%s: matched %s (seq %u), expected %s\n", path,
                        m.rule->target.text, m.rule->seq,
                        want->target.text);
            fail();
        }
    }
    /* "/p2/x" is matched by "/p2" (#2) before "/p2" (#200) */
    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(scope, "/p2/x", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, rules[2]);
    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(scope, "/p999", p, &m, NULL), 0);
    memset(&m, 0, sizeof(m));
    assert_int_equal(r307_scope_match(scope, "/p1", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, rules[1]);
}

/* ---- the logger ----------------------------------------------------- */

typedef struct {
    int calls;
    int above;      /* messages above the requested level */
    int level;
} log_count;

static void count_log(void *baton, int level, const char *message)
{
    log_count *c = baton;
    c->calls++;
    assert_non_null(message);
    if (level > c->level) {
        c->above++;
    }
}

static void logger_level_respected(void **state)
{
    apr_pool_t *p = POOL(state);
    fixture f;
    log_count c;
    r307_logger_t log;
    r307_match_t m;
    static const int levels[] = { R307_LOG_ERR, R307_LOG_WARNING,
                                  R307_LOG_INFO, R307_LOG_TRACE1,
                                  R307_LOG_TRACE3 };
    size_t i;

    fx_init(&f, p);
    ADD_PREFIX(&f, "/a", "/r0");
    ADD_REGEX(&f, "^/b", "/r1");
    ADD_WHOLE(&f, "/r2");

    for (i = 0; i < R307_NELTS(levels); i++) {
        memset(&c, 0, sizeof(c));
        c.level = levels[i];
        log.log = count_log;
        log.baton = &c;
        log.level = levels[i];
        memset(&m, 0, sizeof(m));
        assert_int_equal(r307_scope_match(f.scope, "/b/x", p, &m, &log), 1);
        assert_ptr_equal(m.rule, f.rules[1]);
        memset(&m, 0, sizeof(m));
        assert_int_equal(r307_scope_match(f.scope, "/zz", p, &m, &log), 1);
        assert_ptr_equal(m.rule, f.rules[2]);
        assert_int_equal(c.above, 0);
    }
}

const struct CMUnitTest r307_scope_tests[] = {
    T(scope_make_and_add),
    T(empty_scope_matches_nothing),
    T(prefix_match_record),
    T(regex_match_record),
    T(regex_sees_uncollapsed_path),
    T(regex_default_options),
    T(regex_is_case_sensitive_by_default),
    T(whole_matches_everything),
    T(regex_before_prefix_wins),
    T(prefix_before_regex_wins),
    T(earlier_shorter_prefix_wins),
    T(earlier_longer_prefix_wins),
    T(middle_prefix_before_longer),
    T(same_prefix_twice_first_wins),
    T(trailing_slash_prefix_order),
    T(root_prefix),
    T(whole_after_and_before),
    T(regexes_in_written_order),
    T(many_rules),
    T(logger_level_respected),
};
const size_t r307_scope_tests_n = R307_NELTS(r307_scope_tests);
