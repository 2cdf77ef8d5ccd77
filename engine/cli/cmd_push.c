/* push: sends JSON Lines events into the events stream. Every line is validated first with
 * the engine's own parser; a bad line is reported as FILE:LINE: reason and not sent. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/commands.h"
#include "engine/core/event.h"
#include "engine/shell/keys.h"
#include "engine/shell/redis_sync.h"

#define PIPELINE_DEPTH 1000 /* commands sent before their replies are read */

static const char USAGE[] =
    "usage: nurture push --redis URL [--prefix P] [--events STREAM] FILE\n"
    "\n"
    "Sends each line of FILE (JSON Lines, one event per line; - for stdin) as an entry of the\n"
    "events stream (default P:events, P defaults to nurture) with the line in its field\n"
    "`event`. A line that is not a valid event is reported as FILE:LINE: reason and not sent;\n"
    "the exit status is then 1. Blank lines are skipped.\n";

typedef struct {
    redisContext *redis;
    const char *stream;
    long sent;
    long awaiting; /* replies not yet read */
    long failed;
} pusher_t;

static int drain(pusher_t *p) {
    for (; p->awaiting > 0; p->awaiting--) {
        redisReply *reply;
        if (redisGetReply(p->redis, (void **)&reply) != REDIS_OK) {
            fprintf(stderr, "nurture push: %s\n", p->redis->errstr);
            return -1;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            fprintf(stderr, "nurture push: XADD refused: %s\n", reply->str);
            p->failed++;
        } else {
            p->sent++;
        }
        freeReplyObject(reply);
    }
    return 0;
}

static int push_line(pusher_t *p, const char *line, size_t size) {
    const char *argv[] = {"XADD", p->stream, "*", "event", line};
    size_t lengths[] = {4, strlen(p->stream), 1, 5, size};
    if (redisAppendCommandArgv(p->redis, 5, argv, lengths) != REDIS_OK)
        return -1;
    if (++p->awaiting >= PIPELINE_DEPTH)
        return drain(p);
    return 0;
}

/* Validates and sends every line; returns the number of bad lines, or -1 on a Redis error. */
static long push_file(pusher_t *p, const char *path, FILE *in) {
    char *line = NULL;
    size_t room = 0;
    ssize_t size;
    long line_number = 0, bad = 0;
    int rc = 0;
    while (rc == 0 && (size = getline(&line, &room, in)) >= 0) {
        line_number++;
        while (size > 0 && (line[size - 1] == '\n' || line[size - 1] == '\r'))
            line[--size] = '\0';
        if (size == 0)
            continue;
        event_t event;
        nerr_t err;
        if (event_parse(line, (size_t)size, &event, &err) != 0) {
            fprintf(stderr, "%s:%ld: %s\n", path, line_number, err.msg);
            bad++;
            continue;
        }
        event_close(&event);
        rc = push_line(p, line, (size_t)size);
    }
    free(line);
    if (rc == 0)
        rc = drain(p);
    return rc == 0 ? bad : -1;
}

int cmd_push(int argc, char **argv) {
    static const struct option options[] = {
        {"redis", required_argument, NULL, 'R'},
        {"prefix", required_argument, NULL, 'p'},
        {"events", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    const char *redis = NULL, *prefix = "nurture", *stream = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'R')
            redis = optarg;
        else if (opt == 'p')
            prefix = optarg;
        else if (opt == 'e')
            stream = optarg;
        else
            return fputs(USAGE, stderr), 2;
    }
    if (redis == NULL || optind != argc - 1)
        return fputs(USAGE, stderr), 2;
    const char *path = argv[optind];
    keys_t keys;
    keys_init(&keys, prefix);
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (in == NULL) {
        perror(path);
        return 1;
    }
    nerr_t err;
    pusher_t p = {.stream = stream ? stream : keys.events};
    p.redis = redis_sync_connect_url(redis, &err);
    if (p.redis == NULL) {
        fprintf(stderr, "nurture push: %s\n", err.msg);
        if (in != stdin)
            fclose(in);
        return 1;
    }
    long bad = push_file(&p, path, in);
    if (in != stdin)
        fclose(in);
    redisFree(p.redis);
    fprintf(stderr, "nurture push: %ld events sent to %s, %ld bad lines not sent\n", p.sent,
            p.stream, bad < 0 ? 0 : bad);
    return bad == 0 && p.failed == 0 ? 0 : 1;
}
