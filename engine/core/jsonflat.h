/* jsonflat: JSON parsed into a cJSON tree that lives in one allocation, for the values of
 * events, which are read by rules and freed whole. Pure; depends on cJSON. */
#ifndef NURTURE_JSONFLAT_H
#define NURTURE_JSONFLAT_H

#include <cjson/cJSON.h>

/* Parses the JSON value at the start of 'size' bytes of 'text' (after white space) into a flat
 * tree: every node and string in one block, with cJSON's values (numbers by strtod over the
 * characters cJSON takes). Returns it, owned (free with cJSON_Delete, which frees the one
 * block), and sets '*end' past the value; or NULL when the value is not plain (\u escapes,
 * control characters, deep nesting, bad syntax) or memory runs out: the caller then asks
 * cJSON. The tree is read-only: adding, detaching or replacing items in it is a bug;
 * cJSON_Duplicate of it gives an ordinary tree. */
cJSON *jsonflat_parse(const char *text, size_t size, const char **end);

/* Makes 'node' the number 'value', with cJSON's saturated valueint. */
void jsonflat_set_number(cJSON *node, double value);

#endif
