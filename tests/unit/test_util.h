/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_util.h -- shared helpers of the cmocka unit tests of the pure core
 * (src/r307_core.h).  Every test gets its own APR sub-pool as *state (see
 * T() below); the root pool lives for one cmocka group.
 */

#ifndef R307_TEST_UTIL_H
#define R307_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <stdio.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "r307_core.h"

/* Root pool of the running group (created by r307_group_setup). */
extern apr_pool_t *r307_test_root;

int r307_group_setup(void **state);
int r307_group_teardown(void **state);
int r307_test_setup(void **state);
int r307_test_teardown(void **state);

/* Every test: fresh sub-pool in *state, destroyed afterwards. */
#define T(fn) cmocka_unit_test_setup_teardown(fn, r307_test_setup, \
                                              r307_test_teardown)
#define POOL(state) ((apr_pool_t *)*(state))

/* Printable form of a possibly binary string, for failure messages. */
const char *r307_show(apr_pool_t *p, const char *s);

/* Exact string comparison, NULL-safe, with readable output. */
void r307_assert_str(const char *got, const char *expected,
                     const char *what, const char *file, int line);
#define assert_str(got, expected) \
    r307_assert_str((got), (expected), #got, __FILE__, __LINE__)

/* Exact comparison of URI text, except that the two hex digits after '%'
 * compare without case (RFC 3986 2.1: %2f and %2F are the same octet; the
 * contract does not fix the case). */
void r307_assert_uri(const char *got, const char *expected,
                     const char *what, const char *file, int line);
#define assert_uri(got, expected) \
    r307_assert_uri((got), (expected), #got, __FILE__, __LINE__)

void r307_assert_contains(const char *hay, const char *needle,
                          const char *what, const char *file, int line);
#define assert_contains(hay, needle) \
    r307_assert_contains((hay), (needle), #hay, __FILE__, __LINE__)

/* Parse a rule that must be accepted; fails the test with the message. */
r307_rule_t *r307_parse_ok(apr_pool_t *p, r307_kind_e kind, int status,
                           const char *pattern, const char *target,
                           const char *file, int line);
#define PARSE_OK(p, kind, pattern, target) \
    r307_parse_ok((p), (kind), 307, (pattern), (target), __FILE__, __LINE__)
#define PREFIX_OK(p, pattern, target) \
    PARSE_OK((p), R307_KIND_PREFIX, (pattern), (target))
#define REGEX_OK(p, pattern, target) \
    PARSE_OK((p), R307_KIND_REGEX, (pattern), (target))
#define WHOLE_OK(p, target) \
    PARSE_OK((p), R307_KIND_WHOLE, NULL, (target))

/* Parse a rule that must be refused; returns the (non-NULL) message. */
const char *r307_parse_err(apr_pool_t *p, r307_kind_e kind,
                           const char *pattern, const char *target,
                           const char *file, int line);
#define PARSE_ERR(p, kind, pattern, target) \
    r307_parse_err((p), (kind), (pattern), (target), __FILE__, __LINE__)

/* Parse one rule, put it alone into a scope, match 'path' (must match) and
 * build the Location with 'args'. */
const char *r307_loc1(apr_pool_t *p, r307_kind_e kind, const char *pattern,
                      const char *target, const char *path, const char *args,
                      const char *file, int line);
#define LOC(p, kind, pattern, target, path, args) \
    r307_loc1((p), (kind), (pattern), (target), (path), (args), \
              __FILE__, __LINE__)

/* Parse map text (NUL-terminated) that must be accepted / refused. */
r307_map_t *r307_map_ok(apr_pool_t *p, const char *file, const char *text,
                        int status, const char *srcfile, int srcline);
#define MAP_OK(p, file, text, status) \
    r307_map_ok((p), (file), (text), (status), __FILE__, __LINE__)
const char *r307_map_err(apr_pool_t *p, const char *file, const char *text,
                         int status, const char *srcfile, int srcline);
#define MAP_ERR(p, file, text) \
    r307_map_err((p), (file), (text), 307, __FILE__, __LINE__)

/* A fresh directory under /tmp for tests that need real files; removed
 * with everything in it when 'p' is cleaned up. */
const char *r307_temp_dir(apr_pool_t *p);
/* Write 'len' bytes to 'path' (created or truncated); fails the test on
 * error.  Returns 'path'. */
const char *r307_write_file(apr_pool_t *p, const char *path,
                            const char *data, apr_size_t len);

/* 1 when every byte is in 0x21..0x7e. */
int r307_all_visible(const char *s);

/* Deterministic PRNG for the randomized tests. */
uint32_t r307_rand(uint32_t *seed);

/* The groups, one per source file. */
extern const struct CMUnitTest r307_rule_tests[];
extern const size_t r307_rule_tests_n;
extern const struct CMUnitTest r307_prefix_tests[];
extern const size_t r307_prefix_tests_n;
extern const struct CMUnitTest r307_scope_tests[];
extern const size_t r307_scope_tests_n;
extern const struct CMUnitTest r307_order_tests[];
extern const size_t r307_order_tests_n;
extern const struct CMUnitTest r307_chain_tests[];
extern const size_t r307_chain_tests_n;
extern const struct CMUnitTest r307_location_tests[];
extern const size_t r307_location_tests_n;
extern const struct CMUnitTest r307_escape_tests[];
extern const size_t r307_escape_tests_n;
extern const struct CMUnitTest r307_upgrade_tests[];
extern const size_t r307_upgrade_tests_n;
extern const struct CMUnitTest r307_map_tests[];
extern const size_t r307_map_tests_n;
extern const struct CMUnitTest r307_map_cache_tests[];
extern const size_t r307_map_cache_tests_n;

#define R307_NELTS(a) (sizeof(a) / sizeof((a)[0]))

#endif /* R307_TEST_UTIL_H */
