/* log: one line per happening on stderr, "time level message", with the level checked before
 * any argument is formatted. Only the code that decides (retry, dead-letter, ack) logs; the
 * core returns errors instead. */
#ifndef NURTURE_LOG_H
#define NURTURE_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

extern log_level_t log_threshold;

/* Parses "debug", "info", "warn" or "error"; returns 0, or -1 for anything else. */
int log_parse_level(const char *text, log_level_t *out);

void log_write(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG(level, ...)                                                                        \
    do {                                                                                       \
        if ((level) >= log_threshold)                                                          \
            log_write((level), __VA_ARGS__);                                                   \
    } while (0)

#endif
