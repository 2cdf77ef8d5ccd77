/* nerr: fills error records; never allocates. */
#include "engine/core/nerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int nerr_set(nerr_t *err, int code, const char *fmt, ...) {
    if (err == NULL)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

void nerr_prefix(nerr_t *err, const char *fmt, ...) {
    if (err == NULL)
        return;
    char joined[2 * sizeof err->msg + 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(joined, sizeof err->msg, fmt, ap);
    va_end(ap);
    size_t used = n < 0 ? 0 : (size_t)n < sizeof err->msg ? (size_t)n : sizeof err->msg - 1;
    memcpy(joined + used, ": ", 2);
    memcpy(joined + used + 2, err->msg, sizeof err->msg);
    joined[sizeof joined - 1] = '\0';
    memcpy(err->msg, joined, sizeof err->msg - 1);
    err->msg[sizeof err->msg - 1] = '\0';
}
