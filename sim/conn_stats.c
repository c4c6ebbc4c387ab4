/* SPDX-License-Identifier: Apache-2.0 */
/* Per-connection traffic report (card.h): one info line, and with --stats
 * one JSON line appended to the stats file. Used by the server for JRCP and
 * T=1 connections alike. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "card_internal.h"
#include "log.h"

bool sim_apdu_is_write(const uint8_t *c, size_t len)
{
    if (len < 4 || (c[0] != 0x80 && c[0] != 0x84))
        return false;
    if ((c[1] & 0x1F) == 0x01)
        return true;
    return (c[1] & 0x1F) == 0x04 && c[2] == 0x00 && (c[3] == 0x28 || c[3] == 0x2A || c[3] == 0x3E);
}

void sim_card_report_conn(struct sim_card *c, const char *peer, const char *proto,
                          const struct sim_conn_stats *st)
{
    SIM_INFO("connection %s (%s) closed: %llu APDUs, %llu/%llu APDU bytes rx/tx, %llu/%llu wire "
             "bytes rx/tx",
             peer, proto, (unsigned long long)st->apdus, (unsigned long long)st->apdu_rx_bytes,
             (unsigned long long)st->apdu_tx_bytes, (unsigned long long)st->wire_rx_bytes,
             (unsigned long long)st->wire_tx_bytes);
    if (!c->stats_path)
        return;
    char line[512];
    char esc[128];
    size_t j = 0;
    for (const char *p = peer; *p && j < sizeof esc - 2; p++) /* JSON-safe peer string */
        if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
            esc[j++] = *p;
    esc[j] = 0;
    int n = snprintf(line, sizeof line,
                     "{\"peer\":\"%s\",\"proto\":\"%s\",\"apdus\":%llu,\"apdu_rx\":%llu,"
                     "\"apdu_tx\":%llu,\"wire_rx\":%llu,\"wire_tx\":%llu,\"frames_rx\":%llu,"
                     "\"frames_tx\":%llu,\"writes\":%llu}\n",
                     esc, proto, (unsigned long long)st->apdus,
                     (unsigned long long)st->apdu_rx_bytes, (unsigned long long)st->apdu_tx_bytes,
                     (unsigned long long)st->wire_rx_bytes, (unsigned long long)st->wire_tx_bytes,
                     (unsigned long long)st->frames_rx, (unsigned long long)st->frames_tx,
                     (unsigned long long)st->writes);
    if (n <= 0 || (size_t)n >= sizeof line)
        return;
    pthread_mutex_lock(&c->stats_lock);
    int fd = open(c->stats_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n)
        SIM_WARN("cannot append to stats file %s: %s", c->stats_path, strerror(errno));
    if (fd >= 0)
        close(fd);
    pthread_mutex_unlock(&c->stats_lock);
}
