/* rconn: one hiredis (0.14) async connection to Redis, driven by a libuv loop. The only file
 * that touches uv_poll_t/uv_timer_t for Redis I/O: its own adapter for the context's event
 * hooks (Debian's hiredis 0.14 libuv adapter drops failed connects and has no timeouts), a
 * connect timeout, a command watchdog, AUTH and SELECT after connecting, TCP keep-alive, and
 * reconnection with capped exponential backoff and jitter.
 *
 * Life cycle: rconn_new -> rconn_start -> (commands) -> rconn_close -> close_cb. */
#ifndef NURTURE_RCONN_H
#define NURTURE_RCONN_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/async.h>
#include <uv.h>

#include "engine/core/nerr.h"
#include "engine/shell/redis_url.h"

typedef struct rconn rconn_t;

/* Called with 'is_up' 1 once the connection is ready (connected, authenticated, db selected)
 * and with 0 once when it is lost (then every pending command's callback has already been
 * called with a NULL reply). Reconnection is automatic until rconn_close. */
typedef void (*rconn_state_cb)(rconn_t *conn, int is_up, void *ud);

/* Called once when rconn_close has finished and the memory is freed. */
typedef void (*rconn_close_cb)(void *ud);

typedef struct {
    int64_t connect_timeout_ms;  /* give up a connect attempt after this (default 2000) */
    int64_t command_timeout_ms;  /* drop the connection when the oldest pending command has
                                    waited this long (default 5000; 0 disables); blocking
                                    reads must use a BLOCK shorter than this */
    int64_t backoff_min_ms;      /* first reconnect delay (default 100) */
    int64_t backoff_max_ms;      /* cap of the doubling delay (default 5000) */
} rconn_options_t;

/* Creates a connection for 'url' (borrowed, copied) named 'name' (for logs: "reader",
 * "writer"). 'options' may be NULL for the defaults. Returns the connection, owned (release
 * with rconn_close), or NULL with 'err' set. */
rconn_t *rconn_new(uv_loop_t *loop, const redis_url_t *url, const char *name,
                   const rconn_options_t *options, rconn_state_cb state_cb, void *ud,
                   nerr_t *err);

/* Starts the first connect attempt. Returns 0 or a negative code with 'err' set. */
int rconn_start(rconn_t *conn, nerr_t *err);

/* Returns 1 when the connection is ready for commands. */
int rconn_is_up(const rconn_t *conn);

/* Sends one command. 'fn' is called exactly once with the reply, or with a NULL reply when the
 * connection is lost before the reply arrives. The reply is valid only inside 'fn'. Returns 0,
 * or -1 when the connection is not up (then 'fn' is never called). */
int rconn_command_argv(rconn_t *conn, redisCallbackFn *fn, void *privdata, int argc,
                       const char **argv, const size_t *argvlen);

/* printf-style variant of rconn_command_argv (hiredis format: %s, %b, %d...). */
int rconn_command(rconn_t *conn, redisCallbackFn *fn, void *privdata, const char *format, ...);

/* Hard close: pending callbacks get a NULL reply, no reconnect follows, and 'close_cb' (may be
 * NULL) runs once every libuv handle is closed. Safe to call from inside a reply callback. */
void rconn_close(rconn_t *conn, rconn_close_cb close_cb, void *ud);

/* Counts reconnects since rconn_new (for metrics). */
uint64_t rconn_reconnects(const rconn_t *conn);

#endif
