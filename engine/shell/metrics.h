/* metrics: a small HTTP server on the engine's libuv loop. GET /metrics answers in the
 * Prometheus text format (version 0.0.4) from the consumer's and scheduler's counters, the
 * connections' states and a consumer-group poll (XINFO GROUPS on the writer, for lag and
 * pending); GET /healthz answers 200 "ok" when both Redis connections are up and a playbook
 * is loaded, 503 with the reason otherwise. Requests are parsed with http_parser, answered
 * and the connection closed. A connection is one allocation holding all its buffers; at most
 * METRICS_MAX_CONNECTIONS are served at once, the others wait in the listen backlog.
 *
 * Life cycle: metrics_init -> metrics_start -> (metrics_set_playbook...) -> metrics_stop ->
 * metrics_close -> close_cb. The module borrows every source; they must outlive it. */
#ifndef NURTURE_METRICS_H
#define NURTURE_METRICS_H

#include <stdint.h>

#include <uv.h>

#include "engine/core/nerr.h"
#include "engine/shell/consumer.h"
#include "engine/shell/keys.h"
#include "engine/shell/rconn.h"
#include "engine/shell/scheduler.h"

#define METRICS_MAX_CONNECTIONS 8
#define METRICS_REQUEST_MAX_BYTES 8192 /* a request that has not ended by then gets 431 */
#define METRICS_VERSION_MAX 80

typedef struct metrics_conn metrics_conn_t;

typedef struct {
    rconn_t *reader;
    rconn_t *writer;     /* also carries the XINFO GROUPS poll */
    consumer_t *consumer;
    scheduler_t *scheduler;
    keys_t keys;         /* the events stream and the group to watch */
    int64_t poll_ms;     /* how often lag and pending are read (default 5000) */
} metrics_sources_t;

typedef struct {
    uv_loop_t *loop;
    metrics_sources_t sources;
    uv_tcp_t listener;
    uv_timer_t poll_timer;  /* XINFO GROUPS */
    uv_timer_t sweep_timer; /* closes connections that linger */
    char address[96];       /* the bound address, "host:port" */
    int is_started;
    int is_stopped;
    int is_poll_in_flight;
    int is_accept_deferred; /* a client waits in the backlog for a free connection */
    int open_handles;       /* module handles not yet closed */
    metrics_conn_t *connections;
    int connection_count;
    void (*close_cb)(void *ud);
    void *close_ud;

    char playbook_version[METRICS_VERSION_MAX]; /* "" while none is loaded */
    uint64_t reloads_accepted;
    uint64_t reloads_refused;
    int64_t lag;            /* entries not yet delivered to the group; -1 unknown */
    int64_t pending;        /* delivered, not yet acked; -1 unknown */
    double start_time_s;    /* unix time of metrics_init */
    uint64_t requests;      /* HTTP requests answered, any status */
    uint64_t bad_requests;  /* answered 400 or 431 */
} metrics_t;

/* Prepares 'metrics' over 'sources' (copied; the objects it points to are borrowed). Nothing
 * is listened to yet. */
void metrics_init(metrics_t *metrics, uv_loop_t *loop, const metrics_sources_t *sources);

/* Listens on 'host_port' ("127.0.0.1:9464", "[::1]:9464", ":9464" for every interface; port
 * 0 picks a free one, see metrics->address) and starts the lag poll. Returns 0, or a
 * negative code with 'err' set (then the module needs only metrics_close). */
int metrics_start(metrics_t *metrics, const char *host_port, nerr_t *err);

/* Reports the playbook now in force: 'version' (copied), or NULL when none is loaded. */
void metrics_set_playbook(metrics_t *metrics, const char *version);

/* Counts a SIGHUP reload, accepted or refused. */
void metrics_note_reload(metrics_t *metrics, int is_accepted);

/* Writes into 'reason' (of 'size' bytes) why the engine is unhealthy and returns 0, or
 * returns 1 when it is healthy ('reason' then holds "ok"). */
int metrics_health(const metrics_t *metrics, char *reason, size_t size);

/* Stops accepting connections and polling; requests in flight are still answered. */
void metrics_stop(metrics_t *metrics);

/* Stops, closes every handle and connection, and calls 'close_cb' (may be NULL) once all are
 * closed (at once, before returning, when nothing was ever started). Safe whether or not
 * metrics_start succeeded. */
void metrics_close(metrics_t *metrics, void (*close_cb)(void *ud), void *ud);

#endif
