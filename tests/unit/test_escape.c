/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_escape.c -- r307_escape_path, r307_escape_uri_text, r307_url_same and
 * r307_rule_tag.
 */

#include "test_util.h"

#define EP(in, expected) \
    assert_uri(r307_escape_path(p, (in), strlen(in)), (expected))
#define EU(in, expected) \
    assert_uri(r307_escape_uri_text(p, (in), strlen(in)), (expected))

static const char unreserved[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";

/* ---- r307_escape_path ----------------------------------------------- */

static void escape_path_keeps(void **state)
{
    apr_pool_t *p = POOL(state);
    EP(unreserved, unreserved);
    EP("!$&'()*+,;=", "!$&'()*+,;=");
    EP(":@/", ":@/");
    EP("/a/b:c@d/", "/a/b:c@d/");
    EP("", "");
}

static void escape_path_escapes(void **state)
{
    apr_pool_t *p = POOL(state);
    EP("%", "%25");
    EP("%41", "%2541");
    EP("?", "%3F");
    EP("#", "%23");
    EP(" ", "%20");
    EP("\r\n", "%0D%0A");
    EP("\t", "%09");
    EP("\x7f", "%7F");
    EP("\x80\xff", "%80%FF");
    EP("caf\xc3\xa9", "caf%C3%A9");
    EP("\"<>\\^`{|}[]", "%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D");
    EP("/a b?c#d%e", "/a%20b%3Fc%23d%25e");
}

static void escape_path_length(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(r307_escape_path(p, "abc def", 3), "abc");
    assert_uri(r307_escape_path(p, "abc def", 4), "abc%20");
    assert_str(r307_escape_path(p, "xyz", 0), "");
    /* an embedded NUL is just another byte to escape */
    assert_uri(r307_escape_path(p, "a\0b", 3), "a%00b");
}

/* Every byte value, one at a time. */
static void escape_path_every_byte(void **state)
{
    apr_pool_t *p = POOL(state);
    int b;
    for (b = 0; b < 256; b++) {
        char in[2] = { (char)b, '\0' };
        const char *got = r307_escape_path(p, in, 1);
        int keep = b != 0 && (strchr(unreserved, b) != NULL
                              || strchr("!$&'()*+,;=:@/", b) != NULL);
        const char *want = keep ? apr_psprintf(p, "%c", b)
                                : apr_psprintf(p, "%%%02X", b);
        r307_assert_uri(got, want, apr_psprintf(p, "byte 0x%02x", b),
                        __FILE__, __LINE__);
    }
}

/* ---- r307_escape_uri_text -------------------------------------------- */

static void escape_uri_text_cases(void **state)
{
    apr_pool_t *p = POOL(state);
    EU("/a b", "/a%20b");
    EU("/a%20b", "/a%20b");
    EU("%", "%");
    EU(":/?#[]@!$&'()*+,;=", ":/?#[]@!$&'()*+,;=");
    EU(unreserved, unreserved);
    EU("\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D");
    EU("\t\r\n\x01\x7f", "%09%0D%0A%01%7F");
    EU("caf\xc3\xa9", "caf%C3%A9");
    EU("https://example.com/a b?q=1 2#f g",
       "https://example.com/a%20b?q=1%202#f%20g");
    EU("", "");
    assert_str(r307_escape_uri_text(p, "/a b", 2), "/a");
}

static void escape_uri_text_every_byte(void **state)
{
    apr_pool_t *p = POOL(state);
    int b;
    for (b = 1; b < 256; b++) {
        char in[2] = { (char)b, '\0' };
        const char *got = r307_escape_uri_text(p, in, 1);
        int keep = b >= 0x21 && b <= 0x7e && strchr("\"<>\\^`{|}", b) == NULL;
        const char *want = keep ? apr_psprintf(p, "%c", b)
                                : apr_psprintf(p, "%%%02X", b);
        r307_assert_uri(got, want, apr_psprintf(p, "byte 0x%02x", b),
                        __FILE__, __LINE__);
    }
}

/* ---- r307_url_same --------------------------------------------------- */

#define SAME(a, b, expected) \
    do { \
        int got_ = r307_url_same(p, (a), (b)); \
        int got2_ = r307_url_same(p, (b), (a)); \
        if ((got_ != 0) != (expected) || (got2_ != 0) != (expected)) { \
            print_error("r307_url_same(\"%s\", \"%s\") = %d / reversed %d, " \
                        "expected %s\n", (a), (b), got_, got2_, \
                        (expected) ? "same" : "different"); \
            _fail(__FILE__, __LINE__); \
        } \
    } while (0)

static void url_same_identical(void **state)
{
    apr_pool_t *p = POOL(state);
    SAME("http://example.com/a", "http://example.com/a", 1);
    SAME("https://example.com/a/b?x=1", "https://example.com/a/b?x=1", 1);
    SAME("http://example.com:8080/a", "http://example.com:8080/a", 1);
}

static void url_same_scheme_host_case(void **state)
{
    apr_pool_t *p = POOL(state);
    SAME("http://Example.COM/a", "http://example.com/a", 1);
    SAME("HTTP://example.com/a", "http://example.com/a", 1);
    SAME("HtTpS://EXAMPLE.com/a?q=1", "https://example.COM/a?q=1", 1);
}

static void url_same_default_ports(void **state)
{
    apr_pool_t *p = POOL(state);
    SAME("http://example.com:80/a", "http://example.com/a", 1);
    SAME("https://example.com:443/a", "https://example.com/a", 1);
    SAME("HTTPS://Example.com:443/a?x", "https://example.com/a?x", 1);
    SAME("http://example.com:443/a", "http://example.com/a", 0);
    SAME("https://example.com:80/a", "https://example.com/a", 0);
    SAME("http://example.com:8080/a", "http://example.com/a", 0);
    SAME("http://example.com:8080/a", "http://example.com:8081/a", 0);
}

static void url_same_differences(void **state)
{
    apr_pool_t *p = POOL(state);
    SAME("http://example.com/a", "https://example.com/a", 0);
    SAME("http://example.com/a", "http://example.org/a", 0);
    SAME("http://example.com/a", "http://www.example.com/a", 0);
    /* path and query exact */
    SAME("http://example.com/A", "http://example.com/a", 0);
    SAME("http://example.com/a", "http://example.com/a/", 0);
    SAME("http://example.com/a//b", "http://example.com/a/b", 0);
    SAME("http://example.com/a%2Fb", "http://example.com/a/b", 0);
    SAME("http://example.com/a%2fb", "http://example.com/a%2Fb", 0);
    SAME("http://example.com/a?x=1", "http://example.com/a?x=2", 0);
    SAME("http://example.com/a?x=1", "http://example.com/a", 0);
    SAME("http://example.com/a?X=1", "http://example.com/a?x=1", 0);
    SAME("http://example.com/a?x=1&y=2", "http://example.com/a?y=2&x=1", 0);
}

/* ---- r307_rule_tag ---------------------------------------------------- */

static void rule_tag(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_rule_t *r = NULL;

    assert_null(r307_rule_parse(p, &r, R307_KIND_PREFIX, 307, "/x", "/y",
                                "/tmp/x/conf/httpd.conf", 12));
    assert_str(r307_rule_tag(p, r), "/tmp/x/conf/httpd.conf:12 307");

    r = NULL;
    assert_null(r307_rule_parse(p, &r, R307_KIND_REGEX, 308, "^/a(.*)",
                                "https://example.com/$1",
                                "/var/www/site/.htaccess", 3));
    assert_str(r307_rule_tag(p, r), "/var/www/site/.htaccess:3 308");

    r = NULL;
    assert_null(r307_rule_parse(p, &r, R307_KIND_WHOLE, 307, NULL, "/y",
                                "a.conf", 1));
    assert_str(r307_rule_tag(p, r), "a.conf:1 307");
}

const struct CMUnitTest r307_escape_tests[] = {
    T(escape_path_keeps),
    T(escape_path_escapes),
    T(escape_path_length),
    T(escape_path_every_byte),
    T(escape_uri_text_cases),
    T(escape_uri_text_every_byte),
    T(url_same_identical),
    T(url_same_scheme_host_case),
    T(url_same_default_ports),
    T(url_same_differences),
    T(rule_tag),
};
const size_t r307_escape_tests_n = R307_NELTS(r307_escape_tests);
