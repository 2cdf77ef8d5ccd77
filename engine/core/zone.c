/* zone: local time through the C library (TZ + localtime_r/mktime, which read the tz
 * database). The process is single-threaded and nothing else depends on TZ, so switching
 * it is safe; the last zone is remembered to avoid re-reading the database. */
#include "engine/core/zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ZONEINFO "/usr/share/zoneinfo/"

int zone_is_known(const char *zone) {
    char path[256];
    if (zone == NULL || zone[0] == '\0' || strstr(zone, "..") || zone[0] == '/')
        return 0;
    snprintf(path, sizeof path, ZONEINFO "%s", zone);
    return access(path, R_OK) == 0;
}

static void use_zone(const char *zone) {
    static char current[128] = "";
    const char *wanted = zone_is_known(zone) ? zone : "UTC";
    if (strcmp(current, wanted) == 0)
        return;
    snprintf(current, sizeof current, "%s", wanted);
    setenv("TZ", current, 1);
    tzset();
}

static int64_t to_utc_ms(struct tm *local) {
    local->tm_isdst = -1; /* let the database decide, across DST changes too */
    return (int64_t)mktime(local) * 1000;
}

/* Moves 'local' to 'minute' of the day 'days_ahead' after it. */
static void set_local(struct tm *local, int days_ahead, int minute) {
    local->tm_mday += days_ahead;
    local->tm_hour = minute / 60;
    local->tm_min = minute % 60;
    local->tm_sec = 0;
}

static int in_range(int minute, int from, int to) {
    return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}

int64_t zone_next_allowed(const playbook_hours_t *h, int use_quiet, int use_business,
                          const char *zone, int64_t due_ms) {
    use_quiet = use_quiet && h->has_quiet_hours && h->quiet_from_min != h->quiet_to_min;
    use_business = use_business && h->business_days != 0;
    if (!use_quiet && !use_business)
        return due_ms;
    use_zone(zone);
    int64_t t = due_ms;
    for (int step = 0; step < 16; step++) { /* each step moves to a boundary; a week at most */
        time_t seconds = (time_t)(t / 1000);
        struct tm local;
        localtime_r(&seconds, &local);
        int minute = local.tm_hour * 60 + local.tm_min;
        int is_workday = (h->business_days >> local.tm_wday) & 1;
        if (use_quiet && in_range(minute, h->quiet_from_min, h->quiet_to_min)) {
            int over_midnight = h->quiet_from_min > h->quiet_to_min && minute >= h->quiet_from_min;
            set_local(&local, over_midnight, h->quiet_to_min);
        } else if (use_business && (!is_workday || minute >= h->business_to_min)) {
            set_local(&local, 1, h->business_from_min);
        } else if (use_business && minute < h->business_from_min) {
            set_local(&local, 0, h->business_from_min);
        } else {
            return t;
        }
        int64_t next = to_utc_ms(&local);
        t = next > t ? next : t + 60 * 1000;
    }
    return t;
}
