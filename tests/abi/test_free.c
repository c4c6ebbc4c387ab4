/* SPDX-License-Identifier: Apache-2.0 */
/* se05x_free() frees what the library returns, whatever allocator OpenSSL
 * was given: with a tagging allocator installed through
 * CRYPTO_set_mem_functions, a buffer the library had taken from plain
 * malloc() would reach our free function untagged and be counted as foreign. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/crypto.h>
#include <se05x/se05x.h>

#define TAG 0x5E05F4EEu
struct hdr {
    uint32_t tag;
    size_t n;
    max_align_t align;
};
static int g_live, g_foreign; /* test-process counters (tests, not lib/) */

static void *t_malloc(size_t n, const char *f, int l)
{
    (void)f, (void)l;
    struct hdr *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->tag = TAG;
    h->n = n;
    g_live++;
    return h + 1;
}
static void t_free(void *p, const char *f, int l)
{
    (void)f, (void)l;
    if (!p)
        return;
    struct hdr *h = (struct hdr *)p - 1;
    if (h->tag != TAG) { /* not ours: leak it rather than corrupt the heap */
        g_foreign++;
        return;
    }
    h->tag = 0;
    g_live--;
    free(h);
}
static void *t_realloc(void *p, size_t n, const char *f, int l)
{
    if (!p)
        return t_malloc(n, f, l);
    struct hdr *h = (struct hdr *)p - 1;
    if (h->tag != TAG) {
        g_foreign++;
        return NULL;
    }
    void *q = t_malloc(n, f, l);
    if (q) {
        memcpy(q, p, h->n < n ? h->n : n);
        t_free(p, f, l);
    }
    return q;
}

static void free_refkey_buffers(void **state)
{
    (void)state;
    uint8_t n[128], e[3] = {1, 0, 1};
    memset(n, 0xC5, sizeof n);
    uint8_t *der = NULL;
    size_t derlen = 0, pemlen = 0;
    char *pem = NULL;
    assert_int_equal(se05x_refkey_rsa_der(0x7F000001, n, sizeof n, e, sizeof e, &der, &derlen), SE05X_OK);
    assert_int_equal(se05x_refkey_pem(der, derlen, SE05X_REFKEY_PKCS1, &pem, &pemlen), SE05X_OK);
    assert_non_null(strstr(pem, "BEGIN RSA PRIVATE KEY"));
    assert_int_equal(strlen(pem), pemlen);
    int live = g_live;
    se05x_free(pem);
    se05x_free(der);
    se05x_free(NULL);
    assert_int_equal(g_foreign, 0);   /* both were ours */
    assert_int_equal(g_live, live - 2); /* and both were released */
}

int main(void)
{
    if (!CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free))
        return 1;
    const struct CMUnitTest tests[] = {cmocka_unit_test(free_refkey_buffers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
