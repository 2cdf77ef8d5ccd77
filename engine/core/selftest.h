/* selftest: runs a playbook's own tests (its `test` declarations) through the decision core,
 * each with a fresh contact and the clock of its events. Pure; used by `nurture test` and by
 * the engine's reload, which swaps in a playbook only when its tests pass. */
#ifndef NURTURE_SELFTEST_H
#define NURTURE_SELFTEST_H

#include "engine/core/nerr.h"
#include "engine/core/playbook.h"

typedef struct {
    const playbook_test_t *test;
    int is_passed;
    char detail[2048]; /* for a failure: what was expected and what happened */
} selftest_result_t;

typedef void (*selftest_cb)(const selftest_result_t *result, void *ud);

/* Runs every test of 'playbook', calling 'cb' (may be NULL) with each result. Returns the
 * number of failed tests, or NERR_NOMEM with 'err' set. */
int selftest_run(playbook_t *playbook, selftest_cb cb, void *ud, nerr_t *err);

#endif
