/* SPDX-License-Identifier: Apache-2.0 */
/* e4sss: OpenSSL ENGINE binding (bind, ctrl, init/finish/destroy).
 *
 * Loading and initialising the engine never touches the chip: the session
 * is opened on the first operation with a chip key or the first RAND call
 * (engine_ctx.c). Methods: RSA and EC (ref keys on the chip, the rest in
 * software), RAND (chip TRNG), private/public key loaders. */
#include "e4sss.h"

#include <string.h>

#define E4SSS_CMD_PORT ENGINE_CMD_BASE

static const ENGINE_CMD_DEFN e4sss_cmds[] = {
    {E4SSS_CMD_PORT, "PORT",
     "Connection to the chip (HOST:PORT, t1:HOST:PORT, unix:PATH, /dev/i2c-N); "
     "default EX_SSS_BOOT_SSS_PORT",
     ENGINE_CMD_FLAG_STRING},
    {0, NULL, NULL, 0},
};

static int e4sss_init(ENGINE *e)
{
    (void)e; /* lazy: nothing to do until a chip key or RAND is used */
    return 1;
}

static int e4sss_finish(ENGINE *e)
{
    struct e4sss_ctx *c = e4sss_ctx_of_engine(e);

    /* last functional reference gone: no key of ours is alive any more */
    if (c != NULL)
        e4sss_session_close(c);
    return 1;
}

static int e4sss_destroy(ENGINE *e)
{
    struct e4sss_ctx *c = e4sss_ctx_of_engine(e);

    e4sss_ctx_free(c);
    return 1;
}

static int e4sss_ctrl(ENGINE *e, int cmd, long i, void *p, void (*f)(void))
{
    struct e4sss_ctx *c = e4sss_ctx_of_engine(e);
    const char *conn = p;

    (void)i;
    (void)f;
    if (c == NULL)
        return 0;
    switch (cmd) {
    case E4SSS_CMD_PORT:
        if (conn == NULL || strlen(conn) >= sizeof(((struct e4sss_conn *)0)->s)) {
            e4sss_err(c, E4SSS_R_BAD_KEY_ID, "PORT: missing or too long connection string");
            return 0;
        } else {
            struct se05x_pool_stats st = {.size = sizeof(st)};
            struct e4sss_conn *k;

            se05x_pool_get_stats(c->pool, &st);
            if (st.open_now > 0 && strcmp(e4sss_conn(c), conn) != 0) {
                e4sss_err(c, E4SSS_R_UNSUPPORTED, "PORT: the chip is already open on %s",
                          e4sss_conn(c)[0] ? e4sss_conn(c) : "the default connection");
                return 0;
            }
            if ((k = OPENSSL_zalloc(sizeof(*k))) == NULL)
                return 0;
            memcpy(k->s, conn, strlen(conn) + 1);
            /* the old value stays readable (k->prev) until the context goes */
            k->prev = atomic_load(&c->conn);
            while (!atomic_compare_exchange_weak(&c->conn, &k->prev, k))
                ;
        }
        return 1;
    default:
        /* generic commands OpenSSL forwards (logstream, UI, ...) are not used:
         * decline quietly so that no stale error is left behind */
        return 0;
    }
}

static int e4sss_bind(ENGINE *e, const char *id)
{
    struct e4sss_ctx *c;

    if (id != NULL && strcmp(id, E4SSS_ID) != 0)
        return 0;
    if ((c = e4sss_ctx_new(e)) == NULL)
        return 0;
    if (!e4sss_errors_load(c) || (c->ec_meth = e4sss_ec_method_new()) == NULL ||
        (c->rsa_meth = e4sss_rsa_method_new(c)) == NULL)
        goto fail;
    /* ENGINE_FLAGS_NO_REGISTER_ALL: OpenSSL calls ENGINE_register_all_complete()
     * whenever an application asks for builtin engines (the openssl command
     * does), which would make every loaded engine a candidate for all its
     * methods. The engine must serve only what default_algorithms (or
     * -engine) selects: RAND from the chip only when RAND is listed. */
    if (!ENGINE_set_id(e, E4SSS_ID) || !ENGINE_set_name(e, E4SSS_NAME) ||
        !ENGINE_set_flags(e, ENGINE_FLAGS_NO_REGISTER_ALL) ||
        !ENGINE_set_RSA(e, c->rsa_meth) || !ENGINE_set_EC(e, c->ec_meth) ||
        !ENGINE_set_RAND(e, e4sss_rand_method()) || !ENGINE_set_init_function(e, e4sss_init) ||
        !ENGINE_set_finish_function(e, e4sss_finish) ||
        !ENGINE_set_destroy_function(e, e4sss_destroy) ||
        !ENGINE_set_ctrl_function(e, e4sss_ctrl) || !ENGINE_set_cmd_defns(e, e4sss_cmds) ||
        !ENGINE_set_load_privkey_function(e, e4sss_load_privkey) ||
        !ENGINE_set_load_pubkey_function(e, e4sss_load_pubkey))
        goto fail;
    return 1;
fail:
    /* the ENGINE may already point at our methods: unhook before freeing */
    ENGINE_set_RSA(e, NULL);
    ENGINE_set_EC(e, NULL);
    ENGINE_set_destroy_function(e, NULL);
    e4sss_ctx_free(c);
    return 0;
}

IMPLEMENT_DYNAMIC_BIND_FN(e4sss_bind)
IMPLEMENT_DYNAMIC_CHECK_FN()
