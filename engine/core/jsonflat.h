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

/* Parses the JSON value at the start of 'size' bytes of 'text' (after white space) into a flat
 * tree as jsonflat_copy makes, with cJSON's values (numbers by strtod over the characters cJSON
 * takes). Returns it, owned (free with cJSON_Delete), and sets '*end' past the value; or NULL
 * when the value is not plain (\u escapes, control characters, deep nesting, bad syntax) or
 * memory runs out: the caller then asks cJSON. */
cJSON *jsonflat_parse(const char *text, size_t size, const char **end);

#endif
