/* Placeholder until the T=1 responder lands (issue 3): refuses T=1 peers. */
#include "t1_responder.h"

#include <stdio.h>

void sim_t1_serve(struct sim_card *card, int fd, const struct sim_t1_cfg *cfg,
                  struct sim_conn_stats *st)
{
    (void)card;
    (void)fd;
    (void)cfg;
    (void)st;
    fprintf(stderr, "se05x-sim: T=1 peer refused: T=1 responder not built\n");
}
