/* redis_sync: connect, AUTH, SELECT. */
#include "engine/shell/redis_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

/* Runs one setup command; returns 0, or -1 with 'err' naming 'what'. */
static int setup_command(redisContext *ctx, const char *what, nerr_t *err, int argc,
                         const char **argv) {
    redisReply *reply = redisCommandArgv(ctx, argc, argv, NULL);
    int rc = 0;
    if (reply == NULL)
        rc = nerr_set(err, NERR_IO, "%s: %s", what, ctx->errstr);
    else if (reply->type == REDIS_REPLY_ERROR)
        rc = nerr_set(err, NERR_IO, "%s refused: %s", what, reply->str);
    freeReplyObject(reply);
    return rc;
}

redisContext *redis_sync_connect(const redis_url_t *url, nerr_t *err) {
    struct timeval timeout = {2, 0};
    char where[300];
    redis_url_describe(url, where, sizeof where);
    redisContext *ctx = redisConnectWithTimeout(url->host, url->port, timeout);
    if (ctx == NULL || ctx->err) {
        nerr_set(err, NERR_IO, "cannot connect to redis %s: %s", where,
                 ctx ? ctx->errstr : "out of memory");
        redisFree(ctx);
        return NULL;
    }
    char db[16];
    snprintf(db, sizeof db, "%d", url->db);
    const char *auth_user[] = {"AUTH", url->user, url->password};
    const char *auth[] = {"AUTH", url->password};
    const char *select[] = {"SELECT", db};
    if ((url->password[0] && url->user[0] && setup_command(ctx, "AUTH", err, 3, auth_user)) ||
        (url->password[0] && !url->user[0] && setup_command(ctx, "AUTH", err, 2, auth)) ||
        (url->db != 0 && setup_command(ctx, "SELECT", err, 2, select))) {
        redisFree(ctx);
        return NULL;
    }
    return ctx;
}

redisContext *redis_sync_connect_url(const char *text, nerr_t *err) {
    redis_url_t url;
    if (redis_url_parse(text, getenv("NURTURE_REDIS_PASSWORD"), &url, err) != 0)
        return NULL;
    return redis_sync_connect(&url, err);
}
