/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_map.c -- Redirect307Map / Redirect308Map files: r307_map_parse (every
 * accepted form, every error with its file:line), r307_map_read on real
 * files, and maps taking their place among a scope's rules.
 */

#include "test_util.h"

#include <apr_file_io.h>
#include <apr_hash.h>

/* The entry a map keeps for 'key' (a decoded, collapsed URL-path). */
static const r307_map_entry_t *entry(const r307_map_t *map, const char *key)
{
    return apr_hash_get(map->entries, key, strlen(key));
}

/* Match 'path' against a scope holding 'map' alone; the Location, or NULL
 * when nothing matches. */
static const char *map_loc(apr_pool_t *p, const r307_map_t *map,
                           const char *path, const char *args,
                           r307_match_t *m)
{
    r307_scope_t *scope = r307_scope_make(p, 0);
    r307_match_t local;

    m = m ? m : &local;
    r307_scope_add_map(scope, map);
    if (!r307_scope_match(scope, path, p, m, NULL)) {
        return NULL;
    }
    return r307_location_build(p, m, args);
}

/* ---- accepted forms --------------------------------------------------- */

static void parse_simple(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt",
                             "/old /new\n"
                             "/a/b https://example.com/x\n", 307);
    const r307_map_entry_t *e;

    assert_str(map->file, "m.txt");
    assert_int_equal(map->count, 2);
    assert_int_equal(apr_hash_count(map->entries), 2);
    assert_true(map->bytes > 0);

    e = entry(map, "/old");
    assert_non_null(e);
    assert_str(e->target, "/new");
    assert_int_equal(e->line, 1);
    assert_int_equal(e->status, 307);
    assert_int_equal(e->absolute, 0);
    assert_int_equal(e->has_query, 0);
    assert_int_equal(e->path_end, 4);

    e = entry(map, "/a/b");
    assert_non_null(e);
    assert_str(e->target, "https://example.com/x");
    assert_int_equal(e->line, 2);
    assert_int_equal(e->absolute, 1);
    assert_int_equal(e->path_end, strlen("https://example.com/x"));
}

static void parse_empty_and_comment_only(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map;

    map = MAP_OK(p, "m.txt", "", 307);
    assert_int_equal(map->count, 0);
    assert_null(map_loc(p, map, "/", NULL, NULL));

    map = MAP_OK(p, "m.txt", "# nothing yet\n\n   \n\t\n", 307);
    assert_int_equal(map->count, 0);
}

static void parse_comments_blank_lines_line_numbers(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt",
                             "# migration of 2024\n"      /* 1 */
                             "\n"                         /* 2 */
                             "   # indented comment\n"    /* 3 */
                             "/one /1\n"                  /* 4 */
                             "   \t  \n"                  /* 5 */
                             "\t#tab-indented comment\n"  /* 6 */
                             "/two /2\n"                  /* 7 */
                             "#/three /3\n"               /* 8 */
                             "\n", 307);                  /* 9 */

    assert_int_equal(map->count, 2);
    assert_int_equal(entry(map, "/one")->line, 4);
    assert_int_equal(entry(map, "/two")->line, 7);
    assert_null(entry(map, "/three"));
    assert_null(entry(map, "#/three"));
}

static void parse_crlf_tabs_and_trailing_blanks(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt",
                             "/crlf /t1\r\n"
                             "\r\n"
                             "# comment\r\n"
                             "/tab\t/t2\r\n"
                             "\t /mixed \t\t /t3 \t 308 \t\r\n"
                             "/trailing /t4   \n"
                             "/last /t5", 307);   /* no final newline */
    const r307_map_entry_t *e;

    assert_int_equal(map->count, 5);
    assert_str(entry(map, "/crlf")->target, "/t1");   /* no '\r' kept */
    assert_int_equal(entry(map, "/crlf")->line, 1);
    assert_str(entry(map, "/tab")->target, "/t2");
    assert_int_equal(entry(map, "/tab")->line, 4);
    e = entry(map, "/mixed");
    assert_non_null(e);
    assert_str(e->target, "/t3");
    assert_int_equal(e->status, 308);
    assert_int_equal(e->line, 5);
    assert_str(entry(map, "/trailing")->target, "/t4");
    assert_str(entry(map, "/last")->target, "/t5");
    assert_int_equal(entry(map, "/last")->line, 7);
}

static void parse_status_field_overrides(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *text = "/default /d\n"
                       "/temp /t 307\n"
                       "/perm /p 308\n";
    r307_map_t *m307 = MAP_OK(p, "m.txt", text, 307);
    r307_map_t *m308 = MAP_OK(p, "m.txt", text, 308);

    assert_int_equal(entry(m307, "/default")->status, 307);
    assert_int_equal(entry(m307, "/temp")->status, 307);
    assert_int_equal(entry(m307, "/perm")->status, 308);
    assert_int_equal(entry(m308, "/default")->status, 308);
    assert_int_equal(entry(m308, "/temp")->status, 307);
    assert_int_equal(entry(m308, "/perm")->status, 308);
}

static void parse_targets(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt",
        "/p /new/page.html\n"
        "/q /search?q=1&r=2\n"
        "/f /doc#section\n"
        "/qf /doc?x=1#s\n"
        "/abs https://example.com/a/b\n"
        "/host https://example.com\n"
        "/hostq https://example.com?x=1\n"
        "/port http://example.com:8080/p\n"
        "/utf /caf\xc3\xa9\n"
        "/pct /a%20b\n"
        "/dollar /price$1\n"
        "/root /\n", 307);
    const r307_map_entry_t *e;

    assert_int_equal(map->count, 12);
    e = entry(map, "/p");
    assert_str(e->target, "/new/page.html");
    assert_int_equal(e->has_query, 0);
    e = entry(map, "/q");
    assert_str(e->target, "/search?q=1&r=2");
    assert_int_equal(e->has_query, 1);
    assert_int_equal(e->path_end, strlen("/search"));
    e = entry(map, "/f");
    assert_int_equal(e->has_query, 0);
    assert_int_equal(e->path_end, strlen("/doc"));
    e = entry(map, "/qf");
    assert_int_equal(e->has_query, 1);
    assert_int_equal(e->path_end, strlen("/doc"));
    e = entry(map, "/abs");
    assert_int_equal(e->absolute, 1);
    assert_str(e->target, "https://example.com/a/b");
    /* an authority without a path gets its '/' spelled out */
    assert_str(entry(map, "/host")->target, "https://example.com/");
    assert_str(entry(map, "/hostq")->target, "https://example.com/?x=1");
    assert_int_equal(entry(map, "/hostq")->has_query, 1);
    assert_str(entry(map, "/port")->target, "http://example.com:8080/p");
    /* non-ASCII escaped, '%' kept as written */
    assert_uri(entry(map, "/utf")->target, "/caf%C3%A9");
    assert_str(entry(map, "/pct")->target, "/a%20b");
    /* maps have no captures: '$1' is literal text */
    assert_str(entry(map, "/dollar")->target, "/price$1");
    assert_str(entry(map, "/root")->target, "/");
}

static void parse_keys_decoded_and_collapsed(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt",
        "/caf%C3%A9 /cafe\n"
        "/caf%c3%a9s /cafes\n"
        "//a///b// /ab\n"
        "/sp%20ace /space\n"
        "/q%3Fx /qx\n"
        "/enc%2Fslash /slash\n"
        "/bad%zz /bad\n"
        "/raw\xc3\xbc /raw\n", 307);

    assert_int_equal(map->count, 8);
    assert_non_null(entry(map, "/caf\xc3\xa9"));
    assert_null(entry(map, "/caf%C3%A9"));
    assert_non_null(entry(map, "/caf\xc3\xa9s"));
    assert_non_null(entry(map, "/a/b/"));
    assert_null(entry(map, "//a///b//"));
    assert_non_null(entry(map, "/sp ace"));
    assert_non_null(entry(map, "/q?x"));
    assert_non_null(entry(map, "/enc/slash"));
    /* an invalid escape stays as written */
    assert_non_null(entry(map, "/bad%zz"));
    assert_non_null(entry(map, "/raw\xc3\xbc"));

    /* and so a request matches however the client escaped it: r->uri is
     * decoded, and may carry slash runs */
    assert_str(map_loc(p, map, "/caf\xc3\xa9", NULL, NULL), "/cafe");
    assert_str(map_loc(p, map, "//a/b//", NULL, NULL), "/ab");
    assert_str(map_loc(p, map, "/a/b/", NULL, NULL), "/ab");
    assert_str(map_loc(p, map, "/sp ace", NULL, NULL), "/space");
}

/* ---- matching: exact only --------------------------------------------- */

static void match_exact_only(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt",
                             "/old /new\n"
                             "/dir/ /newdir/\n", 307);
    r307_match_t m;

    assert_str(map_loc(p, map, "/old", NULL, &m), "/new");
    assert_int_equal(m.rule->kind, R307_KIND_EXACT);
    assert_int_equal(m.rule->status, 307);
    assert_str(m.rule->file, "m.txt");
    assert_int_equal(m.rule->line, 1);
    assert_str(r307_rule_tag(p, m.rule), "m.txt:1 307");
    assert_str(map_loc(p, map, "//old", NULL, NULL), "/new");

    /* no prefix semantics, no remainder */
    assert_null(map_loc(p, map, "/old/", NULL, NULL));
    assert_null(map_loc(p, map, "/old/x", NULL, NULL));
    assert_null(map_loc(p, map, "/olde", NULL, NULL));
    assert_null(map_loc(p, map, "/ol", NULL, NULL));
    assert_null(map_loc(p, map, "/OLD", NULL, NULL));
    assert_null(map_loc(p, map, "/old\n", NULL, NULL));
    assert_null(map_loc(p, map, "/", NULL, NULL));
    assert_null(map_loc(p, map, "", NULL, NULL));
    assert_str(map_loc(p, map, "/dir/", NULL, NULL), "/newdir/");
    assert_null(map_loc(p, map, "/dir", NULL, NULL));
    assert_null(map_loc(p, map, "/dir/x", NULL, NULL));
}

static void match_query_handling(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt",
        "/plain /new\n"
        "/own /new?lang=en\n"
        "/frag /new#top\n"
        "/ownfrag /new?a=1#top\n"
        "/abs https://example.com/x\n"
        "/host https://example.com\n"
        "/absq https://example.com/x?k=v\n", 307);

    assert_str(map_loc(p, map, "/plain", NULL, NULL), "/new");
    assert_str(map_loc(p, map, "/plain", "", NULL), "/new");
    assert_str(map_loc(p, map, "/plain", "a=1&b=2", NULL), "/new?a=1&b=2");
    /* a target with its own '?' keeps its own, drops the request's */
    assert_str(map_loc(p, map, "/own", NULL, NULL), "/new?lang=en");
    assert_str(map_loc(p, map, "/own", "a=1", NULL), "/new?lang=en");
    /* the request's query goes before a fragment */
    assert_str(map_loc(p, map, "/frag", "a=1", NULL), "/new?a=1#top");
    assert_str(map_loc(p, map, "/frag", NULL, NULL), "/new#top");
    assert_str(map_loc(p, map, "/ownfrag", "b=2", NULL), "/new?a=1#top");
    assert_str(map_loc(p, map, "/abs", "a=1", NULL),
               "https://example.com/x?a=1");
    assert_str(map_loc(p, map, "/host", "a=1", NULL),
               "https://example.com/?a=1");
    assert_str(map_loc(p, map, "/absq", "a=1", NULL),
               "https://example.com/x?k=v");
}

static void match_query_is_escaped(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt", "/plain /new\n", 307);
    const char *loc = map_loc(p, map, "/plain", "a=1 2\r\nX: y", NULL);

    assert_non_null(loc);
    assert_true(r307_all_visible(loc));
    assert_int_equal(strncmp(loc, "/new?a=1", 8), 0);
}

/* ---- errors, each naming file and line -------------------------------- */

static void error_one_field(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(MAP_ERR(p, "/srv/m.txt", "/a /b\n# c\n/x\n/y /z\n"),
               "/srv/m.txt:3: URL-path '/x' has no target");
    assert_str(MAP_ERR(p, "m.txt", "  /x  \t\r\n"),
               "m.txt:1: URL-path '/x' has no target");
}

static void error_more_than_three_fields(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(MAP_ERR(p, "m.txt", "/a /b\n/x /y 307 extra\n"),
               "m.txt:2: more than three fields (URL-path URL [307|308])");
    /* a target with a space cannot be written: it splits into fields */
    assert_str(MAP_ERR(p, "m.txt", "/x /new page 307\n"),
               "m.txt:1: more than three fields (URL-path URL [307|308])");
    /* a trailing comment is no comment: it is fields */
    assert_str(MAP_ERR(p, "m.txt", "/x /y 307 # why\n"),
               "m.txt:1: more than three fields (URL-path URL [307|308])");
}

static void error_bad_status(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(MAP_ERR(p, "m.txt", "\n\n/x /y 302\n"),
               "m.txt:3: status '302' is not 307 or 308");
    assert_str(MAP_ERR(p, "m.txt", "/x /y 301\n"),
               "m.txt:1: status '301' is not 307 or 308");
    assert_str(MAP_ERR(p, "m.txt", "/x /y 3070\n"),
               "m.txt:1: status '3070' is not 307 or 308");
    assert_str(MAP_ERR(p, "m.txt", "/x /y temp\n"),
               "m.txt:1: status 'temp' is not 307 or 308");
    /* "/a /b" then a one-word remark: taken as a status */
    assert_str(MAP_ERR(p, "m.txt", "/x /y #old\n"),
               "m.txt:1: status '#old' is not 307 or 308");
}

static void error_path_not_starting_with_slash(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(MAP_ERR(p, "m.txt", "/a /b\nold /new\n"),
               "m.txt:2: URL-path 'old' must start with '/'");
    assert_str(MAP_ERR(p, "m.txt", "http://example.com/x /new\n"),
               "m.txt:1: URL-path 'http://example.com/x' must start with "
               "'/'");
    assert_str(MAP_ERR(p, "m.txt", "%2Fx /new\n"),
               "m.txt:1: URL-path '%2Fx' must start with '/'");
}

static void error_nul_in_path(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(MAP_ERR(p, "m.txt", "/ok /fine\n/a%00b /x\n"),
               "m.txt:2: URL-path '/a%00b' decodes to a NUL byte");
}

static void error_bad_targets(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(MAP_ERR(p, "m.txt", "/ok /fine\n\n/x foo\n"),
               "m.txt:3: target 'foo' is neither an absolute URL "
               "(scheme://host/...) nor a URL-path starting with '/'");
    assert_str(MAP_ERR(p, "m.txt", "/x //evil.com/\n"),
               "m.txt:1: target '//evil.com/' is a protocol-relative URL; "
               "write the scheme (https://host/...) or a URL-path starting "
               "with a single '/'");
    assert_str(MAP_ERR(p, "m.txt", "/x https:///path\n"),
               "m.txt:1: target 'https:///path' has no host");
    assert_str(MAP_ERR(p, "m.txt", "/x /a\x01" "b\n"),
               "m.txt:1: target '/a\x01" "b' contains a control character");
    assert_str(MAP_ERR(p, "m.txt", "/x /a\x7f\n"),
               "m.txt:1: target '/a\x7f' contains a control character");
}

static void error_target_is_the_path(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(MAP_ERR(p, "m.txt", "/a /a\n"),
               "m.txt:1: target '/a' is the URL-path itself: every request "
               "would be redirected again");
    /* compared after decoding, dot segments and slash runs */
    assert_str(MAP_ERR(p, "m.txt", "/z /y\n/caf%C3%A9 /caf\xc3\xa9\n"),
               "m.txt:2: target '/caf\xc3\xa9' is the URL-path itself: "
               "every request would be redirected again");
    assert_str(MAP_ERR(p, "m.txt", "/a/b /a/./x/../b\n"),
               "m.txt:1: target '/a/./x/../b' is the URL-path itself: "
               "every request would be redirected again");
    assert_str(MAP_ERR(p, "m.txt", "//a//b /a/b\n"),
               "m.txt:1: target '/a/b' is the URL-path itself: every "
               "request would be redirected again");
    /* the query is not part of the comparison: /a?x=1 still asks for /a */
    assert_str(MAP_ERR(p, "m.txt", "/a /a?x=1\n"),
               "m.txt:1: target '/a?x=1' is the URL-path itself: every "
               "request would be redirected again");

    /* a different path, or an absolute URL, is fine */
    MAP_OK(p, "m.txt", "/a /a/\n/b /B\n/c https://example.com/c\n", 307);
}

static void error_duplicate_path(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(MAP_ERR(p, "m.txt", "/a /x\n/b /y\n# c\n/a /z\n"),
               "m.txt:4: URL-path '/a' is already mapped on line 1");
    /* duplicates after decoding and collapsing */
    assert_str(MAP_ERR(p, "m.txt", "/x /1\n/caf\xc3\xa9 /2\n/caf%C3%A9 /3\n"),
               "m.txt:3: URL-path '/caf%C3%A9' is already mapped on line 2");
    assert_str(MAP_ERR(p, "m.txt", "/a/b /1\n//a//b /2\n"),
               "m.txt:2: URL-path '//a//b' is already mapped on line 1");
    /* the same path with another status is still a duplicate */
    assert_str(MAP_ERR(p, "m.txt", "/a /x 307\n/a /x 308\n"),
               "m.txt:2: URL-path '/a' is already mapped on line 1");
}

static void error_nul_byte_in_text(void **state)
{
    apr_pool_t *p = POOL(state);
    static const char text[] = "/a /b\n/c /d\0\n";
    r307_map_t *map = (r307_map_t *)1;
    const char *err = r307_map_parse(p, &map, "bin.map", text,
                                     sizeof(text) - 1, 307);
    assert_str(err, "bin.map: contains a NUL byte; not a text file");
    assert_null(map);
}

static void error_first_bad_line_reported(void **state)
{
    apr_pool_t *p = POOL(state);
    assert_str(MAP_ERR(p, "m.txt", "/a /b\nbad\n/c\n/d /e 302\n"),
               "m.txt:2: URL-path 'bad' has no target");
}

static void error_after_many_lines_keeps_line_number(void **state)
{
    /* the scratch pool is cleared every 1024 lines: the line number and
     * earlier entries must survive it */
    apr_pool_t *p = POOL(state);
    char *text = apr_palloc(p, 3001 * 24);
    char *o = text;
    int i;
    const char *err;

    for (i = 1; i <= 3000; i++) {
        o += sprintf(o, "/p%d /t%d\n", i, i);
    }
    strcpy(o, "/p1500 /dup\n");
    err = MAP_ERR(p, "big.map", text);
    assert_str(err, "big.map:3001: URL-path '/p1500' is already mapped on "
                    "line 1500");
}

static void large_map_every_entry(void **state)
{
    apr_pool_t *p = POOL(state);
    int n = 20000;
    char *buf = apr_palloc(p, (apr_size_t)n * 40);
    char *o = buf;
    r307_map_t *map;
    r307_scope_t *scope;
    int i;

    for (i = 1; i <= n; i++) {
        o += sprintf(o, "/old/%d.html /new/%d.html%s\n", i, i,
                     i % 2 ? "" : " 308");
    }
    *o = '\0';
    map = MAP_OK(p, "big.map", buf, 307);
    assert_int_equal(map->count, n);
    scope = r307_scope_make(p, 0);
    r307_scope_add_map(scope, map);
    for (i = 1; i <= n; i += 997) {
        r307_match_t m;
        char path[64];
        sprintf(path, "/old/%d.html", i);
        assert_int_equal(r307_scope_match(scope, path, p, &m, NULL), 1);
        assert_str(r307_location_build(p, &m, NULL),
                   apr_psprintf(p, "/new/%d.html", i));
        assert_int_equal(m.rule->line, i);
        assert_int_equal(m.rule->status, i % 2 ? 307 : 308);
    }
    {
        r307_match_t m;
        assert_int_equal(r307_scope_match(scope, "/old/20000.html", p, &m,
                                          NULL), 1);
        assert_int_equal(m.rule->line, 20000);
        assert_int_equal(r307_scope_match(scope, "/old/20001.html", p, &m,
                                          NULL), 0);
    }
}

/* ---- r307_map_read on real files --------------------------------------- */

static void read_real_file(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = apr_pstrcat(p, dir, "/site.map", NULL);
    static const char text[] = "# site\r\n/old /new 308\r\n/x https://e.com\r\n";
    r307_map_t *map = NULL;

    r307_write_file(p, path, text, sizeof(text) - 1);
    assert_null(r307_map_read(p, &map, path, 307));
    assert_non_null(map);
    assert_str(map->file, path);
    assert_int_equal(map->count, 2);
    assert_int_equal(entry(map, "/old")->status, 308);
    assert_int_equal(entry(map, "/old")->line, 2);
    assert_str(entry(map, "/x")->target, "https://e.com/");
}

static void read_empty_file(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = r307_write_file(p, apr_pstrcat(p, dir, "/e.map", NULL),
                                       "", 0);
    r307_map_t *map = NULL;

    assert_null(r307_map_read(p, &map, path, 307));
    assert_non_null(map);
    assert_int_equal(map->count, 0);
}

static void read_error_names_file_and_line(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = apr_pstrcat(p, dir, "/bad.map", NULL);
    static const char text[] = "/a /b\n\n/c /d 302\n";
    r307_map_t *map = (r307_map_t *)1;

    r307_write_file(p, path, text, sizeof(text) - 1);
    assert_str(r307_map_read(p, &map, path, 307),
               apr_psprintf(p, "%s:3: status '302' is not 307 or 308", path));
    assert_null(map);
}

static void read_missing_file(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = apr_pstrcat(p, dir, "/nope.map", NULL);
    r307_map_t *map = (r307_map_t *)1;

    assert_str(r307_map_read(p, &map, path, 307),
               apr_psprintf(p, "cannot open map file '%s': No such file or "
                               "directory", path));
    assert_null(map);
}

static void read_directory(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *sub = apr_pstrcat(p, dir, "/sub.map", NULL);
    r307_map_t *map = (r307_map_t *)1;

    assert_int_equal(apr_dir_make(sub, APR_OS_DEFAULT, p), APR_SUCCESS);
    assert_str(r307_map_read(p, &map, sub, 307),
               apr_psprintf(p, "map file '%s' is not a regular file", sub));
    assert_null(map);
}

static void read_nul_byte(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = apr_pstrcat(p, dir, "/bin.map", NULL);
    static const char text[] = "/a /b\n\0\x01\x02/c /d\n";
    r307_map_t *map = (r307_map_t *)1;

    r307_write_file(p, path, text, sizeof(text) - 1);
    assert_str(r307_map_read(p, &map, path, 307),
               apr_psprintf(p, "%s: contains a NUL byte; not a text file",
                            path));
    assert_null(map);
}

/* ---- maps among the rules of a scope ----------------------------------- */

static void map_and_prefix_same_path_written_order(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt", "/old /from-map\n", 307);
    /* a rule belongs to one scope (its position is kept in it): one
     * parsed rule per scope; a map may be shared */
    r307_rule_t *prefix = PREFIX_OK(p, "/old", "/from-prefix");
    r307_rule_t *prefix2 = PREFIX_OK(p, "/old", "/from-prefix");
    r307_scope_t *first_map = r307_scope_make(p, 0);
    r307_scope_t *first_prefix = r307_scope_make(p, 0);
    r307_match_t m;

    r307_scope_add_map(first_map, map);
    r307_scope_add(first_map, prefix);
    r307_scope_add(first_prefix, prefix2);
    r307_scope_add_map(first_prefix, map);

    assert_int_equal(r307_scope_match(first_map, "/old", p, &m, NULL), 1);
    assert_int_equal(m.rule->kind, R307_KIND_EXACT);
    assert_str(r307_location_build(p, &m, NULL), "/from-map");
    /* the map covers /old only; the prefix still takes /old/x */
    assert_int_equal(r307_scope_match(first_map, "/old/x", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, prefix);
    assert_str(r307_location_build(p, &m, NULL), "/from-prefix/x");

    assert_int_equal(r307_scope_match(first_prefix, "/old", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, prefix2);
    assert_str(r307_location_build(p, &m, NULL), "/from-prefix");
}

static void map_and_shorter_prefix_written_order(void **state)
{
    /* a prefix rule for a parent path, written first, wins over an exact
     * entry deeper down; written after, it loses */
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt", "/a/b/c /exact\n", 307);
    r307_rule_t *prefix = PREFIX_OK(p, "/a", "/pfx");
    r307_scope_t *s1 = r307_scope_make(p, 0);
    r307_scope_t *s2 = r307_scope_make(p, 0);
    r307_match_t m;

    r307_scope_add(s1, prefix);
    r307_scope_add_map(s1, map);
    r307_scope_add_map(s2, map);
    r307_scope_add(s2, PREFIX_OK(p, "/a", "/pfx"));

    assert_int_equal(r307_scope_match(s1, "/a/b/c", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, prefix);
    assert_str(r307_location_build(p, &m, NULL), "/pfx/b/c");
    assert_int_equal(r307_scope_match(s2, "/a/b/c", p, &m, NULL), 1);
    assert_int_equal(m.rule->kind, R307_KIND_EXACT);
    assert_str(r307_location_build(p, &m, NULL), "/exact");
}

static void map_and_regex_written_order(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt", "/p/1 /map1\n/p/2 /map2\n", 307);
    r307_rule_t *re1 = REGEX_OK(p, "^/p/(\\d+)$", "/re/$1");
    r307_rule_t *re = REGEX_OK(p, "^/p/(\\d+)$", "/re/$1");
    r307_scope_t *s1 = r307_scope_make(p, 0);
    r307_scope_t *s2 = r307_scope_make(p, 0);
    r307_match_t m;

    r307_scope_add(s1, re1);
    r307_scope_add_map(s1, map);
    r307_scope_add_map(s2, map);
    r307_scope_add(s2, re);

    assert_int_equal(r307_scope_match(s1, "/p/1", p, &m, NULL), 1);
    assert_str(r307_location_build(p, &m, NULL), "/re/1");
    assert_int_equal(r307_scope_match(s2, "/p/1", p, &m, NULL), 1);
    assert_str(r307_location_build(p, &m, NULL), "/map1");
    /* not in the map: the regex written after it answers */
    assert_int_equal(r307_scope_match(s2, "/p/3", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, re);
    assert_str(r307_location_build(p, &m, NULL), "/re/3");
}

static void several_maps_in_one_scope(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *m1 = MAP_OK(p, "one.map", "/a /one-a\n/b /one-b 308\n", 307);
    r307_map_t *m2 = MAP_OK(p, "two.map", "# two\n/b /two-b\n/c /two-c\n",
                            308);
    r307_map_t *m3 = MAP_OK(p, "three.map", "/c /three-c\n/d /three-d\n",
                            307);
    r307_rule_t *prefix = PREFIX_OK(p, "/d", "/pfx-d");
    r307_scope_t *scope = r307_scope_make(p, 0);
    r307_match_t m;

    r307_scope_add_map(scope, m1);
    r307_scope_add_map(scope, m2);
    r307_scope_add(scope, prefix);
    r307_scope_add_map(scope, m3);

    assert_int_equal(r307_scope_match(scope, "/a", p, &m, NULL), 1);
    assert_str(r307_rule_tag(p, m.rule), "one.map:1 307");
    assert_str(r307_location_build(p, &m, NULL), "/one-a");
    assert_int_equal(r307_scope_match(scope, "/b", p, &m, NULL), 1);
    assert_str(r307_rule_tag(p, m.rule), "one.map:2 308");
    assert_str(r307_location_build(p, &m, NULL), "/one-b");
    assert_int_equal(r307_scope_match(scope, "/c", p, &m, NULL), 1);
    assert_str(r307_rule_tag(p, m.rule), "two.map:3 308");
    assert_str(r307_location_build(p, &m, NULL), "/two-c");
    /* the prefix rule stands between the second and third map */
    assert_int_equal(r307_scope_match(scope, "/d", p, &m, NULL), 1);
    assert_ptr_equal(m.rule, prefix);
    assert_int_equal(r307_scope_match(scope, "/e", p, &m, NULL), 0);
    assert_int_equal(scope->next_seq, 4);
}

static void same_map_in_two_scopes(void **state)
{
    /* a cached map is shared: its position lives in each scope */
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt", "/x /map-x\n", 307);
    r307_scope_t *s1 = r307_scope_make(p, 0);
    r307_scope_t *s2 = r307_scope_make(p, 1);
    r307_match_t m;

    r307_scope_add(s1, PREFIX_OK(p, "/x", "/pfx"));
    r307_scope_add_map(s1, map);
    r307_scope_add_map(s2, map);
    r307_scope_add(s2, PREFIX_OK(p, "/x", "/pfx"));

    assert_int_equal(r307_scope_match(s1, "/x", p, &m, NULL), 1);
    assert_str(r307_location_build(p, &m, NULL), "/pfx");
    assert_int_equal(r307_scope_match(s2, "/x", p, &m, NULL), 1);
    assert_str(r307_location_build(p, &m, NULL), "/map-x");
}

static void remember_log(void *baton, int level, const char *message)
{
    const char **said = baton;
    (void)level;
    *said = message;
}

static void map_hit_trace_log(void **state)
{
    apr_pool_t *p = POOL(state);
    r307_map_t *map = MAP_OK(p, "m.txt", "\n/x /y\n", 307);
    r307_scope_t *scope = r307_scope_make(p, 0);
    const char *said = NULL;
    r307_logger_t log;
    r307_match_t m;

    log.log = remember_log;
    log.baton = &said;
    log.level = R307_LOG_TRACE1;
    r307_scope_add_map(scope, map);
    assert_int_equal(r307_scope_match(scope, "//x", p, &m, &log), 1);
    assert_int_equal(m.rule->line, 2);
    assert_int_equal(m.rule->seq, 0);
    assert_str(m.subject, "/x");
    assert_str(said, "m.txt:2: map entry '/x' matches //x");

    log.level = R307_LOG_TRACE3;
    said = NULL;
    assert_int_equal(r307_scope_match(scope, "/y", p, &m, &log), 0);
    assert_contains(said, "1 map probed");
}

const struct CMUnitTest r307_map_tests[] = {
    T(parse_simple),
    T(parse_empty_and_comment_only),
    T(parse_comments_blank_lines_line_numbers),
    T(parse_crlf_tabs_and_trailing_blanks),
    T(parse_status_field_overrides),
    T(parse_targets),
    T(parse_keys_decoded_and_collapsed),
    T(match_exact_only),
    T(match_query_handling),
    T(match_query_is_escaped),
    T(error_one_field),
    T(error_more_than_three_fields),
    T(error_bad_status),
    T(error_path_not_starting_with_slash),
    T(error_nul_in_path),
    T(error_bad_targets),
    T(error_target_is_the_path),
    T(error_duplicate_path),
    T(error_nul_byte_in_text),
    T(error_first_bad_line_reported),
    T(error_after_many_lines_keeps_line_number),
    T(large_map_every_entry),
    T(read_real_file),
    T(read_empty_file),
    T(read_error_names_file_and_line),
    T(read_missing_file),
    T(read_directory),
    T(read_nul_byte),
    T(map_and_prefix_same_path_written_order),
    T(map_and_shorter_prefix_written_order),
    T(map_and_regex_written_order),
    T(several_maps_in_one_scope),
    T(same_map_in_two_scopes),
    T(map_hit_trace_log),
};
const size_t r307_map_tests_n = R307_NELTS(r307_map_tests);
