/* bench-client: the Redis side of the benchmark harness, on hiredis' synchronous API.
 *
 *   load     XADDs a JSON Lines file to a stream, pipelined (the backlog)
 *   watch    polls XINFO GROUPS until a group has read and acked N entries; prints the time
 *            from the first read to the last ack
 *   latency  a paced producer: XADDs at a fixed rate and, on a second connection, receives a
 *            new-key notification for every seen-mark the commit function creates; prints
 *            the XADD -> commit latency distribution
 *
 * Output is key=value lines on stdout, for scripts/bench.sh. Depends on hiredis, pthreads. */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PIPELINE_DEPTH 1000
#define WATCH_POLL_NS 2000000LL  /* XINFO every 2 ms */
#define PACE_MAX_BURST 128       /* a late producer catches up at most this many at once */

typedef struct {
    const char *host, *stream, *group, *file;
    int port;
    long total, skip;
    const char *trace; /* latency: per event "sent at ms, latency ms" lines, for diagnosis */
    double rate, seconds, timeout_s;
} args_t;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until_ns(int64_t when) {
    struct timespec ts = {(time_t)(when / 1000000000LL), (long)(when % 1000000000LL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static redisContext *connect_or_die(const args_t *a) {
    redisContext *c = redisConnect(a->host, a->port);
    if (c == NULL || c->err) {
        fprintf(stderr, "bench-client: connecting to %s:%d: %s\n", a->host, a->port,
                c ? c->errstr : "out of memory");
        exit(1);
    }
    return c;
}

static redisReply *command_or_die(redisContext *c, const char *what, redisReply *reply) {
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "bench-client: %s: %s\n", what, reply ? reply->str : c->errstr);
        exit(1);
    }
    return reply;
}

/* Reads every line of 'path' into one buffer; returns the line starts, NUL-terminated lines. */
static char **read_lines(const char *path, long skip, long limit, long *count) {
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        perror(path);
        exit(1);
    }
    long room = 1024, n = 0;
    char **lines = malloc((size_t)room * sizeof *lines);
    char *line = NULL;
    size_t size = 0;
    ssize_t len;
    while ((limit <= 0 || n < limit) && (len = getline(&line, &size, in)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || skip-- > 0)
            continue;
        if (n == room)
            lines = realloc(lines, (size_t)(room *= 2) * sizeof *lines);
        lines[n++] = strdup(line);
    }
    free(line);
    fclose(in);
    *count = n;
    return lines;
}

/* ---- load ------------------------------------------------------------------------------- */

static int cmd_load(const args_t *a) {
    redisContext *c = connect_or_die(a);
    FILE *in = fopen(a->file, "r");
    if (in == NULL) {
        perror(a->file);
        return 1;
    }
    char *line = NULL;
    size_t size = 0;
    ssize_t len;
    long sent = 0, queued = 0;
    int64_t start = now_ns();
    for (;;) {
        len = getline(&line, &size, in);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len > 0) {
            redisAppendCommand(c, "XADD %s * event %b", a->stream, line, (size_t)len);
            queued++;
        }
        if (queued == PIPELINE_DEPTH || (len < 0 && queued > 0)) {
            for (; queued > 0; queued--, sent++) {
                redisReply *reply;
                if (redisGetReply(c, (void **)&reply) != REDIS_OK)
                    command_or_die(c, "XADD", NULL);
                freeReplyObject(command_or_die(c, "XADD", reply));
            }
        }
        if (len < 0)
            break;
    }
    double seconds = (double)(now_ns() - start) / 1e9;
    printf("loaded=%ld\nload_seconds=%.3f\nload_per_s=%.0f\n", sent, seconds, sent / seconds);
    free(line);
    fclose(in);
    redisFree(c);
    return 0;
}

/* ---- watch ------------------------------------------------------------------------------ */

/* Reads the group's entries-read and pending counts; 0 when found. */
static int group_progress(redisContext *c, const args_t *a, long long *read, long long *pending) {
    redisReply *reply = redisCommand(c, "XINFO GROUPS %s", a->stream);
    int rc = -1;
    if (reply == NULL)
        command_or_die(c, "XINFO GROUPS", NULL);
    for (size_t g = 0; reply->type == REDIS_REPLY_ARRAY && g < reply->elements; g++) {
        const redisReply *group = reply->element[g];
        int is_ours = 0;
        for (size_t i = 0; i + 1 < group->elements; i += 2) {
            const char *key = group->element[i]->str;
            const redisReply *value = group->element[i + 1];
            if (strcmp(key, "name") == 0)
                is_ours = strcmp(value->str, a->group) == 0;
            else if (strcmp(key, "entries-read") == 0)
                *read = value->type == REDIS_REPLY_INTEGER ? value->integer : 0;
            else if (strcmp(key, "pending") == 0)
                *pending = value->integer;
        }
        if (is_ours) {
            rc = 0;
            break;
        }
    }
    freeReplyObject(reply);
    return rc;
}

static int cmd_watch(const args_t *a) {
    redisContext *c = connect_or_die(a);
    int64_t start = now_ns(), first = 0, deadline = start + (int64_t)(a->timeout_s * 1e9);
    long long read = 0, pending = 0;
    for (;;) {
        read = pending = 0;
        int found = group_progress(c, a, &read, &pending) == 0;
        int64_t now = now_ns();
        if (found && first == 0 && read > 0)
            first = now;
        if (found && read >= a->total && pending == 0)
            break;
        if (now > deadline) {
            fprintf(stderr, "bench-client watch: timed out (read %lld, pending %lld of %ld)\n",
                    read, pending, a->total);
            return 1;
        }
        sleep_until_ns(now + WATCH_POLL_NS);
    }
    double seconds = (double)(now_ns() - first) / 1e9;
    printf("processed=%ld\nrun_seconds=%.3f\nrun_per_s=%.0f\n", a->total, seconds,
           (double)a->total / seconds);
    redisFree(c);
    return 0;
}

/* ---- latency ---------------------------------------------------------------------------- */

typedef struct {
    redisContext *sub;
    long base;          /* the sequence number of the first live event */
    long count;
    int64_t *seen_ns;   /* per event: when its seen-mark's notification arrived */
    long received;
    pthread_mutex_t lock;
} listener_t;

/* The sequence number in a seen-mark key "P:{0}:seen:ev-000001234"; -1 if none. */
static long key_sequence(const char *key) {
    const char *p = strstr(key, ":seen:ev-");
    return p ? strtol(p + 9, NULL, 10) : -1;
}

static void *listen_main(void *ud) {
    listener_t *l = ud;
    for (;;) {
        redisReply *reply;
        if (redisGetReply(l->sub, (void **)&reply) != REDIS_OK)
            return NULL;
        int64_t at = now_ns();
        int is_stop = 0;
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
            reply->element[2]->type == REDIS_REPLY_STRING) {
            const char *key = reply->element[2]->str;
            long index = key_sequence(key) - l->base;
            is_stop = strcmp(key, "bench:stop") == 0;
            pthread_mutex_lock(&l->lock);
            if (index >= 0 && index < l->count && l->seen_ns[index] == 0) {
                l->seen_ns[index] = at;
                l->received++;
            }
            pthread_mutex_unlock(&l->lock);
        }
        freeReplyObject(reply);
        if (is_stop)
            return NULL;
    }
}

static int compare_i64(const void *x, const void *y) {
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static double percentile_ms(const int64_t *sorted, long n, double p) {
    long i = (long)(p * (double)(n - 1) + 0.5);
    return (double)sorted[i] / 1e6;
}

/* Sends 'count' lines at 'rate' per second; records each one's scheduled time. Returns the
 * producer's worst lateness behind its schedule, in ns. */
static int64_t produce(redisContext *c, const args_t *a, char **lines, long count,
                       int64_t *scheduled_ns, int64_t start) {
    int64_t worst_late = 0;
    double interval = 1e9 / a->rate;
    for (long i = 0; i < count;) {
        int64_t due = start + (int64_t)(interval * (double)i);
        int64_t now = now_ns();
        if (due > now) {
            sleep_until_ns(due);
            now = now_ns();
        }
        worst_late = now - due > worst_late ? now - due : worst_late;
        long burst = 0;
        while (i + burst < count && burst < PACE_MAX_BURST &&
               start + (int64_t)(interval * (double)(i + burst)) <= now) {
            scheduled_ns[i + burst] = start + (int64_t)(interval * (double)(i + burst));
            redisAppendCommand(c, "XADD %s * event %s", a->stream, lines[i + burst]);
            burst++;
        }
        for (long k = 0; k < burst; k++) {
            redisReply *reply;
            if (redisGetReply(c, (void **)&reply) != REDIS_OK)
                command_or_die(c, "XADD", NULL);
            freeReplyObject(command_or_die(c, "XADD", reply));
        }
        i += burst;
    }
    return worst_late;
}

static int cmd_latency(const args_t *a) {
    long available;
    long wanted = (long)(a->rate * a->seconds);
    char **lines = read_lines(a->file, a->skip, wanted, &available);
    long count = available < wanted ? available : wanted;
    if (count == 0) {
        fprintf(stderr, "bench-client latency: no events in %s\n", a->file);
        return 1;
    }
    const char *first_id = strstr(lines[0], "\"id\":\"ev-");
    listener_t l = {.base = first_id ? strtol(first_id + 9, NULL, 10) : 0, .count = count};
    l.seen_ns = calloc((size_t)count, sizeof *l.seen_ns);
    int64_t *scheduled_ns = calloc((size_t)count, sizeof *scheduled_ns);
    pthread_mutex_init(&l.lock, NULL);

    redisContext *c = connect_or_die(a);
    freeReplyObject(command_or_die(c, "CONFIG SET",
                                   redisCommand(c, "CONFIG SET notify-keyspace-events En")));
    l.sub = connect_or_die(a);
    freeReplyObject(command_or_die(l.sub, "SUBSCRIBE",
                                   redisCommand(l.sub, "SUBSCRIBE __keyevent@0__:new")));
    pthread_t thread;
    pthread_create(&thread, NULL, listen_main, &l);

    int64_t started = now_ns() + 50000000LL; /* the listener is subscribed by then */
    int64_t worst_late = produce(c, a, lines, count, scheduled_ns, started);
    double send_seconds = (double)(now_ns() - started) / 1e9;
    int64_t deadline = now_ns() + (int64_t)(a->timeout_s * 1e9);
    for (;;) {
        pthread_mutex_lock(&l.lock);
        long received = l.received;
        pthread_mutex_unlock(&l.lock);
        if (received >= count || now_ns() > deadline)
            break;
        sleep_until_ns(now_ns() + 10000000LL);
    }
    freeReplyObject(redisCommand(c, "PUBLISH __keyevent@0__:new bench:stop"));
    pthread_join(thread, NULL);
    freeReplyObject(redisCommand(c, "CONFIG SET notify-keyspace-events %s", ""));

    FILE *trace = a->trace ? fopen(a->trace, "w") : NULL;
    for (long i = 0; trace && i < count; i++)
        fprintf(trace, "%.3f %.3f\n", (double)(scheduled_ns[i] - started) / 1e6,
                l.seen_ns[i] ? (double)(l.seen_ns[i] - scheduled_ns[i]) / 1e6 : -1.0);
    if (trace)
        fclose(trace);
    int64_t *latency = malloc((size_t)count * sizeof *latency);
    long n = 0;
    for (long i = 0; i < count; i++)
        if (l.seen_ns[i] != 0)
            latency[n++] = l.seen_ns[i] - scheduled_ns[i];
    qsort(latency, (size_t)n, sizeof *latency, compare_i64);
    printf("latency_sent=%ld\nlatency_committed=%ld\nlatency_rate=%.0f\n", count, n,
           (double)count / send_seconds);
    printf("producer_worst_late_ms=%.3f\n", (double)worst_late / 1e6);
    if (n > 0)
        printf("latency_p50_ms=%.3f\nlatency_p90_ms=%.3f\nlatency_p99_ms=%.3f\n"
               "latency_p999_ms=%.3f\nlatency_max_ms=%.3f\n",
               percentile_ms(latency, n, 0.5), percentile_ms(latency, n, 0.9),
               percentile_ms(latency, n, 0.99), percentile_ms(latency, n, 0.999),
               (double)latency[n - 1] / 1e6);
    for (long i = 0; i < available; i++)
        free(lines[i]);
    free(lines);
    free(latency);
    free(scheduled_ns);
    free(l.seen_ns);
    redisFree(l.sub);
    redisFree(c);
    return n == count ? 0 : 1;
}

/* ---- command line ----------------------------------------------------------------------- */

static const char USAGE[] =
    "usage: bench-client load    --port P --stream S --file FILE\n"
    "       bench-client watch   --port P --stream S --group G --total N [--timeout S]\n"
    "       bench-client latency --port P --stream S --file FILE --rate R --seconds S\n"
    "                            [--skip LINES] [--timeout S] [--trace FILE]\n";

static int parse_args(int argc, char **argv, args_t *a) {
    memset(a, 0, sizeof *a);
    a->host = "127.0.0.1";
    a->timeout_s = 600;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--port") == 0) a->port = atoi(v);
        else if (strcmp(k, "--stream") == 0) a->stream = v;
        else if (strcmp(k, "--group") == 0) a->group = v;
        else if (strcmp(k, "--file") == 0) a->file = v;
        else if (strcmp(k, "--total") == 0) a->total = atol(v);
        else if (strcmp(k, "--rate") == 0) a->rate = atof(v);
        else if (strcmp(k, "--seconds") == 0) a->seconds = atof(v);
        else if (strcmp(k, "--timeout") == 0) a->timeout_s = atof(v);
        else if (strcmp(k, "--skip") == 0) a->skip = atol(v);
        else if (strcmp(k, "--trace") == 0) a->trace = v;
        else return -1;
    }
    return (argc % 2 == 0 && a->port > 0 && a->stream) ? 0 : -1;
}

int main(int argc, char **argv) {
    args_t a;
    if (argc < 2 || parse_args(argc, argv, &a) != 0) {
        fputs(USAGE, stderr);
        return 2;
    }
    if (strcmp(argv[1], "load") == 0 && a.file)
        return cmd_load(&a);
    if (strcmp(argv[1], "watch") == 0 && a.group && a.total > 0)
        return cmd_watch(&a);
    if (strcmp(argv[1], "latency") == 0 && a.file && a.rate > 0 && a.seconds > 0)
        return cmd_latency(&a);
    fputs(USAGE, stderr);
    return 2;
}
