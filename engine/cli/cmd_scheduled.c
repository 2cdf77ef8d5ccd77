/* scheduled: prints the actions scheduled but not yet released, in due order, as JSON lines
 * in the action format with "emitted_at": null. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine/cli/commands.h"
#include "engine/shell/keys.h"
#include "engine/shell/redis_sync.h"

static const char USAGE[] =
    "usage: nurture scheduled --redis URL [--prefix P] [--contact ID]\n"
    "\n"
    "Prints the actions scheduled but not yet due, earliest first, one JSON object per line,\n"
    "optionally only those of contact ID.\n";

static int is_for_contact(const char *json, const char *contact) {
    if (contact == NULL)
        return 1;
    cJSON *action = cJSON_Parse(json);
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(action, "contact");
    int matches = cJSON_IsString(field) && strcmp(field->valuestring, contact) == 0;
    cJSON_Delete(action);
    return matches;
}

int scheduled_print(redisContext *redis, const keys_t *keys, const char *contact) {
    redisReply *ids = redisCommand(redis, "ZRANGE %s 0 -1", keys->due);
    if (ids == NULL || ids->type != REDIS_REPLY_ARRAY) {
        fprintf(stderr, "nurture scheduled: ZRANGE: %s\n", ids ? ids->str : redis->errstr);
        freeReplyObject(ids);
        return 1;
    }
    for (size_t i = 0; i < ids->elements; i++) {
        redisReply *json = redisCommand(redis, "HGET %s %s", keys->scheduled, ids->element[i]->str);
        if (json == NULL) {
            fprintf(stderr, "nurture scheduled: HGET: %s\n", redis->errstr);
            freeReplyObject(ids);
            return 1;
        }
        /* The stored value is the contact's key, a newline, then the action. */
        const char *action = json->type == REDIS_REPLY_STRING ? strchr(json->str, '\n') : NULL;
        if (action != NULL) {
            action++;
            size_t size = strlen(action) + sizeof ",\"emitted_at\":null}";
            char *text = malloc(size);
            if (text != NULL) {
                snprintf(text, size, "%s,\"emitted_at\":null}", action);
                if (is_for_contact(text, contact))
                    puts(text);
            }
            free(text);
        }
        freeReplyObject(json);
    }
    freeReplyObject(ids);
    return 0;
}

int cmd_scheduled(int argc, char **argv) {
    static const struct option options[] = {
        {"redis", required_argument, NULL, 'R'},
        {"prefix", required_argument, NULL, 'p'},
        {"contact", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    const char *redis = NULL, *prefix = "nurture", *contact = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'R')
            redis = optarg;
        else if (opt == 'p')
            prefix = optarg;
        else if (opt == 'c')
            contact = optarg;
        else
            return fputs(USAGE, stderr), 2;
    }
    if (redis == NULL || optind != argc)
        return fputs(USAGE, stderr), 2;
    keys_t keys;
    keys_init(&keys, prefix);
    nerr_t err;
    redisContext *ctx = redis_sync_connect_url(redis, &err);
    if (ctx == NULL) {
        fprintf(stderr, "nurture scheduled: %s\n", err.msg);
        return 1;
    }
    int rc = scheduled_print(ctx, &keys, contact);
    redisFree(ctx);
    return rc;
}
