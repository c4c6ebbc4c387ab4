/* SPDX-License-Identifier: Apache-2.0 */
/* Attestation (docs/protocol/attestation.md, docs/attestation.md): the
 * attested read of an object (INS READ|ATTEST), the PEM record that keeps the
 * command, the chip's signed answer(s) and the attestation certificate, and
 * the chip-less verifier. Applet 3.x answers (docs/protocol/attestation.md §3)
 * and 7.x "layout V2" answers (§5) are parsed by separate functions; the layout
 * is chosen by the applet major version of the SELECT answer. */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "attest_priv.h"
#include "cmd_util.h"
#include "session_priv.h"

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), false)
#define ATT_TAG_TIMESTAMP 0x4F /* 7.x tags (docs/protocol/attestation.md §5) */
#define ATT_TAG_SIGNATURE 0x52
#define RECORD_PEM_NAME "SE05X ATTESTATION"
#define RECORD_MAGIC "SE5A"
#define RECORD_VERSION 1
#define CERT_MAX 4096
#define RECORD_MAX 8192

se05x_attest_layout se05x_att_layout(uint8_t major)
{
    return major >= 7 ? SE05X_ATTEST_LAYOUT_V2 : SE05X_ATTEST_LAYOUT_3X;
}

/* ---- the command (§2) ---- */

bool se05x_att_parse_cmd(const uint8_t *c, size_t n, struct se05x_att_cmd *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    out->comp = -1;
    if (n < 7)
        return WHY("attested command truncated (%zu bytes)", n);
    if (c[0] != SE05X_CLA || c[1] != (SE05X_INS_READ | SE05X_INS_ATTEST) || c[2] != SE05X_P1_DEFAULT ||
        (c[3] != SE05X_P2_DEFAULT && c[3] != SE05X_P2_ATTRIBUTES))
        return WHY("not an attested read command (header %02X %02X %02X %02X)", c[0], c[1], c[2], c[3]);
    if (c[4] != 0 || (size_t)be16(c + 5) != n - 7)
        return WHY("attested command: extended Lc does not match its data length");
    out->p2 = c[3];
    struct tlv_r r;
    const uint8_t *v;
    size_t vn;
    tlv_r_init(&r, c + 7, n - 7);
    if (!tlv_get_u32(&r, SE05X_TAG_1, &out->id) || out->id == 0)
        return WHY("attested command: no object id (TAG 41)");
    if (!tlv_get_opt(&r, SE05X_TAG_2, &v, &vn) || (v && vn != 2) || !tlv_get_opt(&r, SE05X_TAG_3, &v, &vn) ||
        (v && vn != 2))
        return WHY("attested command: bad offset/length TLV");
    if (!tlv_get_opt(&r, SE05X_TAG_4, &v, &vn) || (v && vn != 1))
        return WHY("attested command: bad RSA component TLV");
    if (v)
        out->comp = v[0];
    if (!tlv_get_u32(&r, SE05X_TAG_5, &out->key_id) || !tlv_get_u8(&r, SE05X_TAG_6, &out->algo))
        return WHY("attested command: no attestation key id / algorithm (TAG 45/46)");
    if (!tlv_get(&r, SE05X_TAG_7, &out->nonce, &out->nonce_len) || out->nonce_len < 1 ||
        out->nonce_len > SE05X_ATTEST_NONCE_MAX)
        return WHY("attested command: freshness (TAG 47) missing or not 1..16 bytes");
    if (tlv_r_left(&r))
        return WHY("attested command: %zu trailing bytes", tlv_r_left(&r));
    return true;
}

/* ---- the answer (§3 3.x, §5 V2) ---- */

bool se05x_att_parse_rsp(const uint8_t *rb, size_t n, se05x_attest_layout layout, struct se05x_att_rsp *out,
                         char *why, size_t whylen)
{
    struct tlv_r r;
    memset(out, 0, sizeof *out);
    tlv_r_init(&r, rb, n);
    if (!tlv_get_opt(&r, SE05X_TAG_1, &out->data, &out->data_len))
        return WHY("attested answer: data TLV (41) truncated");
    if (out->data && (out->data_len == 0 || out->data_len > SE05X_ATTEST_DATA_MAX))
        return WHY("attested answer: data of %zu bytes", out->data_len);
    const uint8_t *v;
    size_t vn;
    if (layout == SE05X_ATTEST_LAYOUT_3X) {
        if (!tlv_get(&r, SE05X_TAG_2, &out->attr, &out->attr_len))
            return WHY("attested answer: attributes (42) missing or truncated");
        if (!tlv_get(&r, SE05X_TAG_3, &out->ts, &vn) || vn != SE05X_ATTEST_TIMESTAMP_LEN)
            return WHY("attested answer: timestamp (43) missing or not 12 bytes");
        if (!tlv_get(&r, SE05X_TAG_4, &out->fresh, &out->fresh_len) || out->fresh_len < 1 ||
            out->fresh_len > SE05X_ATTEST_NONCE_MAX)
            return WHY("attested answer: freshness (44) missing or not 1..16 bytes");
        if (!tlv_get(&r, SE05X_TAG_5, &out->chip_id, &vn) || vn != SE05X_ATTEST_CHIPID_LEN)
            return WHY("attested answer: chip id (45) missing or not 18 bytes");
        if (!tlv_get(&r, SE05X_TAG_6, &out->sig, &out->sig_len) || out->sig_len == 0 || out->sig_len > 512)
            return WHY("attested answer: signature (46) missing or of a wrong length");
    } else {
        if (!tlv_get(&r, SE05X_TAG_2, &out->chip_id, &vn) || vn != SE05X_ATTEST_CHIPID_LEN)
            return WHY("attested answer (V2): chip id (42) missing or not 18 bytes");
        if (!tlv_get(&r, SE05X_TAG_3, &out->attr, &out->attr_len))
            return WHY("attested answer (V2): attributes (43) missing or truncated");
        if (!tlv_get(&r, SE05X_TAG_4, &v, &vn) || vn != 2)
            return WHY("attested answer (V2): object size (44) missing or not 2 bytes");
        out->has_size = true;
        out->size = be16(v);
        if (!tlv_get(&r, ATT_TAG_TIMESTAMP, &out->ts, &vn) || vn != SE05X_ATTEST_TIMESTAMP_LEN)
            return WHY("attested answer (V2): timestamp (4F) missing or not 12 bytes");
        out->signed_len = r.pos;
        if (!tlv_get(&r, ATT_TAG_SIGNATURE, &out->sig, &out->sig_len) || out->sig_len == 0 || out->sig_len > 512)
            return WHY("attested answer (V2): signature (52) missing or of a wrong length");
    }
    if (tlv_r_left(&r))
        return WHY("attested answer: %zu trailing bytes", tlv_r_left(&r));
    return true;
}

/* ---- object attributes (§4) ---- */

bool se05x_att_parse_attrs(const uint8_t *a, size_t n, se05x_attest_layout layout, struct se05x_attestation *out,
                           char *why, size_t whylen)
{
    size_t tail = layout == SE05X_ATTEST_LAYOUT_V2 ? 5 : 1; /* origin (+ 4-byte version) */
    if (n < 14 + tail)
        return WHY("attributes too short (%zu bytes)", n);
    size_t pend = n - tail;
    if (pend - 14 > sizeof out->policy_raw)
        return WHY("attributes: policy of %zu bytes (at most %zu)", pend - 14, sizeof out->policy_raw);
    if (a[5] != SE05X_SET_NOT_SET && a[5] != SE05X_SET_SET)
        return WHY("attributes: authentication indicator %02X is neither 01 nor 02", a[5]);
    uint8_t origin = a[pend];
    if (origin < SE05X_ORIGIN_EXTERNAL || origin > SE05X_ORIGIN_PROVISIONED)
        return WHY("attributes: origin %02X is not 01..03", origin);
    /* the policy entries must fill [14, pend) exactly */
    struct se05x_policy pol = {0};
    for (size_t p = 14; p < pend;) {
        size_t l = a[p];
        if (l != 8 && l != 8 + 4 && l != 8 + 36)
            return WHY("attributes: policy entry of length %zu at offset %zu", l, p);
        if (p + 1 + l > pend)
            return WHY("attributes: policy entry at offset %zu runs past the policy", p);
        if (pol.n == SE05X_POLICY_MAX_RULES)
            return WHY("attributes: more than %d policy entries", SE05X_POLICY_MAX_RULES);
        pol.rule[pol.n].auth_id = be32(a + p + 1);
        pol.rule[pol.n].rules = be32(a + p + 5);
        pol.n++;
        p += 1 + l;
    }
    out->id = be32(a);
    out->type = a[4];
    se05x_type_decode(out->type, &out->kind, &out->part, &out->curve);
    out->auth_object = a[5] == SE05X_SET_SET;
    out->failed_attempts = out->auth_object ? be16(a + 6) : 0;
    out->owner = be32(a + 8);
    out->max_attempts = out->auth_object ? be16(a + 12) : 0;
    out->policy = pol;
    out->policy_len = pend - 14;
    memcpy(out->policy_raw, a + 14, out->policy_len);
    out->origin = (se05x_origin)origin;
    out->has_version = layout == SE05X_ATTEST_LAYOUT_V2;
    out->version = out->has_version ? be32(a + pend + 1) : 0;
    return true;
}

/* ---- the record (docs/attestation.md "The record file") ---- */

bool se05x_att_record_decode(const uint8_t *b, size_t n, struct se05x_att_record *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (n < 14 || memcmp(b, RECORD_MAGIC, 4) != 0)
        return WHY("not an SE05x attestation record");
    if (b[4] != RECORD_VERSION)
        return WHY("attestation record format %u is not supported (this library reads %u)", b[4],
                   RECORD_VERSION);
    out->major = b[5];
    out->minor = b[6];
    out->patch = b[7];
    out->id = be32(b + 8);
    out->nparts = b[12];
    if (out->nparts < 1 || out->nparts > SE05X_ATT_MAX_PARTS)
        return WHY("attestation record: %zu answers (1 or 2 expected)", out->nparts);
    size_t p = 13;
    for (size_t i = 0; i < out->nparts; i++) {
        for (int k = 0; k < 2; k++) {
            if (n - p < 2)
                return WHY("attestation record truncated");
            size_t l = be16(b + p);
            p += 2;
            if (l == 0 || n - p < l)
                return WHY("attestation record truncated (a length runs past the end)");
            if (k == 0) {
                out->part[i].cmd = b + p;
                out->part[i].cmd_len = l;
            } else {
                out->part[i].rsp = b + p;
                out->part[i].rsp_len = l;
            }
            p += l;
        }
    }
    if (p != n)
        return WHY("attestation record: %zu trailing bytes", n - p);
    return true;
}

size_t se05x_att_record_encode(const struct se05x_att_record *r, uint8_t *buf, size_t cap)
{
    size_t need = 13;
    for (size_t i = 0; i < r->nparts; i++) {
        if (r->part[i].cmd_len > 0xFFFF || r->part[i].rsp_len > 0xFFFF)
            return 0;
        need += 4 + r->part[i].cmd_len + r->part[i].rsp_len;
    }
    if (need > cap || r->nparts < 1 || r->nparts > SE05X_ATT_MAX_PARTS)
        return 0;
    memcpy(buf, RECORD_MAGIC, 4);
    buf[4] = RECORD_VERSION;
    buf[5] = r->major;
    buf[6] = r->minor;
    buf[7] = r->patch;
    put_be32(buf + 8, r->id);
    buf[12] = (uint8_t)r->nparts;
    size_t p = 13;
    for (size_t i = 0; i < r->nparts; i++) {
        put_be16(buf + p, (uint16_t)r->part[i].cmd_len);
        memcpy(buf + p + 2, r->part[i].cmd, r->part[i].cmd_len);
        p += 2 + r->part[i].cmd_len;
        put_be16(buf + p, (uint16_t)r->part[i].rsp_len);
        memcpy(buf + p + 2, r->part[i].rsp, r->part[i].rsp_len);
        p += 2 + r->part[i].rsp_len;
    }
    return p;
}

const char *se05x_origin_text(se05x_origin origin)
{
    switch (origin) {
    case SE05X_ORIGIN_IMPORTED:
        return "imported from outside the chip";
    case SE05X_ORIGIN_GENERATED:
        return "generated inside the chip";
    case SE05X_ORIGIN_NXP:
        return "provisioned by NXP";
    default:
        return "unknown";
    }
}

/* Signature algorithm code -> digest name and key type (§2). */
static const char *algo_md(uint8_t algo, bool *rsa, bool *pss)
{
    *rsa = *pss = false;
    switch (algo) {
    case 0x25: return "SHA224";
    case 0x21: return "SHA256";
    case 0x22: return "SHA384";
    case 0x26: return "SHA512";
    case 0x27: *rsa = true; return "SHA224";
    case 0x28: *rsa = true; return "SHA256";
    case 0x29: *rsa = true; return "SHA384";
    case 0x2A: *rsa = true; return "SHA512";
    case 0x2B: *rsa = *pss = true; return "SHA224";
    case 0x2C: *rsa = *pss = true; return "SHA256";
    case 0x2D: *rsa = *pss = true; return "SHA384";
    case 0x2E: *rsa = *pss = true; return "SHA512";
    default: return NULL; /* SHA-1, EdDSA and unknown codes are not accepted */
    }
}

/* ---- the attested read ---- */

static se05x_rc self_check(se05x_session *s, se05x_objid id, se05x_objid cert_id, X509 *cert, const uint8_t *rec,
                           size_t reclen);

static se05x_rc attested_read(se05x_session *s, se05x_objid id, const struct se05x_attest_opts *o,
                              const uint8_t *nonce, size_t nlen, int comp, se05x_attest_layout layout,
                              uint8_t *cmd, size_t *cmdlen, uint8_t *rsp, size_t *rsplen)
{
    static const char what[] = "attested ReadObject";
    struct tlv_w w;
    tlv_w_init(&w, cmd + 7, SE05X_CMD_MAX - 7);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    if (comp >= 0)
        tlv_put_u8(&w, SE05X_TAG_4, (uint8_t)comp);
    tlv_put_u32(&w, SE05X_TAG_5, o->key_id);
    tlv_put_u8(&w, SE05X_TAG_6, o->algo);
    tlv_put(&w, SE05X_TAG_7, nonce, nlen);
    if (!tlv_w_ok(&w))
        return se05x_fail(s, SE05X_E_INTERNAL, 0, id, "attested read command does not fit");
    /* the command as the V2 signature covers it: header, extended Lc, data */
    cmd[0] = SE05X_CLA;
    cmd[1] = SE05X_INS_READ | SE05X_INS_ATTEST;
    cmd[2] = SE05X_P1_DEFAULT;
    cmd[3] = SE05X_P2_DEFAULT;
    cmd[4] = 0;
    put_be16(cmd + 5, (uint16_t)w.len);
    *cmdlen = 7 + w.len;
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_READ | SE05X_INS_ATTEST, SE05X_P1_DEFAULT, SE05X_P2_DEFAULT,
                            &w, true, rsp, SE05X_RSP_MAX, rsplen);
    if (rc)
        return rc;
    struct se05x_att_rsp pr;
    char why[160];
    if (!se05x_att_parse_rsp(rsp, *rsplen, layout, &pr, why, sizeof why))
        return se05x_bad_rsp(s, what, id, why);
    return SE05X_OK;
}

/* Appends the PEM certificates of text to bio (each parsed first). */
static bool append_chain(BIO *out, const char *text)
{
    BIO *in = BIO_new_mem_buf(text, -1);
    bool ok = in != NULL;
    int count = 0;
    X509 *x;
    while (ok && (x = PEM_read_bio_X509(in, NULL, NULL, NULL))) {
        ok = PEM_write_bio_X509(out, x) == 1;
        X509_free(x);
        count++;
    }
    ERR_clear_error();
    BIO_free(in);
    return ok && count > 0;
}

se05x_rc se05x_attest(se05x_session *s, se05x_objid id, const struct se05x_attest_opts *opts, char **pem,
                      size_t *len)
{
    if (pem)
        *pem = NULL;
    if (len)
        *len = 0;
    if (!s || !pem || !len || id == 0)
        return SE05X_E_BAD_ARG;
    struct se05x_attest_opts o = {0};
    if (opts) {
        if (opts->struct_size < sizeof o)
            return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "se05x_attest: struct_size of the options is %zu, not %zu",
                              opts->struct_size, sizeof o);
        o = *opts;
    }
    if (!o.key_id)
        o.key_id = SE05X_ATTEST_KEY_DEFAULT;
    if (!o.cert_id)
        o.cert_id = SE05X_ATTEST_CERT_DEFAULT;
    if (!o.algo)
        o.algo = 0x21;
    bool rsa_algo, pss;
    if (!algo_md(o.algo, &rsa_algo, &pss))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "attestation algorithm 0x%02X is not supported", o.algo);
    uint8_t nonce[SE05X_ATTEST_NONCE_MAX];
    size_t nlen = SE05X_ATTEST_NONCE_MAX;
    if (o.nonce) {
        if (o.nonce_len < 1 || o.nonce_len > SE05X_ATTEST_NONCE_MAX)
            return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "attestation nonce of %zu bytes (1..16 allowed)",
                              o.nonce_len);
        memcpy(nonce, o.nonce, o.nonce_len);
        nlen = o.nonce_len;
    } else if (RAND_bytes(nonce, sizeof nonce) != 1) {
        return se05x_fail(s, SE05X_E_CRYPTO, 0, id, "no random bytes for the attestation nonce");
    }
    const struct se05x_applet_info *ai = se05x_applet(s);
    se05x_attest_layout layout = se05x_att_layout(ai ? ai->major : 0);

    uint8_t *buf = OPENSSL_malloc(2 * (SE05X_CMD_MAX + SE05X_RSP_MAX) + RECORD_MAX);
    uint8_t *der = NULL;
    BIO *bio = NULL;
    X509 *cert = NULL;
    if (!buf)
        return se05x_fail(s, SE05X_E_NOMEM, 0, id, "out of memory");
    se05x_rc rc = se05x_txn_begin(s);
    if (rc) {
        OPENSSL_free(buf);
        return rc;
    }
    uint8_t type;
    bool transient;
    se05x_kind kind;
    se05x_keypart part;
    se05x_curve curve;
    if ((rc = se05x_read_type(s, id, &type, &transient)))
        goto out;
    se05x_type_decode(type, &kind, &part, &curve);
    struct se05x_att_record rec = {.major = ai ? ai->major : 0, .minor = ai ? ai->minor : 0,
                                   .patch = ai ? ai->patch : 0, .id = id};
    /* an RSA public key is attested in two reads (modulus, exponent) */
    bool two = kind == SE05X_KIND_RSA && part != SE05X_PART_PRIVATE;
    rec.nparts = two ? 2 : 1;
    for (size_t i = 0; i < rec.nparts; i++) {
        uint8_t *c = buf + i * (SE05X_CMD_MAX + SE05X_RSP_MAX), *r = c + SE05X_CMD_MAX;
        size_t cl = 0, rl = 0;
        if ((rc = attested_read(s, id, &o, nonce, nlen, two ? (int)i : -1, layout, c, &cl, r, &rl)))
            goto out;
        rec.part[i].cmd = c;
        rec.part[i].cmd_len = cl;
        rec.part[i].rsp = r;
        rec.part[i].rsp_len = rl;
    }
    uint8_t *rb = buf + 2 * (SE05X_CMD_MAX + SE05X_RSP_MAX);
    size_t rbl = se05x_att_record_encode(&rec, rb, RECORD_MAX);
    if (!rbl) {
        rc = se05x_fail(s, SE05X_E_INTERNAL, 0, id, "attestation record does not fit");
        goto out;
    }
    size_t dl = 0;
    if ((rc = se05x_read_binary(s, o.cert_id, &der, &dl)))
        goto out;
    const unsigned char *dp = der;
    cert = d2i_X509(NULL, &dp, (long)dl);
    if (!cert || dp != der + dl) {
        rc = se05x_fail(s, SE05X_E_FORMAT, 0, o.cert_id,
                        "object 0x%08X does not hold one DER X.509 certificate (the attestation certificate)",
                        o.cert_id);
        goto out;
    }
    if ((rc = self_check(s, id, o.cert_id, cert, rb, rbl)))
        goto out;
    bio = BIO_new(BIO_s_mem());
    if (!bio || PEM_write_bio(bio, RECORD_PEM_NAME, "", rb, (long)rbl) <= 0 || PEM_write_bio_X509(bio, cert) != 1) {
        rc = se05x_fail(s, SE05X_E_CRYPTO, 0, id, "cannot write the attestation record");
        goto out;
    }
    if (o.chain_pem && !append_chain(bio, o.chain_pem)) {
        rc = se05x_fail(s, SE05X_E_FORMAT, 0, id, "the intermediate certificates are not PEM certificates");
        goto out;
    }
    char *p = NULL;
    long pl = BIO_get_mem_data(bio, &p);
    if (pl <= 0 || !(*pem = OPENSSL_malloc((size_t)pl + 1))) {
        rc = se05x_fail(s, SE05X_E_NOMEM, 0, id, "out of memory");
        goto out;
    }
    memcpy(*pem, p, (size_t)pl);
    (*pem)[pl] = 0;
    *len = (size_t)pl;
out:
    se05x_txn_end(s);
    ERR_clear_error();
    BIO_free(bio);
    X509_free(cert);
    OPENSSL_free(der);
    OPENSSL_free(buf);
    return rc;
}

/* ---- the verifier ---- */

struct vctx {
    struct se05x_error *err;
    STACK_OF(X509) *certs; /* from the record: [0] the attestation certificate */
    uint8_t *rec;
    long reclen;
};

/* Splits the PEM text into the record and its certificates. */
static se05x_rc read_pem(const char *text, size_t len, struct vctx *v)
{
    BIO *in = BIO_new_mem_buf(text, (int)len);
    se05x_rc rc = SE05X_OK;
    v->certs = sk_X509_new_null();
    if (!in || !v->certs)
        return se05x_err_set(v->err, SE05X_E_NOMEM, 0, 0, "out of memory");
    for (;;) {
        char *name = NULL, *hdr = NULL;
        unsigned char *data = NULL;
        long dl = 0;
        if (PEM_read_bio(in, &name, &hdr, &data, &dl) != 1)
            break;
        if (strcmp(name, RECORD_PEM_NAME) == 0) {
            if (v->rec)
                rc = se05x_err_set(v->err, SE05X_E_FORMAT, 0, 0, "record holds two attestation blocks");
            else {
                v->rec = data;
                v->reclen = dl;
                data = NULL;
            }
        } else if (strcmp(name, "CERTIFICATE") == 0) {
            const unsigned char *p = data;
            X509 *x = d2i_X509(NULL, &p, dl);
            if (!x || p != data + dl || !sk_X509_push(v->certs, x)) {
                X509_free(x);
                rc = se05x_err_set(v->err, SE05X_E_FORMAT, 0, 0, "record holds a malformed certificate");
            }
        } else {
            rc = se05x_err_set(v->err, SE05X_E_FORMAT, 0, 0, "record holds an unexpected PEM block \"%s\"", name);
        }
        OPENSSL_free(name);
        OPENSSL_free(hdr);
        OPENSSL_free(data);
        if (rc)
            break;
    }
    ERR_clear_error();
    BIO_free(in);
    if (!rc && !v->rec)
        rc = se05x_err_set(v->err, SE05X_E_FORMAT, 0, 0, "no \"" RECORD_PEM_NAME "\" block in the record");
    if (!rc && sk_X509_num(v->certs) == 0)
        rc = se05x_err_set(v->err, SE05X_E_FORMAT, 0, 0, "no attestation certificate in the record");
    return rc;
}

static se05x_rc check_chain(struct vctx *v, const struct se05x_attest_verify_opts *o)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    BIO *in = BIO_new_mem_buf(o->ca_pem, (int)o->ca_pem_len);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    se05x_rc rc = SE05X_OK;
    int n = 0;
    X509 *x;
    if (!st || !ctx || !in || !untrusted) {
        rc = se05x_err_set(v->err, SE05X_E_NOMEM, 0, 0, "out of memory");
        goto out;
    }
    while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL))) {
        if (X509_STORE_add_cert(st, x) == 1)
            n++;
        X509_free(x);
    }
    if (n == 0) {
        rc = se05x_err_set(v->err, SE05X_E_BAD_ARG, 0, 0, "the CA file holds no PEM certificate");
        goto out;
    }
    for (int i = 1; i < sk_X509_num(v->certs); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(v->certs, i))) {
            rc = se05x_err_set(v->err, SE05X_E_NOMEM, 0, 0, "out of memory");
            goto out;
        }
    if (X509_STORE_CTX_init(ctx, st, sk_X509_value(v->certs, 0), untrusted) != 1) {
        rc = se05x_err_set(v->err, SE05X_E_CRYPTO, 0, 0, "cannot set up the certificate check");
        goto out;
    }
    if (X509_verify_cert(ctx) != 1) {
        int e = X509_STORE_CTX_get_error(ctx);
        rc = se05x_err_set(v->err, SE05X_E_CRYPTO, 0, 0,
                           "attestation certificate does not chain to the given CA: %s",
                           X509_verify_cert_error_string(e));
    }
out:
    ERR_clear_error();
    sk_X509_free(untrusted); /* the certificates belong to v->certs */
    BIO_free(in);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    return rc;
}

/* The signed message of one answer (3.x: values; V2: hash of the command
 * then the TLVs as sent), verified with the attestation certificate's key. */
static int check_sig(EVP_PKEY *pk, const struct se05x_att_cmd *c, const uint8_t *cmd, size_t cmdlen,
                     const uint8_t *rsp, const struct se05x_att_rsp *r, se05x_attest_layout layout)
{
    bool rsa, pss;
    const char *mdname = algo_md(c->algo, &rsa, &pss);
    int t = EVP_PKEY_get_base_id(pk);
    if (!mdname || (rsa ? t != EVP_PKEY_RSA && t != EVP_PKEY_RSA_PSS : t != EVP_PKEY_EC))
        return 0;
    EVP_MD *md = se05x_ossl_md(mdname);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;
    if (!md || !m || EVP_DigestVerifyInit_ex(m, &pctx, mdname, NULL, SE05X_OSSL_PROPQ, pk, NULL) != 1)
        goto out;
    if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1))
        goto out;
    if (layout == SE05X_ATTEST_LAYOUT_3X) {
        ok = (!r->data || EVP_DigestVerifyUpdate(m, r->data, r->data_len) == 1) &&
             EVP_DigestVerifyUpdate(m, r->attr, r->attr_len) == 1 &&
             EVP_DigestVerifyUpdate(m, r->ts, SE05X_ATTEST_TIMESTAMP_LEN) == 1 &&
             EVP_DigestVerifyUpdate(m, r->fresh, r->fresh_len) == 1 &&
             EVP_DigestVerifyUpdate(m, r->chip_id, SE05X_ATTEST_CHIPID_LEN) == 1;
    } else {
        uint8_t h[EVP_MAX_MD_SIZE];
        unsigned hl = 0;
        ok = EVP_Digest(cmd, cmdlen, h, &hl, md, NULL) == 1 && EVP_DigestVerifyUpdate(m, h, hl) == 1 &&
             EVP_DigestVerifyUpdate(m, rsp, r->signed_len) == 1;
    }
    ok = ok && EVP_DigestVerifyFinal(m, r->sig, r->sig_len) == 1;
out:
    ERR_clear_error();
    EVP_MD_CTX_free(m);
    EVP_MD_free(md);
    return ok;
}

/* Public key given by the caller vs the attested one. */
static se05x_rc check_pubkey(struct se05x_error *err, const struct se05x_attest_verify_opts *o,
                             const struct se05x_attestation *a)
{
    int asked = 0;
    EVP_PKEY *pk = se05x_decode_key(o->pubkey, o->pubkey_len, EVP_PKEY_PUBLIC_KEY, &asked);
    se05x_rc rc = SE05X_OK;
    BIGNUM *n = NULL, *e = NULL, *an = NULL, *ae = NULL;
    if (!pk)
        return se05x_err_set(err, SE05X_E_FORMAT, 0, a->id, "the public key to compare is not a PEM or DER public key");
    int t = EVP_PKEY_get_base_id(pk);
    if (a->kind == SE05X_KIND_EC && t == EVP_PKEY_EC) {
        uint8_t pt[256];
        size_t pl = 0;
        char group[64];
        if (!a->data_len)
            rc = se05x_err_set(err, SE05X_E_KEY_MISMATCH, 0, a->id, "object 0x%08X has no attested public key", a->id);
        else if (EVP_PKEY_set_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed") != 1 ||
                 EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof pt, &pl) != 1 ||
                 pl != a->data_len || CRYPTO_memcmp(pt, a->data, pl) != 0)
            rc = se05x_err_set(err, SE05X_E_KEY_MISMATCH, 0, a->id,
                               "the attested public key of 0x%08X is not the given public key", a->id);
        else if (a->curve != SE05X_EC_NONE &&
                 (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) != 1 ||
                  OBJ_txt2nid(group) != se05x_curve_to_nid(a->curve)))
            rc = se05x_err_set(err, SE05X_E_KEY_MISMATCH, 0, a->id,
                               "the given public key is on another curve than object 0x%08X", a->id);
    } else if (a->kind == SE05X_KIND_RSA && (t == EVP_PKEY_RSA || t == EVP_PKEY_RSA_PSS)) {
        if (!a->data_len || !a->exponent_len)
            rc = se05x_err_set(err, SE05X_E_KEY_MISMATCH, 0, a->id, "object 0x%08X has no attested public key", a->id);
        else if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
                 EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
                 !(an = BN_bin2bn(a->data, (int)a->data_len, NULL)) ||
                 !(ae = BN_bin2bn(a->exponent, (int)a->exponent_len, NULL)) || BN_cmp(n, an) != 0 ||
                 BN_cmp(e, ae) != 0)
            rc = se05x_err_set(err, SE05X_E_KEY_MISMATCH, 0, a->id,
                               "the attested public key of 0x%08X is not the given public key", a->id);
    } else {
        rc = se05x_err_set(err, SE05X_E_KEY_MISMATCH, 0, a->id,
                           "the given public key is not of the kind of object 0x%08X", a->id);
    }
    BN_free(n);
    BN_free(e);
    BN_free(an);
    BN_free(ae);
    EVP_PKEY_free(pk);
    ERR_clear_error();
    return rc;
}

/* Whether the certificate's common name carries the chip id in hex (NXP's
 * attestation certificates are named "Attest-<chip id>", unverified against a
 * real chip; the emulator's end with it). Informational only. */
static int cn_names_chip(X509_NAME *subj, const uint8_t id[SE05X_ATTEST_CHIPID_LEN])
{
    char cn[256], hexid[2 * SE05X_ATTEST_CHIPID_LEN + 1];
    int n = X509_NAME_get_text_by_NID(subj, NID_commonName, cn, sizeof cn);
    if (n <= 0)
        return 0;
    for (size_t i = 0; i < SE05X_ATTEST_CHIPID_LEN; i++)
        snprintf(hexid + 2 * i, 3, "%02X", id[i]);
    for (char *p = cn; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    return strstr(cn, hexid) != NULL;
}

/* 3.x: the size is what the data tells (§3); 0 / unknown otherwise. */
static void size_from_data(struct se05x_attestation *a)
{
    if (a->kind == SE05X_KIND_EC && a->data_len >= 3 && a->data[0] == 0x04 && (a->data_len - 1) % 2 == 0) {
        a->size = (uint32_t)(a->data_len - 1) / 2;
        a->size_known = 1;
    } else if (a->kind == SE05X_KIND_RSA && a->data_len) {
        size_t i = 0;
        while (i < a->data_len && a->data[i] == 0)
            i++;
        a->size = (uint32_t)(a->data_len - i);
        a->size_known = 1;
    } else if ((a->kind == SE05X_KIND_BINARY || a->kind == SE05X_KIND_COUNTER || a->kind == SE05X_KIND_PCR) &&
               a->data_len) {
        a->size = (uint32_t)a->data_len;
        a->size_known = 1;
    }
}

static se05x_rc verify_parts(struct vctx *v, const struct se05x_attest_verify_opts *o, struct se05x_attestation *a)
{
    struct se05x_error *err = v->err;
    struct se05x_att_record rec;
    char why[200];
    if (!se05x_att_record_decode(v->rec, (size_t)v->reclen, &rec, why, sizeof why))
        return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "%s", why);
    se05x_attest_layout layout = se05x_att_layout(rec.major);
    a->layout = layout;
    a->applet_major = rec.major;
    a->applet_minor = rec.minor;
    a->applet_patch = rec.patch;
    EVP_PKEY *pk = X509_get0_pubkey(sk_X509_value(v->certs, 0));
    if (!pk)
        return se05x_err_set(err, SE05X_E_FORMAT, 0, 0, "attestation certificate without a usable public key");
    X509_NAME *subj = X509_get_subject_name(sk_X509_value(v->certs, 0));
    X509_NAME_oneline(subj, a->cert_subject, sizeof a->cert_subject);
    struct se05x_att_cmd c0 = {0};
    const uint8_t *attr0 = NULL;
    size_t attr0_len = 0;
    bool got_mod = false, got_exp = false;
    for (size_t i = 0; i < rec.nparts; i++) {
        struct se05x_att_cmd c;
        struct se05x_att_rsp r;
        if (!se05x_att_parse_cmd(rec.part[i].cmd, rec.part[i].cmd_len, &c, why, sizeof why) ||
            !se05x_att_parse_rsp(rec.part[i].rsp, rec.part[i].rsp_len, layout, &r, why, sizeof why))
            return se05x_err_set(err, SE05X_E_FORMAT, 0, rec.id, "%s", why);
        if (c.id != rec.id)
            return se05x_err_set(err, SE05X_E_FORMAT, 0, rec.id, "record of 0x%08X holds a command for 0x%08X",
                                 rec.id, c.id);
        if (!check_sig(pk, &c, rec.part[i].cmd, rec.part[i].cmd_len, rec.part[i].rsp, &r, layout))
            return se05x_err_set(err, SE05X_E_CRYPTO, 0, rec.id,
                                 "the chip's signature over the attested answer does not verify "
                                 "(tampered record, or another attestation key)");
        /* 3.x: the freshness is in the signed answer; V2: in the signed command */
        if (layout == SE05X_ATTEST_LAYOUT_3X &&
            (r.fresh_len != c.nonce_len || CRYPTO_memcmp(r.fresh, c.nonce, c.nonce_len) != 0))
            return se05x_err_set(err, SE05X_E_CRYPTO, 0, rec.id, "the signed freshness is not the nonce sent");
        if (i == 0) {
            c0 = c;
            attr0 = r.attr;
            attr0_len = r.attr_len;
            if (!se05x_att_parse_attrs(r.attr, r.attr_len, layout, a, why, sizeof why))
                return se05x_err_set(err, SE05X_E_FORMAT, 0, rec.id, "%s", why);
            if (a->id != rec.id)
                return se05x_err_set(err, SE05X_E_CRYPTO, 0, rec.id, "the chip attested object 0x%08X, not 0x%08X",
                                     a->id, rec.id);
            memcpy(a->chip_id, r.chip_id, sizeof a->chip_id);
            a->cert_names_chip = cn_names_chip(subj, r.chip_id);
            memcpy(a->timestamp, r.ts, sizeof a->timestamp);
            a->key_id = c.key_id;
            a->algo = c.algo;
            memcpy(a->nonce, c.nonce, c.nonce_len);
            a->nonce_len = c.nonce_len;
            if (r.has_size) {
                a->size = r.size;
                a->size_known = 1;
            }
        } else if (c.key_id != c0.key_id || c.nonce_len != c0.nonce_len ||
                   memcmp(c.nonce, c0.nonce, c.nonce_len) != 0 || r.attr_len != attr0_len ||
                   memcmp(r.attr, attr0, attr0_len) != 0 || memcmp(r.chip_id, a->chip_id, sizeof a->chip_id) != 0) {
            return se05x_err_set(err, SE05X_E_CRYPTO, 0, rec.id, "the two attested answers do not agree");
        }
        /* the data: RSA modulus / exponent by the component asked for */
        if (c.comp == SE05X_RSA_COMP_PUB_EXP) {
            if (!r.data || r.data_len > sizeof a->exponent || got_exp)
                return se05x_err_set(err, SE05X_E_FORMAT, 0, rec.id, "bad attested RSA public exponent");
            memcpy(a->exponent, r.data, r.data_len);
            a->exponent_len = r.data_len;
            got_exp = true;
        } else if (r.data) {
            if (got_mod || (c.comp != -1 && c.comp != SE05X_RSA_COMP_MOD))
                return se05x_err_set(err, SE05X_E_FORMAT, 0, rec.id, "unexpected attested data");
            memcpy(a->data, r.data, r.data_len);
            a->data_len = r.data_len;
            got_mod = true;
        }
    }
    if (rec.nparts == 2 && (a->kind != SE05X_KIND_RSA || !got_mod || !got_exp))
        return se05x_err_set(err, SE05X_E_FORMAT, 0, rec.id, "two answers, but not an RSA modulus and exponent");
    if (!a->size_known)
        size_from_data(a);
    if (o->nonce) {
        if (o->nonce_len != a->nonce_len || CRYPTO_memcmp(o->nonce, a->nonce, a->nonce_len) != 0)
            return se05x_err_set(err, SE05X_E_CRYPTO, 0, rec.id,
                                 "the attested nonce is not the expected one (stale or replayed record)");
        a->nonce_checked = 1;
    }
    if (o->pubkey) {
        se05x_rc rc = check_pubkey(err, o, a);
        if (rc)
            return rc;
        a->pubkey_checked = 1;
    }
    return SE05X_OK;
}

/* Like every answer the library hands out (docs/verify-after-sign.md), the
 * record is checked before it leaves se05x_attest: each signed answer must
 * verify with the key of the certificate just read (no CA: that is the
 * verifier's business). Off with se05x_set_verify(s, false). */
static se05x_rc self_check(se05x_session *s, se05x_objid id, se05x_objid cert_id, X509 *cert, const uint8_t *rec,
                           size_t reclen)
{
    if (!se05x_checks_on(s))
        return SE05X_OK;
    struct se05x_error err = {0};
    struct se05x_attest_verify_opts o = {.struct_size = sizeof o};
    struct vctx v = {.err = &err, .rec = (uint8_t *)rec, .reclen = (long)reclen};
    struct se05x_attestation *a = OPENSSL_zalloc(sizeof *a);
    struct se05x_ossl_scope sc;
    se05x_rc rc = SE05X_E_NOMEM;
    if (!a)
        return se05x_fail(s, rc, 0, id, "out of memory");
    if (!se05x_ossl_scope_enter(&sc)) {
        OPENSSL_free(a);
        return se05x_fail(s, SE05X_E_CRYPTO, 0, id, "no private OpenSSL library context");
    }
    if ((v.certs = sk_X509_new_null()) && X509_up_ref(cert) == 1) {
        if (sk_X509_push(v.certs, cert))
            rc = verify_parts(&v, &o, a);
        else
            X509_free(cert);
    }
    sk_X509_pop_free(v.certs, X509_free);
    ERR_clear_error();
    se05x_ossl_scope_leave(&sc);
    OPENSSL_free(a);
    if (rc == SE05X_E_NOMEM)
        return se05x_fail(s, rc, 0, id, "out of memory");
    if (rc)
        return se05x_fail(s, SE05X_E_PROTOCOL, 0, id,
                          "%s; the attested answer of 0x%08X does not check out against the certificate in 0x%08X",
                          err.msg, id, cert_id);
    return SE05X_OK;
}

se05x_rc se05x_attest_verify(const char *record, size_t len, const struct se05x_attest_verify_opts *o,
                             struct se05x_attestation **out, struct se05x_error *err)
{
    if (out)
        *out = NULL;
    if (!record || !o || !out || !o->ca_pem)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_attest_verify: record, options, CA and output needed");
    if (o->struct_size < sizeof *o)
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_attest_verify: struct_size of the options is %zu, not %zu",
                             o->struct_size, sizeof *o);
    if (len == 0 || len > 1024 * 1024 || o->ca_pem_len == 0 || o->ca_pem_len > 1024 * 1024 ||
        (o->nonce && (o->nonce_len < 1 || o->nonce_len > SE05X_ATTEST_NONCE_MAX)) ||
        (o->pubkey && (o->pubkey_len == 0 || o->pubkey_len > 64 * 1024)))
        return se05x_err_set(err, SE05X_E_BAD_ARG, 0, 0, "se05x_attest_verify: a length is out of range");
    struct se05x_ossl_scope sc;
    if (!se05x_ossl_scope_enter(&sc))
        return se05x_err_set(err, SE05X_E_CRYPTO, 0, 0, "no private OpenSSL library context");
    struct vctx v = {.err = err};
    struct se05x_attestation *a = OPENSSL_zalloc(sizeof *a);
    se05x_rc rc = a ? SE05X_OK : se05x_err_set(err, SE05X_E_NOMEM, 0, 0, "out of memory");
    if (!rc)
        rc = read_pem(record, len, &v);
    if (!rc)
        rc = check_chain(&v, o);
    if (!rc)
        rc = verify_parts(&v, o, a);
    sk_X509_pop_free(v.certs, X509_free);
    OPENSSL_free(v.rec);
    ERR_clear_error();
    se05x_ossl_scope_leave(&sc);
    if (rc) {
        OPENSSL_free(a);
        return rc;
    }
    *out = a;
    return SE05X_OK;
}
