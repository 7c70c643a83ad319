/*
 * mstr_handover.c - the keyed state of a rescale in one process, handed over in memory (see
 * mstr_handover.h).
 */
#include "mstr_handover.h"

#include "mstr_route.h"
#include "mstr_table.h"

mstr_handover_moved mstr_handover(mstr_worker *from, int nfrom, mstr_worker *to)
{
    const mstr_job_desc *d = to[0].desc;
    uint32_t groups = to[0].ctx.key_groups;
    mstr_owners was;
    mstr_owners_init(&was, groups, nfrom, 0);
    const uint16_t *now = to[0].owners.owner;
    mstr_handover_moved moved = { 0, 0 };
    for (uint32_t g = 0; g < groups; g++) {
        int a = was.owner[g], b = now[g];
        for (size_t i = 0; i < d->nstates; i++) {
            const mstr_state_desc *sd = &d->states[i];
            if (sd->tables == NULL || sd->local)
                continue;
            mstr_table *held = &sd->tables(&from[a])[g], *given = &sd->tables(&to[b])[g];
            if (a != b)
                moved.slots += held->live;
            mstr_table empty = *given; /* made, not restored: it holds nothing */
            *given = *held;
            *held = empty;
        }
        moved.groups += a != b;
    }
    mstr_owners_free(&was);
    for (int k = 0; k < nfrom; k++)
        mstr_worker_free_state(&from[k]);
    return moved;
}
