/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_map_cache.c -- r307_map_cache: a map named in .htaccess is parsed
 * once and reused while its file keeps its identity (device, inode, size,
 * mtime); an edited file is parsed again; a map a request holds stays valid
 * until the request's pool goes, even if the cache replaced or evicted it;
 * the memory bound evicts unused maps, least recently used first; an
 * invalid map is an error and is not cached.
 *
 * Run the unit binary under valgrind once to check the "stays valid" and
 * "freed" claims: valgrind --error-exitcode=1 ./tests/unit/test_core
 */

#include "test_util.h"

#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

/* A fixed modification time, so "same identity" does not depend on how
 * fast the test writes. */
#define T0 ((apr_time_t)1700000000 * APR_USEC_PER_SEC)

static const char *write_map(apr_pool_t *p, const char *dir, const char *name,
                             const char *text, apr_time_t mtime)
{
    const char *path = apr_pstrcat(p, dir, "/", name, NULL);
    r307_write_file(p, path, text, strlen(text));
    if (mtime) {
        assert_int_equal(apr_file_mtime_set(path, mtime, p), APR_SUCCESS);
    }
    return path;
}

static const r307_map_entry_t *entry(const r307_map_t *map, const char *key)
{
    return apr_hash_get(map->entries, key, strlen(key));
}

/* Get 'path' from the cache into a new sub-pool of 'p' (returned in
 * '*user'); the get must succeed. */
static const r307_map_t *get_ok(r307_map_cache_t *cache, apr_pool_t *p,
                                const char *path, int status,
                                apr_pool_t **user, int *reused)
{
    const r307_map_t *map = NULL;
    const char *err;

    apr_pool_create(user, p);
    *reused = -1;
    err = r307_map_cache_get(cache, path, status, *user, &map, reused);
    if (err) {
        print_error("r307_map_cache_get(%s) failed: %s\n", path, err);
        fail();
    }
    assert_non_null(map);
    assert_true(*reused == 0 || *reused == 1);
    return map;
}

static void stats_are(r307_map_cache_t *cache, apr_size_t maps,
                      apr_size_t bytes)
{
    apr_size_t n = 99, b = 99;
    r307_map_cache_stats(cache, &n, &b);
    assert_int_equal(n, maps);
    assert_int_equal(b, bytes);
}

static void second_get_reuses(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = write_map(p, dir, "m.map", "/a /x\n/b /y 308\n", T0);
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    apr_pool_t *u1, *u2, *u3;
    const r307_map_t *m1, *m2, *m3;
    int reused;

    assert_non_null(cache);
    stats_are(cache, 0, 0);
    m1 = get_ok(cache, p, path, 307, &u1, &reused);
    assert_int_equal(reused, 0);
    assert_int_equal(m1->count, 2);
    assert_str(m1->file, path);
    assert_int_equal(entry(m1, "/a")->status, 307);
    assert_int_equal(entry(m1, "/b")->status, 308);
    stats_are(cache, 1, m1->bytes);

    m2 = get_ok(cache, p, path, 307, &u2, &reused);
    assert_int_equal(reused, 1);
    assert_ptr_equal(m2, m1);
    stats_are(cache, 1, m1->bytes);

    /* released by every user: still cached */
    apr_pool_destroy(u1);
    apr_pool_destroy(u2);
    stats_are(cache, 1, m1->bytes);
    m3 = get_ok(cache, p, path, 307, &u3, &reused);
    assert_int_equal(reused, 1);
    assert_ptr_equal(m3, m1);
    apr_pool_destroy(u3);
}

static void status_is_part_of_the_key(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = write_map(p, dir, "m.map", "/a /x\n", T0);
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    apr_pool_t *u1, *u2, *u3;
    const r307_map_t *m307, *m308, *again;
    int reused;

    m307 = get_ok(cache, p, path, 307, &u1, &reused);
    assert_int_equal(reused, 0);
    m308 = get_ok(cache, p, path, 308, &u2, &reused);
    assert_int_equal(reused, 0);
    assert_ptr_not_equal(m307, m308);
    assert_int_equal(entry(m307, "/a")->status, 307);
    assert_int_equal(entry(m308, "/a")->status, 308);
    stats_are(cache, 2, m307->bytes + m308->bytes);
    again = get_ok(cache, p, path, 308, &u3, &reused);
    assert_int_equal(reused, 1);
    assert_ptr_equal(again, m308);
    apr_pool_destroy(u1);
    apr_pool_destroy(u2);
    apr_pool_destroy(u3);
}

static void size_change_reparses(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = write_map(p, dir, "m.map", "/a /old\n", T0);
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    apr_pool_t *u1, *u2, *u3;
    const r307_map_t *m1, *m2, *m3;
    int reused;

    m1 = get_ok(cache, p, path, 307, &u1, &reused);
    assert_int_equal(reused, 0);

    /* same mtime on purpose: the size alone tells the file changed */
    write_map(p, dir, "m.map", "/a /newer\n/b /added\n", T0);
    m2 = get_ok(cache, p, path, 307, &u2, &reused);
    assert_int_equal(reused, 0);
    assert_ptr_not_equal(m2, m1);
    assert_str(entry(m2, "/a")->target, "/newer");
    assert_int_equal(m2->count, 2);
    stats_are(cache, 1, m2->bytes);

    /* the replaced map is still whole for the request that holds it */
    assert_int_equal(m1->count, 1);
    assert_str(entry(m1, "/a")->target, "/old");
    assert_null(entry(m1, "/b"));
    apr_pool_destroy(u1);            /* the last user frees it */

    m3 = get_ok(cache, p, path, 307, &u3, &reused);
    assert_int_equal(reused, 1);
    assert_ptr_equal(m3, m2);
    apr_pool_destroy(u2);
    apr_pool_destroy(u3);
}

static void mtime_change_reparses(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = write_map(p, dir, "m.map", "/a /one\n", T0);
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    apr_pool_t *u1, *u2, *u3, *u4;
    const r307_map_t *m1, *m2, *m3, *m4;
    int reused;

    m1 = get_ok(cache, p, path, 307, &u1, &reused);
    assert_int_equal(reused, 0);

    /* same size, same inode, another mtime: parsed again */
    write_map(p, dir, "m.map", "/a /two\n", T0 + APR_USEC_PER_SEC);
    m2 = get_ok(cache, p, path, 307, &u2, &reused);
    assert_int_equal(reused, 0);
    assert_ptr_not_equal(m2, m1);
    assert_str(entry(m2, "/a")->target, "/two");
    assert_str(entry(m1, "/a")->target, "/one");

    /* only the mtime moves (touch): parsed again too */
    assert_int_equal(apr_file_mtime_set(path, T0 + 2 * APR_USEC_PER_SEC, p),
                     APR_SUCCESS);
    m3 = get_ok(cache, p, path, 307, &u3, &reused);
    assert_int_equal(reused, 0);
    assert_ptr_not_equal(m3, m2);
    stats_are(cache, 1, m3->bytes);

    m4 = get_ok(cache, p, path, 307, &u4, &reused);
    assert_int_equal(reused, 1);
    assert_ptr_equal(m4, m3);

    /* release in an order other than acquisition */
    apr_pool_destroy(u3);
    apr_pool_destroy(u1);
    apr_pool_destroy(u4);
    apr_pool_destroy(u2);
    stats_are(cache, 1, m3->bytes);
}

static void replaced_file_new_inode_reparses(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = write_map(p, dir, "m.map", "/a /one\n", T0);
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    apr_pool_t *u1, *u2;
    const r307_map_t *m1, *m2;
    const char *tmp;
    int reused;

    m1 = get_ok(cache, p, path, 307, &u1, &reused);
    assert_int_equal(reused, 0);
    assert_str(entry(m1, "/a")->target, "/one");
    apr_pool_destroy(u1);            /* unused when it is replaced */

    /* an editor's save: a new file renamed over the old, same size and
     * mtime -- only the inode differs */
    tmp = write_map(p, dir, "m.map.new", "/a /two\n", T0);
    assert_int_equal(apr_file_rename(tmp, path, p), APR_SUCCESS);
    m2 = get_ok(cache, p, path, 307, &u2, &reused);
    assert_int_equal(reused, 0);
    assert_str(entry(m2, "/a")->target, "/two");
    stats_are(cache, 1, m2->bytes);
    apr_pool_destroy(u2);
}

static void held_maps_outlive_cache_changes(void **state)
{
    /* many generations of one file, each held by its own request pool,
     * released in a scrambled order; valgrind sees any use after free */
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    apr_pool_t *users[8];
    const r307_map_t *maps[8];
    const char *path = NULL;
    static const int release[8] = { 3, 0, 7, 5, 1, 6, 2, 4 };
    int i, reused;

    for (i = 0; i < 8; i++) {
        path = write_map(p, dir, "m.map",
                         apr_psprintf(p, "/a /gen%d\n", i),
                         T0 + i * APR_USEC_PER_SEC);
        maps[i] = get_ok(cache, p, path, 307, &users[i], &reused);
        assert_int_equal(reused, 0);
    }
    for (i = 0; i < 8; i++) {
        int k = release[i];
        int j;
        for (j = 0; j < 8; j++) {
            if (users[j]) {
                assert_str(entry(maps[j], "/a")->target,
                           apr_psprintf(p, "/gen%d", j));
            }
        }
        apr_pool_destroy(users[k]);
        users[k] = NULL;
    }
    stats_are(cache, 1, maps[7]->bytes);
}

static void eviction_least_recently_used(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    /* three maps of exactly the same size */
    const char *a = write_map(p, dir, "a.map", "/a /1\n", T0);
    const char *b = write_map(p, dir, "b.map", "/b /2\n", T0);
    const char *c = write_map(p, dir, "c.map", "/c /3\n", T0);
    r307_map_cache_t *probe = r307_map_cache_make(p, 1024 * 1024);
    r307_map_cache_t *cache;
    apr_pool_t *u;
    const r307_map_t *m;
    apr_size_t one;
    int reused;

    m = get_ok(probe, p, a, 307, &u, &reused);
    one = m->bytes;
    assert_true(one > 0);
    apr_pool_destroy(u);

    /* room for two */
    cache = r307_map_cache_make(p, 2 * one);
    get_ok(cache, p, a, 307, &u, &reused);
    apr_pool_destroy(u);
    get_ok(cache, p, b, 307, &u, &reused);
    apr_pool_destroy(u);
    stats_are(cache, 2, 2 * one);

    get_ok(cache, p, c, 307, &u, &reused);      /* evicts a, the oldest */
    assert_int_equal(reused, 0);
    apr_pool_destroy(u);
    stats_are(cache, 2, 2 * one);
    get_ok(cache, p, b, 307, &u, &reused);      /* b is still there ... */
    assert_int_equal(reused, 1);
    apr_pool_destroy(u);
    get_ok(cache, p, a, 307, &u, &reused);      /* ... a is not; loading it
                                                 * evicts c, now the oldest */
    assert_int_equal(reused, 0);
    apr_pool_destroy(u);
    stats_are(cache, 2, 2 * one);
    get_ok(cache, p, b, 307, &u, &reused);
    assert_int_equal(reused, 1);
    apr_pool_destroy(u);
    get_ok(cache, p, c, 307, &u, &reused);
    assert_int_equal(reused, 0);
    apr_pool_destroy(u);
    stats_are(cache, 2, 2 * one);
}

static void eviction_spares_maps_in_use(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *a = write_map(p, dir, "a.map", "/a /1\n", T0);
    const char *b = write_map(p, dir, "b.map", "/b /2\n", T0);
    const char *c = write_map(p, dir, "c.map", "/c /3\n", T0);
    r307_map_cache_t *probe = r307_map_cache_make(p, 1024 * 1024);
    r307_map_cache_t *cache;
    apr_pool_t *ua, *ub, *uc, *u;
    const r307_map_t *ma, *m;
    apr_size_t one;
    int reused;

    m = get_ok(probe, p, a, 307, &u, &reused);
    one = m->bytes;
    apr_pool_destroy(u);

    /* room for one */
    cache = r307_map_cache_make(p, one);
    ma = get_ok(cache, p, a, 307, &ua, &reused);    /* held throughout */
    get_ok(cache, p, b, 307, &ub, &reused);
    /* both in use: nothing can go, the cache is over its bound */
    stats_are(cache, 2, 2 * one);
    apr_pool_destroy(ub);
    get_ok(cache, p, c, 307, &uc, &reused);
    /* b, unused, goes; a (held) and c (held) stay */
    stats_are(cache, 2, 2 * one);
    m = get_ok(cache, p, a, 307, &u, &reused);
    assert_int_equal(reused, 1);
    assert_ptr_equal(m, ma);
    assert_str(entry(ma, "/a")->target, "/1");
    apr_pool_destroy(u);
    apr_pool_destroy(uc);
    get_ok(cache, p, b, 307, &ub, &reused);
    assert_int_equal(reused, 0);
    apr_pool_destroy(ub);
    apr_pool_destroy(ua);
}

static void map_larger_than_bound_is_not_cached(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = write_map(p, dir, "big.map", "/a /1\n/b /2\n/c /3\n",
                                 T0);
    r307_map_cache_t *cache = r307_map_cache_make(p, 64);
    apr_pool_t *u1, *u2;
    const r307_map_t *m1, *m2;
    int reused;

    m1 = get_ok(cache, p, path, 307, &u1, &reused);
    assert_int_equal(reused, 0);
    assert_true(m1->bytes > 64);
    stats_are(cache, 0, 0);
    m2 = get_ok(cache, p, path, 307, &u2, &reused);
    assert_int_equal(reused, 0);
    assert_ptr_not_equal(m1, m2);
    stats_are(cache, 0, 0);
    /* each is whole until its user goes */
    assert_str(entry(m1, "/c")->target, "/3");
    apr_pool_destroy(u1);
    assert_str(entry(m2, "/c")->target, "/3");
    apr_pool_destroy(u2);
}

static void invalid_map_is_an_error_and_not_cached(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = write_map(p, dir, "m.map", "/a /1\n/b\n", T0);
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    const r307_map_t *map = (const r307_map_t *)1;
    apr_pool_t *u;
    const char *err;
    int reused = -1;

    apr_pool_create(&u, p);
    err = r307_map_cache_get(cache, path, 307, u, &map, &reused);
    assert_str(err, apr_psprintf(p, "%s:2: URL-path '/b' has no target",
                                 path));
    assert_null(map);
    assert_int_equal(reused, 0);
    stats_are(cache, 0, 0);
    /* the message lives in the user's pool */
    apr_pool_destroy(u);

    /* still refused on the next request: nothing was remembered */
    apr_pool_create(&u, p);
    err = r307_map_cache_get(cache, path, 307, u, &map, &reused);
    assert_non_null(err);
    assert_contains(err, ":2: URL-path '/b' has no target");
    apr_pool_destroy(u);

    /* fixed: loaded */
    write_map(p, dir, "m.map", "/a /1\n/b /2\n", T0 + APR_USEC_PER_SEC);
    map = get_ok(cache, p, path, 307, &u, &reused);
    assert_int_equal(reused, 0);
    assert_int_equal(map->count, 2);
    apr_pool_destroy(u);
}

static void broken_edit_drops_nothing_in_use(void **state)
{
    /* a good map is cached and held; the file is edited into an invalid
     * one: the next get fails, the held map stays whole */
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *path = write_map(p, dir, "m.map", "/a /1\n", T0);
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    const r307_map_t *held, *map;
    apr_pool_t *u1, *u;
    const char *err;
    int reused;

    held = get_ok(cache, p, path, 307, &u1, &reused);
    write_map(p, dir, "m.map", "/a /1\n/a /2\n", T0 + APR_USEC_PER_SEC);
    apr_pool_create(&u, p);
    err = r307_map_cache_get(cache, path, 307, u, &map, &reused);
    assert_str(err, apr_psprintf(p, "%s:2: URL-path '/a' is already mapped "
                                    "on line 1", path));
    assert_null(map);
    apr_pool_destroy(u);
    assert_str(entry(held, "/a")->target, "/1");
    apr_pool_destroy(u1);
}

static void missing_file_and_directory(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    const char *missing = apr_pstrcat(p, dir, "/none.map", NULL);
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    const r307_map_t *map = (const r307_map_t *)1;
    apr_pool_t *u;
    const char *err;
    int reused = -1;

    apr_pool_create(&u, p);
    err = r307_map_cache_get(cache, missing, 307, u, &map, &reused);
    assert_str(err, apr_psprintf(p, "cannot open map file '%s': No such file "
                                    "or directory", missing));
    assert_null(map);
    err = r307_map_cache_get(cache, dir, 307, u, &map, &reused);
    assert_str(err, apr_psprintf(p, "map file '%s' is not a regular file",
                                 dir));
    assert_null(map);
    stats_are(cache, 0, 0);
    apr_pool_destroy(u);
}

/* ---- threads: one parse, one shared map ------------------------------- */

#define NTHREADS 8
#define NGETS 200

typedef struct {
    r307_map_cache_t *cache;
    const char *path;
    const r307_map_t *seen;
    int fresh;                 /* gets that parsed */
    int mixed;                 /* gets that returned another map */
    int errors;
} thread_job;

static void *APR_THREAD_FUNC getter(apr_thread_t *thread, void *data)
{
    thread_job *job = data;
    apr_pool_t *tp;
    int i;

    apr_pool_create_unmanaged_ex(&tp, NULL, NULL);
    for (i = 0; i < NGETS; i++) {
        apr_pool_t *u;
        const r307_map_t *map;
        int reused;

        apr_pool_create(&u, tp);
        if (r307_map_cache_get(job->cache, job->path, 307, u, &map, &reused)
            || !map || !entry(map, "/k500")) {
            job->errors++;
        }
        else {
            if (!reused) {
                job->fresh++;
            }
            if (job->seen && job->seen != map) {
                job->mixed++;
            }
            job->seen = map;
        }
        apr_pool_destroy(u);
    }
    apr_pool_destroy(tp);
    /* return, not apr_thread_exit(): pthread_exit from an instrumented
     * thread trips AddressSanitizer's sigaltstack interceptor */
    (void)thread;
    return NULL;
}

static void threads_share_one_parse(void **state)
{
    apr_pool_t *p = POOL(state);
    const char *dir = r307_temp_dir(p);
    char *text = apr_palloc(p, 1000 * 24);
    char *o = text;
    const char *path;
    r307_map_cache_t *cache = r307_map_cache_make(p, 1024 * 1024);
    apr_thread_t *threads[NTHREADS];
    thread_job jobs[NTHREADS];
    int i, fresh = 0;

    for (i = 0; i < 1000; i++) {
        o += sprintf(o, "/k%d /v%d\n", i, i);
    }
    path = write_map(p, dir, "t.map", text, T0);
    memset(jobs, 0, sizeof(jobs));
    for (i = 0; i < NTHREADS; i++) {
        jobs[i].cache = cache;
        jobs[i].path = path;
        assert_int_equal(apr_thread_create(&threads[i], NULL, getter,
                                           &jobs[i], p), APR_SUCCESS);
    }
    for (i = 0; i < NTHREADS; i++) {
        apr_status_t rv;
        apr_thread_join(&rv, threads[i]);
    }
    for (i = 0; i < NTHREADS; i++) {
        assert_int_equal(jobs[i].errors, 0);
        assert_int_equal(jobs[i].mixed, 0);
        assert_ptr_equal(jobs[i].seen, jobs[0].seen);
        fresh += jobs[i].fresh;
    }
    /* a thread that parsed concurrently with another takes the copy that
     * made it into the cache first: only one get ever reports a parse */
    assert_int_equal(fresh, 1);
    stats_are(cache, 1, jobs[0].seen->bytes);
}

const struct CMUnitTest r307_map_cache_tests[] = {
    T(second_get_reuses),
    T(status_is_part_of_the_key),
    T(size_change_reparses),
    T(mtime_change_reparses),
    T(replaced_file_new_inode_reparses),
    T(held_maps_outlive_cache_changes),
    T(eviction_least_recently_used),
    T(eviction_spares_maps_in_use),
    T(map_larger_than_bound_is_not_cached),
    T(invalid_map_is_an_error_and_not_cached),
    T(broken_edit_drops_nothing_in_use),
    T(missing_file_and_directory),
    T(threads_share_one_parse),
};
const size_t r307_map_cache_tests_n = R307_NELTS(r307_map_cache_tests);
