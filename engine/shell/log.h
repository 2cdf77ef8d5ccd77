/* log: one line per happening on stderr, with the level checked before any argument is
 * formatted. Two formats: text ("time level message") and JSON, one object per line:
 *   {"ts":"2024-05-01T09:00:00.000Z","level":"warn","msg":"...","contact":"...","event":"..."}
 * where "contact", "event" and "entry" (a stream entry id) appear when the line is about one.
 * Only the code that decides (retry, dead-letter, ack) logs; the core returns errors instead. */
#ifndef NURTURE_LOG_H
#define NURTURE_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;
typedef enum { LOG_FORMAT_TEXT, LOG_FORMAT_JSON } log_format_t;

/* What a line is about; any member may be NULL. */
typedef struct {
    const char *contact;
    const char *event;
    const char *entry;
} log_fields_t;

extern log_level_t log_threshold;
extern log_format_t log_format; /* LOG_FORMAT_TEXT unless a command chooses otherwise */

/* Parses "debug", "info", "warn" or "error"; returns 0, or -1 for anything else. */
int log_parse_level(const char *text, log_level_t *out);

/* Parses "text" or "json"; returns 0, or -1 for anything else. */
int log_parse_format(const char *text, log_format_t *out);

void log_write(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like log_write, with the ids in 'fields' (borrowed; may be NULL) as fields of the line. */
void log_write_fields(log_level_t level, const log_fields_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG(level, ...)                                                                        \
    do {                                                                                       \
        if ((level) >= log_threshold)                                                          \
            log_write((level), __VA_ARGS__);                                                   \
    } while (0)

/* LOG about a contact and an event (either may be NULL). */
#define LOG_ABOUT(level, contact_id, event_id, ...)                                            \
    do {                                                                                       \
        if ((level) >= log_threshold) {                                                        \
            const log_fields_t log_fields_ = {(contact_id), (event_id), NULL};                 \
            log_write_fields((level), &log_fields_, __VA_ARGS__);                              \
        }                                                                                      \
    } while (0)

#endif
