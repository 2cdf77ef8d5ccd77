/* metrics: the HTTP listener, its connections, the consumer-group poll and the Prometheus
 * text rendering. Depends on libuv, http_parser (Debian's libhttp-parser) and the shell
 * modules whose numbers it reports. */
#include "engine/shell/metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "engine/shell/log.h"

#define POLL_DEFAULT_MS 5000
#define SWEEP_MS 1000
#define CONNECTION_MAX_MS 10000 /* a connection still open after this is closed */
#define URL_MAX 256
#define BODY_MAX (64 * 1024)    /* /metrics fits: label tables and histograms are bounded */
#define HEAD_MAX 256

struct metrics_conn {
    uv_tcp_t tcp;
    uv_write_t write;
    uv_shutdown_t shutdown;
    http_parser parser;
    metrics_t *metrics;
    metrics_conn_t *next;
    uint64_t opened_ms;   /* uv_now at accept */
    size_t received;      /* request bytes so far */
    int is_complete;      /* the parser saw the end of a request */
    int is_answered;      /* a response was sent: what comes in now is drained */
    int is_closing;
    unsigned method;      /* http_parser's enum http_method */
    char url[URL_MAX];
    size_t url_size;
    int is_url_too_long;
    char read_buffer[4096];
    char head[HEAD_MAX];
    char body[BODY_MAX];
};

/* ---- text ------------------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t size;
    size_t used;
    int is_full; /* something did not fit */
} text_t;

static void text_printf(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(text_t *t, const char *fmt, ...) {
    if (t->is_full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->data + t->used, t->size - t->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->size - t->used)
        t->is_full = 1;
    else
        t->used += (size_t)n;
}

/* Escapes a label value: backslash, double quote and newline, as the text format asks. */
static const char *label_value(const char *in, char *out, size_t size) {
    size_t n = 0;
    for (; in && *in && n + 3 < size; in++) {
        if (*in == '\\' || *in == '"' || *in == '\n') {
            out[n++] = '\\';
            out[n++] = *in == '\n' ? 'n' : *in;
        } else {
            out[n++] = *in;
        }
    }
    out[n] = '\0';
    return out;
}

static void family(text_t *t, const char *name, const char *type, const char *help) {
    text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(text_t *t, const char *name, const char *help, uint64_t value) {
    family(t, name, "counter", help);
    text_printf(t, "%s %" PRIu64 "\n", name, value);
}

static void gauge(text_t *t, const char *name, const char *help, double value) {
    family(t, name, "gauge", help);
    text_printf(t, "%s %.17g\n", name, value);
}

/* The samples of one histogram; 'labels' ("phase=\"fetch\"" or "") go before "le". */
static void histogram(text_t *t, const char *name, const char *labels, const meter_histogram_t *h) {
    const char *comma = labels[0] ? "," : "";
    uint64_t cumulative = 0;
    for (int i = 0; i < METER_BUCKETS; i++) {
        cumulative += h->buckets[i];
        text_printf(t, "%s_bucket{%s%sle=\"%g\"} %" PRIu64 "\n", name, labels, comma,
                    METER_BOUNDS_S[i], cumulative);
    }
    text_printf(t, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, comma, h->count);
    const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
    text_printf(t, "%s_sum%s%s%s %.9g\n", name, open, labels, close, h->sum_s);
    text_printf(t, "%s_count%s%s%s %" PRIu64 "\n", name, open, labels, close, h->count);
}

static void labelled(text_t *t, const char *name, const char *first, const char *second,
                     const meter_labels_t *labels) {
    char a[2 * METER_LABEL_MAX], b[2 * METER_LABEL_MAX];
    for (int i = 0; i < labels->row_count; i++) {
        const meter_label_count_t *row = &labels->rows[i];
        text_printf(t, "%s{%s=\"%s\",%s=\"%s\"} %" PRIu64 "\n", name, first,
                    label_value(row->first, a, sizeof a), second,
                    label_value(row->second, b, sizeof b), row->count);
    }
}

/* ---- rendering -------------------------------------------------------------------------- */

static void render_consumer(text_t *t, const consumer_stats_t *s) {
    counter(t, "nurture_events_read_total", "Stream entries read from the events stream.",
            s->events);
    counter(t, "nurture_events_decided_total", "Events decided and committed.", s->decided);
    counter(t, "nurture_events_duplicate_total", "Events seen before, acked without effects.",
            s->duplicates);
    counter(t, "nurture_events_dead_lettered_total",
            "Entries moved to the dead-letter stream (malformed or delivered too often).", s->dead);
    counter(t, "nurture_events_claimed_total",
            "Pending entries taken over from other consumers of the group.", s->claimed);
    counter(t, "nurture_rule_errors_total",
            "Rules that failed (error, instruction budget or memory cap) while deciding.",
            s->rule_errors);
    counter(t, "nurture_commit_conflicts_total",
            "Commits refused by the version check; their events are decided again.", s->conflicts);
    counter(t, "nurture_batches_total", "Batches settled.", s->batches);
    counter(t, "nurture_actions_scheduled_total", "Actions committed to the schedule.", s->actions);
    family(t, "nurture_states_total", "counter",
           "States of the contacts and accounts of each batch, by where they came from: the "
           "cache, the batch committing before, Redis (a round trip), or none: new, as the "
           "filter of stored states tells (see --stored-filter-mib).");
    static const char *const sources[STATE_SOURCES] = {"cache", "previous_batch", "redis", "new"};
    for (int i = 0; i < STATE_SOURCES; i++) {
        text_printf(t, "nurture_states_total{kind=\"contact\",source=\"%s\"} %" PRIu64 "\n",
                    sources[i], s->contact_states[i]);
        text_printf(t, "nurture_states_total{kind=\"account\",source=\"%s\"} %" PRIu64 "\n",
                    sources[i], s->account_states[i]);
    }

    family(t, "nurture_state_cache_bytes", "gauge",
           "Memory the cached contact and account states hold, as estimated by their "
           "footprints, after the last batch's commits (see --cache-mib).");
    text_printf(t, "nurture_state_cache_bytes{kind=\"contact\"} %" PRIu64 "\n",
                s->cached_contacts_bytes);
    text_printf(t, "nurture_state_cache_bytes{kind=\"account\"} %" PRIu64 "\n",
                s->cached_accounts_bytes);

    family(t, "nurture_actions_held_total", "counter",
           "Actions a policy held back, by policy and channel.");
    labelled(t, "nurture_actions_held_total", "policy", "channel", &s->held);
    family(t, "nurture_actions_cancelled_total", "counter",
           "Scheduled actions cancelled because the contact reached a goal, by goal and channel.");
    labelled(t, "nurture_actions_cancelled_total", "goal", "channel", &s->cancelled);

    family(t, "nurture_batch_duration_seconds", "histogram",
           "Time from reading a batch until it is settled.");
    histogram(t, "nurture_batch_duration_seconds", "", &s->batch_time);
    family(t, "nurture_batch_phase_duration_seconds", "histogram",
           "Time of each phase of a batch: fetch (states and seen-marks), decide, commit, ack.");
    histogram(t, "nurture_batch_phase_duration_seconds", "phase=\"fetch\"", &s->fetch_time);
    histogram(t, "nurture_batch_phase_duration_seconds", "phase=\"decide\"", &s->decide_time);
    histogram(t, "nurture_batch_phase_duration_seconds", "phase=\"commit\"", &s->commit_time);
    histogram(t, "nurture_batch_phase_duration_seconds", "phase=\"ack\"", &s->ack_time);
}

static void render_connections(text_t *t, const metrics_t *m) {
    const metrics_sources_t *src = &m->sources;
    family(t, "nurture_redis_connection_up", "gauge", "1 while the Redis connection is ready.");
    text_printf(t, "nurture_redis_connection_up{connection=\"reader\"} %d\n",
                src->reader ? rconn_is_up(src->reader) : 0);
    text_printf(t, "nurture_redis_connection_up{connection=\"writer\"} %d\n",
                src->writer ? rconn_is_up(src->writer) : 0);
    family(t, "nurture_redis_reconnects_total", "counter", "Reconnects to Redis.");
    text_printf(t, "nurture_redis_reconnects_total{connection=\"reader\"} %" PRIu64 "\n",
                src->reader ? rconn_reconnects(src->reader) : 0);
    text_printf(t, "nurture_redis_reconnects_total{connection=\"writer\"} %" PRIu64 "\n",
                src->writer ? rconn_reconnects(src->writer) : 0);
}

/* Renders every metric into 't'. */
static void render(text_t *t, const metrics_t *m) {
    char reason[128];
    gauge(t, "nurture_healthy", "1 when /healthz answers ok.",
          metrics_health(m, reason, sizeof reason));
    gauge(t, "nurture_start_time_seconds", "Start time of the engine, in seconds since the epoch.",
          m->start_time_s);
    if (m->playbook_version[0]) {
        char version[2 * METRICS_VERSION_MAX];
        family(t, "nurture_playbook_info", "gauge", "The playbook version in force.");
        text_printf(t, "nurture_playbook_info{version=\"%s\"} 1\n",
                    label_value(m->playbook_version, version, sizeof version));
    }
    family(t, "nurture_playbook_reloads_total", "counter", "SIGHUP reloads, accepted or refused.");
    text_printf(t, "nurture_playbook_reloads_total{result=\"accepted\"} %" PRIu64 "\n",
                m->reloads_accepted);
    text_printf(t, "nurture_playbook_reloads_total{result=\"refused\"} %" PRIu64 "\n",
                m->reloads_refused);
    render_connections(t, m);
    if (m->sources.consumer)
        render_consumer(t, consumer_stats(m->sources.consumer));
    if (m->sources.scheduler) {
        counter(t, "nurture_actions_released_total", "Due actions released to the actions stream.",
                scheduler_released(m->sources.scheduler));
        counter(t, "nurture_actions_held_at_release_total",
                "Due content actions held at release because their contact was suppressed.",
                scheduler_held(m->sources.scheduler));
    }
    if (m->lag >= 0)
        gauge(t, "nurture_consumer_lag_entries",
              "Entries of the events stream not yet delivered to the group (XINFO GROUPS lag).",
              (double)m->lag);
    if (m->pending >= 0)
        gauge(t, "nurture_consumer_pending_entries",
              "Entries delivered to the group and not yet acknowledged.", (double)m->pending);
    counter(t, "nurture_http_requests_total", "Requests answered by this endpoint.", m->requests);
}

int metrics_health(const metrics_t *m, char *reason, size_t size) {
    const char *why = NULL;
    if (m->sources.reader == NULL || !rconn_is_up(m->sources.reader))
        why = "redis reader connection down";
    else if (m->sources.writer == NULL || !rconn_is_up(m->sources.writer))
        why = "redis writer connection down";
    else if (m->playbook_version[0] == '\0')
        why = "no playbook loaded";
    snprintf(reason, size, "%s", why ? why : "ok");
    return why == NULL;
}

/* ---- connections ------------------------------------------------------------------------ */

static void accept_one(metrics_t *m);

/* Calls the close callback once metrics_close was asked and everything is closed. */
static void maybe_closed(metrics_t *m) {
    if (m->open_handles == 0 && m->connection_count == 0 && m->close_cb) {
        void (*close_cb)(void *) = m->close_cb;
        m->close_cb = NULL;
        close_cb(m->close_ud);
    }
}

static void connection_closed(uv_handle_t *handle) {
    metrics_conn_t *conn = handle->data;
    metrics_t *m = conn->metrics;
    for (metrics_conn_t **p = &m->connections; *p; p = &(*p)->next)
        if (*p == conn) {
            *p = conn->next;
            break;
        }
    m->connection_count--;
    free(conn);
    if (m->is_accept_deferred && !m->is_stopped) {
        m->is_accept_deferred = 0;
        accept_one(m);
    }
    maybe_closed(m);
}

static void close_connection(metrics_conn_t *conn) {
    if (conn->is_closing)
        return;
    conn->is_closing = 1;
    uv_close((uv_handle_t *)&conn->tcp, connection_closed);
}

static void shutdown_done(uv_shutdown_t *req, int status) {
    metrics_conn_t *conn = req->data;
    if (status != 0)
        close_connection(conn); /* otherwise the client's EOF closes it */
}

static void write_done(uv_write_t *req, int status) {
    metrics_conn_t *conn = req->data;
    /* Shut down our side and drain the client's until it closes: closing with unread input
     * would reset the connection and could cut the response short. */
    if (status != 0 || conn->is_closing ||
        uv_shutdown(&conn->shutdown, (uv_stream_t *)&conn->tcp, shutdown_done) != 0)
        close_connection(conn);
}

static const char *status_text(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default: return "Service Unavailable";
    }
}

/* Sends the response head and conn->body[0..body_size), then closes the connection. */
static void respond(metrics_conn_t *conn, int status, const char *content_type, size_t body_size) {
    conn->is_answered = 1;
    conn->metrics->requests++;
    if (status == 400 || status == 431)
        conn->metrics->bad_requests++;
    int n = snprintf(conn->head, sizeof conn->head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                     "Connection: close\r\n\r\n",
                     status, status_text(status), content_type, body_size,
                     status == 405 ? "Allow: GET, HEAD\r\n" : "");
    uv_buf_t bufs[2] = {uv_buf_init(conn->head, (unsigned)n),
                        uv_buf_init(conn->body, (unsigned)body_size)};
    int count = conn->method == HTTP_HEAD && status != 400 ? 1 : 2;
    conn->write.data = conn->shutdown.data = conn;
    if (uv_write(&conn->write, (uv_stream_t *)&conn->tcp, bufs, count, write_done) != 0)
        close_connection(conn);
}

static void respond_text(metrics_conn_t *conn, int status, const char *text) {
    int n = snprintf(conn->body, sizeof conn->body, "%s\n", text);
    respond(conn, status, "text/plain; charset=utf-8", (size_t)n);
}

static void answer(metrics_conn_t *conn) {
    metrics_t *m = conn->metrics;
    if (conn->is_url_too_long) {
        respond_text(conn, 414, "request target too long");
        return;
    }
    if (conn->method != HTTP_GET && conn->method != HTTP_HEAD) {
        respond_text(conn, 405, "only GET and HEAD");
        return;
    }
    conn->url[conn->url_size] = '\0';
    char *query = strchr(conn->url, '?');
    if (query)
        *query = '\0';
    if (strcmp(conn->url, "/metrics") == 0) {
        text_t t = {conn->body, sizeof conn->body, 0, 0};
        m->requests++; /* this request counts in its own answer */
        render(&t, m);
        m->requests--;
        if (t.is_full)
            respond_text(conn, 500, "the metrics do not fit the response buffer");
        else
            respond(conn, 200, "text/plain; version=0.0.4; charset=utf-8", t.used);
    } else if (strcmp(conn->url, "/healthz") == 0) {
        char reason[128];
        int is_healthy = metrics_health(m, reason, sizeof reason);
        respond_text(conn, is_healthy ? 200 : 503, reason);
    } else {
        respond_text(conn, 404, "not found: try /metrics or /healthz");
    }
}

static int on_url(http_parser *parser, const char *at, size_t length) {
    metrics_conn_t *conn = parser->data;
    if (conn->url_size + length >= sizeof conn->url) {
        conn->is_url_too_long = 1;
        return 0;
    }
    memcpy(conn->url + conn->url_size, at, length);
    conn->url_size += length;
    return 0;
}

static int on_message_complete(http_parser *parser) {
    metrics_conn_t *conn = parser->data;
    conn->is_complete = 1;
    conn->method = parser->method;
    http_parser_pause(parser, 1); /* one request per connection: ignore what follows */
    return 0;
}

static const http_parser_settings PARSER_SETTINGS = {
    .on_url = on_url,
    .on_message_complete = on_message_complete,
};

static void alloc_buffer(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    metrics_conn_t *conn = handle->data;
    *buf = uv_buf_init(conn->read_buffer, sizeof conn->read_buffer);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    metrics_conn_t *conn = stream->data;
    if (nread < 0) {
        close_connection(conn); /* EOF, or the client went away */
        return;
    }
    if (conn->is_answered || conn->is_closing || nread == 0)
        return; /* draining */
    conn->received += (size_t)nread;
    http_parser_execute(&conn->parser, &PARSER_SETTINGS, buf->base, (size_t)nread);
    enum http_errno error = HTTP_PARSER_ERRNO(&conn->parser);
    if (conn->received > METRICS_REQUEST_MAX_BYTES)
        respond_text(conn, 431, "request too large");
    else if (conn->is_complete)
        answer(conn);
    else if (error != HPE_OK)
        respond_text(conn, 400, http_errno_description(error));
}

static void accept_one(metrics_t *m) {
    metrics_conn_t *conn = malloc(sizeof *conn);
    if (conn == NULL) {
        m->is_accept_deferred = 1; /* try again when a connection closes */
        return;
    }
    memset(conn, 0, offsetof(metrics_conn_t, read_buffer));
    conn->metrics = m;
    conn->opened_ms = uv_now(m->loop);
    http_parser_init(&conn->parser, HTTP_REQUEST);
    conn->parser.data = conn;
    uv_tcp_init(m->loop, &conn->tcp);
    conn->tcp.data = conn;
    conn->next = m->connections;
    m->connections = conn;
    m->connection_count++;
    if (uv_accept((uv_stream_t *)&m->listener, (uv_stream_t *)&conn->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&conn->tcp, alloc_buffer, on_read) != 0)
        close_connection(conn);
}

static void on_connection(uv_stream_t *listener, int status) {
    metrics_t *m = listener->data;
    if (status != 0) {
        LOG(LOG_WARN, "metrics: accepting a connection failed: %s", uv_strerror(status));
        return;
    }
    if (m->connection_count >= METRICS_MAX_CONNECTIONS || m->is_stopped)
        m->is_accept_deferred = 1; /* libuv stops polling the listener until we accept */
    else
        accept_one(m);
}

static void sweep_fired(uv_timer_t *timer) {
    metrics_t *m = timer->data;
    uint64_t now = uv_now(m->loop);
    for (metrics_conn_t *conn = m->connections; conn; conn = conn->next)
        if (now - conn->opened_ms > CONNECTION_MAX_MS)
            close_connection(conn);
}

/* ---- consumer-group poll ---------------------------------------------------------------- */

static int64_t group_number(const redisReply *group, const char *field) {
    for (size_t i = 0; i + 1 < group->elements; i += 2)
        if (group->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(group->element[i]->str, field) == 0)
            return group->element[i + 1]->type == REDIS_REPLY_INTEGER
                       ? group->element[i + 1]->integer
                       : -1; /* nil: Redis cannot tell (e.g. lag after a trim) */
    return -1;
}

static void groups_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)ac;
    metrics_t *m = privdata;
    redisReply *reply = r;
    m->is_poll_in_flight = 0;
    if (m->is_stopped)
        return;
    m->lag = m->pending = -1;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
        return; /* no stream yet, or the connection dropped: unknown */
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *group = reply->element[i];
        if (group->type != REDIS_REPLY_ARRAY)
            continue;
        for (size_t f = 0; f + 1 < group->elements; f += 2)
            if (group->element[f]->type == REDIS_REPLY_STRING &&
                strcmp(group->element[f]->str, "name") == 0 &&
                group->element[f + 1]->type == REDIS_REPLY_STRING &&
                strcmp(group->element[f + 1]->str, m->sources.keys.group) == 0) {
                m->lag = group_number(group, "lag");
                m->pending = group_number(group, "pending");
            }
    }
}

static void poll_fired(uv_timer_t *timer) {
    metrics_t *m = timer->data;
    if (m->is_poll_in_flight || m->sources.writer == NULL)
        return;
    const char *argv[] = {"XINFO", "GROUPS", m->sources.keys.events};
    if (rconn_command_argv(m->sources.writer, groups_reply, m, 3, argv, NULL) == 0)
        m->is_poll_in_flight = 1;
    else
        m->lag = m->pending = -1;
}

/* ---- life cycle ------------------------------------------------------------------------- */

void metrics_init(metrics_t *m, uv_loop_t *loop, const metrics_sources_t *sources) {
    memset(m, 0, sizeof *m);
    m->loop = loop;
    m->sources = *sources;
    if (m->sources.poll_ms <= 0)
        m->sources.poll_ms = POLL_DEFAULT_MS;
    m->lag = m->pending = -1;
    uv_timeval64_t now;
    m->start_time_s = uv_gettimeofday(&now) == 0 ? (double)now.tv_sec + now.tv_usec / 1e6 : 0;
}

/* Parses "host:port", "[v6]:port" or ":port" into 'addr'. */
static int parse_address(const char *text, struct sockaddr_storage *addr, nerr_t *err) {
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon[1] == '\0')
        goto invalid;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535)
        goto invalid;
    char host[64];
    size_t host_size = (size_t)(colon - text);
    if (host_size >= sizeof host)
        goto invalid;
    memcpy(host, text, host_size);
    host[host_size] = '\0';
    if (host[0] == '[' && host_size > 2 && host[host_size - 1] == ']') {
        host[host_size - 1] = '\0';
        if (uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)addr) != 0)
            goto invalid;
    } else if (uv_ip4_addr(host[0] ? host : "0.0.0.0", (int)port, (struct sockaddr_in *)addr) != 0) {
        goto invalid;
    }
    return 0;
invalid:
    return nerr_set(err, NERR_INVALID,
                    "--metrics %s: expected HOST:PORT with a numeric IPv4 address or [IPv6] "
                    "(e.g. 127.0.0.1:9464)", text);
}

static void describe_bound(metrics_t *m) {
    struct sockaddr_storage bound;
    int size = sizeof bound;
    char host[64] = "?";
    int port = 0;
    if (uv_tcp_getsockname(&m->listener, (struct sockaddr *)&bound, &size) == 0) {
        if (bound.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&bound, host, sizeof host);
            port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
            snprintf(m->address, sizeof m->address, "[%s]:%d", host, port);
            return;
        }
        uv_ip4_name((struct sockaddr_in *)&bound, host, sizeof host);
        port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    }
    snprintf(m->address, sizeof m->address, "%s:%d", host, port);
}

int metrics_start(metrics_t *m, const char *host_port, nerr_t *err) {
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    if (parse_address(host_port, &addr, err) != 0)
        return err->code;
    uv_tcp_init(m->loop, &m->listener);
    uv_timer_init(m->loop, &m->poll_timer);
    uv_timer_init(m->loop, &m->sweep_timer);
    m->listener.data = m->poll_timer.data = m->sweep_timer.data = m;
    m->open_handles = 3;
    m->is_started = 1;
    int rc = uv_tcp_bind(&m->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&m->listener, 64, on_connection);
    if (rc != 0)
        return nerr_set(err, NERR_INVALID, "--metrics %s: cannot listen: %s", host_port,
                        uv_strerror(rc));
    describe_bound(m);
    uv_timer_start(&m->poll_timer, poll_fired, 0, (uint64_t)m->sources.poll_ms);
    uv_timer_start(&m->sweep_timer, sweep_fired, SWEEP_MS, SWEEP_MS);
    return 0;
}

void metrics_set_playbook(metrics_t *m, const char *version) {
    snprintf(m->playbook_version, sizeof m->playbook_version, "%s", version ? version : "");
}

void metrics_note_reload(metrics_t *m, int is_accepted) {
    if (is_accepted)
        m->reloads_accepted++;
    else
        m->reloads_refused++;
}

void metrics_stop(metrics_t *m) {
    if (m->is_stopped)
        return;
    m->is_stopped = 1;
    m->is_accept_deferred = 0; /* a waiting client is dropped when the listener closes */
    if (m->is_started)
        uv_timer_stop(&m->poll_timer);
}

static void handle_closed(uv_handle_t *handle) {
    metrics_t *m = handle->data;
    m->open_handles--;
    maybe_closed(m);
}

void metrics_close(metrics_t *m, void (*close_cb)(void *ud), void *ud) {
    metrics_stop(m);
    m->close_cb = close_cb;
    m->close_ud = ud;
    if (m->is_started && !uv_is_closing((uv_handle_t *)&m->listener)) {
        uv_close((uv_handle_t *)&m->listener, handle_closed);
        uv_close((uv_handle_t *)&m->poll_timer, handle_closed);
        uv_close((uv_handle_t *)&m->sweep_timer, handle_closed);
    }
    for (metrics_conn_t *conn = m->connections; conn; conn = conn->next)
        close_connection(conn);
    maybe_closed(m);
}
