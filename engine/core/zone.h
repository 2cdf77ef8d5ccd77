/* zone: wall-clock time in a contact's IANA time zone ("Asia/Tokyo", "Europe/Berlin"), with
 * daylight saving time, from the system's time zone database; and the next instant a
 * delivery may happen given quiet hours and business hours. Deterministic for a given tz
 * database; used by the decision core, which never reads the wall clock. */
#ifndef NURTURE_ZONE_H
#define NURTURE_ZONE_H

#include <stdint.h>

#include "engine/core/playbook.h"

/* Returns the earliest instant at or after 'due_ms' that is outside the quiet hours (when
 * 'use_quiet') and inside business hours (when 'use_business'), on the wall clock of 'zone'
 * (NULL or unknown: UTC). */
int64_t zone_next_allowed(const playbook_hours_t *hours, int use_quiet, int use_business,
                          const char *zone, int64_t due_ms);

/* Returns 1 when 'zone' names a zone of the tz database, else 0. */
int zone_is_known(const char *zone);

#endif
