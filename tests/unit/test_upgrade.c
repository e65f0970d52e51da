/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_upgrade.c -- the upgrade policy of the pure core:
 * r307_upgrade_mode_parse, r307_method_check, r307_method_is_unsafe,
 * r307_upgrade_applies and r307_upgrade_decide.
 *
 * The expected decisions are computed here from the contract, not from the
 * implementation:
 *   - only 302 (RedirectUpgrade) and 301 (RedirectUpgradePermanent) are
 *     ever changed, to 307 and 308; 303 and everything else never;
 *   - only unsafe methods: with no RedirectUpgradeMethods, every method
 *     but GET, HEAD, OPTIONS and TRACE (RFC 9110 9.2.1); with a list,
 *     exactly the methods on it;
 *   - a mode that was never set (UNSET) means Off.
 *
 * Method names are case-sensitive (RFC 9110 9.1).  What these tests assert
 * for a lower-case request method such as "post" or "get": it is not one
 * of the four safe methods, so under the default list it counts as unsafe
 * (an unknown extension method, like MKCOL); under a written list it counts
 * only if written exactly so -- which RedirectUpgradeMethods refuses, so a
 * lower-case request method is never upgraded under a written list.
 */

#include "test_util.h"

/* ---- helpers -------------------------------------------------------- */

static apr_array_header_t *mlist(apr_pool_t *p, const char *const *names)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    for (; *names; names++) {
        APR_ARRAY_PUSH(a, const char *) = *names;
    }
    return a;
}

static const char *mode_name(r307_upgrade_mode_e m)
{
    switch (m) {
    case R307_UPGRADE_UNSET: return "UNSET";
    case R307_UPGRADE_OFF:   return "OFF";
    case R307_UPGRADE_ON:    return "ON";
    case R307_UPGRADE_LOG:   return "LOG";
    }
    return "?";
}

/* Safe methods of RFC 9110 9.2.1, written out here on purpose. */
static int oracle_safe(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0
           || strcmp(method, "OPTIONS") == 0 || strcmp(method, "TRACE") == 0;
}

static int oracle_unsafe(const char *const *list, const char *method)
{
    if (!list || oracle_safe(method)) {
        return !oracle_safe(method);
    }
    for (; *list; list++) {
        if (strcmp(*list, method) == 0) {
            return 1;
        }
    }
    return 0;
}

static r307_upgrade_mode_e oracle_effective(r307_upgrade_mode_e m)
{
    return m == R307_UPGRADE_UNSET ? R307_UPGRADE_OFF : m;
}

/* ---- r307_upgrade_mode_parse ---------------------------------------- */

static void mode_parse_accepts_any_case(void **state)
{
    static const struct {
        const char *arg;
        r307_upgrade_mode_e mode;
    } cases[] = {
        { "On", R307_UPGRADE_ON },   { "on", R307_UPGRADE_ON },
        { "ON", R307_UPGRADE_ON },   { "oN", R307_UPGRADE_ON },
        { "Off", R307_UPGRADE_OFF }, { "off", R307_UPGRADE_OFF },
        { "OFF", R307_UPGRADE_OFF }, { "oFf", R307_UPGRADE_OFF },
        { "Log", R307_UPGRADE_LOG }, { "log", R307_UPGRADE_LOG },
        { "LOG", R307_UPGRADE_LOG }, { "lOg", R307_UPGRADE_LOG },
    };
    size_t i;

    (void)state;
    for (i = 0; i < R307_NELTS(cases); i++) {
        r307_upgrade_mode_e m = R307_UPGRADE_UNSET;
        const char *err = r307_upgrade_mode_parse(cases[i].arg, &m);
        if (err || m != cases[i].mode) {
            print_error("mode_parse('%s'): err=%s mode=%s, expected %s\n",
                        cases[i].arg, err ? err : "(null)", mode_name(m),
                        mode_name(cases[i].mode));
            fail();
        }
    }
}

static void mode_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "", "Maybe", "Yes", "No", "true", "false", "1", "0", "O", "Of",
        "Offf", "Logs", "Lo", " On", "On ", "On\n", "Off,", "Unset",
        "Log Only", "\xc3\x96n",
    };
    size_t i;

    (void)state;
    for (i = 0; i < R307_NELTS(bad); i++) {
        r307_upgrade_mode_e m = R307_UPGRADE_UNSET;
        const char *err = r307_upgrade_mode_parse(bad[i], &m);
        if (!err) {
            print_error("mode_parse(%s) accepted (mode %s)\n",
                        r307_show(POOL(state), bad[i]), mode_name(m));
            fail();
        }
        /* The glue prefixes "RedirectUpgrade ARG: "; the core says what
         * is allowed. */
        assert_contains(err, "On, Off or Log");
    }
}

/* ---- r307_method_check ---------------------------------------------- */

/* The safe methods are refused: "never touched" holds whatever is
 * written. */
static void method_check_refuses_safe(void **state)
{
    static const char *const safe[] = { "GET", "HEAD", "OPTIONS", "TRACE" };
    size_t i;

    for (i = 0; i < R307_NELTS(safe); i++) {
        const char *err = r307_method_check(POOL(state), safe[i]);
        assert_non_null(err);
        assert_non_null(strstr(err, "is a safe method"));
    }
    /* A non-token is named as such, not offered an upper-case spelling. */
    assert_non_null(strstr(r307_method_check(POOL(state), "po st"),
                           "is not a method name"));
}

static void method_check_accepts_tokens(void **state)
{
    static const char *const ok[] = {
        "POST", "PUT", "DELETE", "PATCH",
        "CONNECT", "MKCOL", "PROPPATCH", "PROPFIND", "COPY", "MOVE", "LOCK",
        "UNLOCK", "BASELINE-CONTROL", "VERSION-CONTROL", "M-SEARCH",
        "X_CUSTOM", "X1", "1", "!#$%&'*+-.^_`|~", "A0Z9",
    };
    apr_pool_t *p = POOL(state);
    size_t i;

    for (i = 0; i < R307_NELTS(ok); i++) {
        const char *err = r307_method_check(p, ok[i]);
        if (err) {
            print_error("method_check('%s') refused: %s\n", ok[i], err);
            fail();
        }
    }
}

static void method_check_lower_case_suggests(void **state)
{
    static const struct {
        const char *method;
        const char *upper;
    } cases[] = {
        { "post", "POST" }, { "Post", "POST" }, { "pOST", "POST" },
        { "get", "GET" },   { "mkcol", "MKCOL" },
        { "m-search", "M-SEARCH" }, { "POSt", "POST" },
        { "x_1", "X_1" },
    };
    apr_pool_t *p = POOL(state);
    size_t i;

    for (i = 0; i < R307_NELTS(cases); i++) {
        const char *err = r307_method_check(p, cases[i].method);
        const char *want;

        if (!err) {
            print_error("method_check('%s') accepted\n", cases[i].method);
            fail();
        }
        assert_contains(err, "case-sensitive");
        want = apr_psprintf(p, "did you mean '%s'?", cases[i].upper);
        assert_contains(err, want);
        assert_contains(err, apr_psprintf(p, "'%s'", cases[i].method));
    }
    /* The exact text the brief fixes (the glue adds the directive name). */
    assert_str(r307_method_check(p, "post"),
               "'post': methods are case-sensitive and written in upper "
               "case; did you mean 'POST'?");
}

static void method_check_empty(void **state)
{
    const char *err = r307_method_check(POOL(state), "");

    assert_non_null(err);
    assert_contains(err, "empty");
}

static void method_check_non_token(void **state)
{
    static const char *const bad[] = {
        "PO ST", " POST", "POST ", "GET/", "GET,POST", "GET;", "\"GET\"",
        "(GET)", "GET:", "GET=1", "GET?", "A@B", "A[B]", "{A}", "A\\B",
        "A\tB", "POST\r\n", "A\x7f", "\xc3\x89T\xc3\x89", "A<B>",
    };
    apr_pool_t *p = POOL(state);
    size_t i;

    for (i = 0; i < R307_NELTS(bad); i++) {
        const char *err = r307_method_check(p, bad[i]);
        if (!err) {
            print_error("method_check(%s) accepted\n", r307_show(p, bad[i]));
            fail();
        }
        assert_contains(err, "token");
    }
}

/* Every single byte after an accepted first letter: accepted exactly when
 * it is a tchar (RFC 9110 5.6.2) and not a lower-case letter. */
static void method_check_every_byte(void **state)
{
    static const char tchar_punct[] = "!#$%&'*+-.^_`|~";
    apr_pool_t *p = POOL(state);
    int c;

    for (c = 1; c < 256; c++) {
        char m[3] = { 'A', (char)c, 0 };
        int is_upper = c >= 'A' && c <= 'Z';
        int is_lower = c >= 'a' && c <= 'z';
        int is_digit = c >= '0' && c <= '9';
        int is_punct = strchr(tchar_punct, c) != NULL;
        int want_ok = is_upper || is_digit || is_punct;
        const char *err = r307_method_check(p, m);

        if (want_ok != (err == NULL)) {
            print_error("method_check(%s): %s, expected %s\n",
                        r307_show(p, m), err ? err : "accepted",
                        want_ok ? "accepted" : "refused");
            fail();
        }
        if (is_lower) {
            assert_contains(err, "did you mean");
        }
    }
}

/* ---- r307_method_is_unsafe ------------------------------------------ */

static void unsafe_default_list(void **state)
{
    static const char *const safe[] = { "GET", "HEAD", "OPTIONS", "TRACE" };
    static const char *const unsafe[] = {
        "POST", "PUT", "DELETE", "PATCH", "MKCOL", "PROPPATCH", "PROPFIND",
        "CONNECT", "COPY", "MOVE", "LOCK", "UNLOCK", "M-SEARCH", "BREW",
        /* case-sensitive: none of these is a safe method */
        "post", "get", "Get", "head", "GETX", "GE", "OPTION", "TRACE2",
    };
    size_t i;

    (void)state;
    for (i = 0; i < R307_NELTS(safe); i++) {
        if (r307_method_is_unsafe(NULL, safe[i])) {
            print_error("default list: %s counted unsafe\n", safe[i]);
            fail();
        }
    }
    for (i = 0; i < R307_NELTS(unsafe); i++) {
        if (!r307_method_is_unsafe(NULL, unsafe[i])) {
            print_error("default list: %s counted safe\n", unsafe[i]);
            fail();
        }
    }
}

static void unsafe_custom_list(void **state)
{
    static const char *const list[] = { "POST", "PUT", NULL };
    static const char *const in[] = { "POST", "PUT" };
    static const char *const out[] = {
        "DELETE", "PATCH", "MKCOL", "GET", "HEAD", "post", "Put", "POS",
        "POSTX", "PUT ",
    };
    apr_array_header_t *a = mlist(POOL(state), list);
    size_t i;

    for (i = 0; i < R307_NELTS(in); i++) {
        assert_true(r307_method_is_unsafe(a, in[i]));
    }
    for (i = 0; i < R307_NELTS(out); i++) {
        if (r307_method_is_unsafe(a, out[i])) {
            print_error("list POST PUT: %s counted unsafe\n", out[i]);
            fail();
        }
    }
}

/* A written list is taken as written, extension methods included. */
static void unsafe_custom_list_extension(void **state)
{
    static const char *const list[] = { "MKCOL", NULL };
    apr_array_header_t *a = mlist(POOL(state), list);

    assert_true(r307_method_is_unsafe(a, "MKCOL"));
    assert_false(r307_method_is_unsafe(a, "POST"));
}

/* An empty list (the glue never builds one: the directive needs a name)
 * counts nothing as unsafe, unlike the default (NULL). */
static void unsafe_empty_list(void **state)
{
    static const char *const none[] = { NULL };
    apr_array_header_t *a = mlist(POOL(state), none);

    assert_false(r307_method_is_unsafe(a, "POST"));
    assert_false(r307_method_is_unsafe(a, "GET"));
    assert_true(r307_method_is_unsafe(NULL, "POST"));
}

/* ---- the exhaustive decision ---------------------------------------- */

static const r307_upgrade_mode_e all_modes[] = {
    R307_UPGRADE_UNSET, R307_UPGRADE_OFF, R307_UPGRADE_ON, R307_UPGRADE_LOG
};

static const char *const all_methods[] = {
    "GET", "HEAD", "OPTIONS", "TRACE", "POST", "PUT", "DELETE", "PATCH",
    "MKCOL", "PROPPATCH", "CONNECT", "M-SEARCH", "post", "get",
};

static const char *const list_post[] = { "POST", NULL };
static const char *const list_post_put_delete[] = {
    "POST", "PUT", "DELETE", NULL
};
static const char *const list_mkcol_patch[] = { "MKCOL", "PATCH", NULL };

/* NULL first: the default. */
static const char *const *const all_lists[] = {
    NULL, list_post, list_post_put_delete, list_mkcol_patch,
};

static const char *list_name(const char *const *list)
{
    if (!list) {
        return "default";
    }
    if (list == list_post) {
        return "POST";
    }
    if (list == list_post_put_delete) {
        return "POST PUT DELETE";
    }
    return "MKCOL PATCH";
}

static void applies_exhaustive(void **state)
{
    apr_pool_t *p = POOL(state);
    size_t t, pm, m, l;
    int checked = 0;

    for (l = 0; l < R307_NELTS(all_lists); l++) {
        r307_upgrade_policy_t pol;
        pol.methods = all_lists[l] ? mlist(p, all_lists[l]) : NULL;
        for (t = 0; t < R307_NELTS(all_modes); t++) {
            for (pm = 0; pm < R307_NELTS(all_modes); pm++) {
                pol.temporary = all_modes[t];
                pol.permanent = all_modes[pm];
                for (m = 0; m < R307_NELTS(all_methods); m++) {
                    const char *method = all_methods[m];
                    int want = (oracle_effective(all_modes[t])
                                    != R307_UPGRADE_OFF
                                || oracle_effective(all_modes[pm])
                                    != R307_UPGRADE_OFF)
                               && oracle_unsafe(all_lists[l], method);
                    int got = r307_upgrade_applies(&pol, method) != 0;
                    if (got != want) {
                        print_error("applies(temporary=%s permanent=%s "
                                    "methods=%s, %s) = %d, expected %d\n",
                                    mode_name(all_modes[t]),
                                    mode_name(all_modes[pm]),
                                    list_name(all_lists[l]), method, got,
                                    want);
                        fail();
                    }
                    checked++;
                }
            }
        }
    }
    assert_int_equal(checked, 4 * 4 * 4 * 14);
}

/* Every status 300..308 (and a few others) x methods x both modes x method
 * lists.  Also: whenever decide() would act, applies() said so (the glue
 * relies on that to add its filter only where it can act). */
static void decide_exhaustive(void **state)
{
    static const int statuses[] = {
        300, 301, 302, 303, 304, 305, 306, 307, 308,
        0, 100, 200, 204, 299, 309, 310, 400, 404, 405, 500, 502, 503,
    };
    apr_pool_t *p = POOL(state);
    size_t s, t, pm, m, l;
    int checked = 0, acted = 0;

    for (l = 0; l < R307_NELTS(all_lists); l++) {
        r307_upgrade_policy_t pol;
        pol.methods = all_lists[l] ? mlist(p, all_lists[l]) : NULL;
        for (t = 0; t < R307_NELTS(all_modes); t++) {
            for (pm = 0; pm < R307_NELTS(all_modes); pm++) {
                pol.temporary = all_modes[t];
                pol.permanent = all_modes[pm];
                for (s = 0; s < R307_NELTS(statuses); s++) {
                    for (m = 0; m < R307_NELTS(all_methods); m++) {
                        int status = statuses[s];
                        const char *method = all_methods[m];
                        r307_upgrade_mode_e want_mode = R307_UPGRADE_OFF;
                        int want_to = status;
                        r307_upgrade_t got;

                        if (oracle_unsafe(all_lists[l], method)) {
                            if (status == 302) {
                                want_mode = oracle_effective(all_modes[t]);
                                want_to = 307;
                            }
                            else if (status == 301) {
                                want_mode = oracle_effective(all_modes[pm]);
                                want_to = 308;
                            }
                        }
                        if (want_mode == R307_UPGRADE_OFF) {
                            want_to = status;
                        }
                        got = r307_upgrade_decide(&pol, status, method);
                        if (got.mode != want_mode || got.from != status
                            || got.to != want_to) {
                            print_error(
                                "decide(temporary=%s permanent=%s "
                                "methods=%s, %d, %s) = {%s, %d, %d}, "
                                "expected {%s, %d, %d}\n",
                                mode_name(all_modes[t]),
                                mode_name(all_modes[pm]),
                                list_name(all_lists[l]), status, method,
                                mode_name(got.mode), got.from, got.to,
                                mode_name(want_mode), status, want_to);
                            fail();
                        }
                        if (got.mode != R307_UPGRADE_OFF) {
                            acted++;
                            assert_true(r307_upgrade_applies(&pol, method));
                        }
                        checked++;
                    }
                }
            }
        }
    }
    assert_int_equal(checked, 4 * 4 * 4 * 22 * 14);
    assert_true(acted > 0);
}

/* The cases the contract names, written out one by one. */
static void decide_named_cases(void **state)
{
    r307_upgrade_policy_t pol;
    r307_upgrade_t up;

    (void)state;
    pol.methods = NULL;

    /* Default (never set): nothing changes. */
    pol.temporary = R307_UPGRADE_UNSET;
    pol.permanent = R307_UPGRADE_UNSET;
    up = r307_upgrade_decide(&pol, 302, "POST");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 302);
    assert_false(r307_upgrade_applies(&pol, "POST"));

    /* RedirectUpgrade On: 302 -> 307 for POST; 301 left alone. */
    pol.temporary = R307_UPGRADE_ON;
    up = r307_upgrade_decide(&pol, 302, "POST");
    assert_int_equal(up.mode, R307_UPGRADE_ON);
    assert_int_equal(up.from, 302);
    assert_int_equal(up.to, 307);
    up = r307_upgrade_decide(&pol, 301, "POST");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 301);
    /* ... and never 303, never GET. */
    up = r307_upgrade_decide(&pol, 303, "POST");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 303);
    up = r307_upgrade_decide(&pol, 302, "GET");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 302);
    up = r307_upgrade_decide(&pol, 302, "HEAD");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);

    /* RedirectUpgradePermanent Log: LOG with from/to set, 302 still On. */
    pol.permanent = R307_UPGRADE_LOG;
    up = r307_upgrade_decide(&pol, 301, "PUT");
    assert_int_equal(up.mode, R307_UPGRADE_LOG);
    assert_int_equal(up.from, 301);
    assert_int_equal(up.to, 308);
    up = r307_upgrade_decide(&pol, 302, "DELETE");
    assert_int_equal(up.mode, R307_UPGRADE_ON);
    assert_int_equal(up.to, 307);

    /* RedirectUpgrade Log alone. */
    pol.temporary = R307_UPGRADE_LOG;
    pol.permanent = R307_UPGRADE_OFF;
    up = r307_upgrade_decide(&pol, 302, "PATCH");
    assert_int_equal(up.mode, R307_UPGRADE_LOG);
    assert_int_equal(up.from, 302);
    assert_int_equal(up.to, 307);
    up = r307_upgrade_decide(&pol, 301, "PATCH");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 301);

    /* Already 307/308: nothing to do. */
    pol.temporary = R307_UPGRADE_ON;
    pol.permanent = R307_UPGRADE_ON;
    up = r307_upgrade_decide(&pol, 307, "POST");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 307);
    up = r307_upgrade_decide(&pol, 308, "POST");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 308);
}

/* A written list is authoritative: with "RedirectUpgradeMethods POST",
 * a 302 to PUT is left alone.  A safe method is never upgraded, even where
 * a list names it (the directive refuses one; the core holds the line
 * too). */
static void decide_custom_list(void **state)
{
    static const char *const post[] = { "POST", NULL };
    static const char *const get_post[] = { "GET", "POST", NULL };
    r307_upgrade_policy_t pol;
    r307_upgrade_t up;

    pol.temporary = R307_UPGRADE_ON;
    pol.permanent = R307_UPGRADE_ON;
    pol.methods = mlist(POOL(state), post);

    up = r307_upgrade_decide(&pol, 302, "POST");
    assert_int_equal(up.mode, R307_UPGRADE_ON);
    assert_int_equal(up.to, 307);
    up = r307_upgrade_decide(&pol, 302, "PUT");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 302);
    assert_false(r307_upgrade_applies(&pol, "PUT"));
    up = r307_upgrade_decide(&pol, 301, "DELETE");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 301);

    pol.methods = mlist(POOL(state), get_post);
    up = r307_upgrade_decide(&pol, 302, "GET");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
    assert_int_equal(up.to, 302);
    up = r307_upgrade_decide(&pol, 302, "POST");
    assert_int_equal(up.mode, R307_UPGRADE_ON);
    up = r307_upgrade_decide(&pol, 302, "HEAD");
    assert_int_equal(up.mode, R307_UPGRADE_OFF);
}

/* decide() does not change the policy it is given. */
static void decide_is_pure(void **state)
{
    static const char *const post[] = { "POST", NULL };
    r307_upgrade_policy_t pol;
    const apr_array_header_t *methods = mlist(POOL(state), post);

    pol.temporary = R307_UPGRADE_LOG;
    pol.permanent = R307_UPGRADE_UNSET;
    pol.methods = methods;
    (void)r307_upgrade_decide(&pol, 302, "POST");
    (void)r307_upgrade_decide(&pol, 301, "POST");
    (void)r307_upgrade_applies(&pol, "POST");
    assert_int_equal(pol.temporary, R307_UPGRADE_LOG);
    assert_int_equal(pol.permanent, R307_UPGRADE_UNSET);
    assert_ptr_equal(pol.methods, methods);
    assert_int_equal(methods->nelts, 1);
}

const struct CMUnitTest r307_upgrade_tests[] = {
    T(mode_parse_accepts_any_case),
    T(mode_parse_refuses),
    T(method_check_accepts_tokens),
    T(method_check_lower_case_suggests),
    T(method_check_empty),
    T(method_check_non_token),
    T(method_check_every_byte),
    T(unsafe_default_list),
    T(unsafe_custom_list),
    T(unsafe_custom_list_extension),
    T(unsafe_empty_list),
    T(applies_exhaustive),
    T(decide_exhaustive),
    T(decide_named_cases),
    T(method_check_refuses_safe),
    T(decide_custom_list),
    T(decide_is_pure),
};
const size_t r307_upgrade_tests_n = R307_NELTS(r307_upgrade_tests);
