/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 */

/*
 * r307_internal.h -- helpers the core's files share with one another; not
 * part of the API the glue, tests and fuzzers use (r307_core.h).
 */

#ifndef R307_INTERNAL_H
#define R307_INTERNAL_H

#include "r307_core.h"

/* Check 'text' as a target and pre-escape it into 't'; 'name' starts any
 * error message. */
const char *r307_target_parse(apr_pool_t *p, r307_target_t *t,
                              r307_kind_e kind, const char *name,
                              const char *text);

/* Percent-escape every byte of s[0..len) that 'keep' refuses. */
char *r307_escape_keeping(apr_pool_t *p, const char *s, apr_size_t len,
                          int (*keep)(unsigned char));

/* Decode %XX escapes; invalid escapes stay as written. */
char *r307_unescape(apr_pool_t *p, const char *s, apr_size_t len);

/* Remove "." and ".." segments as a client resolving a Location does. */
char *r307_resolve_dots(apr_pool_t *p, const char *path);

#endif /* R307_INTERNAL_H */
