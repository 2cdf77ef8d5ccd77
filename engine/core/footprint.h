/* footprint: about how many bytes a value holds in memory, so that a cache can keep to a
 * budget. Estimates, not measures: the sizes asked for plus what an allocator adds to each
 * block on average; what is shared or freed late counts as if owned. Pure. */
#ifndef NURTURE_FOOTPRINT_H
#define NURTURE_FOOTPRINT_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* A block of 'size' bytes from malloc. */
size_t footprint_block(size_t size);

/* A copied string (strdup), or 0 for NULL. */
size_t footprint_string(const char *text);

/* A touchpoint's block: its row of 'row_size' bytes and the strings the row starts with
 * (event id, type, contact), taken as a quarter of the row, so that no string is measured:
 * a cache counts every touchpoint of a state at every put. */
size_t footprint_row(size_t row_size);

/* A cJSON tree: its items and their strings; 0 for NULL. */
size_t footprint_json(const cJSON *item);

#endif
