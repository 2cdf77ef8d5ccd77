/* ma-consumer: a minimal consumer of the actions stream, as a marketing-automation system or
 * sales tool would run it. It reads with its own consumer group, handles each action once
 * (deduplicating on the action id, the idempotency key), and acks after handling. "Handling"
 * here prints the action and its reasoning; a real integration sends the mail or opens the
 * task instead. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine/shell/redis_sync.h"

static const char USAGE[] =
    "usage: ma-consumer --redis URL [--stream S] [--group G] [--name N] [--idle-exit-ms MS] [--json]\n"
    "\n"
    "Reads actions from S (default nurture:actions) in consumer group G (default ma-example),\n"
    "prints each once with its reason, and acks it. With --idle-exit-ms it exits once no new\n"
    "action arrived for MS milliseconds; --json prints the raw action JSON instead.\n";

typedef struct {
    redisContext *redis;
    const char *stream, *group, *name;
    int is_json;
    long handled, duplicates;
} ma_t;

static const char *string_field(const cJSON *object, const char *name) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsString(item) ? item->valuestring : "?";
}

/* Prints the action the way a person reads it: what, to whom, when, and why. */
static void print_action(const cJSON *action) {
    const char *kind = string_field(action, "kind");
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(action, kind);
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(action, "reason");
    if (strcmp(kind, "task") == 0)
        printf("TASK for %s: \"%s\" about %s, due %s\n", string_field(target, "role"),
               string_field(target, "title"), string_field(action, "contact"),
               string_field(action, "due_at"));
    else
        printf("SEND %s \"%s\" to %s, due %s\n", string_field(action, "channel"),
               string_field(target, "title"), string_field(action, "contact"),
               string_field(action, "due_at"));
    printf("  because: %s  [rule %s, stage %s]\n", string_field(reason, "because"),
           string_field(reason, "rule"), string_field(reason, "stage"));
    const cJSON *state;
    cJSON_ArrayForEach(state, cJSON_GetObjectItemCaseSensitive(reason, "states"))
        printf("  inferred %s = %.2f\n", state->string, state->valuedouble);
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(reason, "evidence"))
        printf("    <- %s by rule %s on touchpoint %s\n", string_field(row, "state"),
               string_field(row, "rule"), string_field(row, "event"));
    const cJSON *fact;
    cJSON_ArrayForEach(fact, cJSON_GetObjectItemCaseSensitive(reason, "facts")) {
        char *value = cJSON_PrintUnformatted(fact);
        printf("  fact %s = %s\n", fact->string, value ? value : "?");
        free(value);
    }
}

/* Claims the action id; returns 1 when this consumer is the first to see it. A real MA
 * system records the id in the same transaction that sends the mail. */
static int claim(ma_t *ma, const char *id) {
    redisReply *reply = redisCommand(ma->redis, "SET %s:handled:%s 1 NX EX 7776000", ma->group, id);
    int is_first = reply && reply->type == REDIS_REPLY_STATUS;
    freeReplyObject(reply);
    return is_first;
}

static void handle_entry(ma_t *ma, const redisReply *entry) {
    const char *entry_id = entry->element[0]->str;
    const redisReply *fields = entry->element[1];
    const char *json = NULL;
    for (size_t i = 0; fields && fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements; i += 2)
        if (strcmp(fields->element[i]->str, "action") == 0)
            json = fields->element[i + 1]->str;
    cJSON *action = json ? cJSON_Parse(json) : NULL;
    if (action != NULL) {
        const char *id = string_field(action, "id");
        if (!claim(ma, id)) {
            ma->duplicates++;
        } else {
            ma->is_json ? (void)puts(json) : print_action(action);
            ma->handled++;
        }
        fflush(stdout);
    }
    cJSON_Delete(action);
    freeReplyObject(redisCommand(ma->redis, "XACK %s %s %s", ma->stream, ma->group, entry_id));
}

/* Reads one batch ("0": own pending entries, ">": new ones); returns the entry count or -1. */
static int read_batch(ma_t *ma, const char *from, int block_ms) {
    redisReply *reply = redisCommand(ma->redis, "XREADGROUP GROUP %s %s COUNT 100 BLOCK %d STREAMS %s %s",
                                     ma->group, ma->name, block_ms, ma->stream, from);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "ma-consumer: XREADGROUP: %s\n", reply ? reply->str : ma->redis->errstr);
        freeReplyObject(reply);
        return -1;
    }
    int count = 0;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
        const redisReply *entries = reply->element[0]->element[1];
        for (size_t i = 0; i < entries->elements; i++, count++)
            if (entries->element[i]->elements == 2)
                handle_entry(ma, entries->element[i]);
    }
    freeReplyObject(reply);
    return count;
}

int main(int argc, char **argv) {
    static const struct option options[] = {
        {"redis", required_argument, NULL, 'R'}, {"stream", required_argument, NULL, 's'},
        {"group", required_argument, NULL, 'g'}, {"name", required_argument, NULL, 'n'},
        {"idle-exit-ms", required_argument, NULL, 'i'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    ma_t ma = {.stream = "nurture:actions", .group = "ma-example", .name = "ma-1"};
    const char *url = NULL;
    int idle_exit_ms = 0, opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'R': url = optarg; break;
        case 's': ma.stream = optarg; break;
        case 'g': ma.group = optarg; break;
        case 'n': ma.name = optarg; break;
        case 'i': idle_exit_ms = atoi(optarg); break;
        case 'j': ma.is_json = 1; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: fputs(USAGE, stderr); return 2;
        }
    }
    if (url == NULL)
        return fputs(USAGE, stderr), 2;
    nerr_t err;
    if ((ma.redis = redis_sync_connect_url(url, &err)) == NULL) {
        fprintf(stderr, "ma-consumer: %s\n", err.msg);
        return 1;
    }
    freeReplyObject(redisCommand(ma.redis, "XGROUP CREATE %s %s 0 MKSTREAM", ma.stream, ma.group));
    int rc = 0, n;
    while ((n = read_batch(&ma, "0", 0)) > 0) /* first what we took before a crash */
        ;
    for (;;) {
        n = read_batch(&ma, ">", idle_exit_ms > 0 ? idle_exit_ms : 5000);
        if (n < 0) {
            rc = 1;
            break;
        }
        if (n == 0 && idle_exit_ms > 0)
            break;
    }
    fprintf(stderr, "ma-consumer: %ld actions handled, %ld duplicates skipped\n", ma.handled,
            ma.duplicates);
    redisFree(ma.redis);
    return rc;
}
