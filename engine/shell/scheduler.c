/* scheduler: the release loop over nurture_release. */
#include "engine/shell/scheduler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/clock.h"
#include "engine/shell/log.h"

#define RELEASE_LIMIT 500 /* actions per FCALL; keeps each call short on the server */

struct scheduler {
    uv_timer_t timer;
    rconn_t *writer;
    keys_t keys;
    int64_t poll_ms;
    int is_in_flight;  /* a release call awaits its reply */
    int64_t wake_ms;   /* when the armed timer fires (wall clock) */
    int is_kicked;     /* another pass is wanted once the one in flight returns */
    int is_closing;
    int is_timer_closed;
    uint64_t released;
    uint64_t held;     /* due content actions of suppressed contacts, held at release */
    void (*close_cb)(void *ud);
    void *close_ud;
};

static void release_now(scheduler_t *s);

static void timer_fired(uv_timer_t *timer) { release_now(timer->data); }

static void arm(scheduler_t *s, int64_t delay_ms) {
    if (s->is_closing)
        return;
    if (delay_ms < 0)
        delay_ms = 0;
    if (delay_ms > s->poll_ms)
        delay_ms = s->poll_ms;
    s->wake_ms = clock_now_ms() + delay_ms;
    uv_timer_start(&s->timer, timer_fired, (uint64_t)delay_ms, 0);
}

static void release_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    scheduler_t *s = privdata;
    redisReply *reply = r;
    s->is_in_flight = 0;
    if (s->is_closing) {
        if (s->is_timer_closed)
            free(s); /* the close finished while this call was in flight */
        return;
    }
    int64_t delay_ms = s->poll_ms;
    if (reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER &&
        reply->element[1]->type == REDIS_REPLY_INTEGER) {
        long long moved = reply->element[0]->integer, held = reply->element[1]->integer;
        const redisReply *next = reply->element[2];
        s->released += (uint64_t)moved;
        s->held += (uint64_t)held;
        if (moved > 0)
            LOG(LOG_DEBUG, "released %lld due actions to %s", moved, s->keys.actions);
        if (held > 0)
            LOG(LOG_INFO, "held %lld due content actions of suppressed contacts", held);
        if (moved + held == RELEASE_LIMIT)
            delay_ms = 0;
        else if (next->type == REDIS_REPLY_STRING && strcmp(next->str, "-1") != 0)
            delay_ms = (int64_t)strtoll(next->str, NULL, 10) - clock_now_ms();
    } else if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        LOG(LOG_WARN, "releasing due actions failed: %s", reply->str);
    }
    if (s->is_kicked) {
        s->is_kicked = 0;
        delay_ms = 0;
    }
    arm(s, delay_ms);
}

static void release_now(scheduler_t *s) {
    if (s->is_closing)
        return;
    if (s->is_in_flight) {
        s->is_kicked = 1;
        return;
    }
    char now_ms[24], now_iso[CLOCK_ISO_MAX], limit[16];
    int64_t now = clock_now_ms();
    snprintf(now_ms, sizeof now_ms, "%lld", (long long)now);
    clock_format_iso(now, now_iso, sizeof now_iso);
    snprintf(limit, sizeof limit, "%d", RELEASE_LIMIT);
    const char *argv[] = {"FCALL",         "nurture_release", "4",     s->keys.due,
                          s->keys.scheduled, s->keys.actions, s->keys.held, now_ms,
                          now_iso,         limit};
    if (rconn_command_argv(s->writer, release_reply, s, 10, argv, NULL) == 0)
        s->is_in_flight = 1;
    else
        arm(s, s->poll_ms); /* not connected: try again later */
}

scheduler_t *scheduler_new(uv_loop_t *loop, rconn_t *writer, const keys_t *keys, int64_t poll_ms,
                           nerr_t *err) {
    scheduler_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        nerr_set(err, NERR_NOMEM, "out of memory creating the scheduler");
        return NULL;
    }
    s->writer = writer;
    s->keys = *keys;
    s->poll_ms = poll_ms > 0 ? poll_ms : 1000;
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    return s;
}

/* A release in flight may have read the schedule before this action was added, so another
 * pass follows it. */
void scheduler_expect(scheduler_t *s, int64_t due_ms) {
    if (s->is_in_flight) {
        s->is_kicked = 1;
        return;
    }
    int64_t now = clock_now_ms();
    if (due_ms <= now)
        arm(s, 0);
    else if (due_ms < s->wake_ms || !uv_is_active((uv_handle_t *)&s->timer))
        arm(s, due_ms - now);
}

uint64_t scheduler_released(const scheduler_t *s) { return s->released; }

uint64_t scheduler_held(const scheduler_t *s) { return s->held; }

static void timer_closed(uv_handle_t *handle) {
    scheduler_t *s = handle->data;
    int is_in_flight = s->is_in_flight;
    s->is_timer_closed = 1;
    void (*close_cb)(void *) = s->close_cb;
    void *close_ud = s->close_ud;
    /* With a call in flight, its reply callback (a NULL reply once the connection closes)
     * frees the scheduler instead. */
    if (!is_in_flight)
        free(s);
    if (close_cb)
        close_cb(close_ud);
}

void scheduler_close(scheduler_t *s, void (*close_cb)(void *ud), void *ud) {
    s->is_closing = 1;
    s->close_cb = close_cb;
    s->close_ud = ud;
    uv_close((uv_handle_t *)&s->timer, timer_closed);
}
