/*
 * unit_store.h - a real state store (mstr_store.h) in a temporary directory, for the unit
 * tests that need one: opened by the fixture's setup, closed and destroyed by its teardown.
 * Include after cmocka.h (it asserts). Header-only, as unit_tmp.h.
 */
#ifndef UNIT_STORE_H
#define UNIT_STORE_H

#include <stdio.h>

#include "mstr_store.h"
#include "unit_tmp.h"

typedef struct unit_store {
    unit_tmp tmp;               /* the directory it is in; a test may put its own files there */
    char dir[4200];             /* the store's: TMP/db */
    mstr_store *store;
} unit_store;

static inline void unit_store_open(unit_store *s)
{
    unit_tmp_dir(&s->tmp);
    snprintf(s->dir, sizeof s->dir, "%s/db", s->tmp.dir);
    char *error = NULL;
    s->store = mstr_store_open(s->dir, &error);
    assert_non_null(s->store);
}

static inline void unit_store_close(unit_store *s)
{
    mstr_store_close(s->store);
    char *error = NULL;
    assert_true(mstr_store_destroy(s->dir, &error));
    unit_tmp_cleanup(&s->tmp);
}

#endif
