/* scheduler: releases due actions from the schedule to the actions stream. One uv_timer_t,
 * re-armed to the earliest due time (capped by a poll interval, since other engines may
 * schedule earlier actions); each release is one atomic FCALL, so an action is released
 * exactly once whatever the number of engines. The wall clock is read only here.
 *
 * Life cycle: scheduler_new -> scheduler_expect (whenever an action was scheduled) ->
 * scheduler_close -> close_cb. Borrows its connection. */
#ifndef NURTURE_SCHEDULER_H
#define NURTURE_SCHEDULER_H

#include <stdint.h>

#include <uv.h>

#include "engine/core/nerr.h"
#include "engine/shell/keys.h"
#include "engine/shell/rconn.h"

typedef struct scheduler scheduler_t;

/* Creates a scheduler releasing through 'writer' (borrowed) with 'keys' (copied), polling at
 * least every 'poll_ms'. Returns it, owned (release with scheduler_close), or NULL. */
scheduler_t *scheduler_new(uv_loop_t *loop, rconn_t *writer, const keys_t *keys, int64_t poll_ms,
                           nerr_t *err);

/* Tells the scheduler an action due at 'due_ms' (wall clock) was scheduled: it releases at
 * once when that is due, and otherwise wakes no later than then. */
void scheduler_expect(scheduler_t *scheduler, int64_t due_ms);

/* Actions released since scheduler_new. */
uint64_t scheduler_released(const scheduler_t *scheduler);

/* Due content actions held at release since scheduler_new (their contact was suppressed). */
uint64_t scheduler_held(const scheduler_t *scheduler);

/* Stops releasing and frees the scheduler once its timer is closed; 'close_cb' (may be NULL)
 * runs then. A release in flight completes on the server or not at all. */
void scheduler_close(scheduler_t *scheduler, void (*close_cb)(void *ud), void *ud);

#endif
