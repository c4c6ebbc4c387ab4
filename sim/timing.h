/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator timing model for the T=1 responder (--timing). "none" (default):
 * answers as fast as the host computes them. Otherwise a comma/newline
 * separated table "KEY=MS,...", or "@FILE" holding such lines (# comments):
 *   bwt=MS        BWT advertised in the ATR (default 1000, 1..10000); WTX
 *                 requests are sent every 0.6 BWT while a command runs
 *   default=MS    latency of commands not listed
 *   NAME=MS       latency of one command class: Select, ECDSASign (alias
 *                 Sign), Verify, ECGen, ECImport, RSAGen, RSAImport, Write,
 *                 Read, Crypto, Mgmt
 *   II.PP.QQ=MS   latency of INS/P1/P2 in hex (INS low 5 bits, P1 low 5 bits)
 * A command's reply is sent no earlier than its latency after it arrived
 * (real computing time included). docs/t1oi2c.md has examples. */
#ifndef SIM_TIMING_H
#define SIM_TIMING_H

#include <stddef.h>
#include <stdint.h>

#define SIM_TIMING_MAX_RAW 16

enum sim_cmd_class {
    SIM_CMD_DEFAULT = 0,
    SIM_CMD_SELECT,
    SIM_CMD_SIGN,
    SIM_CMD_VERIFY,
    SIM_CMD_ECGEN,
    SIM_CMD_ECIMPORT,
    SIM_CMD_RSAGEN,
    SIM_CMD_RSAIMPORT,
    SIM_CMD_WRITE,
    SIM_CMD_READ,
    SIM_CMD_CRYPTO,
    SIM_CMD_MGMT,
    SIM_CMD_N
};

struct sim_timing {
    unsigned bwt_ms;
    unsigned latency_ms[SIM_CMD_N]; /* 0 = none */
    unsigned nraw;
    struct {
        uint8_t ins, p1, p2;
        unsigned ms;
    } raw[SIM_TIMING_MAX_RAW];
};

/* Parses a --timing value (NULL or "none" = no latencies, BWT 1000). Returns
 * 0, or -1 with a one-line reason in err. */
int sim_timing_parse(const char *spec, struct sim_timing *out, char *err, size_t errlen);

/* Latency in ms configured for this C-APDU (0 = none). */
unsigned sim_timing_latency(const struct sim_timing *t, const uint8_t *capdu, size_t len);

/* The class name of a C-APDU (for logs). */
const char *sim_timing_class_name(const uint8_t *capdu, size_t len);

#endif
