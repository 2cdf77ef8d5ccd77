/* jsonflat: a deep copy of a cJSON tree in one allocation, for the props of history
 * touchpoints, which are written once, read by rules and freed whole. Pure; depends on cJSON. */
#ifndef NURTURE_JSONFLAT_H
#define NURTURE_JSONFLAT_H

#include <cjson/cJSON.h>

/* Returns a copy of 'item' (borrowed) and everything under it, owned (free with cJSON_Delete,
 * which frees the one block), or NULL when out of memory. The copy has no key of its own and
 * is read-only: adding, detaching or replacing items in it is a bug. cJSON_Duplicate of it
 * gives an ordinary tree. */
cJSON *jsonflat_copy(const cJSON *item);

#endif
