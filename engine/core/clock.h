/* clock: time points and durations as integer milliseconds since the Unix epoch (UTC).
 * Pure functions; the wall clock is read only by the I/O shell (clock_now_ms). */
#ifndef NURTURE_CLOCK_H
#define NURTURE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/core/nerr.h"

#define CLOCK_ISO_MAX 32 /* "2026-11-23T09:00:00.000Z" and its terminator fit */

/* Parses an RFC 3339 date-time ("2026-11-23T09:00:00Z", "...T18:00:00.250+09:00") into
 * '*out_ms'. Returns 0, or NERR_INVALID with a reason in 'err'. */
int clock_parse_rfc3339(const char *text, int64_t *out_ms, nerr_t *err);

/* Writes 'ms' as "YYYY-MM-DDTHH:MM:SS.mmmZ" into 'buf' (at least CLOCK_ISO_MAX bytes). */
void clock_format_iso(int64_t ms, char *buf, size_t size);

/* Parses a duration: a whole number followed by one unit of s, m, h, d or w ("90s", "1h",
 * "14d"); "0" alone means zero. Returns 0, or NERR_INVALID with a reason in 'err'. */
int clock_parse_duration(const char *text, int64_t *out_ms, nerr_t *err);

/* The wall clock in milliseconds. Only the I/O shell calls this. */
int64_t clock_now_ms(void);

#endif
