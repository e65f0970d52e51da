/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 */

/*
 * r307_map_cache.c -- maps named in .htaccess, parsed once per process.
 *
 * httpd parses .htaccess for every request, so a 100,000-line map in one
 * would be read 100,000 lines at a time without this cache.  Each map gets
 * a pool of its own (unmanaged, so creating and destroying it needs no lock
 * on a shared parent) and a reference count: a request holds the map until
 * its pool is cleaned up, so a map replaced or evicted meanwhile is freed
 * only by its last user.  The lock is held for lookups and bookkeeping,
 * never while a file is parsed.
 */

#include <string.h>

#include <apr_strings.h>
#include <apr_file_info.h>
#include <apr_thread_mutex.h>

#include "r307_core.h"

typedef struct r307_cached_map_t {
    apr_pool_t *pool;            /* holds the map and this record           */
    const char *key;             /* "path\n307"                             */
    apr_finfo_t identity;        /* device, inode, size, mtime when parsed  */
    const r307_map_t *map;
    apr_size_t refs;             /* requests holding the map                */
    apr_uint64_t last_used;
    int cached;                  /* still in the cache's table              */
} r307_cached_map_t;

struct r307_map_cache_t {
    apr_thread_mutex_t *lock;
    apr_hash_t *maps;            /* key -> r307_cached_map_t *              */
    apr_size_t bytes;
    apr_size_t max_bytes;
    apr_uint64_t clock;          /* advances on each use, for LRU          */
};

/* What a request holds: the record, and the cache to tell when done. */
typedef struct r307_map_hold_t {
    r307_map_cache_t *cache;
    r307_cached_map_t *entry;
} r307_map_hold_t;

/* The maps live in pools of their own: free them with the cache's pool.
 * Its users are gone by then (the pool is the child's). */
static apr_status_t r307_map_cache_cleanup(void *data)
{
    r307_map_cache_t *cache = data;
    apr_hash_index_t *hi;

    /* The table itself goes with the pool; its keys live in the map pools,
     * so it is not touched once those are gone. */
    for (hi = apr_hash_first(NULL, cache->maps); hi; hi = apr_hash_next(hi)) {
        r307_cached_map_t *e = apr_hash_this_val(hi);
        apr_pool_destroy(e->pool);
    }
    return APR_SUCCESS;
}

r307_map_cache_t *r307_map_cache_make(apr_pool_t *p, apr_size_t max_bytes)
{
    r307_map_cache_t *cache = apr_pcalloc(p, sizeof(*cache));

    if (apr_thread_mutex_create(&cache->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS) {
        return NULL;
    }
    cache->maps = apr_hash_make(p);
    cache->max_bytes = max_bytes;
    apr_pool_cleanup_register(p, cache, r307_map_cache_cleanup,
                              apr_pool_cleanup_null);
    return cache;
}

static int r307_same_identity(const apr_finfo_t *a, const apr_finfo_t *b)
{
    return a->device == b->device && a->inode == b->inode
           && a->size == b->size && a->mtime == b->mtime;
}

/* Take 'entry' out of the table; the lock is held. */
static void r307_cache_drop(r307_map_cache_t *cache, r307_cached_map_t *e)
{
    apr_hash_set(cache->maps, e->key, APR_HASH_KEY_STRING, NULL);
    e->cached = 0;
    cache->bytes -= e->map->bytes;
    if (e->refs == 0) {
        apr_pool_destroy(e->pool);
    }
}

/* Drop unused maps, least recently used first, until the cache is within
 * its bound; the lock is held. */
static void r307_cache_evict(r307_map_cache_t *cache)
{
    while (cache->bytes > cache->max_bytes) {
        r307_cached_map_t *oldest = NULL;
        apr_hash_index_t *hi;

        for (hi = apr_hash_first(NULL, cache->maps); hi;
             hi = apr_hash_next(hi)) {
            r307_cached_map_t *e = apr_hash_this_val(hi);
            if (e->refs == 0
                && (!oldest || e->last_used < oldest->last_used)) {
                oldest = e;
            }
        }
        if (!oldest) {
            return;
        }
        r307_cache_drop(cache, oldest);
    }
}

static apr_status_t r307_map_release(void *data)
{
    r307_map_hold_t *hold = data;
    r307_cached_map_t *e = hold->entry;

    apr_thread_mutex_lock(hold->cache->lock);
    if (--e->refs == 0 && !e->cached) {
        apr_pool_destroy(e->pool);
    }
    apr_thread_mutex_unlock(hold->cache->lock);
    return APR_SUCCESS;
}

/* Give 'e' to a request; the lock is held. */
static const r307_map_t *r307_map_hold(r307_map_cache_t *cache,
                                       r307_cached_map_t *e, apr_pool_t *user)
{
    r307_map_hold_t *hold = apr_palloc(user, sizeof(*hold));

    e->refs++;
    e->last_used = ++cache->clock;
    hold->cache = cache;
    hold->entry = e;
    apr_pool_cleanup_register(user, hold, r307_map_release,
                              apr_pool_cleanup_null);
    return e->map;
}

const char *r307_map_cache_get(r307_map_cache_t *cache, const char *path,
                               int status, apr_pool_t *user,
                               const r307_map_t **map, int *reused)
{
    const char *key = apr_psprintf(user, "%s\n%d", path, status);
    r307_cached_map_t *e;
    r307_cached_map_t *fresh;
    apr_pool_t *pool;
    apr_finfo_t identity;
    apr_status_t rv;
    const char *err;
    char msg[120];

    *map = NULL;
    *reused = 0;
    rv = apr_stat(&identity, path, APR_FINFO_IDENT | APR_FINFO_SIZE
                                   | APR_FINFO_MTIME | APR_FINFO_TYPE, user);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(user, "cannot open map file '%s': %s", path,
                            apr_strerror(rv, msg, sizeof(msg)));
    }

    apr_thread_mutex_lock(cache->lock);
    e = apr_hash_get(cache->maps, key, APR_HASH_KEY_STRING);
    if (e && r307_same_identity(&e->identity, &identity)) {
        *map = r307_map_hold(cache, e, user);
        *reused = 1;
        apr_thread_mutex_unlock(cache->lock);
        return NULL;
    }
    apr_thread_mutex_unlock(cache->lock);

    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
        return apr_psprintf(user, "no memory to load map file '%s'", path);
    }
    fresh = apr_pcalloc(pool, sizeof(*fresh));
    fresh->pool = pool;
    fresh->key = apr_pstrdup(pool, key);
    fresh->identity = identity;
    err = r307_map_read(pool, (r307_map_t **)&fresh->map, path, status);
    if (err) {
        err = apr_pstrdup(user, err);
        apr_pool_destroy(pool);
        return err;
    }

    apr_thread_mutex_lock(cache->lock);
    e = apr_hash_get(cache->maps, key, APR_HASH_KEY_STRING);
    if (e && r307_same_identity(&e->identity, &identity)) {
        /* Another thread parsed the same file meanwhile: use its copy. */
        apr_pool_destroy(pool);
        *map = r307_map_hold(cache, e, user);
        *reused = 1;
        apr_thread_mutex_unlock(cache->lock);
        return NULL;
    }
    if (e) {
        r307_cache_drop(cache, e);
    }
    if (fresh->map->bytes <= cache->max_bytes) {
        fresh->cached = 1;
        apr_hash_set(cache->maps, fresh->key, APR_HASH_KEY_STRING, fresh);
        cache->bytes += fresh->map->bytes;
    }
    *map = r307_map_hold(cache, fresh, user);
    r307_cache_evict(cache);
    apr_thread_mutex_unlock(cache->lock);
    return NULL;
}

void r307_map_cache_stats(r307_map_cache_t *cache, apr_size_t *maps,
                          apr_size_t *bytes)
{
    apr_thread_mutex_lock(cache->lock);
    *maps = apr_hash_count(cache->maps);
    *bytes = cache->bytes;
    apr_thread_mutex_unlock(cache->lock);
}
