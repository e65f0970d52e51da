/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fz_common.h -- what the libFuzzer harnesses of the pure core share:
 * APR set-up, splitting an input into fields, naive reference versions of
 * the core's string functions, and the invariants every Location must keep.
 * A violated invariant abort()s, so libFuzzer saves the input as a crash.
 */

#ifndef FZ_COMMON_H
#define FZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "r307_core.h"
#include "r307_internal.h"

/* Lives for the whole run; every input gets a sub-pool of its own. */
extern apr_pool_t *fz_root;

void fz_fail(const char *file, int line, const char *cond,
             const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

#define FZ_CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
        } \
    } while (0)

/* Printable, C-escaped, quoted form of a possibly binary string. */
const char *fz_show(apr_pool_t *p, const char *s, size_t len);
#define FZ_SHOW(p, s) ((s) ? fz_show((p), (s), strlen(s)) : "(null)")

/* Exact-size copy freed with 'p' (overruns are seen by ASan). */
char *fz_dup(apr_pool_t *p, const char *s, size_t len);

/* Split data at NUL bytes into at most 'n' fields (the last one ends at the
 * next NUL too); missing fields are NULL.  Returns the fields present. */
int fz_fields(apr_pool_t *p, const uint8_t *data, size_t size, char **out,
              int n);

/* Split 'text' at '\n' (exact-size copies, a trailing '\r' kept). */
apr_array_header_t *fz_lines(apr_pool_t *p, const char *text, size_t len);

size_t fz_count(const char *s, char c);

/* ---- naive reference implementations ------------------------------- */

/* A byte RFC 3986 allows in a URI as written (unreserved, gen-delims,
 * sub-delims, '%'). */
int fz_uri_char(unsigned char c);
/* pchar and '/' (what r307_escape_path keeps). */
int fz_path_safe(unsigned char c);
/* %XX for bytes RFC 3986 does not allow; '%' kept. */
char *fz_ref_escape_uri(apr_pool_t *p, const char *s, size_t len);
/* %XX for everything but pchar and '/'. */
char *fz_ref_escape_path(apr_pool_t *p, const char *s, size_t len);
/* %XX decoded, invalid escapes kept; *outlen gets the length. */
char *fz_ref_unescape(apr_pool_t *p, const char *s, size_t len,
                      size_t *outlen);
char *fz_ref_collapse(apr_pool_t *p, const char *s);
/* RFC 3986 5.2.4 remove_dot_segments, on a path made to start with '/'. */
char *fz_ref_dots(apr_pool_t *p, const char *s);
/* A regex target's literal text: a backslash before '$' or a backslash is
 * dropped, as the template does. */
char *fz_ref_unbackslash(apr_pool_t *p, const char *s);
/* PREFIX semantics on collapsed strings: 1 if 'path' lies in 'key'. */
int fz_ref_prefix(const char *path, const char *key);
/* A target as r307_target_parse spells it: "scheme://authority" gets a '/'
 * when its path is empty.  NULL if 'text' is neither absolute nor /path. */
char *fz_ref_spelled(apr_pool_t *p, const char *text, size_t *origin_len);

/* ---- invariants ----------------------------------------------------- */

/* Checks a Location built for match 'm' with request query 'args'.  'path'
 * is for messages only. */
void fz_check_location(apr_pool_t *p, const r307_match_t *m,
                       const char *args, const char *loc, const char *path);

/* Checks a successfully parsed target against its raw text. */
void fz_check_target(apr_pool_t *p, const r307_target_t *t, r307_kind_e kind,
                     const char *raw);

/* A logger that formats everything (exercises the trace messages). */
extern const r307_logger_t fz_logger;

#endif /* FZ_COMMON_H */
