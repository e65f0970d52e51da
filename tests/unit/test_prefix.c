/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_prefix.c -- r307_prefix_matches (mod_alias's alias_matches semantics:
 * segment boundary, runs of '/' count as one, the result is the number of
 * bytes of the *uncollapsed* path covered) and r307_path_collapse.
 */

#include "test_util.h"

#define PM(path, prefix, expected) \
    do { \
        apr_size_t got_ = r307_prefix_matches((path), (prefix)); \
        if (got_ != (apr_size_t)(expected)) { \
            print_error("r307_prefix_matches(\"%s\", \"%s\") = %lu, " \
                        "expected %lu\n", (path), (prefix), \
                        (unsigned long)got_, (unsigned long)(expected)); \
            _fail(__FILE__, __LINE__); \
        } \
    } while (0)

static void prefix_segment_boundary(void **state)
{
    (void)state;
    PM("/old", "/old", 4);
    PM("/old/x", "/old", 4);
    PM("/old/x/y.html", "/old", 4);
    PM("/older", "/old", 0);
    PM("/old.html", "/old", 0);
    PM("/old-x", "/old", 0);
    PM("/ol", "/old", 0);
    PM("/", "/old", 0);
    PM("", "/old", 0);
    PM("/new/old", "/old", 0);
    PM("/OLD", "/old", 0);
    PM("/Old/x", "/old", 0);
    PM("/a/b/c", "/a/b", 4);
    PM("/a/bc", "/a/b", 0);
    PM("/a/b", "/a/b/c", 0);
}

static void prefix_trailing_slash(void **state)
{
    (void)state;
    /* "/old/" matches "/old/" and "/old/x" but not "/old" */
    PM("/old/", "/old/", 5);
    PM("/old/x", "/old/", 5);
    PM("/old", "/old/", 0);
    PM("/older/x", "/old/", 0);
    PM("/old/x/", "/old/x/", 7);
    PM("/old/x", "/old/x/", 0);
}

static void prefix_root(void **state)
{
    (void)state;
    PM("/", "/", 1);
    PM("/anything", "/", 1);
    PM("/a/b/c", "/", 1);
    PM("", "/", 0);
    PM("*", "/", 0);
}

static void prefix_slash_runs(void **state)
{
    (void)state;
    /* runs of '/' in path or prefix count as one; the covered length is
     * measured in the path as given */
    PM("//old", "/old", 5);
    PM("//old///x", "/old", 5);
    PM("/old//x", "/old", 4);
    PM("/a//b/c", "/a/b", 5);
    PM("/a/b/c", "/a//b", 4);
    PM("/a///b", "//a/b", 6);
    PM("/old///x", "/old/", 7);
    PM("/old//", "/old/", 6);
    PM("///", "/", 3);
    PM("///x", "/", 3);
    PM("//older", "/old", 0);
    PM("/a//bc", "/a/b", 0);
}

#define COLLAPSE(in, expected) \
    assert_str(r307_path_collapse(p, (in)), (expected))

static void collapse(void **state)
{
    apr_pool_t *p = POOL(state);
    COLLAPSE("/a/b/c", "/a/b/c");
    COLLAPSE("/a//b///c", "/a/b/c");
    COLLAPSE("//a", "/a");
    COLLAPSE("///", "/");
    COLLAPSE("//", "/");
    COLLAPSE("/", "/");
    COLLAPSE("", "");
    COLLAPSE("/a/", "/a/");
    COLLAPSE("/a//", "/a/");
    COLLAPSE("a//b", "a/b");
    COLLAPSE("/a/./b", "/a/./b");       /* only slashes, nothing else */
    COLLAPSE("/%2F%2F/x", "/%2F%2F/x");
    COLLAPSE("/caf\xc3\xa9//x", "/caf\xc3\xa9/x");
}

static void collapse_does_not_modify_input(void **state)
{
    apr_pool_t *p = POOL(state);
    char in[] = "//a//b";
    char *out = r307_path_collapse(p, in);
    assert_str(in, "//a//b");
    assert_str(out, "/a/b");
}

/* An empty prefix matches nothing (and is not read before its start:
 * found reading the code while fuzzing, an ASan heap overflow). */
static void prefix_empty_matches_nothing(void **state)
{
    (void)state;
    assert_int_equal(r307_prefix_matches("/x", ""), 0);
    assert_int_equal(r307_prefix_matches("", ""), 0);
}

const struct CMUnitTest r307_prefix_tests[] = {
    T(prefix_empty_matches_nothing),
    T(prefix_segment_boundary),
    T(prefix_trailing_slash),
    T(prefix_root),
    T(prefix_slash_runs),
    T(collapse),
    T(collapse_does_not_modify_input),
};
const size_t r307_prefix_tests_n = R307_NELTS(r307_prefix_tests);
