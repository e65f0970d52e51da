/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/* test_rule.c -- r307_rule_parse: accepted rules and every refusal. */

#include "test_util.h"

/* ---- accepted rules ------------------------------------------------- */

static void prefix_rule_fields(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *rule = NULL;
    const char *err = r307_rule_parse(p, &rule, R307_KIND_PREFIX, 307,
                                      "/old", "/new",
                                      "/etc/apache2/sites/x.conf", 12);
    assert_null(err);
    assert_non_null(rule);
    assert_int_equal(rule->kind, R307_KIND_PREFIX);
    assert_int_equal(rule->status, 307);
    assert_str(rule->pattern, "/old");
    assert_str(rule->key, "/old");
    assert_int_equal(rule->key_len, 4);
    assert_null(rule->re);
    assert_str(rule->file, "/etc/apache2/sites/x.conf");
    assert_int_equal(rule->line, 12);
    assert_str(rule->target.text, "/new");
    assert_str(rule->target.escaped, "/new");
    assert_int_equal(rule->target.absolute, 0);
    assert_int_equal(rule->target.path_end, 4);
    assert_int_equal(rule->target.has_query, 0);
    assert_int_equal(rule->target.has_refs, 0);
    assert_int_equal(rule->target.max_ref, -1);
}

static void prefix_rule_308(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *rule = NULL;
    assert_null(r307_rule_parse(p, &rule, R307_KIND_PREFIX, 308, "/old-api",
                                "https://api.example.com/v2", "h.conf", 3));
    assert_non_null(rule);
    assert_int_equal(rule->status, 308);
    assert_int_equal(rule->target.absolute, 1);
    assert_int_equal(rule->target.origin_len,
                     strlen("https://api.example.com"));
    assert_int_equal(rule->target.path_end,
                     strlen("https://api.example.com/v2"));
    assert_int_equal(rule->target.has_query, 0);
}

static void prefix_key_collapses_slash_runs(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *r = PREFIX_OK(p, "//old///x/", "/new");
    assert_str(r->pattern, "//old///x/");
    assert_str(r->key, "/old/x/");
    assert_int_equal(r->key_len, 7);

    r = PREFIX_OK(p, "/", "https://example.com/");
    assert_str(r->key, "/");
    assert_int_equal(r->key_len, 1);

    r = PREFIX_OK(p, "/old/", "/new/");
    assert_str(r->key, "/old/");
    assert_int_equal(r->key_len, 5);
}

static void target_query_and_fragment(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *r;

    r = PREFIX_OK(p, "/old", "/new?x=1");
    assert_int_equal(r->target.has_query, 1);
    assert_int_equal(r->target.path_end, 4);

    r = PREFIX_OK(p, "/old", "/new#frag");
    assert_int_equal(r->target.has_query, 0);
    assert_int_equal(r->target.path_end, 4);

    r = PREFIX_OK(p, "/old", "/new/?a=1&b=2#f");
    assert_int_equal(r->target.has_query, 1);
    assert_int_equal(r->target.path_end, 5);

    r = PREFIX_OK(p, "/old", "https://Host.example:8443/p?q=1#f");
    assert_int_equal(r->target.absolute, 1);
    assert_int_equal(r->target.origin_len, strlen("https://Host.example:8443"));
    assert_int_equal(r->target.path_end,
                     strlen("https://Host.example:8443/p"));
    assert_int_equal(r->target.has_query, 1);
}

static void target_text_is_escaped(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *r;

    /* non-ASCII and the characters RFC 3986 never allows are escaped */
    r = PREFIX_OK(p, "/old", "/caf\xc3\xa9/{x}");
    assert_str(r->target.text, "/caf\xc3\xa9/{x}");
    assert_uri(r->target.escaped, "/caf%C3%A9/%7Bx%7D");

    r = PREFIX_OK(p, "/old", "/a\"b<c>d^e`f|g\\h");
    assert_uri(r->target.escaped, "/a%22b%3Cc%3Ed%5Ee%60f%7Cg%5Ch");

    /* '%' is kept as written: the administrator already escaped */
    r = PREFIX_OK(p, "/old", "/a%20b%2Fc");
    assert_str(r->target.escaped, "/a%20b%2Fc");

    /* delimiters and sub-delims are not touched */
    r = PREFIX_OK(p, "/old", "/a:b@c!$&'()*+,;=/d?e=f&g=h#i");
    assert_str(r->target.escaped, "/a:b@c!$&'()*+,;=/d?e=f&g=h#i");

    /* path_end counts in the escaped text */
    r = PREFIX_OK(p, "/old", "/caf\xc3\xa9?x=1");
    assert_uri(r->target.escaped, "/caf%C3%A9?x=1");
    assert_int_equal(r->target.path_end, strlen("/caf%C3%A9"));
    assert_int_equal(r->target.has_query, 1);
}

static void regex_rule_fields(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *r = REGEX_OK(p, "^/orders/([0-9]+)$", "/v2/orders/$1");
    assert_int_equal(r->kind, R307_KIND_REGEX);
    assert_str(r->pattern, "^/orders/([0-9]+)$");
    assert_non_null(r->re);
    assert_int_equal(r->groups, 1);
    assert_str(r->target.text, "/v2/orders/$1");
    assert_int_equal(r->target.absolute, 0);
    assert_int_equal(r->target.has_refs, 1);
    assert_int_equal(r->target.max_ref, 1);

    r = REGEX_OK(p, "(?i)^/blog/(.*)$", "https://blog.example.com/$1");
    assert_int_equal(r->groups, 1);
    assert_int_equal(r->target.absolute, 1);
    assert_int_equal(r->target.origin_len, strlen("https://blog.example.com"));
    assert_int_equal(r->target.max_ref, 1);

    r = REGEX_OK(p, "^/a/(b)(c)?(d)", "/x/$3$0");
    assert_int_equal(r->groups, 3);
    assert_int_equal(r->target.has_refs, 1);
    assert_int_equal(r->target.max_ref, 3);

    r = REGEX_OK(p, "^/old", "/new");
    assert_int_equal(r->groups, 0);
    assert_int_equal(r->target.has_refs, 0);
    assert_int_equal(r->target.max_ref, -1);

    /* $0 exists for every regex */
    r = REGEX_OK(p, "^/x", "/y$0");
    assert_int_equal(r->groups, 0);
    assert_int_equal(r->target.max_ref, 0);

    /* $9 is the highest reference */
    r = REGEX_OK(p, "^/(a)(b)(c)(d)(e)(f)(g)(h)(i)$", "/$9$1");
    assert_int_equal(r->groups, 9);
    assert_int_equal(r->target.max_ref, 9);
}

static void regex_escaped_dollar_is_literal(void **state)
{
    apr_pool_t *p = POOL(state);
    /* \$5 is a literal "$5", not a reference: no group 5 needed */
    r307_rule_t *r = REGEX_OK(p, "^/price$", "/cost/\\$5");
    assert_int_equal(r->groups, 0);
    assert_int_equal(r->target.has_refs, 0);
    assert_int_equal(r->target.max_ref, -1);
}

static void whole_rule_fields(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *r = WHOLE_OK(p, "/elsewhere");
    assert_int_equal(r->kind, R307_KIND_WHOLE);
    assert_str(r->target.text, "/elsewhere");
    assert_null(r->re);

    r = WHOLE_OK(p, "https://example.com/x?y=1");
    assert_int_equal(r->target.absolute, 1);
    assert_int_equal(r->target.origin_len, strlen("https://example.com"));
    assert_int_equal(r->target.has_query, 1);
}

static void whole_rule_loop_inside_location(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *r;
    /* header: for WHOLE, 'pattern' is NULL or the enclosing <Location>'s
     * URL-path, used only to refuse a target inside it */
    PARSE_ERR(p, R307_KIND_WHOLE, "/loc", "/loc");
    PARSE_ERR(p, R307_KIND_WHOLE, "/loc", "/loc/x");
    PARSE_ERR(p, R307_KIND_WHOLE, "/loc", "/loc?x=1");
    PARSE_ERR(p, R307_KIND_WHOLE, "/loc", "/loc/");
    PARSE_ERR(p, R307_KIND_WHOLE, "/loc/", "/loc/x");
    PARSE_ERR(p, R307_KIND_WHOLE, "/", "/x");
    /* <Location /loc> also covers /locx: httpd compares a plain prefix
     * (found reading the code while fuzzing). */
    PARSE_ERR(p, R307_KIND_WHOLE, "/loc", "/locx");
    PARSE_ERR(p, R307_KIND_WHOLE, "/loc", "/x/../locx");
    r = PARSE_OK(p, R307_KIND_WHOLE, "/loc", "/lo");
    assert_int_equal(r->kind, R307_KIND_WHOLE);
    PARSE_OK(p, R307_KIND_WHOLE, "/loc", "/other");
    PARSE_OK(p, R307_KIND_WHOLE, "/loc", "/");
    PARSE_OK(p, R307_KIND_WHOLE, "/loc/", "/loc");
    PARSE_OK(p, R307_KIND_WHOLE, "/loc", "https://example.com/loc/x");
}

static void prefix_target_dollar_is_literal(void **state)
{
    apr_pool_t *p = POOL(state);
    /* header: has_refs -- "$0..$9 (REGEX rules only)" */
    r307_rule_t *r = PREFIX_OK(p, "/old", "/new$1");
    assert_int_equal(r->target.has_refs, 0);
    assert_int_equal(r->target.max_ref, -1);
    assert_str(r->target.escaped, "/new$1");
    /* and so no "$N beyond the group count" error either */
    PREFIX_OK(p, "/old", "/new/$9");
}

/* ---- refused rules -------------------------------------------------- */

static void prefix_pattern_must_be_a_path(void **state)
{
    apr_pool_t *p = POOL(state);
    PARSE_ERR(p, R307_KIND_PREFIX, "old", "/new");
    PARSE_ERR(p, R307_KIND_PREFIX, "", "/new");
    PARSE_ERR(p, R307_KIND_PREFIX, "old/x", "/new");
    PARSE_ERR(p, R307_KIND_PREFIX, "http://example.com/old", "/new");
}

static void regex_must_compile(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *err = PARSE_ERR(p, R307_KIND_REGEX, "(", "/new");
    /* brief: "Redirect307Match: cannot compile regex '(': missing closing
     * parenthesis at offset 1" -- the directive name may be added by the
     * glue, so only the core's part is required here. */
    assert_contains(err, "cannot compile regex '(': missing closing "
                         "parenthesis at offset 1");

    err = PARSE_ERR(p, R307_KIND_REGEX, "^/a[b", "/new");
    assert_contains(err, "cannot compile regex '^/a[b'");
    assert_contains(err, "missing terminating ]");

    err = PARSE_ERR(p, R307_KIND_REGEX, "^/(?<x", "/new");
    assert_contains(err, "cannot compile regex '^/(?<x'");
}

static void target_neither_url_nor_path(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *err = PARSE_ERR(p, R307_KIND_PREFIX, "/old", "foo");
    assert_contains(err, "target 'foo' is neither an absolute URL "
                         "(scheme://host/...) nor a URL-path starting with "
                         "'/'");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "foo/bar");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "http:/x");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "javascript:alert(1)");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "mailto:a@example.com");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "?x=1");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "#x");
    PARSE_ERR(p, R307_KIND_REGEX, "^/(.*)$", "$1");
    PARSE_ERR(p, R307_KIND_WHOLE, NULL, "relative/x");
}

static void target_protocol_relative_refused(void **state)
{
    apr_pool_t *p = POOL(state);
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "//host/x");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "//host");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "///x");
    PARSE_ERR(p, R307_KIND_REGEX, "^/(.*)$", "//$1");
    PARSE_ERR(p, R307_KIND_WHOLE, NULL, "//evil.example/");
}

static void target_absolute_needs_host(void **state)
{
    apr_pool_t *p = POOL(state);
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "http://");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "https://");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "http:///x");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "https://:443/x");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "://host/x");
}

static void target_controls_refused(void **state)
{
    apr_pool_t *p = POOL(state);
    /* header: "no control characters (a space is escaped as %20)" */
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "/a\tb");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "/a\nb");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "/a\rb");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "/a\r\nSet-Cookie: x=1");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "/a\x01");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "/a\x1f");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "/a\x7f");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "https://example.com/a\tb");
    PARSE_ERR(p, R307_KIND_REGEX, "^/(.*)$", "/x/$1\ny");
    PARSE_ERR(p, R307_KIND_WHOLE, NULL, "/x\ty");
    /* a space in the host can never be right */
    PARSE_ERR(p, R307_KIND_PREFIX, "/old", "https://exa mple.com/");
}

static void target_space_escaped(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *r = PREFIX_OK(p, "/old", "/a b");
    assert_str(r->target.text, "/a b");
    assert_str(r->target.escaped, "/a%20b");
    r = PREFIX_OK(p, "/old", "https://example.com/a b?q=1 2");
    assert_str(r->target.escaped, "https://example.com/a%20b?q=1%202");
    assert_int_equal(r->target.path_end, strlen("https://example.com/a%20b"));
    r = REGEX_OK(p, "^/(.*)$", "/x/$1 y");
    assert_int_equal(r->target.max_ref, 1);
}

static void target_ref_in_scheme_or_authority_refused(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *re = "^/(.*)$";
    PARSE_ERR(p, R307_KIND_REGEX, re, "http://$1.example.com/");
    PARSE_ERR(p, R307_KIND_REGEX, re, "https://$1/");
    PARSE_ERR(p, R307_KIND_REGEX, re, "https://$1");
    PARSE_ERR(p, R307_KIND_REGEX, re, "https://example.com:$1/");
    PARSE_ERR(p, R307_KIND_REGEX, re, "https://example.com$1");
    PARSE_ERR(p, R307_KIND_REGEX, re, "https://example.com$0/x");
    PARSE_ERR(p, R307_KIND_REGEX, re, "https://user$1@example.com/");
    PARSE_ERR(p, R307_KIND_REGEX, re, "http$1://example.com/");
    PARSE_ERR(p, R307_KIND_REGEX, re, "$1://example.com/");

    /* after the authority a reference is fine */
    REGEX_OK(p, re, "https://example.com/$1");
    REGEX_OK(p, re, "https://example.com:8443/x/$1");
    REGEX_OK(p, re, "https://example.com/?q=$1");
    REGEX_OK(p, re, "https://example.com/#$1");
    /* an escaped dollar in the host is no reference (but odd) -- not
     * asserted either way */
}

static void target_ref_beyond_group_count_refused(void **state)
{
    apr_pool_t *p = POOL(state);
    PARSE_ERR(p, R307_KIND_REGEX, "^/a/(.*)$", "/b/$2");
    PARSE_ERR(p, R307_KIND_REGEX, "^/a", "/b/$1");
    PARSE_ERR(p, R307_KIND_REGEX, "^/(a)(b)$", "/$3");
    PARSE_ERR(p, R307_KIND_REGEX, "^/a(?:b)$", "/$1");
    PARSE_ERR(p, R307_KIND_REGEX, "^/(a)$", "https://example.com/$9");
    /* exactly the group count is fine */
    REGEX_OK(p, "^/(a)(b)$", "/$2/$1");
}

static void prefix_loop_targets_refused(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *err = PARSE_ERR(p, R307_KIND_PREFIX, "/a", "/a/b");
    assert_contains(err, "target '/a/b' lies inside its own URL-path '/a': "
                         "every request would be redirected again");

    PARSE_ERR(p, R307_KIND_PREFIX, "/a", "/a");
    PARSE_ERR(p, R307_KIND_PREFIX, "/a", "/a?x=1");
    PARSE_ERR(p, R307_KIND_PREFIX, "/a", "/a/");
    PARSE_ERR(p, R307_KIND_PREFIX, "/a", "/a#top");
    PARSE_ERR(p, R307_KIND_PREFIX, "/a", "/a//b");
    PARSE_ERR(p, R307_KIND_PREFIX, "/a/", "/a/b");
    PARSE_ERR(p, R307_KIND_PREFIX, "//a", "/a/b");
    PARSE_ERR(p, R307_KIND_PREFIX, "/a//", "/a/b");
    PARSE_ERR(p, R307_KIND_PREFIX, "/", "/new");
    PARSE_ERR(p, R307_KIND_PREFIX, "/", "/");
    PARSE_ERR(p, R307_KIND_PREFIX, "/old/path", "/old/path/new");
}

static void prefix_loop_targets_in_disguise_refused(void **state)
{
    apr_pool_t *p = POOL(state);
    static const char *const loops[] = {
        /* percent-encoded unreserved characters name the same path
         * (RFC 3986 6.2.2.2) */
        "/%61/b", "/%61",
        /* dot-segments: a client resolves the Location (RFC 3986 5.2.4)
         * and httpd normalizes r->uri the same way, so these come straight
         * back to "/a..." -- every request would be redirected again */
        "/x/../a/b", "/./a", "/b/../a", "/a/.", "/a/./b",
    };
    size_t i;
    int bad = 0;

    for (i = 0; i < R307_NELTS(loops); i++) {
        r307_rule_t *rule = NULL;
        if (r307_rule_parse(p, &rule, R307_KIND_PREFIX, 307, "/a", loops[i],
                            "t.conf", 1) == NULL) {
            print_error("Redirect307 /a %s accepted: a redirect loop\n",
                        loops[i]);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void prefix_non_loop_targets_accepted(void **state)
{
    apr_pool_t *p = POOL(state);
    PREFIX_OK(p, "/a", "/ab");
    PREFIX_OK(p, "/a", "/ab/c");
    PREFIX_OK(p, "/a", "/b");
    PREFIX_OK(p, "/a", "/x/a");
    PREFIX_OK(p, "/a", "/A");
    PREFIX_OK(p, "/a", "/");
    PREFIX_OK(p, "/a/", "/a");
    PREFIX_OK(p, "/a", "http://example.com/a/b");
    PREFIX_OK(p, "/a", "https://example.com/a");
    PREFIX_OK(p, "/a", "https://example.com/a?x=1");
}

const struct CMUnitTest r307_rule_tests[] = {
    T(prefix_rule_fields),
    T(prefix_rule_308),
    T(prefix_key_collapses_slash_runs),
    T(target_query_and_fragment),
    T(target_text_is_escaped),
    T(regex_rule_fields),
    T(regex_escaped_dollar_is_literal),
    T(whole_rule_fields),
    T(whole_rule_loop_inside_location),
    T(prefix_target_dollar_is_literal),
    T(prefix_pattern_must_be_a_path),
    T(regex_must_compile),
    T(target_neither_url_nor_path),
    T(target_protocol_relative_refused),
    T(target_absolute_needs_host),
    T(target_controls_refused),
    T(target_space_escaped),
    T(target_ref_in_scheme_or_authority_refused),
    T(target_ref_beyond_group_count_refused),
    T(prefix_loop_targets_refused),
    T(prefix_loop_targets_in_disguise_refused),
    T(prefix_non_loop_targets_accepted),
};
const size_t r307_rule_tests_n = R307_NELTS(r307_rule_tests);
