/* run: the live engine. Wires the playbook, two Redis connections (a reader for the blocking
 * XREADGROUP, a writer for everything else), the consumer, the scheduler and (with
 * --metrics) the metrics endpoint onto one libuv loop, and stops them in reverse order on
 * SIGINT or SIGTERM. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/cli/commands.h"
#include "engine/core/playbook.h"
#include "engine/core/selftest.h"
#include "engine/shell/consumer.h"
#include "engine/shell/log.h"
#include "engine/shell/metrics.h"
#include "engine/shell/rconn.h"
#include "engine/shell/scheduler.h"

static const char USAGE[] =
    "usage: nurture run --redis URL --rules DIR [options]\n"
    "\n"
    "Consumes touchpoint events from a Redis stream with a consumer group, runs the playbook\n"
    "in DIR, commits each contact's new state and scheduled actions atomically, and releases\n"
    "due actions to the actions stream. SIGINT/SIGTERM finish the batch in hand and exit 0.\n"
    "SIGHUP reloads the playbook; a playbook that fails to load is refused and the running one\n"
    "stays. Actions already scheduled keep the playbook version that decided them.\n"
    "\n"
    "  --redis URL        redis://[user:password@]host:port[/db]; the password may instead\n"
    "                     come from the environment variable NURTURE_REDIS_PASSWORD\n"
    "  --rules DIR        the playbook folder\n"
    "  --prefix P         key prefix (default nurture): streams P:events, P:actions, P:dead\n"
    "  --events STREAM    the input stream (default P:events)\n"
    "  --actions STREAM   the output stream (default P:actions)\n"
    "  --dead STREAM      the dead-letter stream (default P:dead)\n"
    "  --group NAME       the consumer group (default nurture)\n"
    "  --consumer NAME    this engine's name in the group; keep it stable across restarts so\n"
    "                     it re-reads its own pending entries (default: the host name)\n"
    "  --batch N          entries per read (default 256)\n"
    "  --block-ms N       how long a read waits for new entries (default 1000)\n"
    "  --max-deliveries N dead-letter an entry delivered N times without being settled\n"
    "                     (a poison event that keeps crashing or failing; default 5);\n"
    "                     deliveries that ended in a refused commit do not count\n"
    "  --cache N          committed contact states (and as many account states) kept for the\n"
    "                     next batches, so they need not be fetched again (default 4096;\n"
    "                     -1 none)\n"
    "  --cache-mib M      the memory those states may hold, contacts and accounts together\n"
    "                     (default 16; -1: only --cache bounds them); a contact with a full\n"
    "                     history holds about 15 KiB, an account 25 to 35 KiB\n"
    "  --stored-filter-mib M  the memory of the filter of the contacts and accounts in\n"
    "                     Redis, listed at start and kept up by the commits, so that a new\n"
    "                     one starts without a fetch (default 2, about 1.7 million of them;\n"
    "                     -1 off)\n"
    "  --claim-idle-ms MS take over entries idle this long with another consumer of the\n"
    "                     group, e.g. one that died (default 60000; -1 never)\n"
    "  --metrics HOST:PORT  serve Prometheus metrics on /metrics and a health check on\n"
    "                     /healthz (200 when both Redis connections are up and the playbook\n"
    "                     is loaded, 503 otherwise), e.g. 127.0.0.1:9464; port 0 picks one\n"
    "                     and logs it\n"
    "  --log-level L      debug, info, warn or error (default info)\n"
    "  --log-format F     json (one object per line: ts, level, msg, contact, event) or\n"
    "                     text (default json)\n";

typedef struct {
    uv_loop_t *loop;
    playbook_t *playbook;
    rconn_t *reader;
    rconn_t *writer;
    consumer_t *consumer;
    scheduler_t *scheduler;
    uv_signal_t sigint;
    uv_signal_t sigterm;
    uv_signal_t sighup;
    metrics_t metrics;
    int has_metrics;
    const char *rules_dir;
    int closing_connections;
} engine_t;

typedef struct {
    const char *redis, *rules, *prefix, *events, *actions, *dead, *group, *consumer, *metrics;
    consumer_options_t consumer_options;
} run_options_t;

static void connection_changed(rconn_t *conn, int is_up, void *ud) {
    engine_t *engine = ud;
    if (engine->consumer)
        consumer_connection_changed(engine->consumer, conn, is_up);
}

static void connection_closed(void *ud) {
    engine_t *engine = ud;
    engine->closing_connections--;
}

static void scheduler_closed(void *ud) {
    engine_t *engine = ud;
    engine->scheduler = NULL;
    engine->closing_connections = 2;
    rconn_close(engine->reader, connection_closed, engine);
    rconn_close(engine->writer, connection_closed, engine);
}

static void consumer_stopped(void *ud) {
    engine_t *engine = ud;
    uv_close((uv_handle_t *)&engine->sigint, NULL);
    uv_close((uv_handle_t *)&engine->sigterm, NULL);
    uv_close((uv_handle_t *)&engine->sighup, NULL);
    if (engine->has_metrics)
        metrics_close(&engine->metrics, NULL, NULL);
    scheduler_close(engine->scheduler, scheduler_closed, engine);
}

static void on_signal(uv_signal_t *handle, int signum) {
    engine_t *engine = handle->data;
    LOG(LOG_INFO, "received %s: finishing the batch in hand", signum == SIGINT ? "SIGINT" : "SIGTERM");
    consumer_stop(engine->consumer, consumer_stopped, engine);
}

static void log_failed_test(const selftest_result_t *result, void *ud) {
    (void)ud;
    if (!result->is_passed)
        LOG(LOG_ERROR, "playbook test failed: %s:%d: %s: %s", result->test->file,
            result->test->line, result->test->name, result->detail);
}

/* SIGHUP: loads the playbook folder afresh in a new Lua state and swaps it in only when it
 * loads, validates and passes its own tests; otherwise the running playbook stays and the
 * error is logged. Actions already scheduled keep the version that decided them. */
static void on_reload(uv_signal_t *handle, int signum) {
    (void)signum;
    engine_t *engine = handle->data;
    nerr_t err;
    playbook_t *fresh = playbook_load(engine->rules_dir, &err);
    if (fresh == NULL) {
        LOG(LOG_ERROR, "reload refused, keeping playbook version %s: %s",
            playbook_version(engine->playbook), err.msg);
        if (engine->has_metrics)
            metrics_note_reload(&engine->metrics, 0);
        return;
    }
    int failed = selftest_run(fresh, log_failed_test, NULL, &err);
    if (failed != 0) {
        LOG(LOG_ERROR, "reload refused, keeping playbook version %s: %s",
            playbook_version(engine->playbook),
            failed < 0 ? err.msg : "the new playbook fails its own tests");
        playbook_free(fresh);
        if (engine->has_metrics)
            metrics_note_reload(&engine->metrics, 0);
        return;
    }
    LOG(LOG_INFO, "reloaded playbook %s: version %s -> %s", engine->rules_dir,
        playbook_version(engine->playbook), playbook_version(fresh));
    consumer_set_playbook(engine->consumer, fresh);
    playbook_free(engine->playbook);
    engine->playbook = fresh;
    if (engine->has_metrics) {
        metrics_note_reload(&engine->metrics, 1);
        metrics_set_playbook(&engine->metrics, playbook_version(fresh));
    }
}

static void batch_done(void *ud, int64_t earliest_due_ms) {
    engine_t *engine = ud;
    if (engine->scheduler && earliest_due_ms != INT64_MAX)
        scheduler_expect(engine->scheduler, earliest_due_ms);
}

static int parse_options(int argc, char **argv, run_options_t *o) {
    static const struct option options[] = {
        {"redis", required_argument, NULL, 'R'},   {"rules", required_argument, NULL, 'r'},
        {"prefix", required_argument, NULL, 'p'},  {"events", required_argument, NULL, 'e'},
        {"actions", required_argument, NULL, 'a'}, {"dead", required_argument, NULL, 'd'},
        {"group", required_argument, NULL, 'g'},   {"consumer", required_argument, NULL, 'c'},
        {"batch", required_argument, NULL, 'b'},   {"block-ms", required_argument, NULL, 'B'},
        {"log-level", required_argument, NULL, 'l'},
        {"max-deliveries", required_argument, NULL, 'm'},
        {"claim-idle-ms", required_argument, NULL, 'C'},
        {"cache", required_argument, NULL, 'K'},
        {"cache-mib", required_argument, NULL, 'k'},
        {"stored-filter-mib", required_argument, NULL, 'S'},
        {"metrics", required_argument, NULL, 'M'},
        {"log-format", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->prefix = "nurture";
    log_format = LOG_FORMAT_JSON;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'R': o->redis = optarg; break;
        case 'r': o->rules = optarg; break;
        case 'p': o->prefix = optarg; break;
        case 'e': o->events = optarg; break;
        case 'a': o->actions = optarg; break;
        case 'd': o->dead = optarg; break;
        case 'g': o->group = optarg; break;
        case 'c': o->consumer = optarg; break;
        case 'b': o->consumer_options.batch_size = atoi(optarg); break;
        case 'B': o->consumer_options.block_ms = atoi(optarg); break;
        case 'm': o->consumer_options.max_deliveries = atoi(optarg); break;
        case 'C': o->consumer_options.claim_idle_ms = atoll(optarg); break;
        case 'K': o->consumer_options.cache_size = atoi(optarg); break;
        case 'k': o->consumer_options.cache_mib = atoi(optarg); break;
        case 'S': o->consumer_options.stored_filter_mib = atoi(optarg); break;
        case 'M': o->metrics = optarg; break;
        case 'F':
            if (log_parse_format(optarg, &log_format) != 0) {
                fprintf(stderr, "nurture run: unknown log format '%s' (json or text)\n", optarg);
                return -1;
            }
            break;
        case 'l':
            if (log_parse_level(optarg, &log_threshold) != 0) {
                fprintf(stderr, "nurture run: unknown log level '%s'\n", optarg);
                return -1;
            }
            break;
        default: return -1;
        }
    }
    if (o->redis == NULL || o->rules == NULL || optind != argc) {
        fputs(USAGE, stderr);
        return -1;
    }
    if (o->consumer_options.batch_size < 0 || o->consumer_options.block_ms < 0 ||
        o->consumer_options.max_deliveries < 0) {
        fprintf(stderr, "nurture run: --batch, --block-ms and --max-deliveries take positive "
                        "numbers\n");
        return -1;
    }
    return 0;
}

static void apply_names(const run_options_t *o, keys_t *keys) {
    keys_init(keys, o->prefix);
    if (o->events)
        snprintf(keys->events, sizeof keys->events, "%s", o->events);
    if (o->actions)
        snprintf(keys->actions, sizeof keys->actions, "%s", o->actions);
    if (o->dead)
        snprintf(keys->dead, sizeof keys->dead, "%s", o->dead);
    if (o->group)
        snprintf(keys->group, sizeof keys->group, "%s", o->group);
}

/* Starts the metrics endpoint over the engine's parts; returns 0 or a negative code. */
static int start_metrics(engine_t *engine, const run_options_t *o, const keys_t *keys,
                         nerr_t *err) {
    const metrics_sources_t sources = {.reader = engine->reader,
                                       .writer = engine->writer,
                                       .consumer = engine->consumer,
                                       .scheduler = engine->scheduler,
                                       .keys = *keys};
    metrics_init(&engine->metrics, engine->loop, &sources);
    engine->has_metrics = 1;
    metrics_set_playbook(&engine->metrics, playbook_version(engine->playbook));
    if (metrics_start(&engine->metrics, o->metrics, err) != 0) {
        metrics_close(&engine->metrics, NULL, NULL);
        return err->code;
    }
    LOG(LOG_INFO, "metrics: listening on %s (/metrics, /healthz)", engine->metrics.address);
    return 0;
}

/* Builds and starts every part; returns 0 or -1 with the error already printed. */
static int engine_start(engine_t *engine, const run_options_t *o, const keys_t *keys,
                        const redis_url_t *url) {
    nerr_t err;
    const rconn_options_t reader_options = {
        .command_timeout_ms = o->consumer_options.block_ms + 5000, /* a read blocks by design */
    };
    engine->reader = rconn_new(engine->loop, url, "reader", &reader_options, connection_changed,
                               engine, &err);
    engine->writer = engine->reader
                         ? rconn_new(engine->loop, url, "writer", NULL, connection_changed, engine, &err)
                         : NULL;
    engine->scheduler = engine->writer ? scheduler_new(engine->loop, engine->writer, keys, 1000, &err) : NULL;
    engine->consumer = engine->scheduler
                           ? consumer_new(engine->loop, engine->reader, engine->writer, keys,
                                          engine->playbook, &o->consumer_options, batch_done,
                                          engine, &err)
                           : NULL;
    if (engine->consumer != NULL && o->metrics != NULL && start_metrics(engine, o, keys, &err) != 0) {
        fprintf(stderr, "nurture run: %s\n", err.msg);
        return -1;
    }
    if (engine->consumer == NULL || rconn_start(engine->writer, &err) != 0 ||
        rconn_start(engine->reader, &err) != 0) {
        fprintf(stderr, "nurture run: %s\n", err.msg);
        return -1;
    }
    uv_signal_init(engine->loop, &engine->sigint);
    uv_signal_init(engine->loop, &engine->sigterm);
    uv_signal_init(engine->loop, &engine->sighup);
    engine->sigint.data = engine->sigterm.data = engine->sighup.data = engine;
    uv_signal_start(&engine->sigint, on_signal, SIGINT);
    uv_signal_start(&engine->sigterm, on_signal, SIGTERM);
    uv_signal_start(&engine->sighup, on_reload, SIGHUP);
    return 0;
}

int cmd_run(int argc, char **argv) {
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    run_options_t o;
    if (parse_options(argc, argv, &o) != 0)
        return 2;
    char host[128] = "nurture";
    if (o.consumer == NULL && gethostname(host, sizeof host - 1) == 0)
        o.consumer = host;
    o.consumer_options.name = o.consumer ? o.consumer : host;

    nerr_t err;
    redis_url_t url;
    if (redis_url_parse(o.redis, getenv("NURTURE_REDIS_PASSWORD"), &url, &err) != 0) {
        fprintf(stderr, "nurture run: %s\n", err.msg);
        return 2;
    }
    keys_t keys;
    apply_names(&o, &keys);
    engine_t engine = {.loop = uv_default_loop(), .rules_dir = o.rules};
    engine.playbook = playbook_load(o.rules, &err);
    if (engine.playbook == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    char where[300];
    redis_url_describe(&url, where, sizeof where);
    LOG(LOG_INFO, "starting: redis %s, playbook %s (version %s), stream %s", where, o.rules,
        playbook_version(engine.playbook), keys.events);
    signal(SIGPIPE, SIG_IGN);
    int rc = engine_start(&engine, &o, &keys, &url);
    if (rc == 0)
        uv_run(engine.loop, UV_RUN_DEFAULT);
    if (engine.consumer) {
        const consumer_stats_t *s = consumer_stats(engine.consumer);
        LOG(LOG_INFO,
            "stopped: %" PRIu64 " entries read, %" PRIu64 " decided, %" PRIu64 " duplicates, %" PRIu64
            " dead-lettered, %" PRIu64 " actions scheduled, %" PRIu64 " rule errors, %" PRIu64
            " conflicts, %" PRIu64 " claimed",
            s->events, s->decided, s->duplicates, s->dead, s->actions, s->rule_errors, s->conflicts,
            s->claimed);
    }
    consumer_free(engine.consumer);
    playbook_free(engine.playbook);
    int closed = uv_loop_close(engine.loop);
    if (rc == 0 && closed != 0)
        LOG(LOG_WARN, "event loop closed with handles still open");
    return rc == 0 ? 0 : 1;
}
