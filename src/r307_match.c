/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 */

/*
 * r307_match.c -- finding the first rule of a scope that matches a path.
 *
 * "First match in written order" is kept without scanning every rule:
 * prefix rules sit in a hash keyed by their collapsed URL-path, holding the
 * earliest rule written for each key, and a path is probed once for each of
 * its segment boundaries.  The earliest prefix hit bounds the regex scan:
 * only regex rules written before it can still win.  The cost of a lookup
 * thus grows with the depth of the path and the number of regex rules, not
 * with the number of prefix rules.
 */

#include <limits.h>
#include <string.h>

#include <apr_strings.h>

#include "r307_core.h"

static void r307_logf(const r307_logger_t *log, int level, apr_pool_t *p,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void r307_logf(const r307_logger_t *log, int level, apr_pool_t *p,
                      const char *fmt, ...)
{
    va_list ap;

    if (!log || !log->log || level > log->level) {
        return;
    }
    va_start(ap, fmt);
    log->log(log->baton, level, apr_pvsprintf(p, fmt, ap));
    va_end(ap);
}

char *r307_path_collapse(apr_pool_t *p, const char *path)
{
    char *out = apr_palloc(p, strlen(path) + 1);
    char *o = out;

    while (*path) {
        *o++ = *path;
        if (*path++ == '/') {
            while (*path == '/') {
                path++;
            }
        }
    }
    *o = '\0';
    return out;
}

apr_size_t r307_prefix_matches(const char *path, const char *prefix)
{
    const char *u = path;
    const char *a = prefix;

    if (!*a) {
        return 0;       /* no URL-path is empty; and a[-1] below needs one */
    }
    while (*a) {
        if (*a == '/') {
            if (*u != '/') {
                return 0;
            }
            while (*a == '/') {
                a++;
            }
            while (*u == '/') {
                u++;
            }
        }
        else if (*u++ != *a++) {
            return 0;
        }
    }
    /* A segment boundary: the prefix ended on '/', or the path ends or goes
     * on with '/' right here ("/old" covers "/old/x", never "/older"). */
    if (a[-1] != '/' && *u != '\0' && *u != '/') {
        return 0;
    }
    return (apr_size_t)(u - path);
}

r307_scope_t *r307_scope_make(apr_pool_t *p, int late)
{
    r307_scope_t *scope = apr_pcalloc(p, sizeof(*scope));

    scope->pool = p;
    scope->rules = apr_array_make(p, 4, sizeof(r307_rule_t *));
    scope->prefix_index = apr_hash_make(p);
    scope->regexes = apr_array_make(p, 2, sizeof(r307_rule_t *));
    scope->maps = apr_array_make(p, 1, sizeof(r307_scope_map_t));
    scope->late = late;
    return scope;
}

void r307_scope_add_map(r307_scope_t *scope, const r307_map_t *map)
{
    r307_scope_map_t *at = apr_array_push(scope->maps);

    at->map = map;
    at->seq = scope->next_seq++;
    if (!scope->origin) {
        scope->origin = apr_pstrdup(scope->pool, map->file);
    }
}

void r307_scope_add(r307_scope_t *scope, r307_rule_t *rule)
{
    rule->seq = scope->next_seq++;
    APR_ARRAY_PUSH(scope->rules, r307_rule_t *) = rule;
    if (!scope->origin) {
        scope->origin = apr_psprintf(scope->pool, "%s:%u", rule->file,
                                     rule->line);
    }
    if (rule->kind == R307_KIND_PREFIX) {
        /* Only the earliest rule of a key can ever win. */
        if (!apr_hash_get(scope->prefix_index, rule->key, rule->key_len)) {
            apr_hash_set(scope->prefix_index, rule->key, rule->key_len, rule);
        }
    }
    else {
        APR_ARRAY_PUSH(scope->regexes, r307_rule_t *) = rule;
    }
}

static const r307_rule_t *r307_probe(const r307_scope_t *scope,
                                     const char *path, apr_size_t len,
                                     const r307_rule_t *best)
{
    const r307_rule_t *hit = apr_hash_get(scope->prefix_index, path, len);

    if (hit && (!best || hit->seq < best->seq)) {
        return hit;
    }
    return best;
}

/* The earliest prefix rule covering 'path' (already collapsed). */
static const r307_rule_t *r307_prefix_lookup(const r307_scope_t *scope,
                                             const char *path)
{
    const r307_rule_t *best = NULL;
    apr_size_t i;

    for (i = 0; path[i]; i++) {
        if (path[i] == '/') {
            if (i > 0) {
                best = r307_probe(scope, path, i, best);
            }
            best = r307_probe(scope, path, i + 1, best);
        }
    }
    if (i > 0 && path[i - 1] != '/') {
        best = r307_probe(scope, path, i, best);
    }
    return best;
}

/* The earliest map of the scope that lists 'path' (already collapsed), as
 * a rule made for this request; NULL if none does or 'bound' comes first. */
static r307_rule_t *r307_map_lookup(const r307_scope_t *scope,
                                    const char *path, unsigned bound,
                                    apr_pool_t *p)
{
    apr_size_t len = strlen(path);
    int i;

    for (i = 0; i < scope->maps->nelts; i++) {
        const r307_scope_map_t *at = &APR_ARRAY_IDX(scope->maps, i,
                                                    r307_scope_map_t);
        const r307_map_entry_t *e;
        r307_rule_t *rule;

        if (at->seq >= bound) {
            break;
        }
        e = apr_hash_get(at->map->entries, path, len);
        if (!e) {
            continue;
        }
        rule = apr_pcalloc(p, sizeof(*rule));
        rule->kind = R307_KIND_EXACT;
        rule->status = e->status;
        rule->pattern = path;
        rule->file = at->map->file;
        rule->line = e->line;
        rule->seq = at->seq;
        rule->target.text = e->target;
        rule->target.escaped = e->target;
        rule->target.absolute = e->absolute;
        rule->target.path_end = e->path_end;
        rule->target.has_query = e->has_query;
        rule->target.max_ref = -1;
        return rule;
    }
    return NULL;
}

static void *r307_pcre2_alloc(PCRE2_SIZE size, void *pool)
{
    return apr_palloc(pool, size);
}

static void r307_pcre2_free(void *block, void *pool)
{
    (void)block;
    (void)pool;
}

static int r307_regex_try(const r307_rule_t *rule, const char *path,
                          pcre2_match_data *md, r307_match_t *m)
{
    int rc;
    int i;
    PCRE2_SIZE *ov;

    if (rule->kind == R307_KIND_WHOLE) {
        m->ncaptures = 0;
        return 1;
    }
    rc = pcre2_match(rule->re, (PCRE2_SPTR)path, PCRE2_ZERO_TERMINATED, 0, 0,
                     md, NULL);
    if (rc < 0) {
        return 0;
    }
    /* rc == 0: more groups than the ovector holds; $0..$9 are all set. */
    m->ncaptures = rc == 0 ? R307_MAX_CAPTURE + 1 : rc;
    ov = pcre2_get_ovector_pointer(md);
    for (i = 0; i < 2 * m->ncaptures; i++) {
        m->ovector[i] = ov[i];
    }
    return 1;
}

/* r307_scope_match, with the collapsed path kept in '*collapsed_once' so
 * the scopes of one chain collapse it once per request, not once each. */
static int r307_scope_find(const r307_scope_t *scope, const char *path,
                           const char **collapsed_once, apr_pool_t *p,
                           r307_match_t *m, const r307_logger_t *log)
{
    const r307_rule_t *indexed = NULL;
    const char *collapsed = NULL;
    pcre2_general_context *gctx = NULL;
    pcre2_match_data *md = NULL;
    int i;

    memset(m, 0, sizeof(*m));
    if (apr_hash_count(scope->prefix_index) > 0 || scope->maps->nelts > 0) {
        const r307_rule_t *exact;

        if (!*collapsed_once) {
            *collapsed_once = r307_path_collapse(p, path);
        }
        collapsed = *collapsed_once;
        indexed = r307_prefix_lookup(scope, collapsed);
        exact = r307_map_lookup(scope, collapsed,
                                indexed ? indexed->seq : UINT_MAX, p);
        if (exact) {
            indexed = exact;
        }
    }

    /* Only regex rules written before the indexed hit can still win. */
    for (i = 0; i < scope->regexes->nelts; i++) {
        const r307_rule_t *rule = APR_ARRAY_IDX(scope->regexes, i,
                                                const r307_rule_t *);
        if (indexed && rule->seq > indexed->seq) {
            break;
        }
        if (rule->kind == R307_KIND_REGEX && !md) {
            gctx = pcre2_general_context_create(r307_pcre2_alloc,
                                                r307_pcre2_free, p);
            md = pcre2_match_data_create(R307_MAX_CAPTURE + 1, gctx);
        }
        if (r307_regex_try(rule, path, md, m)) {
            m->rule = rule;
            m->subject = path;
            r307_logf(log, R307_LOG_TRACE1, p, "%s:%u: '%s' matches %s",
                      rule->file, rule->line,
                      rule->pattern ? rule->pattern : "(whole section)",
                      path);
            return 1;
        }
        r307_logf(log, R307_LOG_TRACE3, p, "%s:%u: regex '%s' does not "
                  "match %s", rule->file, rule->line, rule->pattern, path);
    }

    if (indexed) {
        m->rule = indexed;
        m->subject = collapsed;
        m->consumed = indexed->kind == R307_KIND_PREFIX ? indexed->key_len
                                                        : strlen(collapsed);
        r307_logf(log, R307_LOG_TRACE1, p, "%s:%u: %s '%s' matches %s",
                  indexed->file, indexed->line,
                  indexed->kind == R307_KIND_PREFIX ? "URL-path" : "map entry",
                  indexed->kind == R307_KIND_PREFIX ? indexed->pattern
                                                    : collapsed, path);
        return 1;
    }
    r307_logf(log, R307_LOG_TRACE3, p, "no rule of %u matches %s (%u "
              "URL-path prefix%s indexed, %d map%s probed, %d regex%s tried)",
              scope->next_seq, path,
              apr_hash_count(scope->prefix_index),
              apr_hash_count(scope->prefix_index) == 1 ? "" : "es",
              scope->maps->nelts, scope->maps->nelts == 1 ? "" : "s",
              scope->regexes->nelts, scope->regexes->nelts == 1 ? "" : "es");
    return 0;
}

int r307_scope_match(const r307_scope_t *scope, const char *path,
                     apr_pool_t *p, r307_match_t *m,
                     const r307_logger_t *log)
{
    const char *collapsed = NULL;

    return r307_scope_find(scope, path, &collapsed, p, m, log);
}

int r307_chain_match(const apr_array_header_t *chain, int late,
                     const char *path, apr_pool_t *p, r307_match_t *m,
                     const r307_logger_t *log)
{
    const char *collapsed = NULL;
    int i;

    for (i = 0; i < chain->nelts; i++) {
        const r307_scope_t *scope = APR_ARRAY_IDX(chain, i,
                                                  const r307_scope_t *);
        if (scope->late != late) {
            continue;
        }
        r307_logf(log, R307_LOG_TRACE1, p, "%s: trying the %u rule%s of "
                  "the section starting at %s on %s",
                  late ? "fixups" : "translate_name", scope->next_seq,
                  scope->next_seq == 1 ? "" : "s", scope->origin, path);
        if (r307_scope_find(scope, path, &collapsed, p, m, log)) {
            return 1;
        }
    }
    return 0;
}
