/* log: timestamped lines on stderr. */
#include "engine/shell/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/clock.h"

log_level_t log_threshold = LOG_INFO;

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

int log_parse_level(const char *text, log_level_t *out) {
    for (int i = 0; i < 4; i++)
        if (strcmp(text, LEVEL_NAMES[i]) == 0) {
            *out = (log_level_t)i;
            return 0;
        }
    return -1;
}

void log_write(log_level_t level, const char *fmt, ...) {
    char when[CLOCK_ISO_MAX];
    char line[2048];
    clock_format_iso(clock_now_ms(), when, sizeof when);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s %s %s\n", when, LEVEL_NAMES[level], line);
}
