/* SPDX-License-Identifier: Apache-2.0 */
/* --daemon (daemonize.h): the parent returns only once the child listens,
 * so `se05x-sim --daemon ... && se05x info` never races the emulator's start. */
#include "daemonize.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int sim_daemonize(int *ready_fd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        perror("se05x-sim: pipe");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("se05x-sim: fork");
        return -1;
    }
    if (pid > 0) { /* parent: wait for "listening" or the child's end */
        close(p[1]);
        char b;
        ssize_t n;
        do
            n = read(p[0], &b, 1);
        while (n < 0);
        close(p[0]);
        if (n == 1) {
            printf("%ld\n", (long)pid); /* data: the emulator's pid, for kill */
            fflush(stdout);
            _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0); /* it printed why on stderr */
        _exit(WIFEXITED(st) && WEXITSTATUS(st) ? WEXITSTATUS(st) : 1);
    }
    close(p[0]);
    setsid();
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nul >= 0) {
        dup2(nul, STDIN_FILENO);
        dup2(nul, STDOUT_FILENO); /* stderr stays: the log, redirect it if wanted */
        close(nul);
    }
    *ready_fd = p[1];
    return 0;
}

void sim_daemon_ready(int ready_fd)
{
    if (ready_fd < 0)
        return;
    char b = 1;
    ssize_t n;
    do
        n = write(ready_fd, &b, 1);
    while (n < 0);
    close(ready_fd);
}
