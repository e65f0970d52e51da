/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fz_pool_shim.c -- exact-size allocations tied to a pool's lifetime (see
 * fz_pool_shim.h).  Built WITHOUT the shim header, so apr_* here are APR's.
 */

#include <stdlib.h>
#include <string.h>

#include <apr_pools.h>
#include <apr_strings.h>

void *fz_palloc(apr_pool_t *p, apr_size_t size);
char *fz_pstrdup(apr_pool_t *p, const char *s);
char *fz_pstrndup(apr_pool_t *p, const char *s, apr_size_t n);
char *fz_pstrmemdup(apr_pool_t *p, const char *s, apr_size_t n);

static apr_status_t fz_free(void *block)
{
    free(block);
    return APR_SUCCESS;
}

void *fz_palloc(apr_pool_t *p, apr_size_t size)
{
    /* malloc(0) may return NULL; a pool never does. */
    void *block = malloc(size ? size : 1);

    if (!block) {
        abort();
    }
    apr_pool_cleanup_register(p, block, fz_free, apr_pool_cleanup_null);
    return block;
}

char *fz_pstrmemdup(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *out;

    if (!s) {
        return NULL;
    }
    out = fz_palloc(p, n + 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

char *fz_pstrdup(apr_pool_t *p, const char *s)
{
    return s ? fz_pstrmemdup(p, s, strlen(s)) : NULL;
}

char *fz_pstrndup(apr_pool_t *p, const char *s, apr_size_t n)
{
    return s ? fz_pstrmemdup(p, s, strnlen(s, n)) : NULL;
}
