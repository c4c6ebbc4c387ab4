/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers of lib/attest.c with byte examples (docs/protocol/attestation.md):
 * the attested command, the 3.x and V2 answers, the attributes of both
 * layouts, the record codec; every malformed input refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "attest_priv.h"
#include "testhex.h"
#include "tlv.h"

/* The parsers under test behind one signature (the result itself dropped),
 * for the refusal checks below. */
typedef bool (*parse_fn)(const uint8_t *b, size_t n, se05x_attest_layout layout);

static bool parse_cmd(const uint8_t *b, size_t n, se05x_attest_layout layout)
{
    (void)layout;
    struct se05x_att_cmd pc;
    char why[200];
    return se05x_att_parse_cmd(b, n, &pc, why, sizeof why);
}

static bool parse_rsp(const uint8_t *b, size_t n, se05x_attest_layout layout)
{
    struct se05x_att_rsp pr;
    char why[200];
    return se05x_att_parse_rsp(b, n, layout, &pr, why, sizeof why);
}

static bool parse_attrs(const uint8_t *b, size_t n, se05x_attest_layout layout)
{
    struct se05x_attestation at;
    char why[200];
    memset(&at, 0, sizeof at);
    return se05x_att_parse_attrs(b, n, layout, &at, why, sizeof why);
}

static bool decode_record(const uint8_t *b, size_t n, se05x_attest_layout layout)
{
    (void)layout;
    struct se05x_att_record d;
    char why[200];
    return se05x_att_record_decode(b, n, &d, why, sizeof why);
}

/* Every proper prefix of the n bytes at b is refused (`what` names the input). */
static void truncations_refused(parse_fn parse, se05x_attest_layout layout, const uint8_t *b, size_t n,
                                const char *what)
{
    for (size_t k = 0; k < n; k++)
        if (parse(b, k, layout))
            fail_msg("%s cut to %zu of %zu bytes accepted", what, k, n);
}

/* Every hex-written input of bad[] is refused; a failure names the list and
 * the index of the case. */
static void all_refused(parse_fn parse, se05x_attest_layout layout, const char *const *bad, size_t nbad,
                        const char *what)
{
    uint8_t b[512];
    for (size_t i = 0; i < nbad; i++) {
        size_t n = test_hex(bad[i], b, sizeof b);
        if (parse(b, n, layout))
            fail_msg("%s %zu accepted", what, i);
    }
}

/* Parses hex-written attributes into *at; a refusal fails the test with the
 * parser's reason. */
static void attrs_ok(const char *hex, se05x_attest_layout layout, struct se05x_attestation *at)
{
    uint8_t a[300];
    char why[200] = "";
    size_t n = test_hex(hex, a, sizeof a);
    memset(at, 0, sizeof *at);
    if (!se05x_att_parse_attrs(a, n, layout, at, why, sizeof why))
        fail_msg("attributes %s refused: %s", hex, why);
}

/* Parses a hex-written answer of the layout into r (cap bytes) and *pr (which
 * points into r); a refusal fails the test with the parser's reason.
 * Returns the answer's length. */
static size_t rsp_ok(const char *hex, se05x_attest_layout layout, uint8_t *r, size_t cap, struct se05x_att_rsp *pr)
{
    char why[200] = "";
    size_t n = test_hex(hex, r, cap);
    if (!se05x_att_parse_rsp(r, n, layout, pr, why, sizeof why))
        fail_msg("answer %s refused: %s", hex, why);
    return n;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* docs/protocol/attestation.md §2: the 3.x example of an attested read of
 * 0x7F000001 with F0000012, ECDSA-SHA256, 16-byte freshness; the record keeps
 * it without the trailing Le 00 00. */
#define CMD_EXAMPLE "80 22 00 00 00 00 21 41 04 7F 00 00 01 45 04 F0 00 00 12 46 01 21 47 10" \
                    " 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"

static void t_cmd_example(void **state)
{
    (void)state;
    uint8_t c[128];
    char why[200];
    struct se05x_att_cmd pc;
    size_t n = test_hex(CMD_EXAMPLE, c, sizeof c);
    assert_int_equal(n, 40);
    assert_true(se05x_att_parse_cmd(c, n, &pc, why, sizeof why));
    assert_int_equal(pc.id, 0x7F000001);
    assert_int_equal(pc.key_id, 0xF0000012);
    assert_int_equal(pc.algo, 0x21);
    assert_int_equal(pc.comp, -1);
    assert_int_equal(pc.nonce_len, 16);
    assert_int_equal(pc.nonce[15], 0x0F);
    /* with an RSA component (TAG 44) */
    n = test_hex("80 22 00 00 00 00 1C 41 04 7F 00 00 02 44 01 01 45 04 F0 00 00 12 46 01 21 47 08"
                 " 01 02 03 04 05 06 07 08", c, sizeof c);
    assert_true(se05x_att_parse_cmd(c, n, &pc, why, sizeof why));
    assert_int_equal(pc.comp, 1);
    assert_int_equal(pc.nonce_len, 8);
}

static void t_cmd_bad(void **state)
{
    (void)state;
    uint8_t c[128], b[128];
    char why[200];
    struct se05x_att_cmd pc;
    size_t n = test_hex(CMD_EXAMPLE, c, sizeof c);
    truncations_refused(parse_cmd, 0, c, n, "command example");
    /* with the Le of the wire form: Lc no longer matches */
    memcpy(b, c, n);
    b[n] = 0;
    b[n + 1] = 0;
    assert_false(se05x_att_parse_cmd(b, n + 2, &pc, why, sizeof why));
    /* header bytes: a plain ReadObject, another CLA, P1 */
    static const size_t pos[] = {0, 1, 2, 3, 4, 5, 6};
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++) {
        memcpy(b, c, n);
        b[pos[i]] ^= 0x02;
        assert_false(se05x_att_parse_cmd(b, n, &pc, why, sizeof why));
    }
    /* a freshness of 17 bytes */
    n = test_hex("80 22 00 00 00 00 22 41 04 7F 00 00 01 45 04 F0 00 00 12 46 01 21 47 11"
                 " 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10", b, sizeof b);
    assert_false(se05x_att_parse_cmd(b, n, &pc, why, sizeof why));
    assert_non_null(strstr(why, "freshness"));
    static const char *bad[] = {
        /* no freshness at all */
        "80 22 00 00 00 00 0F 41 04 7F 00 00 01 45 04 F0 00 00 12 46 01 21",
        /* object id of 3 bytes */
        "80 22 00 00 00 00 12 41 03 7F 00 01 45 04 F0 00 00 12 46 01 21 47 02 AA BB",
        /* tags out of order (47 before 45) */
        "80 22 00 00 00 00 13 41 04 7F 00 00 01 47 02 AA BB 45 04 F0 00 00 12 46 01 21",
    };
    all_refused(parse_cmd, 0, bad, COUNT(bad), "bad command");
}

/* A 3.x answer for an EC key pair: 41 pub, 42 attributes, 43 timestamp,
 * 44 freshness, 45 chip id, 46 signature (82-form lengths as the SE sends). */
#define ATTR_EC_3X "7F000001 01 01 0000 00000000 0000 08 00000000 10240000 02"
#define RSP_3X                                                                                        \
    "41 82 00 05 04 11 22 33 44"                                                                      \
    "42 82 00 18 " ATTR_EC_3X                                                                         \
    "43 82 00 0C 00 00 00 00 00 00 00 00 00 00 00 31"                                                 \
    "44 82 00 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"                                     \
    "45 82 00 12 04 00 50 01 4A 66 D8 75 07 78 E6 04 7E 91 0A 94 66 80"                               \
    "46 82 00 04 30 02 01 00"

static void t_rsp_3x(void **state)
{
    (void)state;
    uint8_t r[512];
    struct se05x_att_rsp pr;
    size_t n = rsp_ok(RSP_3X, SE05X_ATTEST_LAYOUT_3X, r, sizeof r, &pr);
    assert_int_equal(pr.data_len, 5);
    assert_int_equal(pr.attr_len, 24);
    assert_int_equal(pr.fresh_len, 16);
    assert_int_equal(pr.chip_id[4], 0x4A);
    assert_int_equal(pr.sig_len, 4);
    assert_false(pr.has_size);
    truncations_refused(parse_rsp, SE05X_ATTEST_LAYOUT_3X, r, n, "3.x answer");
    /* a trailing byte */
    r[n] = 0x90;
    assert_false(parse_rsp(r, n + 1, SE05X_ATTEST_LAYOUT_3X));
    /* the same answer is not a V2 answer */
    assert_false(parse_rsp(r, n, SE05X_ATTEST_LAYOUT_V2));
    /* short-form lengths are accepted too, and TAG 41 may be absent (private key) */
    rsp_ok("42 0F 7F000002 02 01 0000 00000000 0000 01"
           "43 0C 000000000000000000000001 44 01 AA"
           "45 12 04005001 4A66D8750778E6047E910A946680 46 02 3000",
           SE05X_ATTEST_LAYOUT_3X, r, sizeof r, &pr);
    assert_null(pr.data);
    assert_int_equal(pr.fresh_len, 1);
}

static void t_rsp_3x_bad_lengths(void **state)
{
    (void)state;
    static const char *bad[] = {
        /* timestamp of 11 bytes */
        "42 0F 7F000002 02 01 0000 00000000 0000 01 43 0B 0000000000000000000001 44 01 AA"
        " 45 12 040050014A66D8750778E6047E910A946680 46 02 3000",
        /* freshness of 17 bytes */
        "42 0F 7F000002 02 01 0000 00000000 0000 01 43 0C 000000000000000000000001 44 11"
        " 000102030405060708090A0B0C0D0E0F10 45 12 040050014A66D8750778E6047E910A946680 46 02 3000",
        /* chip id of 17 bytes */
        "42 0F 7F000002 02 01 0000 00000000 0000 01 43 0C 000000000000000000000001 44 01 AA"
        " 45 11 040050014A66D8750778E6047E910A9466 46 02 3000",
        /* empty signature */
        "42 0F 7F000002 02 01 0000 00000000 0000 01 43 0C 000000000000000000000001 44 01 AA"
        " 45 12 040050014A66D8750778E6047E910A946680 46 00",
        /* empty data TLV */
        "41 00 42 0F 7F000002 02 01 0000 00000000 0000 01 43 0C 000000000000000000000001 44 01 AA"
        " 45 12 040050014A66D8750778E6047E910A946680 46 02 3000",
        /* a length running past the end */
        "42 0F 7F000002 02 01 0000 00000000 0000 01 43 0C 000000000000000000000001 44 01 AA"
        " 45 12 040050014A66D8750778E6047E910A946680 46 82 01 00 3000",
        /* missing freshness */
        "42 0F 7F000002 02 01 0000 00000000 0000 01 43 0C 000000000000000000000001"
        " 45 12 040050014A66D8750778E6047E910A946680 46 02 3000",
    };
    all_refused(parse_rsp, SE05X_ATTEST_LAYOUT_3X, bad, COUNT(bad), "bad answer");
}

/* A V2 answer: 41 data, 42 chip id, 43 attributes (+ version), 44 size,
 * 4F timestamp, 52 signature. */
#define ATTR_EC_V2 "7F000001 29 01 0000 00000000 0000 08 00000000 10240000 01 00000001"
#define RSP_V2                                                                                        \
    "41 82 00 05 04 11 22 33 44"                                                                      \
    "42 82 00 12 04 00 50 01 4A 66 D8 75 07 78 E6 04 7E 91 0A 94 66 80"                               \
    "43 82 00 1C " ATTR_EC_V2                                                                         \
    "44 82 00 02 00 20"                                                                               \
    "4F 82 00 0C 00 00 00 00 00 00 00 00 00 00 00 31"                                                 \
    "52 82 00 04 30 02 01 00"

static void t_rsp_v2(void **state)
{
    (void)state;
    uint8_t r[512];
    struct se05x_att_rsp pr;
    size_t n = rsp_ok(RSP_V2, SE05X_ATTEST_LAYOUT_V2, r, sizeof r, &pr);
    assert_true(pr.has_size);
    assert_int_equal(pr.size, 32);
    assert_null(pr.fresh);
    assert_int_equal(pr.attr_len, 28);
    /* the signed part ends right before TAG 52 */
    assert_int_equal(pr.signed_len, n - 8);
    assert_int_equal(r[pr.signed_len], 0x52);
    truncations_refused(parse_rsp, SE05X_ATTEST_LAYOUT_V2, r, n, "V2 answer");
    assert_false(parse_rsp(r, n, SE05X_ATTEST_LAYOUT_3X));
    static const char *bad[] = {
        /* size of 1 byte */
        "42 12 040050014A66D8750778E6047E910A946680 43 13 7F000002 6A 01 0000 00000000 0000 01 00000001"
        " 44 01 20 4F 0C 000000000000000000000001 52 02 3000",
        /* no size */
        "42 12 040050014A66D8750778E6047E910A946680 43 13 7F000002 6A 01 0000 00000000 0000 01 00000001"
        " 4F 0C 000000000000000000000001 52 02 3000",
        /* 3.x timestamp tag 43 in place of 4F */
        "42 12 040050014A66D8750778E6047E910A946680 43 13 7F000002 6A 01 0000 00000000 0000 01 00000001"
        " 44 02 0020 43 0C 000000000000000000000001 52 02 3000",
        /* chip id and attributes swapped */
        "43 13 7F000002 6A 01 0000 00000000 0000 01 00000001 42 12 040050014A66D8750778E6047E910A946680"
        " 44 02 0020 4F 0C 000000000000000000000001 52 02 3000",
        /* no signature */
        "42 12 040050014A66D8750778E6047E910A946680 43 13 7F000002 6A 01 0000 00000000 0000 01 00000001"
        " 44 02 0020 4F 0C 000000000000000000000001",
    };
    all_refused(parse_rsp, SE05X_ATTEST_LAYOUT_V2, bad, COUNT(bad), "bad V2 answer");
    /* the good one without data (private key) */
    rsp_ok("42 12 040050014A66D8750778E6047E910A946680 43 13 7F000002 6A 01 0000 00000000 0000 01 00000001"
           " 44 02 0020 4F 0C 000000000000000000000001 52 02 3000",
           SE05X_ATTEST_LAYOUT_V2, r, sizeof r, &pr);
}

static void t_attrs_3x(void **state)
{
    (void)state;
    struct se05x_attestation at;
    /* EC key pair with one rule SIGN+READ+DELETE, generated */
    attrs_ok(ATTR_EC_3X, SE05X_ATTEST_LAYOUT_3X, &at);
    assert_int_equal(at.id, 0x7F000001);
    assert_int_equal(at.type, 0x01);
    assert_int_equal(at.kind, SE05X_KIND_EC);
    assert_int_equal(at.part, SE05X_PART_PAIR);
    assert_int_equal(at.curve, SE05X_EC_NONE);
    assert_int_equal(at.policy.n, 1);
    assert_int_equal(at.policy.rule[0].auth_id, 0);
    assert_int_equal(at.policy.rule[0].rules, 0x10240000);
    assert_int_equal(at.policy_len, 9);
    assert_int_equal(at.origin, SE05X_ORIGIN_GENERATED);
    assert_false(at.has_version);
    assert_false(at.auth_object);
    /* the DELETE-only test vector of docs/protocol/apdu.md §12.1, imported AES key */
    attrs_ok("7F000003 09 01 0000 00000000 0000 08 00 00 00 00 00 04 00 00 01", SE05X_ATTEST_LAYOUT_3X, &at);
    assert_int_equal(at.kind, SE05X_KIND_AES);
    assert_int_equal(at.policy.rule[0].rules, 0x00040000);
    assert_int_equal(at.origin, SE05X_ORIGIN_IMPORTED);
    /* a UserID auth object: 3 failed of at most 5, two rules (one with a PCR extension), NXP */
    attrs_ok("7FFF0200 0C 02 0003 7DA00001 0005"
             " 08 00000000 00040000"
             " 2C 7DA00001 10000000 7F00000A 0000000000000000000000000000000000000000000000000000000000000000"
             " 03",
             SE05X_ATTEST_LAYOUT_3X, &at);
    assert_true(at.auth_object);
    assert_int_equal(at.failed_attempts, 3);
    assert_int_equal(at.max_attempts, 5);
    assert_int_equal(at.owner, 0x7DA00001);
    assert_int_equal(at.policy.n, 2);
    assert_int_equal(at.policy.rule[1].auth_id, 0x7DA00001);
    assert_int_equal(at.origin, SE05X_ORIGIN_NXP);
    /* no policy at all: byte 14 is the origin */
    attrs_ok("7F000001 0B 01 0000 00000000 0000 02", SE05X_ATTEST_LAYOUT_3X, &at);
    assert_int_equal(at.policy.n, 0);
    assert_int_equal(at.kind, SE05X_KIND_BINARY);
}

static void t_attrs_v2(void **state)
{
    (void)state;
    uint8_t a[300];
    struct se05x_attestation at;
    attrs_ok(ATTR_EC_V2, SE05X_ATTEST_LAYOUT_V2, &at);
    assert_int_equal(at.type, 0x29); /* 7.x P-256 key pair */
    assert_int_equal(at.kind, SE05X_KIND_EC);
    assert_int_equal(at.curve, SE05X_EC_NIST_P256);
    assert_int_equal(at.part, SE05X_PART_PAIR);
    assert_int_equal(at.origin, SE05X_ORIGIN_IMPORTED);
    assert_true(at.has_version);
    assert_int_equal(at.version, 1);
    assert_int_equal(at.policy.rule[0].rules, 0x10240000);
    /* the V2 bytes read as 3.x: the version is taken for policy bytes -> refused */
    size_t n = test_hex(ATTR_EC_V2, a, sizeof a);
    assert_false(parse_attrs(a, n, SE05X_ATTEST_LAYOUT_3X));
    /* a 3.x attribute block read as V2: too short for the version */
    n = test_hex("7F000001 0B 01 0000 00000000 0000 02", a, sizeof a);
    assert_false(parse_attrs(a, n, SE05X_ATTEST_LAYOUT_V2));
    /* V2 without a policy, generated X25519 public key */
    attrs_ok("7F000009 6B 01 0000 00000000 0000 02 00000007", SE05X_ATTEST_LAYOUT_V2, &at);
    assert_int_equal(at.curve, SE05X_EC_X25519);
    assert_int_equal(at.part, SE05X_PART_PUBLIC);
    assert_int_equal(at.version, 7);
}

static void t_attrs_bad(void **state)
{
    (void)state;
    uint8_t a[400];
    static const char *bad3[] = {
        "7F000001 01 01 0000 00000000 0000",                       /* no origin */
        "7F000001 01 01 0000 00000000 0000 04",                    /* origin 04 */
        "7F000001 01 01 0000 00000000 0000 00",                    /* origin 00 */
        "7F000001 01 03 0000 00000000 0000 02",                    /* auth indicator 03 */
        "7F000001 01 01 0000 00000000 0000 07 00000000 102400 02", /* entry length 7 */
        "7F000001 01 01 0000 00000000 0000 08 00000000 102400 02", /* entry runs past the policy */
        "7F000001 01 01 0000 00000000 0000 08 00000000 10240000 00 02", /* a stray byte */
        /* seven entries */
        ("7F000001 01 01 0000 00000000 0000 08 00000000 10240000 08 00000001 10240000 08 00000002 10240000"
         " 08 00000003 10240000 08 00000004 10240000 08 00000005 10240000 08 00000006 10240000 02"),
    };
    all_refused(parse_attrs, SE05X_ATTEST_LAYOUT_3X, bad3, COUNT(bad3), "bad 3.x attributes");
    static const char *badv2[] = {
        "7F000001 29 01 0000 00000000 0000 02 000000",   /* version of 3 bytes */
        "7F000001 29 01 0000 00000000 0000 05 00000001", /* origin 05 */
        "7F000001 29 01 0000 00000000 0000 08 00000000 10240000 00000001", /* no origin */
    };
    all_refused(parse_attrs, SE05X_ATTEST_LAYOUT_V2, badv2, COUNT(badv2), "bad V2 attributes");
    /* every truncation of a good block */
    size_t n = test_hex(ATTR_EC_3X, a, sizeof a);
    truncations_refused(parse_attrs, SE05X_ATTEST_LAYOUT_3X, a, n, "3.x attributes");
}

static void t_record(void **state)
{
    (void)state;
    uint8_t c[64], r[512], b[1024], b2[1024];
    char why[200];
    size_t cl = test_hex(CMD_EXAMPLE, c, sizeof c), rl = test_hex(RSP_3X, r, sizeof r);
    struct se05x_att_record rec = {.major = 3, .minor = 1, .patch = 0, .id = 0x7F000001, .nparts = 1};
    rec.part[0].cmd = c;
    rec.part[0].cmd_len = cl;
    rec.part[0].rsp = r;
    rec.part[0].rsp_len = rl;
    size_t n = se05x_att_record_encode(&rec, b, sizeof b);
    assert_int_equal(n, 13 + 4 + cl + rl);
    assert_memory_equal(b, "SE5A\x01\x03\x01\x00\x7F\x00\x00\x01\x01", 13);
    assert_int_equal(se05x_att_record_encode(&rec, b, n - 1), 0); /* does not fit */
    struct se05x_att_record d;
    assert_true(se05x_att_record_decode(b, n, &d, why, sizeof why));
    assert_int_equal(d.id, 0x7F000001);
    assert_int_equal(d.nparts, 1);
    assert_int_equal(d.part[0].cmd_len, cl);
    assert_memory_equal(d.part[0].rsp, r, rl);
    truncations_refused(decode_record, 0, b, n, "record");
    memcpy(b2, b, n);
    b2[n] = 0;
    assert_false(se05x_att_record_decode(b2, n + 1, &d, why, sizeof why)); /* trailing */
    memcpy(b2, b, n);
    b2[0] = 'X';
    assert_false(se05x_att_record_decode(b2, n, &d, why, sizeof why)); /* magic */
    memcpy(b2, b, n);
    b2[4] = 2;
    assert_false(se05x_att_record_decode(b2, n, &d, why, sizeof why)); /* format version */
    assert_non_null(strstr(why, "format 2"));
    memcpy(b2, b, n);
    b2[12] = 0;
    assert_false(se05x_att_record_decode(b2, n, &d, why, sizeof why)); /* no answer */
    b2[12] = 3;
    assert_false(se05x_att_record_decode(b2, n, &d, why, sizeof why)); /* three answers */
    memcpy(b2, b, n);
    b2[13] = 0xFF; /* command length beyond the end */
    assert_false(se05x_att_record_decode(b2, n, &d, why, sizeof why));
    /* layouts by applet major */
    assert_int_equal(se05x_att_layout(3), SE05X_ATTEST_LAYOUT_3X);
    assert_int_equal(se05x_att_layout(6), SE05X_ATTEST_LAYOUT_3X);
    assert_int_equal(se05x_att_layout(7), SE05X_ATTEST_LAYOUT_V2);
    assert_string_equal(se05x_origin_text(SE05X_ORIGIN_GENERATED), "generated inside the chip");
    assert_string_equal(se05x_origin_text(SE05X_ORIGIN_IMPORTED), "imported from outside the chip");
    assert_string_equal(se05x_origin_text(SE05X_ORIGIN_NXP), "provisioned by NXP");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_cmd_example), cmocka_unit_test(t_cmd_bad),  cmocka_unit_test(t_rsp_3x),
        cmocka_unit_test(t_rsp_3x_bad_lengths), cmocka_unit_test(t_rsp_v2), cmocka_unit_test(t_attrs_3x),
        cmocka_unit_test(t_attrs_v2),    cmocka_unit_test(t_attrs_bad), cmocka_unit_test(t_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
