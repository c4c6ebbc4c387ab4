/* SPDX-License-Identifier: Apache-2.0 */
/* Which link protection a session opens with (docs/scp03.md "Configuration"):
 * the auth mode, key file and key version from the options, then the
 * environment, then the configuration file. Split from session.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "scp03.h"
#include "session_priv.h"

/* Link policy of docs/scp03.md: auth mode, key file and key version from
 * the options, then the environment, then the configuration file. Loads the
 * keys (k->klen 0: plain). */
se05x_rc se05x_auth_policy_conf(const struct se05x_open_opts *o, struct se05x_scp03_keys *k,
                                 struct se05x_conf *conf, struct se05x_error *err)
{
    char v[512];
    const char *src = NULL;
    int auth = o ? o->auth : SE05X_AUTH_DEFAULT;
    memset(k, 0, sizeof *k);
    if (o && o->no_select)
        return SE05X_OK;
    if (auth == SE05X_AUTH_DEFAULT) {
        const char *env = getenv("SE05X_AUTH");
        if (env && *env) {
            snprintf(v, sizeof v, "%s", env);
            src = "SE05X_AUTH";
        } else {
            int got = se05x_conf_lookup(conf, "auth", v, sizeof v, err);
            if (got < 0)
                return err->rc;
            if (got)
                src = se05x_conf_path();
        }
        if (!src)
            auth = SE05X_AUTH_AUTO;
        else if (!strcasecmp(v, "auto"))
            auth = SE05X_AUTH_AUTO;
        else if (!strcasecmp(v, "none") || !strcasecmp(v, "plain"))
            auth = SE05X_AUTH_NONE;
        else if (!strcasecmp(v, "platform-scp03") || !strcasecmp(v, "PlatformSCP") ||
                 !strcasecmp(v, "PlatformSCP03") || !strcasecmp(v, "scp03"))
            auth = SE05X_AUTH_PLATFORM_SCP03;
        else
            return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0,
                                 "bad auth '%.40s' in %s (expected none, platform-scp03 or auto)", v, src);
    }
    if (auth == SE05X_AUTH_NONE)
        return SE05X_OK;
    if (auth != SE05X_AUTH_AUTO && auth != SE05X_AUTH_PLATFORM_SCP03)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "bad auth mode %d", auth);
    const char *path = o && o->scp03_keys && *o->scp03_keys ? o->scp03_keys : NULL;
    if (!path) {
        const char *env = getenv("EX_SSS_BOOT_SCP03_PATH");
        if (env && *env)
            path = env;
        else {
            int got = se05x_conf_lookup(conf, "scp03_keys", v, sizeof v, err);
            if (got < 0)
                return err->rc;
            if (got)
                path = v;
        }
    }
    if (!path) {
        if (auth == SE05X_AUTH_PLATFORM_SCP03)
            return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0,
                                 "Platform SCP03 required (auth = platform-scp03) but no keys configured: set "
                                 "EX_SSS_BOOT_SCP03_PATH=KEYFILE or 'scp03_keys = KEYFILE' in %s",
                                 se05x_conf_path());
        return SE05X_OK; /* auto without keys: plain */
    }
    k->kvn = SE05X_SCP03_DEFAULT_KVN;
    if (o && o->scp03_kvn) {
        if (o->scp03_kvn < 1 || o->scp03_kvn > 0x7F)
            return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "bad SCP03 key version %d", o->scp03_kvn);
        k->kvn = (uint8_t)o->scp03_kvn;
    } else {
        char kv[32];
        int got = se05x_conf_lookup(conf, "scp03_kvn", kv, sizeof kv, err);
        if (got < 0)
            return err->rc;
        if (got) {
            char *end = NULL;
            const char *p = kv;
            if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
                p += 2;
            unsigned long n = strtoul(p, &end, 16);
            if (!*p || *end || n < 1 || n > 0x7F)
                return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0,
                                     "bad scp03_kvn '%.20s' in %s (expected hex 01..7F, e.g. 0B)", kv,
                                     se05x_conf_path());
            k->kvn = (uint8_t)n;
        }
    }
    return se05x_scp03_keys_load(path, k, err);
}

se05x_rc se05x_auth_policy(const struct se05x_open_opts *o, struct se05x_scp03_keys *k,
                            struct se05x_error *err)
{
    struct se05x_conf conf;
    se05x_conf_init(&conf);
    return se05x_auth_policy_conf(o, k, &conf, err);
}
