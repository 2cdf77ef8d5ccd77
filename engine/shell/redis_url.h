/* redis_url: parses redis://[user:password@]host:port[/db] into its parts. Pure. The password
 * may also come from the environment (NURTURE_REDIS_PASSWORD) so it need not appear on a
 * command line; it is never printed. */
#ifndef NURTURE_REDIS_URL_H
#define NURTURE_REDIS_URL_H

#include "engine/core/nerr.h"

typedef struct {
    char host[256];
    int port;          /* 6379 when the URL names none */
    char user[128];    /* empty: no ACL user (AUTH password only) */
    char password[256]; /* empty: no AUTH */
    int db;            /* 0 when the URL names none */
} redis_url_t;

/* Parses 'text' into 'out'. When the URL carries no password and 'env_password' is non-NULL
 * and non-empty, that password is used. Returns 0, or NERR_INVALID with a reason in 'err'
 * that never contains the password. */
int redis_url_parse(const char *text, const char *env_password, redis_url_t *out, nerr_t *err);

/* Writes "host:port/db" (never the credentials) into 'buf', for logs and errors. */
void redis_url_describe(const redis_url_t *url, char *buf, unsigned long size);

#endif
