/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * test_main.c -- the one main() of tests/unit/test_core: runs every cmocka
 * group of the tests/unit sources.  Exit status is the number of failed tests.
 */

#include "test_util.h"

#include <stdlib.h>

int main(void)
{
    int failed = 0;

    if (apr_initialize() != APR_SUCCESS) {
        fprintf(stderr, "apr_initialize failed\n");
        return 1;
    }
    atexit(apr_terminate);

    failed += _cmocka_run_group_tests("rule_parse", r307_rule_tests,
                                      r307_rule_tests_n, r307_group_setup,
                                      r307_group_teardown);
    failed += _cmocka_run_group_tests("prefix_and_collapse", r307_prefix_tests,
                                      r307_prefix_tests_n, r307_group_setup,
                                      r307_group_teardown);
    failed += _cmocka_run_group_tests("scope_match", r307_scope_tests,
                                      r307_scope_tests_n, r307_group_setup,
                                      r307_group_teardown);
    failed += _cmocka_run_group_tests("scope_order_exhaustive",
                                      r307_order_tests, r307_order_tests_n,
                                      r307_group_setup, r307_group_teardown);
    failed += _cmocka_run_group_tests("chain_order_exhaustive",
                                      r307_chain_tests, r307_chain_tests_n,
                                      r307_group_setup, r307_group_teardown);
    failed += _cmocka_run_group_tests("location_build", r307_location_tests,
                                      r307_location_tests_n, r307_group_setup,
                                      r307_group_teardown);
    failed += _cmocka_run_group_tests("escape_urlsame_tag", r307_escape_tests,
                                      r307_escape_tests_n, r307_group_setup,
                                      r307_group_teardown);
    failed += _cmocka_run_group_tests("upgrade_policy", r307_upgrade_tests,
                                      r307_upgrade_tests_n, r307_group_setup,
                                      r307_group_teardown);
    failed += _cmocka_run_group_tests("map_parse", r307_map_tests,
                                      r307_map_tests_n, r307_group_setup,
                                      r307_group_teardown);
    failed += _cmocka_run_group_tests("map_cache", r307_map_cache_tests,
                                      r307_map_cache_tests_n,
                                      r307_group_setup, r307_group_teardown);

    if (failed) {
        fprintf(stderr, "test_core: %d test(s) FAILED\n", failed);
    }
    return failed ? 1 : 0;
}
