/* rconn: one hiredis 0.14 async connection on a libuv loop. Provides our own adapter for the
 * context's event hooks (a uv_poll_t per connection attempt, and a uv_prepare_t that makes
 * the writes of a loop turn), one uv_timer_t for the connect timeout, the command watchdog
 * and the reconnect backoff, AUTH/SELECT after connecting, and automatic reconnection.
 * Depends on hiredis, libuv, redis_url and log.
 *
 * hiredis 0.14 facts this file is built around: a failed connect calls onConnect(REDIS_ERR)
 * and frees the context without calling onDisconnect; a lost connection first runs every
 * pending callback with a NULL reply, then the cleanup hook, then onDisconnect; and
 * redisAsyncFree is deferred only inside reply callbacks, not inside onConnect/onDisconnect. */
#include "engine/shell/rconn.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/jsonw.h"
#include "engine/shell/log.h"

#define RCONN_DEFAULT_CONNECT_TIMEOUT_MS 2000
#define RCONN_DEFAULT_COMMAND_TIMEOUT_MS 5000
#define RCONN_DEFAULT_BACKOFF_MIN_MS 100
#define RCONN_DEFAULT_BACKOFF_MAX_MS 5000

typedef enum {
    RCONN_IDLE,       /* created, not started */
    RCONN_WAITING,    /* no context; the timer starts the next attempt */
    RCONN_CONNECTING, /* TCP connect in progress; the timer is the connect timeout */
    RCONN_HANDSHAKE,  /* AUTH/SELECT/PING sent; the timer is still the connect timeout */
    RCONN_UP,         /* ready; the timer is the command watchdog */
    RCONN_CLOSING,    /* rconn_close was called; waiting for the handles to close */
} rconn_phase_t;

/* The adapter state of one context: its poll handle outlives the context (it is closed by
 * the cleanup hook and freed in its close callback). */
typedef struct {
    uv_poll_t poll;
    rconn_t *conn;
    redisAsyncContext *ac; /* NULL once hiredis called the cleanup hook */
    int events;
    int is_flushing;       /* on_flush is writing: a write left unfinished waits for the
                              socket to take more */
} rconn_io_t;

/* One user command waiting for its reply, oldest first, for the watchdog. Replies come back
 * in order, which is why pub/sub (SUBSCRIBE, MONITOR: many replies per command) must not go
 * through rconn_command. */
typedef struct rconn_cmd {
    struct rconn_cmd *prev, *next;
    rconn_t *conn;
    redisCallbackFn *fn;
    void *privdata;
    uint64_t sent_ms;
} rconn_cmd_t;

struct rconn {
    uv_loop_t *loop;
    uv_timer_t timer;
    uv_prepare_t flush; /* writes the commands of a loop turn just before it polls */
    redis_url_t url;
    char name[32];
    char where[300]; /* "host:port/db", never the credentials */
    rconn_options_t options;
    rconn_state_cb state_cb;
    void *ud;
    rconn_close_cb close_cb;
    void *close_ud;

    rconn_phase_t phase;
    redisAsyncContext *ac;   /* NULL when there is no live context */
    rconn_io_t *io;          /* the adapter of 'ac' */
    int handshake_left;      /* handshake replies still expected */
    const char *drop_reason; /* set when the connection is being dropped on purpose */
    int is_down_reported;    /* a down state was reported since the last up */
    int failures;            /* failed attempts since the last up, for the backoff */
    int has_attempted;       /* the first attempt does not count as a reconnect */
    uint64_t reconnects;
    uint64_t rng;
    int open_handles; /* the timer, the flush and every poll handle not yet closed */
    rconn_cmd_t *oldest, *newest;
    char *wire;       /* the command being formatted; kept between commands */
    size_t wire_size; /* its capacity */
};

static void on_timer(uv_timer_t *timer);

/* ------------------------------------------------------------------------------------------
 * Closing and freeing
 * ------------------------------------------------------------------------------------------ */

static void wipe(void *p, size_t size) {
    volatile unsigned char *q = p;
    while (size--)
        *q++ = 0;
}

/* Called for the timer and for every poll handle; frees the glue after the last one. */
static void on_handle_closed(rconn_t *conn) {
    assert(conn->open_handles > 0);
    if (--conn->open_handles > 0 || conn->phase != RCONN_CLOSING)
        return;
    assert(conn->ac == NULL && conn->oldest == NULL);
    rconn_close_cb cb = conn->close_cb;
    void *ud = conn->close_ud;
    wipe(&conn->url, sizeof conn->url);
    free(conn->wire);
    free(conn);
    if (cb)
        cb(ud);
}

/* For the timer and the flush handle, whose data is the connection. */
static void on_conn_handle_closed(uv_handle_t *handle) { on_handle_closed(handle->data); }

static void on_poll_closed(uv_handle_t *handle) {
    rconn_io_t *io = handle->data;
    rconn_t *conn = io->conn;
    free(io);
    on_handle_closed(conn);
}

/* ------------------------------------------------------------------------------------------
 * The adapter: hiredis's ac->ev hooks on a uv_poll_t
 * ------------------------------------------------------------------------------------------ */

/* Unlike Debian's adapter, an error status still calls into hiredis, so that a refused
 * connect or a reset socket reaches onConnect/onDisconnect instead of going silent. */
static void on_poll(uv_poll_t *poll, int status, int events) {
    rconn_io_t *io = poll->data;
    if (io->ac == NULL)
        return;
    if (status < 0) {
        /* libuv has stopped the handle and reports no events: let hiredis find the socket
         * error through the path it is in (connect check or read). */
        if (io->ac->c.flags & REDIS_CONNECTED)
            redisAsyncHandleRead(io->ac);
        else
            redisAsyncHandleWrite(io->ac);
        return;
    }
    if (events & UV_READABLE)
        redisAsyncHandleRead(io->ac);
    if (io->ac != NULL && (events & UV_WRITABLE))
        redisAsyncHandleWrite(io->ac);
}

static void io_update(rconn_io_t *io, int events) {
    if (io->ac == NULL || events == io->events)
        return;
    io->events = events;
    int rc = events ? uv_poll_start(&io->poll, events, on_poll) : uv_poll_stop(&io->poll);
    if (rc < 0) {
        /* Hooks cannot fail towards hiredis: drop the connection from the timer. */
        rconn_t *conn = io->conn;
        LOG(LOG_ERROR, "rconn %s: uv_poll_start: %s", conn->name, uv_strerror(rc));
        conn->drop_reason = "cannot poll the socket";
        uv_timer_start(&conn->timer, on_timer, 0, 0);
    }
}

static void ev_add_read(void *privdata) {
    rconn_io_t *io = privdata;
    io_update(io, io->events | UV_READABLE);
}

static void ev_del_read(void *privdata) {
    rconn_io_t *io = privdata;
    io_update(io, io->events & ~UV_READABLE);
}

/* Writes what the loop turn's callbacks queued, in one write, before the loop polls. */
static void on_flush(uv_prepare_t *flush) {
    rconn_t *conn = flush->data;
    uv_prepare_stop(flush);
    rconn_io_t *io = conn->io;
    if (io == NULL || io->ac == NULL || !(io->ac->c.flags & REDIS_CONNECTED))
        return;
    io->is_flushing = 1;
    redisAsyncHandleWrite(io->ac);
    io->is_flushing = 0; /* the io outlives a context freed here until its poll closes */
}

/* A connected socket almost always takes the whole write: rather than ask the poll for
 * writability (two epoll_ctl calls and a wake-up per round trip), the write is made by the
 * flush handle at the end of the loop turn. Only a write the socket did not take whole, or
 * a connect in progress, waits for the poll. */
static void ev_add_write(void *privdata) {
    rconn_io_t *io = privdata;
    if (io->events & UV_WRITABLE)
        return;
    if (io->is_flushing || !(io->ac->c.flags & REDIS_CONNECTED))
        io_update(io, io->events | UV_WRITABLE);
    else
        uv_prepare_start(&io->conn->flush, on_flush);
}

static void ev_del_write(void *privdata) {
    rconn_io_t *io = privdata;
    io_update(io, io->events & ~UV_WRITABLE);
}

/* hiredis is about to free the context (and then close its socket). */
static void ev_cleanup(void *privdata) {
    rconn_io_t *io = privdata;
    if (io->ac == NULL)
        return;
    rconn_t *conn = io->conn;
    if (conn->ac == io->ac) {
        conn->ac = NULL;
        conn->io = NULL;
    }
    io->ac = NULL;
    uv_close((uv_handle_t *)&io->poll, on_poll_closed);
}

/* Binds 'ac' to a new poll handle. Returns 0 or a libuv error code (then 'ac' is untouched). */
static int io_attach(rconn_t *conn, redisAsyncContext *ac) {
    rconn_io_t *io = calloc(1, sizeof *io);
    if (io == NULL)
        return UV_ENOMEM;
    int rc = uv_poll_init(conn->loop, &io->poll, ac->c.fd);
    if (rc < 0) {
        free(io);
        return rc;
    }
    conn->open_handles++;
    io->poll.data = io;
    io->conn = conn;
    io->ac = ac;
    ac->ev.data = io;
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    ac->ev.cleanup = ev_cleanup;
    conn->io = io;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * State changes
 * ------------------------------------------------------------------------------------------ */

static uint64_t next_random(rconn_t *conn) {
    /* xorshift64: jitter needs no quality, only independence between processes. */
    conn->rng ^= conn->rng << 13;
    conn->rng ^= conn->rng >> 7;
    conn->rng ^= conn->rng << 17;
    return conn->rng;
}

/* The delay before the next attempt: the doubling delay capped at backoff_max_ms, of which
 * a random upper half is kept ("equal jitter"), so retries of many engines spread out. */
static uint64_t backoff_delay_ms(rconn_t *conn) {
    uint64_t delay = (uint64_t)conn->options.backoff_min_ms;
    for (int i = 0; i < conn->failures && delay < (uint64_t)conn->options.backoff_max_ms; i++)
        delay *= 2;
    if (delay > (uint64_t)conn->options.backoff_max_ms)
        delay = (uint64_t)conn->options.backoff_max_ms;
    return delay - delay / 2 + next_random(conn) % (delay / 2 + 1);
}

/* The context is gone or going ('reason' says why): wait, then try again. Never touches the
 * old context. The state callback runs last, so it may call rconn_close. */
static void lost(rconn_t *conn, const char *reason) {
    conn->ac = NULL;
    conn->io = NULL;
    conn->drop_reason = NULL;
    if (conn->phase == RCONN_CLOSING)
        return;
    int was_up = conn->phase == RCONN_UP;
    conn->phase = RCONN_WAITING;
    uint64_t delay = backoff_delay_ms(conn);
    conn->failures++;
    uv_timer_start(&conn->timer, on_timer, delay, 0);
    if (conn->is_down_reported) {
        LOG(LOG_DEBUG, "rconn %s: cannot connect to %s: %s; retrying in %llu ms", conn->name,
            conn->where, reason, (unsigned long long)delay);
        return;
    }
    conn->is_down_reported = 1;
    if (was_up)
        LOG(LOG_WARN, "rconn %s: lost connection to %s: %s; reconnecting", conn->name, conn->where,
            reason);
    else
        LOG(LOG_WARN, "rconn %s: cannot connect to %s: %s; retrying with backoff", conn->name,
            conn->where, reason);
    if (conn->state_cb)
        conn->state_cb(conn, 0, conn->ud);
}

static void became_up(rconn_t *conn) {
    uv_timer_stop(&conn->timer);
    conn->phase = RCONN_UP;
    conn->failures = 0;
    conn->is_down_reported = 0;
    LOG(LOG_INFO, "rconn %s: connected to %s", conn->name, conn->where);
    if (conn->state_cb)
        conn->state_cb(conn, 1, conn->ud);
}

/* Drops the live context on purpose ('reason' for the log). Inside a reply callback hiredis
 * defers the free until the callback returns. A context that never connected gets no
 * onDisconnect from hiredis, so that case is reported here. */
static void drop(rconn_t *conn, const char *reason) {
    redisAsyncContext *ac = conn->ac;
    if (ac == NULL || (ac->c.flags & (REDIS_FREEING | REDIS_DISCONNECTING)))
        return;
    int was_connected = (ac->c.flags & REDIS_CONNECTED) != 0;
    conn->drop_reason = reason;
    redisAsyncFree(ac);
    if (!was_connected)
        lost(conn, reason);
}

/* ------------------------------------------------------------------------------------------
 * hiredis callbacks: connect, handshake, disconnect
 * ------------------------------------------------------------------------------------------ */

/* Names of the handshake steps, passed as privdata for the log. */
static char STEP_AUTH[] = "AUTH", STEP_SELECT[] = "SELECT", STEP_PING[] = "PING";

static void on_handshake_reply(redisAsyncContext *ac, void *reply_ptr, void *privdata) {
    rconn_t *conn = ac->data;
    const redisReply *reply = reply_ptr;
    const char *what = privdata;
    if (reply == NULL || conn->phase != RCONN_HANDSHAKE)
        return; /* the connection is going away; onDisconnect reports it */
    if (reply->type == REDIS_REPLY_ERROR) {
        /* Server messages (WRONGPASS, NOAUTH, ERR DB index...) never echo the password. */
        LOG(LOG_ERROR, "rconn %s: %s on %s failed: %.*s", conn->name, what, conn->where,
            (int)reply->len, reply->str);
        drop(conn, "the handshake failed");
        return;
    }
    if (--conn->handshake_left == 0)
        became_up(conn);
}

/* Queues AUTH, SELECT, or a PING when neither is needed, so that "up" always means the
 * server has answered. Returns 0 or -1. */
static int send_handshake(rconn_t *conn) {
    redisAsyncContext *ac = conn->ac;
    const redis_url_t *url = &conn->url;
    int rc = REDIS_OK;
    conn->handshake_left = 0;
    if (url->password[0] != '\0') {
        /* AUTH user password (Redis 6 ACL) or AUTH password; binary-safe, never logged. */
        int has_user = url->user[0] != '\0';
        const char *argv[3] = {"AUTH", has_user ? url->user : url->password, url->password};
        size_t argvlen[3] = {4, strlen(argv[1]), strlen(argv[2])};
        rc = redisAsyncCommandArgv(ac, on_handshake_reply, STEP_AUTH, has_user ? 3 : 2, argv,
                                   argvlen);
        conn->handshake_left += rc == REDIS_OK;
    }
    if (rc == REDIS_OK && url->db != 0) {
        rc = redisAsyncCommand(ac, on_handshake_reply, STEP_SELECT, "SELECT %d", url->db);
        conn->handshake_left += rc == REDIS_OK;
    }
    if (rc == REDIS_OK && conn->handshake_left == 0) {
        rc = redisAsyncCommand(ac, on_handshake_reply, STEP_PING, "PING");
        conn->handshake_left += rc == REDIS_OK;
    }
    return rc == REDIS_OK ? 0 : -1;
}

static void on_connect(const redisAsyncContext *ac, int status) {
    rconn_t *conn = ac->data;
    if (status != REDIS_OK) {
        /* hiredis frees 'ac' when this returns and will not call onDisconnect. */
        lost(conn, ac->errstr ? ac->errstr : "connect failed");
        return;
    }
    if (conn->phase != RCONN_CONNECTING)
        return;
    conn->phase = RCONN_HANDSHAKE;
    if (redisEnableKeepAlive((redisContext *)&ac->c) != REDIS_OK)
        LOG(LOG_WARN, "rconn %s: cannot enable TCP keep-alive", conn->name);
    if (send_handshake(conn) < 0) {
        /* Freeing inside onConnect is not deferred by hiredis: drop from the timer. */
        conn->drop_reason = "cannot queue the handshake";
        uv_timer_start(&conn->timer, on_timer, 0, 0);
    }
}

static void on_disconnect(const redisAsyncContext *ac, int status) {
    rconn_t *conn = ac->data;
    const char *reason = conn->drop_reason;
    if (reason == NULL)
        reason = status == REDIS_OK ? "closed" : ac->errstr ? ac->errstr : "connection error";
    lost(conn, reason);
}

/* ------------------------------------------------------------------------------------------
 * Connect attempts and the timer
 * ------------------------------------------------------------------------------------------ */

static void start_attempt(rconn_t *conn) {
    char reason[160];
    if (conn->has_attempted)
        conn->reconnects++;
    conn->has_attempted = 1;
    redisAsyncContext *ac = redisAsyncConnect(conn->url.host, conn->url.port);
    if (ac == NULL) {
        lost(conn, "out of memory");
        return;
    }
    if (ac->err) {
        /* Immediate failures (a refused loopback connect, an unknown host): no hook is
         * attached yet, so freeing calls nothing of ours. */
        snprintf(reason, sizeof reason, "%s", ac->errstr);
        redisAsyncFree(ac);
        lost(conn, reason);
        return;
    }
    int rc = io_attach(conn, ac);
    if (rc < 0) {
        snprintf(reason, sizeof reason, "uv_poll_init: %s", uv_strerror(rc));
        redisAsyncFree(ac);
        lost(conn, reason);
        return;
    }
    conn->ac = ac;
    ac->data = conn;
    conn->phase = RCONN_CONNECTING;
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    redisAsyncSetConnectCallback(ac, on_connect); /* also arms the first write event */
    uv_timer_start(&conn->timer, on_timer, (uint64_t)conn->options.connect_timeout_ms, 0);
}

/* The command watchdog: drops the connection when the oldest command is overdue, else
 * sleeps until it would be. */
static void watchdog(rconn_t *conn) {
    if (conn->oldest == NULL || conn->options.command_timeout_ms <= 0)
        return;
    uint64_t due = conn->oldest->sent_ms + (uint64_t)conn->options.command_timeout_ms;
    uint64_t now = uv_now(conn->loop);
    if (now >= due)
        drop(conn, "a command timed out");
    else
        uv_timer_start(&conn->timer, on_timer, due - now, 0);
}

static void on_timer(uv_timer_t *timer) {
    rconn_t *conn = timer->data;
    if (conn->drop_reason != NULL && conn->ac != NULL) {
        drop(conn, conn->drop_reason);
        return;
    }
    switch (conn->phase) {
    case RCONN_WAITING:
        start_attempt(conn);
        break;
    case RCONN_CONNECTING:
    case RCONN_HANDSHAKE:
        drop(conn, "connect timed out");
        break;
    case RCONN_UP:
        watchdog(conn);
        break;
    case RCONN_IDLE:
    case RCONN_CLOSING:
        break;
    }
}

/* ------------------------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------------------------ */

static int resolve_options(const rconn_options_t *in, rconn_options_t *out, nerr_t *err) {
    rconn_options_t o = {0};
    if (in)
        o = *in;
    if (o.connect_timeout_ms < 0 || o.command_timeout_ms < 0 || o.backoff_min_ms < 0 ||
        o.backoff_max_ms < 0)
        return nerr_set(err, NERR_INVALID,
                        "rconn options: timeouts and delays must not be "
                        "negative");
    /* Zero means "the default", except for the watchdog where it means "off". */
    if (o.connect_timeout_ms == 0)
        o.connect_timeout_ms = RCONN_DEFAULT_CONNECT_TIMEOUT_MS;
    if (in == NULL)
        o.command_timeout_ms = RCONN_DEFAULT_COMMAND_TIMEOUT_MS;
    if (o.backoff_min_ms == 0)
        o.backoff_min_ms = RCONN_DEFAULT_BACKOFF_MIN_MS;
    if (o.backoff_max_ms == 0)
        o.backoff_max_ms = RCONN_DEFAULT_BACKOFF_MAX_MS;
    if (o.backoff_max_ms < o.backoff_min_ms)
        return nerr_set(err, NERR_INVALID,
                        "rconn options: backoff_max_ms (%lld) is below "
                        "backoff_min_ms (%lld)",
                        (long long)o.backoff_max_ms, (long long)o.backoff_min_ms);
    *out = o;
    return 0;
}

rconn_t *rconn_new(uv_loop_t *loop, const redis_url_t *url, const char *name,
                   const rconn_options_t *options, rconn_state_cb state_cb, void *ud, nerr_t *err) {
    rconn_options_t resolved;
    if (name == NULL)
        name = "redis";
    if (resolve_options(options, &resolved, err) < 0)
        return NULL;
    rconn_t *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        nerr_set(err, NERR_NOMEM, "rconn %s: out of memory", name);
        return NULL;
    }
    int rc = uv_timer_init(loop, &conn->timer);
    if (rc < 0) {
        free(conn);
        nerr_set(err, NERR_IO, "rconn %s: uv_timer_init: %s", name, uv_strerror(rc));
        return NULL;
    }
    conn->timer.data = conn;
    uv_prepare_init(loop, &conn->flush);
    conn->flush.data = conn;
    conn->open_handles = 2;
    conn->loop = loop;
    conn->url = *url;
    snprintf(conn->name, sizeof conn->name, "%s", name);
    redis_url_describe(url, conn->where, sizeof conn->where);
    conn->options = resolved;
    conn->state_cb = state_cb;
    conn->ud = ud;
    conn->phase = RCONN_IDLE;
    conn->rng = uv_hrtime() ^ (uint64_t)(uintptr_t)conn;
    if (conn->rng == 0)
        conn->rng = 0x9e3779b97f4a7c15u;
    return conn;
}

int rconn_start(rconn_t *conn, nerr_t *err) {
    if (conn->phase != RCONN_IDLE)
        return nerr_set(err, NERR_INVALID, "rconn %s: already started or closing", conn->name);
    conn->phase = RCONN_WAITING;
    /* The first attempt runs from the loop, so no callback ever runs inside rconn_start. */
    int rc = uv_timer_start(&conn->timer, on_timer, 0, 0);
    if (rc < 0) {
        conn->phase = RCONN_IDLE;
        return nerr_set(err, NERR_IO, "rconn %s: uv_timer_start: %s", conn->name, uv_strerror(rc));
    }
    return 0;
}

int rconn_is_up(const rconn_t *conn) {
    /* hiredis marks a dying context before it runs the NULL-reply callbacks. */
    return conn->phase == RCONN_UP && conn->ac != NULL &&
           !(conn->ac->c.flags & (REDIS_DISCONNECTING | REDIS_FREEING));
}

static void on_command_reply(redisAsyncContext *ac, void *reply, void *privdata) {
    rconn_cmd_t *cmd = privdata;
    rconn_t *conn = cmd->conn;
    if (cmd->prev)
        cmd->prev->next = cmd->next;
    else
        conn->oldest = cmd->next;
    if (cmd->next)
        cmd->next->prev = cmd->prev;
    else
        conn->newest = cmd->prev;
    redisCallbackFn *fn = cmd->fn;
    void *user_privdata = cmd->privdata;
    free(cmd);
    if (fn)
        fn(ac, reply, user_privdata);
}

static rconn_cmd_t *command_begin(rconn_t *conn, redisCallbackFn *fn, void *privdata) {
    if (!rconn_is_up(conn))
        return NULL;
    rconn_cmd_t *cmd = calloc(1, sizeof *cmd);
    if (cmd == NULL)
        return NULL;
    cmd->conn = conn;
    cmd->fn = fn;
    cmd->privdata = privdata;
    cmd->sent_ms = uv_now(conn->loop);
    return cmd;
}

/* Links 'cmd' once hiredis accepted it (or frees it); returns 0 or -1. */
static int command_end(rconn_t *conn, rconn_cmd_t *cmd, int status) {
    if (status != REDIS_OK) {
        free(cmd);
        return -1;
    }
    cmd->prev = conn->newest;
    if (conn->newest)
        conn->newest->next = cmd;
    else
        conn->oldest = cmd;
    conn->newest = cmd;
    if (conn->options.command_timeout_ms > 0 && !uv_is_active((uv_handle_t *)&conn->timer))
        uv_timer_start(&conn->timer, on_timer, (uint64_t)conn->options.command_timeout_ms, 0);
    return 0;
}

/* Formats a command in the protocol's multi-bulk form ("*argc", then "$length" and the bytes
 * of each argument) into conn->wire; returns its length, or 0 when out of memory. hiredis
 * 0.14 formats each length with sdscatfmt, which cost more than a commit's own work. */
static size_t format_command(rconn_t *conn, int argc, const char **argv, const size_t *argvlen) {
    size_t need = 16;
    for (int i = 0; i < argc; i++)
        need += (argvlen ? argvlen[i] : strlen(argv[i])) + 32;
    if (need > conn->wire_size) {
        char *grown = realloc(conn->wire, need);
        if (grown == NULL)
            return 0;
        conn->wire = grown;
        conn->wire_size = need;
    }
    char *at = conn->wire;
    *at++ = '*';
    at += jsonw_format_int64(at, argc);
    *at++ = '\r';
    *at++ = '\n';
    for (int i = 0; i < argc; i++) {
        size_t length = argvlen ? argvlen[i] : strlen(argv[i]);
        *at++ = '$';
        at += jsonw_format_int64(at, (int64_t)length);
        *at++ = '\r';
        *at++ = '\n';
        memcpy(at, argv[i], length);
        at += length;
        *at++ = '\r';
        *at++ = '\n';
    }
    return (size_t)(at - conn->wire);
}

int rconn_command_argv(rconn_t *conn, redisCallbackFn *fn, void *privdata, int argc,
                       const char **argv, const size_t *argvlen) {
    rconn_cmd_t *cmd = command_begin(conn, fn, privdata);
    if (cmd == NULL)
        return -1;
    size_t length = format_command(conn, argc, argv, argvlen);
    if (length == 0)
        return command_end(conn, cmd, REDIS_ERR);
    /* hiredis registers the callback only on success, so 'fn' is never called on -1. */
    int status = redisAsyncFormattedCommand(conn->ac, on_command_reply, cmd, conn->wire, length);
    return command_end(conn, cmd, status);
}

int rconn_command(rconn_t *conn, redisCallbackFn *fn, void *privdata, const char *format, ...) {
    rconn_cmd_t *cmd = command_begin(conn, fn, privdata);
    if (cmd == NULL)
        return -1;
    va_list ap;
    va_start(ap, format);
    int status = redisvAsyncCommand(conn->ac, on_command_reply, cmd, format, ap);
    va_end(ap);
    return command_end(conn, cmd, status);
}

void rconn_close(rconn_t *conn, rconn_close_cb close_cb, void *ud) {
    if (conn == NULL || conn->phase == RCONN_CLOSING)
        return;
    int was_up = conn->phase == RCONN_UP;
    conn->phase = RCONN_CLOSING;
    conn->close_cb = close_cb;
    conn->close_ud = ud;
    uv_timer_stop(&conn->timer);
    uv_close((uv_handle_t *)&conn->timer, on_conn_handle_closed);
    uv_close((uv_handle_t *)&conn->flush, on_conn_handle_closed);
    /* Hard close: pending callbacks get NULL now, or, inside a reply callback, as soon as it
     * returns (hiredis defers the free). Our onConnect/onDisconnect set conn->ac to NULL
     * before anything else, so a context hiredis is already freeing is never freed twice. */
    redisAsyncContext *ac = conn->ac;
    if (ac != NULL && !(ac->c.flags & REDIS_FREEING))
        redisAsyncFree(ac);
    if (was_up)
        LOG(LOG_INFO, "rconn %s: closed connection to %s", conn->name, conn->where);
}

uint64_t rconn_reconnects(const rconn_t *conn) { return conn->reconnects; }
