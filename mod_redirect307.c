/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 */

/*
 * mod_redirect307.c -- answer redirects with 307 Temporary Redirect and
 * 308 Permanent Redirect, the two codes that oblige a client to repeat the
 * same method and body at the new address (RFC 9110 15.4.8, 15.4.9).
 *
 *   Redirect307      URL-path URL     Redirect308      URL-path URL
 *   Redirect307Match regex    URL     Redirect308Match regex    URL
 *   Redirect307Map   file             Redirect308Map   file
 *   RedirectUpgrade, RedirectUpgradePermanent  On|Off|Log
 *   RedirectUpgradeMethods METHOD ...
 *
 * The upgrade directives turn the 302 (301) that something else answers
 * to an unsafe method into 307 (308).
 *
 * This file is the httpd glue only: configuration, directives, hooks and
 * the upgrade filter.  Parsing, matching, maps, building the Location and
 * the upgrade decision live in src/ (APR + PCRE2, no request_rec), where
 * the unit tests and fuzzers reach them.
 *
 * Phases.  translate_name runs before the directory walk, so configuration
 * from <Directory>, <Files> and .htaccess is not merged yet there, while
 * server, <VirtualHost>, <Location> and <If> configuration is.  Each
 * section is therefore marked "early" or "late" when it is parsed: early
 * sections are answered in translate_name, before any filesystem access;
 * late ones in fixups, once their configuration is merged.  Each rule is
 * tried in exactly one of the two, so none fires twice.
 */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "apr_strings.h"

#include "r307_core.h"

/* AP_DECLARE_MODULE at the end of this file also does APLOG_USE_MODULE, so
 * every ap_log_rerror here is tagged "redirect307" and obeys
 * "LogLevel redirect307:trace3". */
module AP_MODULE_DECLARE_DATA redirect307_module;

/* Per-directory configuration: the rules written in this very section, and
 * every section merged into it, innermost first. */
typedef struct r307_dir_conf {
    r307_scope_t *scope;         /* rules written here, NULL if none        */
    apr_array_header_t *chain;   /* r307_scope_t *, innermost first; NULL
                                  * when no section holds a rule            */
    r307_upgrade_policy_t upgrade; /* UNSET/NULL where not set here         */
    apr_array_header_t *methods; /* RedirectUpgradeMethods written here     */
} r307_dir_conf;

/* What one directive name means; cmd->info points at one of these, so one
 * handler serves the four redirect directives and another both maps. */
typedef struct r307_directive_t {
    int status;
    r307_kind_e kind;
} r307_directive_t;

static const r307_directive_t r307_directive_redirect307 = {
    HTTP_TEMPORARY_REDIRECT, R307_KIND_PREFIX
};
static const r307_directive_t r307_directive_redirect308 = {
    HTTP_PERMANENT_REDIRECT, R307_KIND_PREFIX
};
static const r307_directive_t r307_directive_redirect307match = {
    HTTP_TEMPORARY_REDIRECT, R307_KIND_REGEX
};
static const r307_directive_t r307_directive_redirect308match = {
    HTTP_PERMANENT_REDIRECT, R307_KIND_REGEX
};

/* -------------------------------------------------------------------- */
/* Configuration                                                         */

static void *r307_create_dir_conf(apr_pool_t *p, char *dir)
{
    r307_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->upgrade.temporary = R307_UPGRADE_UNSET;
    conf->upgrade.permanent = R307_UPGRADE_UNSET;
    return conf;
}

/* Runs per request for every merged section: it only chains arrays, and
 * shares them when one side is empty. */
static void *r307_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    r307_dir_conf *base = basev;
    r307_dir_conf *add = addv;
    r307_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    /* conf->scope stays NULL: a merged configuration is never parsed
     * into. */
    if (!base->chain) {
        conf->chain = add->chain;
    }
    else if (!add->chain) {
        conf->chain = base->chain;
    }
    else {
        conf->chain = apr_array_append(p, add->chain, base->chain);
    }
    /* The upgrade policy: the innermost scope that sets a value wins. */
    conf->upgrade.temporary = add->upgrade.temporary != R307_UPGRADE_UNSET
                                  ? add->upgrade.temporary
                                  : base->upgrade.temporary;
    conf->upgrade.permanent = add->upgrade.permanent != R307_UPGRADE_UNSET
                                  ? add->upgrade.permanent
                                  : base->upgrade.permanent;
    conf->upgrade.methods = add->upgrade.methods ? add->upgrade.methods
                                                 : base->upgrade.methods;
    return conf;
}

/* -------------------------------------------------------------------- */
/* Directives                                                            */

static int r307_cmd_in_htaccess(cmd_parms *cmd)
{
    return ap_check_cmd_context(cmd, NOT_IN_HTACCESS) != NULL;
}

/* The innermost enclosing section whose name is one of 'names', or NULL. */
static const ap_directive_t *r307_cmd_enclosing(cmd_parms *cmd,
                                                const char *const *names)
{
    const ap_directive_t *d;
    int i;

    for (d = cmd->directive ? cmd->directive->parent : NULL; d;
         d = d->parent) {
        for (i = 0; names[i]; i++) {
            if (strcasecmp(d->directive, names[i]) == 0) {
                return d;
            }
        }
    }
    return NULL;
}

static const char *const r307_late_sections[] = {
    "<Directory", "<DirectoryMatch", "<Files", "<FilesMatch",
    "<Proxy", "<ProxyMatch", NULL
};
static const char *const r307_location_sections[] = {
    "<Location", "<LocationMatch", NULL
};

/* Whether the section being parsed is merged only after translate_name:
 * .htaccess, and anything inside <Directory>, <Files> or <Proxy>. */
static int r307_cmd_is_late(cmd_parms *cmd)
{
    return r307_cmd_in_htaccess(cmd)
           || r307_cmd_enclosing(cmd, r307_late_sections) != NULL;
}

/* The scope of the section being parsed, made on its first rule. */
static r307_scope_t *r307_cmd_scope(cmd_parms *cmd, r307_dir_conf *conf)
{
    if (!conf->scope) {
        conf->scope = r307_scope_make(cmd->pool, r307_cmd_is_late(cmd));
        conf->chain = apr_array_make(cmd->pool, 1, sizeof(r307_scope_t *));
        APR_ARRAY_PUSH(conf->chain, r307_scope_t *) = conf->scope;
    }
    return conf->scope;
}

/* httpd names file and line for httpd.conf errors itself, but only the
 * file for .htaccess: add the line there. */
static const char *r307_cmd_error(cmd_parms *cmd, const char *err)
{
    if (err && r307_cmd_in_htaccess(cmd) && cmd->directive) {
        return apr_psprintf(cmd->pool, "line %d: %s",
                            cmd->directive->line_num, err);
    }
    return err;
}

static const char *r307_cmd_redirect(cmd_parms *cmd, void *mconfig,
                                     int argc, char *const argv[])
{
    const r307_directive_t *what = cmd->info;
    r307_dir_conf *conf = mconfig;
    const ap_directive_t *location = NULL;
    const char *file = cmd->directive ? cmd->directive->filename : NULL;
    unsigned line = cmd->directive ? (unsigned)cmd->directive->line_num : 0;
    r307_kind_e kind = what->kind;
    const char *pattern = argc > 0 ? argv[0] : NULL;
    const char *target = argc > 1 ? argv[1] : NULL;
    r307_rule_t *rule;
    const char *err;

    /* Counted here rather than by TAKE12/TAKE2, whose message httpd gives
     * without a line number in .htaccess. */
    if (argc < 1 || argc > 2 || (argc == 1 && kind == R307_KIND_REGEX)) {
        err = apr_psprintf(cmd->pool, "%s takes %s; got %d argument%s",
                           cmd->cmd->name,
                           kind == R307_KIND_REGEX
                               ? "two arguments, a regex and a URL"
                               : "a URL-path and a URL (or, inside "
                                 "<Location>, a URL only)",
                           argc, argc == 1 ? "" : "s");
        goto failed;
    }
    if (argc == 1) {
        /* The one-argument form redirects everything its <Location>
         * covers; anywhere else it would redirect the whole site. */
        location = r307_cmd_is_late(cmd)
                       ? NULL
                       : r307_cmd_enclosing(cmd, r307_location_sections);
        if (!location) {
            err = apr_psprintf(cmd->pool, "%s with one argument (a target "
                               "only) is allowed only inside <Location> or "
                               "<LocationMatch>; elsewhere write %s URL-path "
                               "URL", cmd->cmd->name, cmd->cmd->name);
            goto failed;
        }
        kind = R307_KIND_WHOLE;
        target = argv[0];
        /* A <Location> path bounds what loops; a <LocationMatch> regex
         * cannot be compared with a target. */
        pattern = strcasecmp(location->directive, "<Location") == 0
                      ? cmd->path : NULL;
    }

    err = r307_rule_parse(cmd->pool, &rule, kind, what->status, pattern,
                          target, file, line);
    if (err) {
        goto failed;
    }
    r307_scope_add(r307_cmd_scope(cmd, conf), rule);
    return NULL;

failed:
    return r307_cmd_error(cmd, err);
}

/* The map file a .htaccess names: relative to the .htaccess's directory and
 * inside it, so one tenant cannot read another's files through a map. */
static const char *r307_htaccess_map_path(cmd_parms *cmd, const char *arg,
                                          const char **path)
{
    char real_dir[PATH_MAX];
    char real_map[PATH_MAX];
    const char *seg;
    apr_size_t dlen;

    if (arg[0] == '/') {
        return "in .htaccess the map file is named relative to the "
               ".htaccess's directory, not by an absolute path";
    }
    for (seg = arg; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1
                                                : NULL) {
        if (strncmp(seg, "..", 2) == 0 && (seg[2] == '/' || !seg[2])) {
            return "in .htaccess the map file must lie inside the "
                   ".htaccess's directory: no '..'";
        }
    }
    if (!realpath(cmd->path, real_dir)) {
        return apr_psprintf(cmd->pool, "cannot resolve directory '%s'",
                            cmd->path);
    }
    *path = apr_pstrcat(cmd->pool, real_dir, "/", arg, NULL);
    if (!realpath(*path, real_map)) {
        return apr_psprintf(cmd->pool, "cannot open map file '%s'", *path);
    }
    dlen = strlen(real_dir);
    if (strncmp(real_map, real_dir, dlen) != 0 || real_map[dlen] != '/') {
        return apr_psprintf(cmd->pool, "map file '%s' leads outside the "
                            ".htaccess's directory (to '%s')", arg,
                            real_map);
    }
    *path = apr_pstrdup(cmd->pool, real_map);
    return NULL;
}

/* Maps named in .htaccess files, parsed once per child process. */
static r307_map_cache_t *r307_map_cache;

static const char *r307_cmd_map(cmd_parms *cmd, void *mconfig,
                                const char *arg)
{
    const r307_directive_t *what = cmd->info;
    r307_dir_conf *conf = mconfig;
    const r307_map_t *map;
    const char *path;
    const char *err;
    int reused;

    if (!r307_cmd_in_htaccess(cmd)) {
        /* Parsed once, at (re)start, like the rest of httpd.conf. */
        path = ap_server_root_relative(cmd->pool, arg);
        err = path ? r307_map_read(cmd->pool, (r307_map_t **)&map, path,
                                   what->status)
                   : apr_psprintf(cmd->pool, "invalid map path '%s'", arg);
    }
    else if (!(err = r307_htaccess_map_path(cmd, arg, &path))) {
        err = r307_map_cache
                  ? r307_map_cache_get(r307_map_cache, path, what->status,
                                       cmd->pool, &map, &reused)
                  : r307_map_read(cmd->pool, (r307_map_t **)&map, path,
                                  what->status);
    }
    if (err) {
        return r307_cmd_error(cmd, apr_psprintf(cmd->pool, "%s: %s",
                                                cmd->cmd->name, err));
    }
    r307_scope_add_map(r307_cmd_scope(cmd, conf), map);
    return NULL;
}

/* RedirectUpgrade and RedirectUpgradePermanent: cmd->info is the offset
 * of the mode they set. */
static const char *r307_cmd_upgrade(cmd_parms *cmd, void *mconfig,
                                    const char *arg)
{
    r307_upgrade_mode_e *mode =
        (r307_upgrade_mode_e *)((char *)mconfig + (apr_size_t)cmd->info);
    const char *err = r307_upgrade_mode_parse(arg, mode);

    if (err) {
        return r307_cmd_error(cmd, apr_psprintf(cmd->pool, "%s %s: %s",
                                                cmd->cmd->name, arg, err));
    }
    return NULL;
}

static const char *r307_cmd_upgrade_methods(cmd_parms *cmd, void *mconfig,
                                            const char *method)
{
    r307_dir_conf *conf = mconfig;
    const char *err = r307_method_check(cmd->pool, method);

    if (err) {
        return r307_cmd_error(cmd, apr_psprintf(cmd->pool, "%s: %s",
                                                cmd->cmd->name, err));
    }
    /* The list written in a scope replaces the inherited one as a whole. */
    if (!conf->methods) {
        conf->methods = apr_array_make(cmd->pool, 4, sizeof(const char *));
        conf->upgrade.methods = conf->methods;
    }
    APR_ARRAY_PUSH(conf->methods, const char *) = method;
    return NULL;
}

static const command_rec r307_cmds[] = {
    AP_INIT_TAKE_ARGV("Redirect307", r307_cmd_redirect,
                      (void *)&r307_directive_redirect307, OR_FILEINFO,
                      "URL-path URL (in <Location>: URL): answer "
                      "307 Temporary Redirect"),
    AP_INIT_TAKE_ARGV("Redirect308", r307_cmd_redirect,
                      (void *)&r307_directive_redirect308, OR_FILEINFO,
                      "URL-path URL (in <Location>: URL): answer "
                      "308 Permanent Redirect"),
    AP_INIT_TAKE_ARGV("Redirect307Match", r307_cmd_redirect,
                      (void *)&r307_directive_redirect307match, OR_FILEINFO,
                      "regex URL, $0..$9 in URL: answer "
                      "307 Temporary Redirect"),
    AP_INIT_TAKE_ARGV("Redirect308Match", r307_cmd_redirect,
                      (void *)&r307_directive_redirect308match, OR_FILEINFO,
                      "regex URL, $0..$9 in URL: answer "
                      "308 Permanent Redirect"),
    AP_INIT_TAKE1("Redirect307Map", r307_cmd_map,
                  (void *)&r307_directive_redirect307, OR_FILEINFO,
                  "a file of 'URL-path URL [307|308]' lines, matched "
                  "exactly: answer 307 Temporary Redirect"),
    AP_INIT_TAKE1("Redirect308Map", r307_cmd_map,
                  (void *)&r307_directive_redirect308, OR_FILEINFO,
                  "a file of 'URL-path URL [307|308]' lines, matched "
                  "exactly: answer 308 Permanent Redirect"),
    AP_INIT_TAKE1("RedirectUpgrade", r307_cmd_upgrade,
                  (void *)APR_OFFSETOF(r307_dir_conf, upgrade.temporary),
                  OR_FILEINFO,
                  "On|Off|Log: send 307 where a 302 answers an unsafe method"),
    AP_INIT_TAKE1("RedirectUpgradePermanent", r307_cmd_upgrade,
                  (void *)APR_OFFSETOF(r307_dir_conf, upgrade.permanent),
                  OR_FILEINFO,
                  "On|Off|Log: send 308 where a 301 answers an unsafe method"),
    AP_INIT_ITERATE("RedirectUpgradeMethods", r307_cmd_upgrade_methods, NULL,
                    OR_FILEINFO,
                    "the methods counted as unsafe (default: all but GET, "
                    "HEAD, OPTIONS, TRACE)"),
    { NULL }
};

/* -------------------------------------------------------------------- */
/* Hooks                                                                 */

static void r307_log_to_request(void *baton, int level, const char *message)
{
    request_rec *r = baton;

    ap_log_rerror(APLOG_MARK, level, 0, r, "%s", message);
}

/* The URL the client asked for, spelled the way a Location is built, so a
 * rule that would send the client back to it can be recognised. */
static const char *r307_requested_url(request_rec *r)
{
    const char *path = r307_escape_path(r->pool, r->uri, strlen(r->uri));

    if (r->args && *r->args) {
        path = apr_pstrcat(r->pool, path, "?",
                           r307_escape_uri_text(r->pool, r->args,
                                                strlen(r->args)), NULL);
    }
    return ap_construct_url(r->pool, path, r);
}

/* Bytes of an unread request body read and dropped after a redirect, so the
 * connection can carry the next request; a larger body is not read at all
 * and the connection is closed after the response instead, so redirecting
 * a 1 GB upload does not cost reading 1 GB. */
#define R307_DISCARD_LIMIT ((apr_off_t)1024 * 1024)

/* Decide, before httpd's own ap_discard_request_body() reads the whole
 * body, whether the connection survives this redirect. */
static void r307_bound_request_body(request_rec *r)
{
    conn_rec *c = r->connection;
    const char *length = apr_table_get(r->headers_in, "Content-Length");
    apr_bucket_brigade *bb;
    apr_off_t total = 0;
    int eos = 0;

    /* With "Expect: 100-continue" httpd sends no 100 before a final 3xx,
     * reads no body and closes the connection itself; HTTP/2 ends a stream,
     * not the connection. */
    if (r->main || c->keepalive == AP_CONN_CLOSE || r->expecting_100
        || r->proto_num >= HTTP_VERSION(2, 0)) {
        return;
    }
    if (!apr_table_get(r->headers_in, "Transfer-Encoding")) {
        apr_off_t declared = 0;
        char *end;
        if (length && (apr_strtoff(&declared, length, &end, 10)
                           != APR_SUCCESS || declared > R307_DISCARD_LIMIT)) {
            c->keepalive = AP_CONN_CLOSE;
        }
        return;
    }
    /* Chunked: the length is known only by reading, so read up to the
     * limit. */
    bb = apr_brigade_create(r->pool, c->bucket_alloc);
    while (!eos && total <= R307_DISCARD_LIMIT) {
        apr_off_t len = 0;
        if (ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                           APR_BLOCK_READ, HUGE_STRING_LEN) != APR_SUCCESS
            || apr_brigade_length(bb, 1, &len) != APR_SUCCESS) {
            break;
        }
        total += len;
        eos = !APR_BRIGADE_EMPTY(bb)
              && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb));
        apr_brigade_cleanup(bb);
    }
    if (!eos) {
        c->keepalive = AP_CONN_CLOSE;
    }
    ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r,
                  "request body: %" APR_OFF_T_FMT " chunked bytes dropped%s",
                  total,
                  eos ? "" : "; closing the connection after the redirect");
}

/* Try the rules of the sections answered in this phase, innermost section
 * first; answer the first match with its redirect. */
static int r307_answer(request_rec *r, int late)
{
    r307_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                               &redirect307_module);
    r307_logger_t log;
    r307_match_t m;
    const char *location;

    if (!conf || !conf->chain || r->main || r->uri[0] != '/') {
        return DECLINED;
    }
    log.log = r307_log_to_request;
    log.baton = r;
    log.level = ap_get_request_module_loglevel(r, APLOG_MODULE_INDEX);

    if (!r307_chain_match(conf->chain, late, r->uri, r->pool, &m, &log)) {
        return DECLINED;
    }
    location = r307_location_build(r->pool, &m, r->args);
    if (location[0] == '/') {
        location = ap_construct_url(r->pool, location, r);
    }
    if (r307_url_same(r->pool, location, r307_requested_url(r))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "%s:%u: rule would redirect %s to itself; "
                      "not applied", m.rule->file, m.rule->line, location);
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                  "%s:%u: %d redirect of %s to %s (%s)", m.rule->file,
                  m.rule->line, m.rule->status, r->uri, location,
                  late ? "fixups" : "translate_name");
    apr_table_setn(r->headers_out, "Location", location);
    apr_table_setn(r->subprocess_env, "REDIRECT307",
                   r307_rule_tag(r->pool, m.rule));
    r307_bound_request_body(r);
    return m.rule->status;
}

static void r307_child_init(apr_pool_t *pchild, server_rec *s)
{
    r307_map_cache = r307_map_cache_make(pchild, R307_MAP_CACHE_MAX_BYTES);
    if (!r307_map_cache) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "cannot create the map "
                     "cache; maps in .htaccess are parsed per request");
    }
}

static int r307_translate_name(request_rec *r)
{
    return r307_answer(r, 0);
}

static int r307_fixups(request_rec *r)
{
    return r307_answer(r, 1);
}

static ap_filter_rec_t *r307_upgrade_filter_handle;

/* Apply the upgrade policy of the request's configuration to the status it
 * is about to be answered with. */
static void r307_upgrade_response(request_rec *r)
{
    r307_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                               &redirect307_module);
    r307_upgrade_t up;
    const char *location;

    if (!conf || r->main) {
        return;
    }
    up = r307_upgrade_decide(&conf->upgrade, r->status, r->method);
    if (up.mode == R307_UPGRADE_OFF) {
        return;
    }
    location = apr_table_get(r->headers_out, "Location");
    if (!location) {
        location = apr_table_get(r->err_headers_out, "Location");
    }
    if (up.mode == R307_UPGRADE_LOG) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "%s Log: would answer %s %s with %d instead of %d "
                      "(Location: %s)",
                      up.from == HTTP_MOVED_PERMANENTLY
                          ? "RedirectUpgradePermanent" : "RedirectUpgrade",
                      r->method, r->unparsed_uri, up.to, up.from,
                      location ? location : "none");
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                  "upgrading %d to %d for %s %s (Location: %s)", up.from,
                  up.to, r->method, r->unparsed_uri,
                  location ? location : "none");
    r307_bound_request_body(r);
    r->status = up.to;
    /* Also makes the body httpd generates say "307 Temporary Redirect":
     * ap_send_error_response took its status before this ran, but titles
     * the page with a status_line that agrees with r->status. */
    r->status_line = ap_get_status_line(up.to);
    apr_table_setn(r->subprocess_env, "REDIRECT307",
                   apr_psprintf(r->pool, "upgrade %d->%d", up.from, up.to));
}

/* Responses httpd generates itself (a Redirect, a RewriteRule [R], a CGI's
 * bare Location) go through ap_send_error_response, which calls this
 * before it writes the status line and body. */
static void r307_insert_error_filter(request_rec *r)
{
    r307_upgrade_response(r);
}

/* Responses a handler writes (a CGI's "Status: 302", a proxied backend)
 * get the filter, and only where the policy could act on this method. */
static void r307_insert_filter(request_rec *r)
{
    r307_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                               &redirect307_module);

    if (conf && !r->main && r307_upgrade_applies(&conf->upgrade, r->method)) {
        ap_add_output_filter_handle(r307_upgrade_filter_handle, NULL, r,
                                    r->connection);
    }
}

/* -------------------------------------------------------------------- */
/* Filter                                                                */

/* The status is final once the first brigade leaves the handler, so the
 * filter looks once and leaves the chain. */
static apr_status_t r307_upgrade_out_filter(ap_filter_t *f,
                                            apr_bucket_brigade *bb)
{
    r307_upgrade_response(f->r);
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static void r307_register_hooks(apr_pool_t *p)
{
    /* After mod_rewrite, before mod_alias, in both phases: a rule of ours
     * wins over an overlapping Redirect, and stands to mod_rewrite exactly
     * where mod_alias stands. */
    static const char *const r307_after[] = { "mod_rewrite.c", NULL };
    static const char *const r307_translate_before[] = {
        "mod_alias.c", "mod_userdir.c", "mod_vhost_alias.c", NULL
    };
    static const char *const r307_fixups_before[] = { "mod_alias.c", NULL };

    (void)p;
    ap_hook_translate_name(r307_translate_name, r307_after,
                           r307_translate_before, APR_HOOK_MIDDLE);
    ap_hook_fixups(r307_fixups, r307_after, r307_fixups_before,
                   APR_HOOK_MIDDLE);
    ap_hook_child_init(r307_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_filter(r307_insert_filter, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(r307_insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    /* A resource filter: ahead of every filter that may read the status
     * (cache, headers, the HTTP/1 and HTTP/2 header filters). */
    r307_upgrade_filter_handle =
        ap_register_output_filter("REDIRECT307_UPGRADE",
                                  r307_upgrade_out_filter, NULL,
                                  AP_FTYPE_RESOURCE);
}

AP_DECLARE_MODULE(redirect307) = {
    STANDARD20_MODULE_STUFF,
    r307_create_dir_conf,   /* create per-directory config */
    r307_merge_dir_conf,    /* merge per-directory config  */
    NULL,                   /* create per-server config    */
    NULL,                   /* merge per-server config     */
    r307_cmds,              /* directives                  */
    r307_register_hooks,    /* register hooks              */
    AP_MODULE_FLAG_NONE     /* flags                       */
};
