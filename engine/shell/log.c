/* log: timestamped lines on stderr, as text or as JSON. A line is formatted into a stack
 * buffer and written with one fwrite, so lines from one process never interleave. */
#include "engine/shell/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/clock.h"

#define LINE_MAX_BYTES 2048 /* the message; longer ones are cut */

log_level_t log_threshold = LOG_INFO;
log_format_t log_format = LOG_FORMAT_TEXT;

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

int log_parse_level(const char *text, log_level_t *out) {
    for (int i = 0; i < 4; i++)
        if (strcmp(text, LEVEL_NAMES[i]) == 0) {
            *out = (log_level_t)i;
            return 0;
        }
    return -1;
}

int log_parse_format(const char *text, log_format_t *out) {
    if (strcmp(text, "text") == 0)
        *out = LOG_FORMAT_TEXT;
    else if (strcmp(text, "json") == 0)
        *out = LOG_FORMAT_JSON;
    else
        return -1;
    return 0;
}

/* ---- JSON ------------------------------------------------------------------------------ */

typedef struct {
    char *data;
    size_t size; /* capacity, with room for the terminator */
    size_t used;
} out_t;

static void put(out_t *o, const char *bytes, size_t n) {
    if (o->used + n >= o->size)
        n = o->used < o->size - 1 ? o->size - 1 - o->used : 0;
    memcpy(o->data + o->used, bytes, n);
    o->used += n;
    o->data[o->used] = '\0';
}

/* Returns the length of the valid UTF-8 sequence at 's' (1 to 4), or 0 when it is not one. */
static size_t utf8_length(const unsigned char *s) {
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Writes 'text' as a JSON string: quotes, backslashes and control characters escaped, and
 * bytes that are not UTF-8 replaced by U+FFFD, so every line parses. */
static void put_json_string(out_t *o, const char *text) {
    put(o, "\"", 1);
    for (const unsigned char *s = (const unsigned char *)text; *s;) {
        if (*s == '"' || *s == '\\') {
            char escaped[2] = {'\\', (char)*s++};
            put(o, escaped, 2);
        } else if (*s < 0x20) {
            char escaped[8];
            snprintf(escaped, sizeof escaped, "\\u%04x", *s++);
            put(o, escaped, 6);
        } else if (*s < 0x80) {
            put(o, (const char *)s++, 1);
        } else {
            size_t n = utf8_length(s);
            if (n == 0) {
                put(o, "\\ufffd", 6);
                s++;
            } else {
                put(o, (const char *)s, n);
                s += n;
            }
        }
    }
    put(o, "\"", 1);
}

static void put_field(out_t *o, const char *name, const char *value) {
    if (value == NULL)
        return;
    put(o, ",\"", 2);
    put(o, name, strlen(name));
    put(o, "\":", 2);
    put_json_string(o, value);
}

/* ---- writing ---------------------------------------------------------------------------- */

static void write_line(log_level_t level, const log_fields_t *fields, const char *message) {
    char when[CLOCK_ISO_MAX];
    char line[LINE_MAX_BYTES * 6 + 512]; /* room for every byte escaped in six */
    clock_format_iso(clock_now_ms(), when, sizeof when);
    out_t o = {line, sizeof line - 1, 0}; /* one byte kept for the newline */
    if (log_format == LOG_FORMAT_JSON) {
        put(&o, "{\"ts\":\"", 7);
        put(&o, when, strlen(when));
        put(&o, "\",\"level\":\"", 11);
        put(&o, LEVEL_NAMES[level], strlen(LEVEL_NAMES[level]));
        put(&o, "\",\"msg\":", 8);
        put_json_string(&o, message);
        if (fields) {
            put_field(&o, "contact", fields->contact);
            put_field(&o, "event", fields->event);
            put_field(&o, "entry", fields->entry);
        }
        put(&o, "}", 1);
    } else {
        int n = snprintf(line, sizeof line - 1, "%s %s %s", when, LEVEL_NAMES[level], message);
        o.used = n < 0 ? 0 : (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
        if (fields && (fields->contact || fields->event || fields->entry)) {
            const char *sep = " (";
            const char *names[] = {"contact", "event", "entry"};
            const char *values[] = {fields->contact, fields->event, fields->entry};
            for (int i = 0; i < 3; i++) {
                if (values[i] == NULL)
                    continue;
                put(&o, sep, strlen(sep));
                put(&o, names[i], strlen(names[i]));
                put(&o, " ", 1);
                put(&o, values[i], strlen(values[i]));
                sep = ", ";
            }
            put(&o, ")", 1);
        }
    }
    line[o.used++] = '\n';
    fwrite(line, 1, o.used, stderr);
}

void log_write(log_level_t level, const char *fmt, ...) {
    char message[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    write_line(level, NULL, message);
}

void log_write_fields(log_level_t level, const log_fields_t *fields, const char *fmt, ...) {
    char message[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    write_line(level, fields, message);
}
