/* SPDX-License-Identifier: Apache-2.0 */
/* Platform SCP03 static key files in NXP's format (docs/scp03.md "Key
 * files"): one "NAME HEX" pair per line, NAME one of ENC, MAC, DEK, HEX 32
 * (AES-128) or 64 (AES-256) digits, '#' starts a comment, blank lines
 * allowed. Anything else is an error that names file:line and never quotes
 * the line (it may hold key material). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <se05x/log.h>

#include "internal.h"
#include "scp03.h"

#define KEYFILE_MAX 4096

void se05x_scp03_keys_clear(struct se05x_scp03_keys *k)
{
    if (k)
        OPENSSL_cleanse(k, sizeof *k);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

se05x_rc se05x_scp03_keys_parse(const char *text, size_t n, const char *path,
                                struct se05x_scp03_keys *k, struct se05x_error *err)
{
    struct se05x_scp03_keys t;
    unsigned seen = 0, line = 0;
    size_t i = 0;
    se05x_rc rc = SE05X_OK;
    memset(&t, 0, sizeof t);
    t.kvn = k->kvn;
    while (i < n) {
        size_t e = i;
        while (e < n && text[e] != '\n')
            e++;
        line++;
        size_t p = i;
        i = e + 1;
        while (p < e && blank(text[p]))
            p++;
        if (p == e || text[p] == '#')
            continue;
        size_t ns = p;
        while (p < e && !blank(text[p]) && text[p] != '#')
            p++;
        size_t nl = p - ns;
        uint8_t *dst;
        unsigned bit;
        if (nl == 3 && !memcmp(text + ns, "ENC", 3)) {
            dst = t.enc;
            bit = 1;
        } else if (nl == 3 && !memcmp(text + ns, "MAC", 3)) {
            dst = t.mac;
            bit = 2;
        } else if (nl == 3 && !memcmp(text + ns, "DEK", 3)) {
            dst = t.dek;
            bit = 4;
        } else {
            rc = se05x_err_set(err, SE05X_E_FORMAT, 0, 0,
                               "%s:%u: expected 'ENC', 'MAC' or 'DEK' followed by a key in hex", path, line);
            goto out;
        }
        if (seen & bit) {
            rc = se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%s:%u: %.3s given twice", path, line, text + ns);
            goto out;
        }
        if (p == e || !blank(text[p])) {
            rc = se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%s:%u: %.3s without a key", path, line, text + ns);
            goto out;
        }
        while (p < e && blank(text[p]))
            p++;
        size_t hs = p;
        while (p < e && hexval(text[p]) >= 0)
            p++;
        size_t hl = p - hs;
        while (p < e && blank(text[p]))
            p++;
        if (p < e && text[p] != '#') {
            rc = se05x_err_set(err, SE05X_E_FORMAT, 0, 0,
                               "%s:%u: the %.3s key must be hexadecimal digits only", path, line, text + ns);
            goto out;
        }
        if (hl != 32 && hl != 64) {
            rc = se05x_err_set(err, SE05X_E_FORMAT, 0, 0,
                               "%s:%u: the %.3s key has %zu hex digits (expected 32 for AES-128 or 64 for "
                               "AES-256)", path, line, text + ns, hl);
            goto out;
        }
        if (t.klen && t.klen != hl / 2) {
            rc = se05x_err_set(err, SE05X_E_FORMAT, 0, 0,
                               "%s:%u: the %.3s key is AES-%zu but an earlier key is AES-%zu", path, line,
                               text + ns, hl * 4, t.klen * 8);
            goto out;
        }
        t.klen = hl / 2;
        for (size_t j = 0; j < t.klen; j++)
            dst[j] = (uint8_t)(hexval(text[hs + 2 * j]) << 4 | hexval(text[hs + 2 * j + 1]));
        seen |= bit;
    }
    if ((seen & 3) != 3) {
        rc = se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%s: no %s key (a key file needs ENC and MAC lines)", path,
                           (seen & 1) ? "MAC" : "ENC");
        goto out;
    }
    t.has_dek = (seen & 4) != 0;
    *k = t;
out:
    OPENSSL_cleanse(&t, sizeof t);
    return rc;
}

se05x_rc se05x_scp03_keys_load(const char *path, struct se05x_scp03_keys *k, struct se05x_error *err)
{
    char buf[KEYFILE_MAX + 1];
    struct stat st;
    size_t n = 0;
    if (!path || !*path)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "no SCP03 key file given");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return se05x_err_set(err, SE05X_E_IO, 0, 0, "cannot open SCP03 key file %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return se05x_err_set(err, SE05X_E_IO, 0, 0, "SCP03 key file %s is not a regular file", path);
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        close(fd);
        return se05x_err_set(err, SE05X_E_IO, 0, 0,
                             "SCP03 key file %s is writable by group/others (mode %04o): refused; chmod 600 it",
                             path, (unsigned)(st.st_mode & 07777));
    }
    if (st.st_mode & (S_IRGRP | S_IROTH))
        se05x_log(SE05X_LOG_ERROR, "scp03",
                  "warning: SCP03 key file %s is readable by group/others (mode %04o); chmod 600 it", path,
                  (unsigned)(st.st_mode & 07777));
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            OPENSSL_cleanse(buf, sizeof buf);
            return se05x_err_set(err, SE05X_E_IO, 0, 0, "cannot read SCP03 key file %s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == sizeof buf)
            break;
    }
    close(fd);
    se05x_rc rc;
    if (n > KEYFILE_MAX)
        rc = se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "SCP03 key file %s is larger than %d bytes", path,
                           KEYFILE_MAX);
    else
        rc = se05x_scp03_keys_parse(buf, n, path, k, err);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}
