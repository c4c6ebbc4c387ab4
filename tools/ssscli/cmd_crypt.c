/* SPDX-License-Identifier: Apache-2.0 */
/* encrypt / decrypt <keyid> <input_data> <file> [--algo oaep|rsaes]: RSA on
 * the chip. input_data is a file when one exists by that name, else the
 * literal text (as NXP's ssscli). Default algorithm: oaep (SHA-1/MGF1-SHA-1,
 * the applet's OAEP); rsaes = PKCS#1 v1.5. Output: raw bytes. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "ssscli.h"

static int input(const char *arg, uint8_t **data, size_t *len)
{
    if (access(arg, F_OK) == 0)
        return cli_read_file(arg, data, len);
    *len = strlen(arg);
    *data = malloc(*len + 1);
    if (!*data)
        return cli_err("out of memory");
    memcpy(*data, arg, *len);
    return 0;
}

static int run(struct cli *c, int enc)
{
    if (c->argc != 3)
        return cli_usage("usage: ssscli %s <keyid> <input_data|file> <file> [--algo oaep|rsaes]",
                       enc ? "encrypt" : "decrypt");
    se05x_rsa_pad pad = SE05X_RSA_PAD_OAEP;
    if (c->algo && strcasecmp(c->algo, "rsaes") == 0)
        pad = SE05X_RSA_PAD_PKCS1;
    else if (c->algo && *c->algo && strcasecmp(c->algo, "oaep") != 0)
        return cli_usage("--algo must be oaep or rsaes");
    se05x_objid id;
    uint8_t *in = NULL, out[512];
    size_t inlen = 0, outlen = 0;
    int r;
    if ((r = cli_objid(c->argv[0], &id)) != 0 || (r = input(c->argv[1], &in, &inlen)) != 0)
        return r;
    se05x_session *s;
    if (cli_open(c, &s)) {
        free(in);
        return 1;
    }
    se05x_rc rc = enc ? se05x_rsa_encrypt(s, id, pad, in, inlen, out, sizeof(out), &outlen)
                      : se05x_rsa_decrypt(s, id, pad, in, inlen, out, sizeof(out), &outlen);
    r = cli_rc(s, rc, enc ? "encrypt" : "decrypt");
    se05x_close(s);
    OPENSSL_cleanse(in, inlen);
    free(in);
    if (!r)
        r = enc ? cli_write_file(c->argv[2], out, outlen) : cli_write_file_mode(c->argv[2], out, outlen, 0600);
    OPENSSL_cleanse(out, sizeof(out));
    return r;
}

int cmd_encrypt(struct cli *c) { return run(c, 1); }
int cmd_decrypt(struct cli *c) { return run(c, 0); }
