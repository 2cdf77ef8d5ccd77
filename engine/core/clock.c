/* clock: RFC 3339 and duration parsing, ISO formatting. Days-from-civil arithmetic keeps
 * the parser independent of the process time zone (no mktime, no TZ). */
#include "engine/core/clock.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m) {
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly 'width' digits at '*p' into '*out' and advances; 0 on success. */
static int read_digits(const char **p, int width, unsigned *out) {
    unsigned value = 0;
    for (int i = 0; i < width; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        value = value * 10 + (unsigned)((*p)[i] - '0');
    }
    *p += width;
    *out = value;
    return 0;
}

int clock_parse_rfc3339(const char *text, int64_t *out_ms, nerr_t *err) {
    const char *p = text;
    unsigned year, month, day, hour, minute, second, offset_h = 0, offset_m = 0;
    int64_t millis = 0;
    int offset_sign = 0;

    if (read_digits(&p, 4, &year) || *p++ != '-' || read_digits(&p, 2, &month) || *p++ != '-' ||
        read_digits(&p, 2, &day))
        goto invalid;
    if (*p != 'T' && *p != 't' && *p != ' ')
        goto invalid;
    p++;
    if (read_digits(&p, 2, &hour) || *p++ != ':' || read_digits(&p, 2, &minute) ||
        *p++ != ':' || read_digits(&p, 2, &second))
        goto invalid;
    if (*p == '.') {
        p++;
        int digits = 0;
        int64_t scale = 100;
        while (isdigit((unsigned char)*p)) {
            if (digits++ < 3) {
                millis += (*p - '0') * scale;
                scale /= 10;
            }
            p++;
        }
        if (digits == 0)
            goto invalid;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        offset_sign = *p == '+' ? 1 : -1;
        p++;
        if (read_digits(&p, 2, &offset_h) || *p++ != ':' || read_digits(&p, 2, &offset_m))
            goto invalid;
        if (offset_h > 23 || offset_m > 59)
            goto invalid;
    } else {
        goto invalid;
    }
    if (*p != '\0')
        goto invalid;
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 60)
        goto invalid;

    int64_t days = days_from_civil(year, month, day);
    int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + (second == 60 ? 59 : second);
    seconds -= offset_sign * (int64_t)(offset_h * 3600 + offset_m * 60);
    *out_ms = seconds * 1000 + millis;
    return 0;

invalid:
    return nerr_set(err, NERR_INVALID, "'%.64s' is not an RFC 3339 date-time", text);
}

void clock_format_iso(int64_t ms, char *buf, size_t size) {
    int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t millis = ms - seconds * 1000;
    int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    int64_t rest = seconds - days * 86400;
    int64_t year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    if (year < 0 || year > 9999 || size < CLOCK_ISO_MAX) {
        snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03dZ", year, month, day,
                 (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60), (int)millis);
        return;
    }
    /* The same text digit by digit: every held-back record carries a time, and snprintf
     * cost more than the rest of writing the record. */
    int fields[] = {(int)year, (int)month, (int)day, (int)(rest / 3600), (int)(rest / 60 % 60),
                    (int)(rest % 60), (int)millis};
    static const char widths[] = {4, 2, 2, 2, 2, 2, 3}, after[] = "--T::.Z";
    char *at = buf;
    for (int i = 0; i < 7; i++) {
        for (int k = widths[i] - 1, value = fields[i]; k >= 0; k--, value /= 10)
            at[k] = (char)('0' + value % 10);
        at += widths[i];
        *at++ = after[i];
    }
    *at = '\0';
}

int clock_parse_duration(const char *text, int64_t *out_ms, nerr_t *err) {
    const char *p = text;
    int64_t amount = 0;
    if (!isdigit((unsigned char)*p))
        goto invalid;
    while (isdigit((unsigned char)*p)) {
        if (amount > 1000000000)
            goto invalid;
        amount = amount * 10 + (*p++ - '0');
    }
    int64_t unit_ms;
    switch (*p) {
    case '\0':
        if (amount != 0)
            goto invalid;
        *out_ms = 0;
        return 0;
    case 's': unit_ms = 1000; break;
    case 'm': unit_ms = 60 * 1000; break;
    case 'h': unit_ms = 3600 * 1000; break;
    case 'd': unit_ms = 86400 * 1000; break;
    case 'w': unit_ms = 7 * 86400 * 1000; break;
    default: goto invalid;
    }
    if (p[1] != '\0')
        goto invalid;
    *out_ms = amount * unit_ms;
    return 0;

invalid:
    return nerr_set(err, NERR_INVALID,
                    "'%.64s' is not a duration (a whole number and one of s, m, h, d, w: \"90s\", "
                    "\"1h\", \"14d\")",
                    text);
}

int64_t clock_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
