/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator logging: one line per event to stderr, level set by --log-level.
 * Never log key material. */
#ifndef SIM_LOG_H
#define SIM_LOG_H

enum sim_log_level { SIM_LOG_ERROR = 0, SIM_LOG_WARN, SIM_LOG_INFO, SIM_LOG_DEBUG };

/* Parses "error|warn|info|debug"; returns -1 if unknown. */
int sim_log_parse_level(const char *s);
void sim_log_set_level(int level);
int sim_log_get_level(void);
void sim_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define SIM_ERR(...) sim_log(SIM_LOG_ERROR, __VA_ARGS__)
#define SIM_WARN(...) sim_log(SIM_LOG_WARN, __VA_ARGS__)
#define SIM_INFO(...) sim_log(SIM_LOG_INFO, __VA_ARGS__)
#define SIM_DBG(...) sim_log(SIM_LOG_DEBUG, __VA_ARGS__)

#endif
