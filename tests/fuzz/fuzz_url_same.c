/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_url_same.c -- r307_url_same, the run-time loop detection.
 *
 * Input: a \0 b \0 c.  Checked: reflexive, symmetric, transitive; an
 * absolute URL is the same as itself with the scheme and host upper-cased,
 * with the scheme's default port spelled out, and with a fragment added.
 */

#include <apr_lib.h>

#include "fz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *f[3];
    int n, i, j, k;
    const char *sep;

    apr_pool_create(&p, fz_root);
    n = fz_fields(p, data, size, f, 3);
    for (i = 0; i < n; i++) {
        FZ_CHECK(r307_url_same(p, f[i], f[i]), "%s is not the same as itself",
                 FZ_SHOW(p, f[i]));
        for (j = 0; j < n; j++) {
            int ij = r307_url_same(p, f[i], f[j]);
            FZ_CHECK(ij == r307_url_same(p, f[j], f[i]), "not symmetric: %s, "
                     "%s", FZ_SHOW(p, f[i]), FZ_SHOW(p, f[j]));
            for (k = 0; k < n && ij; k++) {
                FZ_CHECK(!r307_url_same(p, f[j], f[k])
                         || r307_url_same(p, f[i], f[k]),
                         "not transitive: %s, %s, %s", FZ_SHOW(p, f[i]),
                         FZ_SHOW(p, f[j]), FZ_SHOW(p, f[k]));
            }
        }
    }

    sep = strstr(f[0], "://");
    if (sep && sep != f[0]) {
        const char *a = f[0];
        size_t slen = (size_t)(sep - a);
        size_t hlen = strcspn(sep + 3, "/?#");
        const char *host = sep + 3;
        char *upper = apr_pstrdup(p, a);
        const char *variant;

        for (i = 0; (size_t)i < slen + 3 + hlen; i++) {
            upper[i] = (char)apr_toupper(upper[i]);
        }
        FZ_CHECK(r307_url_same(p, a, upper), "%s differs from %s",
                 FZ_SHOW(p, a), FZ_SHOW(p, upper));
        if (!strchr(a, '#')) {
            variant = apr_pstrcat(p, a, "#frag", NULL);
            FZ_CHECK(r307_url_same(p, a, variant), "%s differs from %s",
                     FZ_SHOW(p, a), FZ_SHOW(p, variant));
        }
        if (!memchr(host, ':', hlen) && !memchr(host, '@', hlen)
            && !memchr(host, '[', hlen)
            && ((slen == 4 && strncasecmp(a, "http", 4) == 0)
                || (slen == 5 && strncasecmp(a, "https", 5) == 0))) {
            variant = apr_pstrcat(p, apr_pstrndup(p, a, slen + 3 + hlen),
                                  slen == 4 ? ":80" : ":443",
                                  host + hlen, NULL);
            FZ_CHECK(r307_url_same(p, a, variant), "%s differs from %s",
                     FZ_SHOW(p, a), FZ_SHOW(p, variant));
        }
    }
    apr_pool_destroy(p);
    return 0;
}
