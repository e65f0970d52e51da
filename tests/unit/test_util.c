/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/* test_util.c -- helpers shared by the unit tests (no main here). */

#include "test_util.h"

#include <ctype.h>
#include <stdlib.h>

#include <apr_file_io.h>

apr_pool_t *r307_test_root;

int r307_group_setup(void **state)
{
    (void)state;
    if (apr_pool_create(&r307_test_root, NULL) != APR_SUCCESS) {
        return -1;
    }
    return 0;
}

int r307_group_teardown(void **state)
{
    (void)state;
    apr_pool_destroy(r307_test_root);
    r307_test_root = NULL;
    return 0;
}

int r307_test_setup(void **state)
{
    apr_pool_t *p;
    if (apr_pool_create(&p, r307_test_root) != APR_SUCCESS) {
        return -1;
    }
    *state = p;
    return 0;
}

int r307_test_teardown(void **state)
{
    apr_pool_destroy(POOL(state));
    *state = NULL;
    return 0;
}

const char *r307_show(apr_pool_t *p, const char *s)
{
    const unsigned char *u;
    char *out, *o;
    if (s == NULL) {
        return "(NULL)";
    }
    out = o = apr_palloc(p, 4 * strlen(s) + 3);
    *o++ = '"';
    for (u = (const unsigned char *)s; *u; u++) {
        if (*u < 0x20 || *u >= 0x7f || *u == '\\' || *u == '"') {
            o += sprintf(o, "\\x%02x", *u);
        }
        else {
            *o++ = (char)*u;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

static void report(const char *what, const char *got, const char *expected,
                   const char *file, int line, const char *how)
{
    apr_pool_t *p;
    apr_pool_create(&p, NULL);
    print_error("%s:%d: %s\n    %s\n    got:      %s\n    expected: %s\n",
                file, line, how, what, r307_show(p, got),
                r307_show(p, expected));
    apr_pool_destroy(p);
    _fail(file, line);
}

void r307_assert_str(const char *got, const char *expected,
                     const char *what, const char *file, int line)
{
    if (got == NULL || expected == NULL) {
        if (got != expected) {
            report(what, got, expected, file, line, "string mismatch");
        }
        return;
    }
    if (strcmp(got, expected) != 0) {
        report(what, got, expected, file, line, "string mismatch");
    }
}

static int uri_equal(const char *a, const char *b)
{
    int hex = 0;
    for (;; a++, b++) {
        if (hex > 0) {
            if (toupper((unsigned char)*a) != toupper((unsigned char)*b)) {
                return 0;
            }
            hex--;
        }
        else if (*a != *b) {
            return 0;
        }
        else if (*a == '%') {
            hex = 2;
        }
        if (*a == '\0') {
            return *b == '\0';
        }
    }
}

void r307_assert_uri(const char *got, const char *expected,
                     const char *what, const char *file, int line)
{
    if (got == NULL || expected == NULL) {
        if (got != expected) {
            report(what, got, expected, file, line, "URI mismatch");
        }
        return;
    }
    if (!uri_equal(got, expected)) {
        report(what, got, expected, file, line,
               "URI mismatch (hex digits after '%' compared without case)");
    }
}

void r307_assert_contains(const char *hay, const char *needle,
                          const char *what, const char *file, int line)
{
    if (hay == NULL || strstr(hay, needle) == NULL) {
        report(what, hay, needle, file, line,
               "string does not contain the expected text");
    }
}

r307_rule_t *r307_parse_ok(apr_pool_t *p, r307_kind_e kind, int status,
                           const char *pattern, const char *target,
                           const char *file, int line)
{
    r307_rule_t *rule = NULL;
    const char *err = r307_rule_parse(p, &rule, kind, status, pattern,
                                      target, "test.conf", (unsigned)line);
    if (err != NULL) {
        print_error("%s:%d: rule (kind %d) %s -> %s refused: %s\n", file, line,
                    (int)kind, r307_show(p, pattern), r307_show(p, target),
                    err);
        _fail(file, line);
    }
    if (rule == NULL) {
        print_error("%s:%d: r307_rule_parse returned NULL but no rule\n",
                    file, line);
        _fail(file, line);
    }
    return rule;
}

const char *r307_parse_err(apr_pool_t *p, r307_kind_e kind,
                           const char *pattern, const char *target,
                           const char *file, int line)
{
    r307_rule_t *rule = NULL;
    const char *err = r307_rule_parse(p, &rule, kind, 307, pattern, target,
                                      "test.conf", (unsigned)line);
    if (err == NULL) {
        print_error("%s:%d: rule (kind %d) %s -> %s accepted, expected an "
                    "error\n", file, line, (int)kind,
                    r307_show(p, pattern), r307_show(p, target));
        _fail(file, line);
    }
    if (*err == '\0') {
        print_error("%s:%d: empty error message\n", file, line);
        _fail(file, line);
    }
    return err;
}

const char *r307_loc1(apr_pool_t *p, r307_kind_e kind, const char *pattern,
                      const char *target, const char *path, const char *args,
                      const char *file, int line)
{
    r307_rule_t *rule = r307_parse_ok(p, kind, 307, pattern, target,
                                      file, line);
    r307_scope_t *scope = r307_scope_make(p, 0);
    r307_match_t m;
    const char *loc;

    r307_scope_add(scope, rule);
    memset(&m, 0, sizeof(m));
    if (!r307_scope_match(scope, path, p, &m, NULL)) {
        print_error("%s:%d: rule %s -> %s does not match path %s\n", file,
                    line, r307_show(p, pattern), r307_show(p, target),
                    r307_show(p, path));
        _fail(file, line);
    }
    if (m.rule != rule) {
        print_error("%s:%d: match names the wrong rule\n", file, line);
        _fail(file, line);
    }
    loc = r307_location_build(p, &m, args);
    if (loc == NULL) {
        print_error("%s:%d: r307_location_build returned NULL\n", file, line);
        _fail(file, line);
    }
    return loc;
}

int r307_all_visible(const char *s)
{
    const unsigned char *u;
    for (u = (const unsigned char *)s; *u; u++) {
        if (*u < 0x21 || *u >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

uint32_t r307_rand(uint32_t *seed)
{
    /* xorshift32 */
    uint32_t x = *seed;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *seed = x;
    return x;
}

r307_map_t *r307_map_ok(apr_pool_t *p, const char *file, const char *text,
                        int status, const char *srcfile, int srcline)
{
    r307_map_t *map = NULL;
    const char *err = r307_map_parse(p, &map, file, text, strlen(text),
                                     status);
    if (err != NULL) {
        print_error("%s:%d: map %s refused: %s\n", srcfile, srcline,
                    r307_show(p, text), err);
        _fail(srcfile, srcline);
    }
    if (map == NULL) {
        print_error("%s:%d: r307_map_parse returned NULL but no map\n",
                    srcfile, srcline);
        _fail(srcfile, srcline);
    }
    return map;
}

const char *r307_map_err(apr_pool_t *p, const char *file, const char *text,
                         int status, const char *srcfile, int srcline)
{
    r307_map_t *map = (r307_map_t *)1;
    const char *err = r307_map_parse(p, &map, file, text, strlen(text),
                                     status);
    if (err == NULL) {
        print_error("%s:%d: map %s accepted, expected an error\n", srcfile,
                    srcline, r307_show(p, text));
        _fail(srcfile, srcline);
    }
    if (map != NULL) {
        print_error("%s:%d: map refused (%s) but *map is not NULL\n",
                    srcfile, srcline, err);
        _fail(srcfile, srcline);
    }
    return err;
}

static apr_status_t r307_temp_dir_remove(void *data)
{
    /* Only what the tests write: plain files and subdirectories one level
     * deep, so no recursive removal helper is needed. */
    const char *dir = data;
    apr_pool_t *p;
    apr_dir_t *d;
    apr_finfo_t fi;

    apr_pool_create(&p, NULL);
    if (apr_dir_open(&d, dir, p) == APR_SUCCESS) {
        while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
               == APR_SUCCESS) {
            const char *path;
            if (!strcmp(fi.name, ".") || !strcmp(fi.name, "..")) {
                continue;
            }
            path = apr_pstrcat(p, dir, "/", fi.name, NULL);
            if (fi.filetype == APR_DIR) {
                r307_temp_dir_remove((void *)path);
            }
            else {
                apr_file_remove(path, p);
            }
        }
        apr_dir_close(d);
    }
    apr_dir_remove(dir, p);
    apr_pool_destroy(p);
    return APR_SUCCESS;
}

const char *r307_temp_dir(apr_pool_t *p)
{
    char *dir = apr_pstrdup(p, "/tmp/r307-unit-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        print_error("mkdtemp failed\n");
        fail();
    }
    apr_pool_cleanup_register(p, dir, r307_temp_dir_remove,
                              apr_pool_cleanup_null);
    return dir;
}

const char *r307_write_file(apr_pool_t *p, const char *path,
                            const char *data, apr_size_t len)
{
    apr_file_t *f;
    apr_size_t n = len;
    if (apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                      | APR_FOPEN_TRUNCATE, APR_OS_DEFAULT, p)
        != APR_SUCCESS) {
        print_error("cannot write %s\n", path);
        fail();
    }
    if (len > 0 && apr_file_write_full(f, data, len, &n) != APR_SUCCESS) {
        apr_file_close(f);
        print_error("cannot write %s\n", path);
        fail();
    }
    apr_file_close(f);
    return path;
}
