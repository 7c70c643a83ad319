/*
 * bench/balance.c - how evenly the rendezvous rule (runtime/mstr_route.h) spreads key groups
 * over workers: for G key groups and 2..128 workers, the largest worker's share over the mean
 * (1.0 is perfect; a job is as slow as its busiest worker). Printed by `make bench` for the
 * default and the largest G, so that a job meant for many workers can choose its key_groups.
 *
 *   balance G...
 */
#include <stdio.h>
#include <stdlib.h>

#include "mstr_mem.h"
#include "mstr_route.h"

/* The largest worker's share of `groups` key groups over the mean, on `workers` workers. */
static double balance(uint32_t groups, int workers)
{
    mstr_owners o;
    mstr_owners_init(&o, groups, 1, workers, 0);
    int *share = mstr_alloc_array((size_t)workers, sizeof *share);
    int largest = 0;
    for (uint32_t g = 0; g < groups; g++)
        if (++share[o.owner[g]] > largest)
            largest = share[o.owner[g]];
    free(share);
    mstr_owners_free(&o);
    return largest / ((double)groups / workers);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        uint32_t groups = (uint32_t)strtoul(argv[i], NULL, 10);
        double worst = 0;
        int worst_at = 2;
        printf("balance    %5u key groups:", groups);
        for (int workers = 2; workers <= 128; workers++) {
            double b = balance(groups, workers);
            if (b > worst) {
                worst = b;
                worst_at = workers;
            }
            if ((workers & (workers - 1)) == 0)
                printf(" %d: %.2f", workers, b);
        }
        printf("; worst of 2..128: %.2f (%d workers)\n", worst, worst_at);
    }
    return 0;
}
