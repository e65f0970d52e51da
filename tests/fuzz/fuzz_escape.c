/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_escape.c -- the core's string functions, each against a naive
 * reference: r307_escape_path, r307_escape_uri_text (arbitrary bytes, NULs
 * included), r307_unescape, r307_path_collapse, r307_resolve_dots and
 * r307_prefix_matches.
 *
 * Input: arbitrary bytes.  The escapes and r307_unescape take all of it;
 * the string functions take the first two NUL-separated fields as a path
 * and a URL-path prefix.
 */

#include "fz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *s, *got, *want;
    char *f[2];
    size_t n, i;

    apr_pool_create(&p, fz_root);
    s = fz_dup(p, (const char *)data, size);

    got = r307_escape_path(p, s, size);
    want = fz_ref_escape_path(p, s, size);
    FZ_CHECK(strcmp(got, want) == 0, "escape_path(%s) = %s, expected %s",
             fz_show(p, s, size), FZ_SHOW(p, got), FZ_SHOW(p, want));
    {
        /* ... and decodes back to the input */
        const char *back = fz_ref_unescape(p, got, strlen(got), &n);
        FZ_CHECK(n == size && memcmp(back, s, size) == 0,
                 "escape_path(%s) does not decode back",
                 fz_show(p, s, size));
    }

    got = r307_escape_uri_text(p, s, size);
    want = fz_ref_escape_uri(p, s, size);
    FZ_CHECK(strcmp(got, want) == 0, "escape_uri_text(%s) = %s, expected %s",
             fz_show(p, s, size), FZ_SHOW(p, got), FZ_SHOW(p, want));
    for (i = 0; got[i]; i++) {
        FZ_CHECK(fz_uri_char((unsigned char)got[i]), "escape_uri_text(%s) "
                 "left byte 0x%02x", fz_show(p, s, size),
                 (unsigned char)got[i]);
    }

    got = r307_unescape(p, s, size);
    want = fz_ref_unescape(p, s, size, &n);
    FZ_CHECK(memcmp(got, want, n + 1) == 0, "unescape(%s) = %s, expected %s",
             fz_show(p, s, size), fz_show(p, got, n), fz_show(p, want, n));

    fz_fields(p, data, size, f, 2);
    got = r307_path_collapse(p, f[0]);
    want = fz_ref_collapse(p, f[0]);
    FZ_CHECK(strcmp(got, want) == 0, "collapse(%s) = %s, expected %s",
             FZ_SHOW(p, f[0]), FZ_SHOW(p, got), FZ_SHOW(p, want));

    got = r307_resolve_dots(p, f[0]);
    want = fz_ref_dots(p, f[0]);
    FZ_CHECK(strcmp(got, want) == 0, "resolve_dots(%s) = %s, expected %s",
             FZ_SHOW(p, f[0]), FZ_SHOW(p, got), FZ_SHOW(p, want));

    /* Callers pass URL-paths starting with '/' (rules refuse others). */
    if (f[1] && f[1][0] == '/') {
        apr_size_t c = r307_prefix_matches(f[0], f[1]);
        const char *cp = fz_ref_collapse(p, f[0]);
        const char *ck = fz_ref_collapse(p, f[1]);
        int ref = fz_ref_prefix(cp, ck);

        FZ_CHECK((c > 0) == ref, "prefix_matches(%s, %s) = %zu, reference "
                 "%d", FZ_SHOW(p, f[0]), FZ_SHOW(p, f[1]), (size_t)c, ref);
        if (c > 0) {
            const char *covered = fz_ref_collapse(p, apr_pstrndup(p, f[0],
                                                                  c));
            FZ_CHECK(c <= strlen(f[0]) && strcmp(covered, ck) == 0,
                     "prefix_matches(%s, %s) covers %zu bytes",
                     FZ_SHOW(p, f[0]), FZ_SHOW(p, f[1]), (size_t)c);
        }
    }
    apr_pool_destroy(p);
    return 0;
}
