/* redis_sync: a blocking hiredis connection for the short-lived commands (push, scheduled)
 * and the example consumer: connect with a timeout, AUTH, SELECT. */
#ifndef NURTURE_REDIS_SYNC_H
#define NURTURE_REDIS_SYNC_H

#include <hiredis/hiredis.h>

#include "engine/core/nerr.h"
#include "engine/shell/redis_url.h"

/* Connects to 'url' and authenticates. Returns the context, owned (free with redisFree), or
 * NULL with 'err' set (never showing the password). */
redisContext *redis_sync_connect(const redis_url_t *url, nerr_t *err);

/* Parses 'text' (with NURTURE_REDIS_PASSWORD from the environment) and connects. */
redisContext *redis_sync_connect_url(const char *text, nerr_t *err);

#endif
