/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 */

/*
 * r307_map.c -- Redirect307Map / Redirect308Map files.
 *
 * A site migration brings hundreds of thousands of old -> new URLs.  Each
 * line is checked exactly as a Redirect307 target would be, but only the
 * escaped target, its line and two flags are kept, in a hash keyed by the
 * decoded URL-path: a lookup is one probe whatever the map's size, and a
 * million lines fit in memory.  Checking allocates from a scratch pool that
 * is cleared as the parse goes, so it costs no memory after loading.
 */

#include <string.h>

#include <apr_strings.h>
#include <apr_file_io.h>

#include "r307_internal.h"

/* Lines checked between two clearings of the scratch pool. */
#define R307_MAP_SCRATCH_LINES 1024

/* What one map entry costs beyond its strings: the entry, and the hash's
 * own entry and bucket slot. */
#define R307_MAP_ENTRY_OVERHEAD (sizeof(r307_map_entry_t) + 48)

/* Split 'line' (NUL-terminated, writable) at blanks into at most 'max'
 * fields; returns how many there are, counting one past 'max' if more. */
static int r307_map_fields(char *line, char **field, int max)
{
    int n = 0;
    char *c = line;

    for (;;) {
        c += strspn(c, " \t");
        if (!*c) {
            return n;
        }
        if (n == max) {
            return n + 1;
        }
        field[n++] = c;
        c += strcspn(c, " \t");
        if (*c) {
            *c++ = '\0';
        }
    }
}

/* Check one line and add it to 'map'; NULL or an error message. */
static const char *r307_map_line(apr_pool_t *p, apr_pool_t *scratch,
                                 r307_map_t *map, char *line,
                                 apr_uint32_t lineno, int status)
{
    char *field[3];
    int n = r307_map_fields(line, field, 3);
    const char *where = apr_psprintf(scratch, "%s:%u", map->file, lineno);
    r307_target_t t;
    r307_map_entry_t *entry;
    const r307_map_entry_t *before;
    char *key;
    apr_size_t klen;
    const char *err;

    if (n == 0 || field[0][0] == '#') {
        return NULL;
    }
    if (n == 1) {
        return apr_psprintf(p, "%s: URL-path '%s' has no target", where,
                            field[0]);
    }
    if (n > 3) {
        return apr_psprintf(p, "%s: more than three fields (URL-path URL "
                            "[307|308])", where);
    }
    if (n == 3) {
        if (strcmp(field[2], "307") != 0 && strcmp(field[2], "308") != 0) {
            return apr_psprintf(p, "%s: status '%s' is not 307 or 308", where,
                                field[2]);
        }
        status = field[2][2] == '8' ? 308 : 307;
    }
    if (field[0][0] != '/') {
        return apr_psprintf(p, "%s: URL-path '%s' must start with '/'", where,
                            field[0]);
    }
    if (strstr(field[0], "%00")) {
        return apr_psprintf(p, "%s: URL-path '%s' decodes to a NUL byte",
                            where, field[0]);
    }
    key = r307_unescape(scratch, field[0], strlen(field[0]));
    key = r307_path_collapse(scratch, key);
    klen = strlen(key);

    if ((err = r307_target_parse(scratch, &t, R307_KIND_EXACT, where,
                                 field[1])) != NULL) {
        return apr_pstrdup(p, err);
    }
    if (!t.absolute) {
        const char *to = r307_path_collapse(scratch, r307_resolve_dots(
            scratch, r307_unescape(scratch, t.escaped, t.path_end)));
        if (strcmp(to, key) == 0) {
            return apr_psprintf(p, "%s: target '%s' is the URL-path itself: "
                                "every request would be redirected again",
                                where, field[1]);
        }
    }
    before = apr_hash_get(map->entries, key, klen);
    if (before) {
        return apr_psprintf(p, "%s: URL-path '%s' is already mapped on line "
                            "%u", where, field[0], before->line);
    }

    entry = apr_palloc(p, sizeof(*entry));
    entry->target = apr_pstrdup(p, t.escaped);
    entry->line = lineno;
    entry->path_end = (apr_uint32_t)t.path_end;
    entry->status = (apr_uint16_t)status;
    entry->absolute = (apr_byte_t)t.absolute;
    entry->has_query = (apr_byte_t)t.has_query;
    apr_hash_set(map->entries, apr_pstrmemdup(p, key, klen), klen, entry);
    map->count++;
    map->bytes += R307_MAP_ENTRY_OVERHEAD + klen + 1 + strlen(entry->target)
                  + 1;
    return NULL;
}

const char *r307_map_parse(apr_pool_t *p, r307_map_t **out, const char *file,
                           const char *text, apr_size_t len, int status)
{
    r307_map_t *map = apr_pcalloc(p, sizeof(*map));
    apr_pool_t *scratch;
    apr_size_t pos = 0;
    apr_uint32_t lineno = 0;
    const char *err = NULL;

    *out = NULL;
    map->file = apr_pstrdup(p, file);
    map->entries = apr_hash_make(p);
    if (memchr(text, '\0', len)) {
        return apr_psprintf(p, "%s: contains a NUL byte; not a text file",
                            file);
    }
    apr_pool_create(&scratch, p);
    while (pos < len && !err) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        apr_size_t end = nl ? (apr_size_t)(nl - text) : len;
        apr_size_t stop = end;
        char *line;

        if (stop > pos && text[stop - 1] == '\r') {
            stop--;
        }
        lineno++;
        if (lineno % R307_MAP_SCRATCH_LINES == 0) {
            apr_pool_clear(scratch);
        }
        line = apr_pstrmemdup(scratch, text + pos, stop - pos);
        err = r307_map_line(p, scratch, map, line, lineno, status);
        pos = end + 1;
    }
    apr_pool_destroy(scratch);
    if (!err) {
        *out = map;
    }
    return err;
}

const char *r307_map_read(apr_pool_t *p, r307_map_t **map, const char *path,
                          int status)
{
    apr_file_t *fd;
    apr_finfo_t finfo;
    apr_pool_t *buffer_pool;
    apr_size_t len;
    char *text;
    apr_status_t rv;
    const char *err;
    char msg[120];

    *map = NULL;
    rv = apr_file_open(&fd, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "cannot open map file '%s': %s", path,
                            apr_strerror(rv, msg, sizeof(msg)));
    }
    rv = apr_file_info_get(&finfo, APR_FINFO_SIZE | APR_FINFO_TYPE, fd);
    if (rv == APR_SUCCESS && finfo.filetype != APR_REG) {
        apr_file_close(fd);
        return apr_psprintf(p, "map file '%s' is not a regular file", path);
    }
    /* The text is needed only while parsing. */
    apr_pool_create(&buffer_pool, p);
    len = rv == APR_SUCCESS ? (apr_size_t)finfo.size : 0;
    text = apr_palloc(buffer_pool, len + 1);
    if (rv == APR_SUCCESS && len > 0) {
        rv = apr_file_read_full(fd, text, len, &len);
    }
    apr_file_close(fd);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(buffer_pool);
        return apr_psprintf(p, "cannot read map file '%s': %s", path,
                            apr_strerror(rv, msg, sizeof(msg)));
    }
    err = r307_map_parse(p, map, path, text, len, status);
    apr_pool_destroy(buffer_pool);
    return err;
}
