/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fz_pool_shim.h -- force-included (clang -include) into the core sources
 * when they are built for fuzzing.
 *
 * APR pools carve allocations out of 8 KB blocks, so AddressSanitizer cannot
 * see a read or write that runs a few bytes past a pool allocation: it is
 * still inside the block.  Here every apr_palloc/apr_pcalloc/apr_pstr*dup
 * the core makes becomes an exact-size malloc() that a pool cleanup frees,
 * so each buffer the core builds (escapes, templates, the Location) has
 * redzones of its own and any overrun is reported.
 */

#ifndef FZ_POOL_SHIM_H
#define FZ_POOL_SHIM_H

#include <apr_pools.h>
#include <apr_strings.h>

void *fz_palloc(apr_pool_t *p, apr_size_t size);
char *fz_pstrdup(apr_pool_t *p, const char *s);
char *fz_pstrndup(apr_pool_t *p, const char *s, apr_size_t n);
char *fz_pstrmemdup(apr_pool_t *p, const char *s, apr_size_t n);

#undef apr_palloc
#define apr_palloc(p, size) fz_palloc((p), (size))
/* apr_pcalloc is memset(apr_palloc(...)) in a non-debug APR. */
#define apr_pstrdup(p, s) fz_pstrdup((p), (s))
#define apr_pstrndup(p, s, n) fz_pstrndup((p), (s), (n))
#define apr_pstrmemdup(p, s, n) fz_pstrmemdup((p), (s), (n))

#endif /* FZ_POOL_SHIM_H */
