/* redis_url: parses redis://[user:password@]host:port[/db]. Pure: no I/O, no allocation.
 * Error sentences never quote the input, so a password typed in the wrong place (a missing
 * '@', a stray ':') cannot leak into a log through them. */
#include "engine/shell/redis_url.h"

#include <stdio.h>
#include <string.h>

#define REDIS_URL_SCHEME "redis://"
#define REDIS_URL_DEFAULT_PORT 6379
#define REDIS_URL_MAX_DB 999999999 /* nine digits always fit an int */

/* Overwrites 'size' bytes at 'p' in a way the compiler may not drop as a dead store. */
static void wipe(void *p, size_t size) {
    volatile unsigned char *q = p;
    while (size--)
        *q++ = 0;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copies [begin, end) into 'dst' (of 'size' bytes), decoding %XX escapes. Returns NULL, or
 * a reason ("too long", "...") that names 'what' but never the text itself. */
static const char *decode_part(const char *begin, const char *end, char *dst, size_t size,
                               int is_password) {
    size_t n = 0;
    for (const char *p = begin; p < end; p++) {
        char c = *p;
        if (c == '%') {
            int hi = end - p >= 3 ? hex_value(p[1]) : -1;
            int lo = end - p >= 3 ? hex_value(p[2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return is_password ? "the password has a bad percent escape (%XX, not %00)"
                                   : "the user name has a bad percent escape (%XX, not %00)";
            c = (char)(hi * 16 + lo);
            p += 2;
        }
        if (n + 1 >= size)
            return is_password ? "the password is too long (at most 255 bytes)"
                               : "the user name is too long (at most 127 bytes)";
        dst[n++] = c;
    }
    dst[n] = '\0';
    return NULL;
}

/* Parses "user:password" or ":password" or "user" in [begin, end). */
static const char *parse_userinfo(const char *begin, const char *end, redis_url_t *out) {
    const char *colon = memchr(begin, ':', (size_t)(end - begin));
    const char *why = decode_part(begin, colon ? colon : end, out->user, sizeof out->user, 0);
    if (why == NULL && colon)
        why = decode_part(colon + 1, end, out->password, sizeof out->password, 1);
    return why;
}

static int is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

static int is_ipv6_char(char c) { return hex_value(c) >= 0 || c == ':' || c == '.'; }

/* Parses a whole number of at most 'max_digits' digits in [begin, end) into 'out'. */
static int parse_digits(const char *begin, const char *end, int max_digits, long *out) {
    if (begin == end || end - begin > max_digits)
        return -1;
    long v = 0;
    for (const char *p = begin; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return 0;
}

/* Parses "host[:port][/db]" (host may be "[v6 address]"). */
static const char *parse_location(const char *text, redis_url_t *out) {
    const char *host = text, *host_end;
    const char *p;
    if (*text == '[') {
        host = text + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL)
            return "an IPv6 host opened with '[' must be closed with ']'";
        for (p = host; p < host_end; p++)
            if (!is_ipv6_char(*p))
                return "the IPv6 host may hold only hex digits, ':' and '.'";
        p = host_end + 1;
    } else {
        for (p = text; is_host_char(*p); p++)
            ;
        host_end = p;
        if (*p != '\0' && *p != ':' && *p != '/' && *p != '?')
            return "the host may hold only letters, digits, '.', '-' and '_'";
    }
    if (host_end == host)
        return "the URL names no host";
    if ((size_t)(host_end - host) >= sizeof out->host)
        return "the host is too long (at most 255 bytes)";
    memcpy(out->host, host, (size_t)(host_end - host));
    out->host[host_end - host] = '\0';

    out->port = REDIS_URL_DEFAULT_PORT;
    if (*p == ':') {
        const char *port = ++p;
        while (*p != '\0' && *p != '/' && *p != '?')
            p++;
        long v;
        if (parse_digits(port, p, 5, &v) < 0 || v < 1 || v > 65535)
            return "the port must be a whole number from 1 to 65535";
        out->port = (int)v;
    }

    out->db = 0;
    if (*p == '/') {
        const char *db = ++p;
        while (*p != '\0' && *p != '?')
            p++;
        long v;
        if (p != db && parse_digits(db, p, 9, &v) < 0)
            return "the database after '/' must be a whole number";
        out->db = p == db ? 0 : (int)v;
    }
    if (*p == '?')
        return "query parameters (after '?') are not supported";
    if (*p != '\0')
        return "unexpected text after the host";
    return NULL;
}

int redis_url_parse(const char *text, const char *env_password, redis_url_t *out, nerr_t *err) {
    const char *why;
    memset(out, 0, sizeof *out);
    if (text == NULL || *text == '\0') {
        why = "the URL is empty";
        goto invalid;
    }
    if (strncmp(text, REDIS_URL_SCHEME, strlen(REDIS_URL_SCHEME)) != 0) {
        why = strncmp(text, "rediss://", 9) == 0 ? "TLS (rediss://) is not supported"
                                                 : "it must start with redis://";
        goto invalid;
    }
    const char *rest = text + strlen(REDIS_URL_SCHEME);
    /* The last '@' ends the credentials: neither host, port nor db may hold one, and a
     * password may (even unescaped). */
    const char *at = strrchr(rest, '@');
    if (at && (why = parse_userinfo(rest, at, out)) != NULL)
        goto invalid;
    if ((why = parse_location(at ? at + 1 : rest, out)) != NULL)
        goto invalid;
    if (out->password[0] == '\0' && env_password && env_password[0] != '\0') {
        if (strlen(env_password) >= sizeof out->password) {
            why = "the password from the environment is too long (at most 255 bytes)";
            goto invalid;
        }
        strcpy(out->password, env_password);
    }
    if (out->user[0] != '\0' && out->password[0] == '\0') {
        why = "the URL names a user but no password (write user:password@ or set "
              "NURTURE_REDIS_PASSWORD)";
        goto invalid;
    }
    return 0;

invalid:
    wipe(out, sizeof *out);
    return nerr_set(err, NERR_INVALID, "invalid Redis URL: %s", why);
}

void redis_url_describe(const redis_url_t *url, char *buf, unsigned long size) {
    if (size == 0)
        return;
    if (strchr(url->host, ':'))
        snprintf(buf, size, "[%s]:%d/%d", url->host, url->port, url->db);
    else
        snprintf(buf, size, "%s:%d/%d", url->host, url->port, url->db);
}
