/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_location.c -- r307_location_build: remainder and captures pasted into
 * the target, escaped; the request's query; open-redirect and header
 * injection safety.
 */

#include "test_util.h"

#define PREFIX_LOC(pat, tgt, path, args) \
    LOC(p, R307_KIND_PREFIX, (pat), (tgt), (path), (args))
#define REGEX_LOC(pat, tgt, path, args) \
    LOC(p, R307_KIND_REGEX, (pat), (tgt), (path), (args))
#define WHOLE_LOC(tgt, path, args) \
    LOC(p, R307_KIND_WHOLE, NULL, (tgt), (path), (args))

/* ---- prefix rules: the remainder ------------------------------------ */

static void prefix_remainder_appended(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(PREFIX_LOC("/old", "/new", "/old/x/y", NULL), "/new/x/y");
    assert_str(PREFIX_LOC("/old", "/new", "/old", NULL), "/new");
    assert_str(PREFIX_LOC("/old", "/new", "/old/", NULL), "/new/");
    assert_str(PREFIX_LOC("/old/", "/new/", "/old/x", NULL), "/new/x");
    assert_str(PREFIX_LOC("/old/", "/new/", "/old/", NULL), "/new/");
    assert_str(PREFIX_LOC("/a/b", "/c", "/a/b/d/e.html", NULL),
               "/c/d/e.html");
}

static void prefix_no_doubled_slash(void **state)
{
    apr_pool_t *p = POOL(state);
    /* brief: `Redirect307 /old /` with `/old/x` gives `/x` */
    assert_str(PREFIX_LOC("/old", "/", "/old/x", NULL), "/x");
    assert_str(PREFIX_LOC("/old", "/", "/old", NULL), "/");
    assert_str(PREFIX_LOC("/old", "/new/", "/old/x", NULL), "/new/x");
    assert_str(PREFIX_LOC("/old", "https://example.com/", "/old/x", NULL),
               "https://example.com/x");
    /* slash runs in the request are collapsed before the remainder is
     * taken */
    assert_str(PREFIX_LOC("/old", "/new", "//old///x//y", NULL), "/new/x/y");
    assert_str(PREFIX_LOC("/old", "/", "/old//x", NULL), "/x");
}

static void prefix_remainder_escaped(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_uri(PREFIX_LOC("/old", "/new", "/old/a b?c#d%e", NULL),
               "/new/a%20b%3Fc%23d%25e");
    assert_uri(PREFIX_LOC("/old", "/new", "/old/caf\xc3\xa9", NULL),
               "/new/caf%C3%A9");
    assert_uri(PREFIX_LOC("/old", "/new", "/old/x\r\nSet-Cookie: a=1", NULL),
               "/new/x%0D%0ASet-Cookie:%20a=1");
    assert_uri(PREFIX_LOC("/old", "/new", "/old/\t\x01\x7f\xff", NULL),
               "/new/%09%01%7F%FF");
    /* unreserved, sub-delims, ':', '@' and '/' stay */
    assert_str(PREFIX_LOC("/old", "/new", "/old/!$&'()*+,;=:@-._~AZaz09/",
                          NULL),
               "/new/!$&'()*+,;=:@-._~AZaz09/");
    assert_uri(PREFIX_LOC("/old", "/new", "/old/\"<>\\^`{|}[]", NULL),
               "/new/%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D");
}

static void prefix_remainder_before_query_and_fragment(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(PREFIX_LOC("/old", "/new?x=1", "/old/y", NULL), "/new/y?x=1");
    assert_str(PREFIX_LOC("/old", "/new#frag", "/old/y", NULL),
               "/new/y#frag");
    assert_str(PREFIX_LOC("/old", "/new?x=1#frag", "/old/y", NULL),
               "/new/y?x=1#frag");
    assert_str(PREFIX_LOC("/old", "/?x=1", "/old/y", NULL), "/y?x=1");
    assert_str(PREFIX_LOC("/old", "https://example.com/n?x=1", "/old/y/z",
                          NULL),
               "https://example.com/n/y/z?x=1");
}

static void request_query(void **state)
{
    apr_pool_t *p = POOL(state);
    /* appended when the target has no '?' */
    assert_str(PREFIX_LOC("/old", "/new", "/old/x", "a=1&b=2"),
               "/new/x?a=1&b=2");
    /* already-encoded query text is kept as it is */
    assert_str(PREFIX_LOC("/old", "/new", "/old/x", "a=1&b=%2F%20"),
               "/new/x?a=1&b=%2F%20");
    assert_str(PREFIX_LOC("/old", "https://example.com/v2", "/old", "q=1"),
               "https://example.com/v2?q=1");
    /* none: no '?' at all */
    assert_str(PREFIX_LOC("/old", "/new", "/old/x", NULL), "/new/x");
    /* a target with its own '?' keeps it and drops the request's */
    assert_str(PREFIX_LOC("/old", "/new?x=1", "/old", "q=2"), "/new?x=1");
    assert_str(PREFIX_LOC("/old", "/new?", "/old", "q=2"), "/new?");
    /* the query goes before the target's fragment, not into it */
    assert_str(PREFIX_LOC("/old", "/new#f", "/old/y", "q=2"), "/new/y?q=2#f");
}

static void request_query_is_escaped(void **state)
{
    apr_pool_t *p = POOL(state);
    /* header: everything from the request is escaped -- no space, control
     * or non-ASCII byte in the result; '%' of the encoded query is kept */
    assert_uri(PREFIX_LOC("/old", "/new", "/old", "a=caf\xc3\xa9 x%41"),
               "/new?a=caf%C3%A9%20x%41");
    assert_uri(PREFIX_LOC("/old", "/new", "/old", "a=1\r\nX-Evil: 1"),
               "/new?a=1%0D%0AX-Evil:%201");
}

static void target_literal_text_escaped(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_uri(PREFIX_LOC("/old", "/caf\xc3\xa9", "/old/x", NULL),
               "/caf%C3%A9/x");
    assert_str(PREFIX_LOC("/old", "/a%20b", "/old/x", NULL), "/a%20b/x");
    assert_uri(PREFIX_LOC("/old", "/{x}", "/old", NULL), "/%7Bx%7D");
}

/* ---- regex rules: captures ------------------------------------------ */

static void regex_captures_substituted(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(REGEX_LOC("^/orders/([0-9]+)$", "/v2/orders/$1",
                         "/orders/42", NULL),
               "/v2/orders/42");
    assert_str(REGEX_LOC("^/orders/([0-9]+)$", "/v2/orders/$1",
                         "/orders/42", "a=1"),
               "/v2/orders/42?a=1");
    assert_str(REGEX_LOC("(?i)^/blog/(.*)$", "https://blog.example.com/$1",
                         "/BLOG/2024/post", NULL),
               "https://blog.example.com/2024/post");
    assert_str(REGEX_LOC("^/old.*", "/new$0", "/old/x", NULL),
               "/new/old/x");
    assert_str(REGEX_LOC("^/(a)/(b)/(c)/(d)/(e)/(f)/(g)/(h)/(i)$",
                         "/$9$8$7$6$5$4$3$2$1", "/a/b/c/d/e/f/g/h/i", NULL),
               "/ihgfedcba");
    assert_str(REGEX_LOC("^/(x)(y)$", "/$2/$1/$2", "/xy", NULL), "/y/x/y");
    /* more groups than $0..$9 can name: $9 is still the ninth */
    assert_str(REGEX_LOC("^/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)$", "/$9$1",
                         "/abcdefghijk", NULL),
               "/ia");
    /* an unset group expands to nothing */
    assert_str(REGEX_LOC("^/o(x)?/(.*)$", "/n/$1$2", "/o/y", NULL), "/n/y");
    /* regex targets without references are used as written */
    assert_str(REGEX_LOC("^/old", "/new", "/old/x", NULL), "/new");
}

static void regex_escaped_dollar(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(REGEX_LOC("^/p/(.*)$", "/price/\\$1/$1", "/p/x", NULL),
               "/price/$1/x");
    assert_str(REGEX_LOC("^/p$", "/cost/\\$5", "/p", NULL), "/cost/$5");
}

static void regex_escaped_backslash(void **state)
{
    apr_pool_t *p = POOL(state);
    /* header: in REGEX targets '\\' is a literal backslash (escaped in
     * the Location, as a backslash is not allowed in a URI) */
    assert_uri(REGEX_LOC("^/r$", "/a\\\\b", "/r", NULL), "/a%5Cb");
    assert_uri(REGEX_LOC("^/r/(.*)$", "/a\\\\$1", "/r/x", NULL), "/a%5Cx");
}

static void prefix_target_dollar_literal(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(PREFIX_LOC("/old", "/new$1", "/old/x", NULL), "/new$1/x");
}

static void regex_captures_escaped(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_uri(REGEX_LOC("(?i)^/blog/(.*)$", "https://blog.example.com/$1",
                         "/blog/a b?c#d%e", NULL),
               "https://blog.example.com/a%20b%3Fc%23d%25e");
    assert_uri(REGEX_LOC("^/r/(.*)$", "/x/$1",
                         "/r/a\r\nLocation: http://evil", NULL),
               "/x/a%0D%0ALocation:%20http://evil");
    assert_uri(REGEX_LOC("^/r/(.*)$", "/x/$1", "/r/caf\xc3\xa9", NULL),
               "/x/caf%C3%A9");
    assert_uri(REGEX_LOC("^/r/(.*)$", "/x/$1", "/r/100%", NULL),
               "/x/100%25");
    assert_str(REGEX_LOC("^/r/(.*)$", "/x/$1", "/r/!$&'()*+,;=:@-._~/", NULL),
               "/x/!$&'()*+,;=:@-._~/");
    /* a capture inside the target's own query is escaped the same way, and
     * the request's query is dropped */
    assert_uri(REGEX_LOC("^/s/(.*)$", "/search?q=$1", "/s/a b#c", "z=1"),
               "/search?q=a%20b%23c");
}

static void regex_capture_cannot_make_protocol_relative(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(REGEX_LOC("^/r(.*)$", "/$1", "/r/evil.com", NULL),
               "/evil.com");
    assert_str(REGEX_LOC("^/r(.*)$", "/$1", "/r//evil.com", NULL),
               "/evil.com");
    assert_str(REGEX_LOC("^/r(.*)$", "/$1", "/r///evil.com/x", NULL),
               "/evil.com/x");
    assert_str(REGEX_LOC("^/(.*)$", "/$1", "//evil.com", NULL), "/evil.com");
    assert_str(REGEX_LOC("^/r(.*)$", "/$1$1", "/r/", NULL), "/");
    /* browsers treat "/\host" like "//host": the backslash is escaped */
    assert_uri(REGEX_LOC("^/r(.*)$", "/$1", "/r\\evil.com", NULL),
               "/%5Cevil.com");
    assert_uri(REGEX_LOC("^/r(.*)$", "/$1", "/r/\\evil.com", NULL),
               "/%5Cevil.com");
}

static void regex_absolute_keeps_origin(void **state)
{
    apr_pool_t *p = POOL(state);
    static const char *const evil[] = {
        "/x/@evil.com", "/x//evil.com", "/x/:443@evil.com/",
        "/x/..//evil.com", "/x/\\\\evil.com", "/x/?@evil.com",
        "/x/#@evil.com", "/x/%2F%2Fevil.com", "/x/\r\nHost: evil.com",
    };
    size_t i;
    for (i = 0; i < R307_NELTS(evil); i++) {
        const char *loc = REGEX_LOC("^/x/(.*)$", "https://example.com/$1",
                                    evil[i], NULL);
        if (strncmp(loc, "https://example.com/", 20) != 0
            || !r307_all_visible(loc)
            || strpbrk(loc + 20, "?#\\") != NULL) {
            print_error("path %s gave Location %s\n", r307_show(p, evil[i]),
                        r307_show(p, loc));
            fail();
        }
    }
    assert_str(REGEX_LOC("^/x/(.*)$", "https://example.com:8443/a/$1",
                         "/x/@evil.com", NULL),
               "https://example.com:8443/a/@evil.com");
}

/* An absolute target without a path: the remainder of a prefix rule must
 * become the path, never part of the host or port.  (Refusing such a target
 * at parse time would satisfy the contract too.) */
static void prefix_remainder_cannot_change_authority(void **state)
{
    apr_pool_t *p = POOL(state);
    static const struct {
        const char *pattern, *target, *path, *args, *expected;
        const char *alt;    /* an equivalent form (RFC 3986 6.2.3), or NULL */
    } cases[] = {
        { "/old/", "https://example.com", "/old/.evil.net", NULL,
          "https://example.com/.evil.net", NULL },
        { "/old/", "https://example.com:80", "/old/80", NULL,
          "https://example.com:80/80", NULL },
        { "/old/", "https://example.com", "/old/@evil.net", NULL,
          "https://example.com/@evil.net", NULL },
        { "/old/", "https://example.com?x=1", "/old/x", NULL,
          "https://example.com/x?x=1", NULL },
        { "/old/", "https://example.com#f", "/old/x", "a=1",
          "https://example.com/x?a=1#f", NULL },
        { "/old", "https://example.com", "/old/x", NULL,
          "https://example.com/x", NULL },
        { "/old", "https://example.com", "/old", "a=1",
          "https://example.com?a=1", "https://example.com/?a=1" },
    };
    size_t i;
    int bad = 0;

    for (i = 0; i < R307_NELTS(cases); i++) {
        r307_rule_t *rule = NULL;
        r307_scope_t *scope;
        r307_match_t m;
        const char *loc;
        const char *err = r307_rule_parse(p, &rule, R307_KIND_PREFIX, 307,
                                          cases[i].pattern, cases[i].target,
                                          "t.conf", 1);
        if (err != NULL) {
            continue;   /* refusing the target is safe */
        }
        scope = r307_scope_make(p, 0);
        r307_scope_add(scope, rule);
        memset(&m, 0, sizeof(m));
        assert_int_equal(r307_scope_match(scope, cases[i].path, p, &m, NULL),
                         1);
        loc = r307_location_build(p, &m, cases[i].args);
        if (loc == NULL
            || (strcmp(loc, cases[i].expected) != 0
                && (cases[i].alt == NULL || strcmp(loc, cases[i].alt) != 0))) {
            print_error("Redirect307 %s %s, request %s%s%s: Location %s, "
                        "expected %s\n", cases[i].pattern, cases[i].target,
                        cases[i].path, cases[i].args ? "?" : "",
                        cases[i].args ? cases[i].args : "",
                        r307_show(p, loc), cases[i].expected);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- whole rules ---------------------------------------------------- */

static void whole_target_as_written(void **state)
{
    apr_pool_t *p = POOL(state);
    /* no prefix, no remainder: the target as written (plus the query) */
    assert_str(WHOLE_LOC("/x", "/anything/else", NULL), "/x");
    assert_str(WHOLE_LOC("/x", "/anything", "a=1"), "/x?a=1");
    assert_str(WHOLE_LOC("https://example.com/x?y=1", "/z", "a=1"),
               "https://example.com/x?y=1");
}

/* ---- invariants over random input ----------------------------------- */

static char *random_bytes(apr_pool_t *p, uint32_t *seed, const char *lead,
                          int maxlen)
{
    size_t ll = strlen(lead);
    int n = (int)(r307_rand(seed) % (uint32_t)(maxlen + 1)), i;
    char *s = apr_palloc(p, ll + (size_t)n + 1);
    memcpy(s, lead, ll);
    for (i = 0; i < n; i++) {
        uint32_t r = r307_rand(seed);
        /* bias towards the interesting bytes */
        static const char special[] = "/\\?#% \r\n\t:@.$&";
        if (r % 3 == 0) {
            s[ll + (size_t)i] = special[(r >> 8) % (sizeof(special) - 1)];
        }
        else {
            s[ll + (size_t)i] = (char)(1 + (r >> 8) % 255);
        }
    }
    s[ll + (size_t)n] = '\0';
    return s;
}

static void location_invariants_random(void **state)
{
    apr_pool_t *p = POOL(state);
    struct {
        r307_kind_e kind;
        const char *pattern, *target, *lead, *origin;
    } cases[] = {
        { R307_KIND_PREFIX, "/p", "/n", "/p/", NULL },
        { R307_KIND_PREFIX, "/p", "/", "/p", NULL },
        { R307_KIND_PREFIX, "/p", "/n?x=1#f", "/p/", NULL },
        { R307_KIND_PREFIX, "/p", "https://example.com/", "/p/",
          "https://example.com" },
        { R307_KIND_REGEX, "^/(.*)$", "/$1", "/", NULL },
        { R307_KIND_REGEX, "^(.*)$", "/$1", "", NULL },
        { R307_KIND_REGEX, "^/(.*)$", "/$1$1/$0", "/", NULL },
        { R307_KIND_REGEX, "^/(.*)$", "/q?x=$1#$1", "/", NULL },
        { R307_KIND_REGEX, "^/(.*)$", "https://example.com/$1", "/",
          "https://example.com" },
        { R307_KIND_REGEX, "^/(.*)$", "https://example.com:8443/$1?a=$0",
          "/", "https://example.com:8443" },
        { R307_KIND_WHOLE, NULL, "/w", "/", NULL },
    };
    uint32_t seed = 0x5eed307u;
    size_t c;
    int i;

    for (c = 0; c < R307_NELTS(cases); c++) {
        apr_pool_t *sp;
        r307_rule_t *rule = PARSE_OK(p, cases[c].kind, cases[c].pattern,
                                     cases[c].target);
        r307_scope_t *scope = r307_scope_make(p, 0);
        r307_scope_add(scope, rule);
        apr_pool_create(&sp, p);

        for (i = 0; i < 3000; i++) {
            const char *path = random_bytes(sp, &seed, cases[c].lead, 24);
            const char *args = (i % 3 == 0) ? NULL
                               : random_bytes(sp, &seed, "", 12);
            const char *loc, *why = NULL;
            r307_match_t m;

            memset(&m, 0, sizeof(m));
            if (!r307_scope_match(scope, path, sp, &m, NULL)) {
                if (cases[c].kind == R307_KIND_PREFIX
                    && r307_prefix_matches(path, cases[c].pattern) == 0) {
                    continue;   /* "/pX..." is not under "/p" */
                }
                print_error("rule %s did not match %s\n", cases[c].target,
                            r307_show(sp, path));
                fail();
            }
            loc = r307_location_build(sp, &m, args);
            if (loc == NULL) {
                why = "NULL";
            }
            else if (!r307_all_visible(loc)) {
                why = "a byte < 0x21 or >= 0x7f";
            }
            else if (cases[c].origin == NULL
                     && (loc[0] != '/' || loc[1] == '/')) {
                why = "not a URL-path starting with exactly one '/'";
            }
            else if (cases[c].origin != NULL
                     && (strncmp(loc, cases[c].origin,
                                 strlen(cases[c].origin)) != 0
                         || (loc[strlen(cases[c].origin)] != '/'
                             && loc[strlen(cases[c].origin)] != '?'
                             && loc[strlen(cases[c].origin)] != '\0'))) {
                why = "scheme://authority differs from the rule's";
            }
            if (why != NULL) {
                print_error("rule %s -> %s, path %s, args %s: Location %s "
                            "has %s\n", r307_show(sp, cases[c].pattern),
                            cases[c].target, r307_show(sp, path),
                            r307_show(sp, args), r307_show(sp, loc), why);
                fail();
            }
            if (i % 256 == 255) {
                apr_pool_clear(sp);
            }
        }
        apr_pool_destroy(sp);
    }
}

const struct CMUnitTest r307_location_tests[] = {
    T(prefix_remainder_appended),
    T(prefix_no_doubled_slash),
    T(prefix_remainder_escaped),
    T(prefix_remainder_before_query_and_fragment),
    T(request_query),
    T(request_query_is_escaped),
    T(target_literal_text_escaped),
    T(regex_captures_substituted),
    T(regex_escaped_dollar),
    T(regex_escaped_backslash),
    T(prefix_target_dollar_literal),
    T(regex_captures_escaped),
    T(regex_capture_cannot_make_protocol_relative),
    T(regex_absolute_keeps_origin),
    T(prefix_remainder_cannot_change_authority),
    T(whole_target_as_written),
    T(location_invariants_random),
};
const size_t r307_location_tests_n = R307_NELTS(r307_location_tests);
