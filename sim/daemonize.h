/* SPDX-License-Identifier: Apache-2.0 */
/* se05x-sim --daemon: fork into the background once listening. */
#ifndef SIM_DAEMONIZE_H
#define SIM_DAEMONIZE_H

/* Forks. In the parent: waits until the child calls sim_daemon_ready (then
 * prints the child's pid on stdout and exits 0) or ends (exits with its
 * status); never returns. In the child: new session, stdin/stdout on
 * /dev/null, *ready_fd set; returns 0. -1 (printed) when fork fails. */
int sim_daemonize(int *ready_fd);
/* Tells the parent the emulator listens (ready_fd < 0: no-op). */
void sim_daemon_ready(int ready_fd);

#endif
