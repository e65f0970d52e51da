/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 */

/*
 * r307_core.h -- the pure core of mod_redirect307.
 *
 * Everything here depends on APR and PCRE2 only: no request_rec, no
 * cmd_parms, no httpd headers.  The httpd glue (mod_redirect307.c), the unit
 * tests and the fuzzers all call this API, so every decision that can be made
 * without httpd -- parsing a rule, validating and escaping its target,
 * finding the first matching rule of a scope, expanding the Location -- is
 * made here, where it can be tested in isolation.
 *
 * Vocabulary:
 *   rule   one Redirect307/308[Match] directive (or, later, a map entry).
 *   scope  the rules written in one configuration section (server config,
 *          a <VirtualHost>, a <Location>, a <Directory>, one .htaccess ...),
 *          in the order written.  Within a scope the first matching rule
 *          wins; the glue chains scopes innermost first.
 */

#ifndef R307_CORE_H
#define R307_CORE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_hash.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Log levels: numerically identical to httpd's APLOG_* so the glue passes
 * them straight through (R307_LOG_TRACE1 == APLOG_TRACE1 == 8). */
#define R307_LOG_ERR     3
#define R307_LOG_WARNING 4
#define R307_LOG_NOTICE  5
#define R307_LOG_INFO    6
#define R307_LOG_DEBUG   7
#define R307_LOG_TRACE1  8
#define R307_LOG_TRACE3  10

/* The core never writes anywhere itself: the caller supplies this.  'level'
 * is the highest level the caller wants; the core formats nothing above it,
 * so a disabled trace costs one comparison. */
typedef struct r307_logger_t {
    void (*log)(void *baton, int level, const char *message);
    void *baton;
    int level;
} r307_logger_t;

/* Highest capture number a target may reference ($0 .. $9). */
#define R307_MAX_CAPTURE 9

typedef enum {
    R307_KIND_PREFIX = 0, /* URL-path prefix at a segment boundary        */
    R307_KIND_REGEX  = 1, /* PCRE matched against the URL-path            */
    R307_KIND_WHOLE  = 2, /* one-argument form: every request of the scope */
    R307_KIND_EXACT  = 3  /* a map entry: the URL-path exactly            */
} r307_kind_e;

/* One piece of a target template: literal text (already escaped) or a
 * reference to a capture group. */
typedef struct r307_part_t {
    const char *text;      /* literal: escaped text; reference: NULL        */
    apr_size_t len;
    int ref;               /* -1 for literal text, else the group 0..9      */
    int in_query;          /* the piece lies after the target's '?' or '#'  */
} r307_part_t;

/* A redirect target, checked and pre-escaped when the rule is parsed, so
 * building a Location at request time only concatenates. */
typedef struct r307_target_t {
    const char *text;      /* the target as written in the configuration   */
    const char *escaped;   /* 'text' with bytes not allowed in a URI
                            * percent-encoded; '%' is kept as written       */
    int absolute;          /* scheme://authority... rather than a /path     */
    apr_size_t origin_len; /* absolute: length of "scheme://authority", the
                            * part no request can influence                 */
    apr_size_t path_end;   /* offset in 'escaped' where the path ends
                            * (first '?' or '#', or the end)                */
    int has_query;         /* the target carries its own '?'                */
    int has_refs;          /* the target contains $0..$9 (REGEX rules only) */
    int max_ref;           /* highest $N referenced, -1 if none             */
    apr_array_header_t *parts; /* r307_part_t: the template, in order      */
} r307_target_t;

typedef struct r307_rule_t {
    r307_kind_e kind;
    int status;            /* 307 or 308                                    */
    const char *pattern;   /* URL-path or regex as written                  */
    const char *key;       /* PREFIX: the URL-path with '/' runs collapsed  */
    apr_size_t key_len;
    pcre2_code *re;        /* REGEX only                                    */
    int groups;            /* REGEX: number of capture groups               */
    r307_target_t target;
    const char *file;      /* where the rule was written, for log messages  */
    unsigned line;
    unsigned seq;          /* position in its scope, from 0                 */
} r307_rule_t;

/* Rules of one configuration section, in written order, with an index so
 * the first match is found without scanning every rule. */
typedef struct r307_scope_t {
    apr_pool_t *pool;
    apr_array_header_t *rules;   /* r307_rule_t *, in written order         */
    apr_hash_t *prefix_index;    /* key -> first r307_rule_t * with that key */
    apr_array_header_t *regexes; /* r307_rule_t * of REGEX/WHOLE rules, in
                                  * written order                           */
    apr_array_header_t *maps;    /* r307_scope_map_t, in written order      */
    unsigned next_seq;           /* position the next rule or map takes     */
    int late;                    /* answered at fixups, not translate_name  */
    const char *origin;          /* "file:line" of its first rule, for logs */
} r307_scope_t;

/* One line of a map: everything needed to answer it, and no more, since a
 * map may hold a million of them. */
typedef struct r307_map_entry_t {
    const char *target;          /* escaped as r307_target_t.escaped        */
    apr_uint32_t line;
    apr_uint32_t path_end;       /* where the target's path ends            */
    apr_uint16_t status;         /* 307 or 308                              */
    apr_byte_t absolute;
    apr_byte_t has_query;
} r307_map_entry_t;

/* A Redirect307Map / Redirect308Map file: exact URL-paths, decoded and with
 * runs of '/' collapsed, to their entries. */
typedef struct r307_map_t {
    const char *file;
    apr_hash_t *entries;         /* key -> r307_map_entry_t *               */
    apr_size_t count;
    apr_size_t bytes;            /* memory the entries take, approximately  */
} r307_map_t;

/* A map's place among the rules of one scope.  A map may be shared by
 * several scopes (a cached .htaccess map), so its position lives here. */
typedef struct r307_scope_map_t {
    const r307_map_t *map;
    unsigned seq;
} r307_scope_map_t;

/* The outcome of a successful match. */
typedef struct r307_match_t {
    const r307_rule_t *rule;
    const char *subject;   /* the string the rule matched (normalized path
                            * for PREFIX, the URL-path as given for REGEX)  */
    apr_size_t consumed;   /* PREFIX: bytes of 'subject' the key covered    */
    int ncaptures;         /* REGEX: valid entries in 'ovector' pairs       */
    apr_size_t ovector[2 * (R307_MAX_CAPTURE + 1)];
} r307_match_t;

/*
 * Parse one rule.  'status' is 307 or 308.  For R307_KIND_WHOLE, 'pattern'
 * is NULL or the URL-path of the enclosing <Location>, used only to refuse a
 * target inside it (a loop); the rule itself matches every path.  Returns
 * NULL on success, else a message that says what is wrong (the caller adds
 * the file and line).  Checks made here:
 *   - PREFIX patterns are URL-paths starting with '/';
 *   - REGEX patterns compile, and the target references no group the regex
 *     lacks;
 *   - the target is an absolute URL (scheme://host...) or a URL-path starting
 *     with a single '/'; no '//' protocol-relative target, no control
 *     characters (a space is escaped as %20), no $N in the scheme or
 *     authority of an absolute target; in REGEX targets '\$' is a literal
 *     '$' and '\\' a literal backslash;
 *   - a PREFIX rule whose /path target lies inside its own prefix would
 *     redirect forever, and is refused.
 */
const char *r307_rule_parse(apr_pool_t *p, r307_rule_t **rule,
                            r307_kind_e kind, int status,
                            const char *pattern, const char *target,
                            const char *file, unsigned line);

/* Scopes. */
r307_scope_t *r307_scope_make(apr_pool_t *p, int late);
/* A rule belongs to one scope: adding it sets its position there. */
void r307_scope_add(r307_scope_t *scope, r307_rule_t *rule);
/* A map takes one place in the scope's written order, where its directive
 * stands; its entries never collide with each other (duplicates are
 * refused when it is parsed). */
void r307_scope_add_map(r307_scope_t *scope, const r307_map_t *map);

/*
 * Parse the text of a map file: one rule a line, "URL-path URL [307|308]",
 * blank lines and lines starting with '#' ignored.  'status' is the
 * directive's, which a third field overrides.  URL-paths are decoded (%XX)
 * and their '/' runs collapsed, as they will be compared with r->uri;
 * targets are checked as any rule's.  Returns NULL, or a message naming
 * 'file' and the line: a line with one field or more than three, a bad
 * status, a URL-path not starting with '/', a bad target, a target equal to
 * its own URL-path, a URL-path listed twice.
 */
const char *r307_map_parse(apr_pool_t *p, r307_map_t **map,
                           const char *file, const char *text,
                           apr_size_t len, int status);

/* Read and parse the map file at 'path' (see r307_map_parse). */
const char *r307_map_read(apr_pool_t *p, r307_map_t **map, const char *path,
                          int status);

/*
 * Find the first rule of 'scope', in written order, that matches 'path' (a
 * decoded URL-path as httpd keeps it in r->uri).  Returns 1 and fills 'm' on
 * a match, 0 otherwise.  Scratch memory comes from 'p'.
 */
int r307_scope_match(const r307_scope_t *scope, const char *path,
                     apr_pool_t *p, r307_match_t *m,
                     const r307_logger_t *log);

/*
 * The same across the scopes a request's configuration merged, innermost
 * first (the order the glue chains them in), trying only the scopes
 * answered in this phase ('late': fixups; else translate_name).  The first
 * scope with a match answers.
 */
int r307_chain_match(const apr_array_header_t *chain, int late,
                     const char *path, apr_pool_t *p, r307_match_t *m,
                     const r307_logger_t *log);

/* PREFIX semantics on their own: bytes of 'path' covered when 'prefix'
 * matches at a segment boundary, runs of '/' counting as one; 0 when it does
 * not match.  Both strings are taken as they are (not pre-collapsed). */
apr_size_t r307_prefix_matches(const char *path, const char *prefix);

/* Collapse runs of '/' into one. */
char *r307_path_collapse(apr_pool_t *p, const char *path);

/*
 * Build the redirect target of a match.  'args' is the request's query
 * string (r->args, possibly NULL), appended when the target has no '?' of its
 * own.  The result is either an absolute URL (when the rule's target is one)
 * or a URL-path beginning with exactly one '/', which the caller makes
 * absolute with the request's scheme, host and port.  Everything that came
 * from the request is percent-escaped, so the result contains no control
 * character, space or non-ASCII byte, and its scheme and authority are the
 * rule's own.
 */
const char *r307_location_build(apr_pool_t *p, const r307_match_t *m,
                                const char *args);

/*
 * Percent-escape a decoded path fragment so it can be pasted into a URL-path:
 * unreserved characters, sub-delims, ':', '@' and '/' stay; everything else,
 * '%', '?' and '#' included, becomes %XX.
 */
char *r307_escape_path(apr_pool_t *p, const char *s, apr_size_t len);

/* Percent-escape what is not allowed in a URI (controls, space, non-ASCII,
 * and " < > \ ^ ` { | }), leaving '%' and all URI delimiters as they are. */
char *r307_escape_uri_text(apr_pool_t *p, const char *s, apr_size_t len);

/*
 * Whether two absolute URLs name the same resource for loop detection:
 * scheme and host compared without case, default ports elided, path and
 * query compared exactly.
 */
int r307_url_same(apr_pool_t *p, const char *a, const char *b);

/* A short tag naming the rule, "file:line 307", for logs and REDIRECT307. */
const char *r307_rule_tag(apr_pool_t *p, const r307_rule_t *rule);

/* ---------------------------------------------------------------------- */
/* The upgrade policy: 302 -> 307 and 301 -> 308 for unsafe methods.       */

typedef enum {
    R307_UPGRADE_UNSET = -1,   /* not set in this scope: inherit          */
    R307_UPGRADE_OFF = 0,
    R307_UPGRADE_ON = 1,       /* change the status                       */
    R307_UPGRADE_LOG = 2       /* only log what On would change           */
} r307_upgrade_mode_e;

typedef struct r307_upgrade_policy_t {
    r307_upgrade_mode_e temporary;   /* RedirectUpgrade: 302 -> 307         */
    r307_upgrade_mode_e permanent;   /* RedirectUpgradePermanent: 301 -> 308 */
    const apr_array_header_t *methods; /* const char *: the unsafe methods;
                                      * NULL: all but RFC 9110's safe ones */
} r307_upgrade_policy_t;

/* What to do with one response. */
typedef struct r307_upgrade_t {
    r307_upgrade_mode_e mode;  /* OFF: leave it; ON: change; LOG: log only */
    int from;                  /* the status as produced (301 or 302)     */
    int to;                    /* the status it becomes (308 or 307)      */
} r307_upgrade_t;

/* "Off", "On" or "Log", without regard to case; NULL on success. */
const char *r307_upgrade_mode_parse(const char *arg,
                                    r307_upgrade_mode_e *mode);

/* A method name as RedirectUpgradeMethods accepts it: an RFC 9110 token,
 * without lower-case letters (methods are case-sensitive, and every
 * registered one is upper-case).  NULL on success. */
const char *r307_method_check(apr_pool_t *p, const char *method);

/* Whether 'method' counts as unsafe under 'methods' (see the policy). */
int r307_method_is_unsafe(const apr_array_header_t *methods,
                          const char *method);

/* Whether the policy can change or log anything for this method at all,
 * so the glue adds no filter where it could never act. */
int r307_upgrade_applies(const r307_upgrade_policy_t *policy,
                         const char *method);

/* The decision for a response with 'status' to a request with 'method'.
 * 303 and every other status, and the safe methods, are never touched. */
r307_upgrade_t r307_upgrade_decide(const r307_upgrade_policy_t *policy,
                                   int status, const char *method);

/* ---------------------------------------------------------------------- */
/* The per-process cache of maps named in .htaccess files.                 */

/* .htaccess files are parsed for every request; a map they name is parsed
 * once per process instead, and reused while the file keeps its identity
 * (device, inode, size, modification time).  Thread-safe. */
typedef struct r307_map_cache_t r307_map_cache_t;

/* Map memory a cache keeps at most; unused maps are dropped, least recently
 * used first, beyond it.  A single map larger than this is parsed for each
 * request that names it. */
#define R307_MAP_CACHE_MAX_BYTES ((apr_size_t)256 * 1024 * 1024)

r307_map_cache_t *r307_map_cache_make(apr_pool_t *p, apr_size_t max_bytes);

/* The map at 'path' (its default status 'status'), parsed or from the
 * cache.  It stays valid until 'user' is cleared or destroyed.  '*reused'
 * tells whether it came from the cache.  NULL or an error message (in
 * 'user'). */
const char *r307_map_cache_get(r307_map_cache_t *cache, const char *path,
                               int status, apr_pool_t *user,
                               const r307_map_t **map, int *reused);

/* Maps held and the memory they take, for logs and tests. */
void r307_map_cache_stats(r307_map_cache_t *cache, apr_size_t *maps,
                          apr_size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* R307_CORE_H */
