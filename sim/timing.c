/* SPDX-License-Identifier: Apache-2.0 */
/* Timing model of the T=1 responder (see timing.h). */
#include "timing.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "se05x_proto.h"

static const struct {
    const char *name;
    enum sim_cmd_class cls;
} names[] = {
    {"default", SIM_CMD_DEFAULT}, {"Select", SIM_CMD_SELECT},     {"ECDSASign", SIM_CMD_SIGN},
    {"Sign", SIM_CMD_SIGN},       {"Verify", SIM_CMD_VERIFY},     {"ECDSAVerify", SIM_CMD_VERIFY},
    {"ECGen", SIM_CMD_ECGEN},     {"ECImport", SIM_CMD_ECIMPORT}, {"RSAGen", SIM_CMD_RSAGEN},
    {"RSAImport", SIM_CMD_RSAIMPORT}, {"Write", SIM_CMD_WRITE},   {"Read", SIM_CMD_READ},
    {"Crypto", SIM_CMD_CRYPTO},   {"Mgmt", SIM_CMD_MGMT},
};

static enum sim_cmd_class classify(const uint8_t *a, size_t n)
{
    if (n < 4)
        return SIM_CMD_DEFAULT;
    uint8_t ins = a[1], p1 = a[2] & SE05X_P1_TYPE_MASK, p2 = a[3];
    size_t lc = n > 4 ? n - 5 : 0; /* close enough to classify */
    if (ins == SE05X_INS_SELECT)
        return SIM_CMD_SELECT;
    switch (ins & SE05X_INS_MASK) {
    case SE05X_INS_WRITE:
        if (p1 == SE05X_P1_EC)
            return lc < 24 ? SIM_CMD_ECGEN : SIM_CMD_ECIMPORT;
        if (p1 == SE05X_P1_RSA)
            return lc < 40 ? SIM_CMD_RSAGEN : SIM_CMD_RSAIMPORT;
        return SIM_CMD_WRITE;
    case SE05X_INS_READ:
        return SIM_CMD_READ;
    case SE05X_INS_CRYPTO:
        if (p1 == SE05X_P1_SIGNATURE && p2 == SE05X_P2_SIGN)
            return SIM_CMD_SIGN;
        if (p1 == SE05X_P1_SIGNATURE && p2 == SE05X_P2_VERIFY)
            return SIM_CMD_VERIFY;
        return SIM_CMD_CRYPTO;
    case SE05X_INS_MGMT:
        return SIM_CMD_MGMT;
    }
    return SIM_CMD_DEFAULT;
}

const char *sim_timing_class_name(const uint8_t *capdu, size_t len)
{
    enum sim_cmd_class c = classify(capdu, len);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].cls == c)
            return names[i].name;
    return "?";
}

static int parse_item(struct sim_timing *t, char *item, char *err, size_t errlen)
{
    while (isspace((unsigned char)*item))
        item++;
    size_t l = strlen(item);
    while (l && isspace((unsigned char)item[l - 1]))
        item[--l] = 0;
    if (!*item || *item == '#')
        return 0;
    char *eq = strchr(item, '=');
    if (!eq) {
        snprintf(err, errlen, "timing: '%s' is not KEY=MS", item);
        return -1;
    }
    *eq = 0;
    char *end;
    unsigned long ms = strtoul(eq + 1, &end, 10);
    if (end == eq + 1 || *end || ms > 600000) {
        snprintf(err, errlen, "timing: bad milliseconds for '%s'", item);
        return -1;
    }
    if (!strcasecmp(item, "bwt")) {
        if (ms < 1 || ms > 10000) {
            snprintf(err, errlen, "timing: bwt must be 1..10000 ms");
            return -1;
        }
        t->bwt_ms = (unsigned)ms;
        return 0;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcasecmp(item, names[i].name)) {
            t->latency_ms[names[i].cls] = (unsigned)ms;
            return 0;
        }
    unsigned ins, p1, p2;
    char tail;
    if (sscanf(item, "%2x.%2x.%2x%c", &ins, &p1, &p2, &tail) == 3) {
        if (t->nraw >= SIM_TIMING_MAX_RAW) {
            snprintf(err, errlen, "timing: more than %d INS.P1.P2 entries", SIM_TIMING_MAX_RAW);
            return -1;
        }
        t->raw[t->nraw].ins = (uint8_t)(ins & SE05X_INS_MASK);
        t->raw[t->nraw].p1 = (uint8_t)(p1 & SE05X_P1_TYPE_MASK);
        t->raw[t->nraw].p2 = (uint8_t)p2;
        t->raw[t->nraw].ms = (unsigned)ms;
        t->nraw++;
        return 0;
    }
    snprintf(err, errlen, "timing: unknown command '%s'", item);
    return -1;
}

int sim_timing_parse(const char *spec, struct sim_timing *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->bwt_ms = 1000;
    if (!spec || !*spec || !strcmp(spec, "none"))
        return 0;
    char *text = NULL;
    if (spec[0] == '@') {
        FILE *f = fopen(spec + 1, "r");
        if (!f) {
            snprintf(err, errlen, "timing: cannot open %s", spec + 1);
            return -1;
        }
        text = calloc(1, 65536);
        size_t n = text ? fread(text, 1, 65535, f) : 0;
        fclose(f);
        if (!text)
            return -1;
        text[n] = 0;
    } else {
        text = strdup(spec);
        if (!text)
            return -1;
    }
    int rc = 0;
    char *save = NULL;
    for (char *it = strtok_r(text, ",\n", &save); it; it = strtok_r(NULL, ",\n", &save))
        if ((rc = parse_item(out, it, err, errlen)) != 0)
            break;
    free(text);
    return rc;
}

unsigned sim_timing_latency(const struct sim_timing *t, const uint8_t *capdu, size_t len)
{
    if (len >= 4)
        for (unsigned i = 0; i < t->nraw; i++)
            if (t->raw[i].ins == (capdu[1] & SE05X_INS_MASK) &&
                t->raw[i].p1 == (capdu[2] & SE05X_P1_TYPE_MASK) && t->raw[i].p2 == capdu[3])
                return t->raw[i].ms;
    enum sim_cmd_class c = classify(capdu, len);
    return t->latency_ms[c] ? t->latency_ms[c] : t->latency_ms[SIM_CMD_DEFAULT];
}
