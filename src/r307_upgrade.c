/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain a
 * copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 */

/*
 * r307_upgrade.c -- the decision to send 307 (308) where something else
 * produced 302 (301).
 *
 * RFC 9110 15.4.2/15.4.3 let a client change POST to GET when it follows a
 * 301 or 302, and most do: a form post or an API write silently becomes a
 * page view.  307 and 308 forbid that.  Only the unsafe methods are at
 * stake: for GET, HEAD, OPTIONS and TRACE (RFC 9110 9.2.1) every one of the
 * codes behaves the same, so those are never touched; neither is 303, whose
 * whole point is "follow with GET".
 */

#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>

#include "r307_core.h"

static const char *const r307_safe_methods[] = {
    "GET", "HEAD", "OPTIONS", "TRACE", NULL
};

const char *r307_upgrade_mode_parse(const char *arg,
                                    r307_upgrade_mode_e *mode)
{
    if (strcasecmp(arg, "On") == 0) {
        *mode = R307_UPGRADE_ON;
    }
    else if (strcasecmp(arg, "Off") == 0) {
        *mode = R307_UPGRADE_OFF;
    }
    else if (strcasecmp(arg, "Log") == 0) {
        *mode = R307_UPGRADE_LOG;
    }
    else {
        return "must be On, Off or Log";
    }
    return NULL;
}

/* tchar of RFC 9110 5.6.2 */
static int r307_is_tchar(unsigned char c)
{
    return apr_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int r307_method_is_safe(const char *method)
{
    int i;

    for (i = 0; r307_safe_methods[i]; i++) {
        if (strcmp(method, r307_safe_methods[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

const char *r307_method_check(apr_pool_t *p, const char *method)
{
    const char *c;
    int lower = 0;

    if (!*method) {
        return "an empty method name";
    }
    for (c = method; *c; c++) {
        if (!r307_is_tchar((unsigned char)*c)) {
            return apr_psprintf(p, "'%s' is not a method name (RFC 9110 "
                                "token)", method);
        }
        lower |= apr_islower(*c);
    }
    if (lower) {
        char *upper = apr_pstrdup(p, method);
        char *u;
        for (u = upper; *u; u++) {
            *u = (char)apr_toupper(*u);
        }
        return apr_psprintf(p, "'%s': methods are case-sensitive and written "
                            "in upper case; did you mean '%s'?", method,
                            upper);
    }
    if (r307_method_is_safe(method)) {
        return apr_psprintf(p, "%s is a safe method (RFC 9110 9.2.1): "
                            "clients follow any redirect of it the same way, "
                            "and it is never upgraded", method);
    }
    return NULL;
}

int r307_method_is_unsafe(const apr_array_header_t *methods,
                          const char *method)
{
    int i;

    if (r307_method_is_safe(method)) {
        return 0;
    }
    if (!methods) {
        return 1;
    }
    for (i = 0; i < methods->nelts; i++) {
        if (strcmp(method, APR_ARRAY_IDX(methods, i, const char *)) == 0) {
            return 1;
        }
    }
    return 0;
}

static r307_upgrade_mode_e r307_mode_effective(r307_upgrade_mode_e mode)
{
    return mode == R307_UPGRADE_UNSET ? R307_UPGRADE_OFF : mode;
}

int r307_upgrade_applies(const r307_upgrade_policy_t *policy,
                         const char *method)
{
    return (r307_mode_effective(policy->temporary) != R307_UPGRADE_OFF
            || r307_mode_effective(policy->permanent) != R307_UPGRADE_OFF)
           && r307_method_is_unsafe(policy->methods, method);
}

r307_upgrade_t r307_upgrade_decide(const r307_upgrade_policy_t *policy,
                                   int status, const char *method)
{
    r307_upgrade_t up = { R307_UPGRADE_OFF, status, status };

    if (status == 302) {
        up.mode = r307_mode_effective(policy->temporary);
        up.to = 307;
    }
    else if (status == 301) {
        up.mode = r307_mode_effective(policy->permanent);
        up.to = 308;
    }
    if (up.mode != R307_UPGRADE_OFF
        && !r307_method_is_unsafe(policy->methods, method)) {
        up.mode = R307_UPGRADE_OFF;
    }
    if (up.mode == R307_UPGRADE_OFF) {
        up.to = status;
    }
    return up;
}
