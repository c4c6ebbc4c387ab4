/* SPDX-License-Identifier: Apache-2.0 */
/* Host file handling: bounded reads, atomic writes (tools/common/outfile.c), streamed hashing. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "infile.h"
#include "outfile.h"

static const char *shown(const char *path)
{
    return (path == NULL || strcmp(path, "-") == 0) ? "standard input" : path;
}

int tool_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = (path == NULL || strcmp(path, "-") == 0) ? stdin : fopen(path, "rb");
    if (f == NULL)
        return tool_err("cannot read %s: %s", path, strerror(errno));
    int e = infile_read(f, max, buf, len);
    if (f != stdin)
        fclose(f);
    if (e == ENOMEM)
        tool_err("out of memory reading %s", shown(path));
    else if (e == EFBIG && *len == 0)
        tool_err("%s is too large (more than %zu bytes)", shown(path), max);
    else if (e == EFBIG)
        tool_err("%s is too large (%zu bytes, at most %zu)", shown(path), *len, max);
    else if (e != 0)
        tool_err("cannot read %s: %s", shown(path), strerror(e));
    if (e != 0)
        *len = 0;
    return e != 0;
}

static int write_mode(const char *path, const void *data, size_t len, mode_t mode)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return tool_err("cannot write to standard output: %s", strerror(errno));
        return 0;
    }
    const char *why;
    if (outfile_write(path, data, len, mode, &why) != 0)
        return tool_err("cannot write %s: %s", path, why);
    return 0;
}

int tool_write_file(const char *path, const void *data, size_t len)
{
    return write_mode(path, data, len, OUTFILE_PRIVATE);
}

int tool_write_public(const char *path, const void *data, size_t len)
{
    return write_mode(path, data, len, OUTFILE_PUBLIC);
}

int tool_digest_file(const char *path, const EVP_MD *md, uint8_t *out, unsigned *outlen, uint8_t *keep,
                     size_t keepcap, size_t *kept, size_t *total)
{
    size_t nkept = 0, sum = 0;
    FILE *f = (path == NULL || strcmp(path, "-") == 0) ? stdin : fopen(path, "rb");
    if (f == NULL)
        return tool_err("cannot read %s: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = 1;
    if (ctx == NULL || !EVP_DigestInit_ex(ctx, md, NULL)) {
        tool_err("cannot hash %s: OpenSSL digest setup failed", shown(path));
        goto out;
    }
    uint8_t buf[16384];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (!EVP_DigestUpdate(ctx, buf, got)) {
            tool_err("cannot hash %s", shown(path));
            goto out;
        }
        if (keep != NULL && nkept < keepcap) {
            size_t k = got < keepcap - nkept ? got : keepcap - nkept;
            memcpy(keep + nkept, buf, k);
            nkept += k;
        }
        sum += got;
    }
    if (ferror(f)) {
        tool_err("cannot read %s: %s", shown(path), strerror(errno));
        goto out;
    }
    if (!EVP_DigestFinal_ex(ctx, out, outlen)) {
        tool_err("cannot hash %s", shown(path));
        goto out;
    }
    if (kept != NULL)
        *kept = nkept;
    if (total != NULL)
        *total = sum;
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    if (f != stdin)
        fclose(f);
    return rc;
}

static char *hex_with(const char *digits, const uint8_t *data, size_t len)
{
    char *s = malloc(len * 2 + 1);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[data[i] >> 4];
        s[2 * i + 1] = digits[data[i] & 15];
    }
    s[len * 2] = 0;
    return s;
}

char *tool_hex(const uint8_t *data, size_t len)
{
    return hex_with("0123456789abcdef", data, len);
}

char *tool_hex_upper(const uint8_t *data, size_t len)
{
    return hex_with("0123456789ABCDEF", data, len);
}
