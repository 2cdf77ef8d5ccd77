/* footprint: about how many bytes a value holds in memory, so that a cache can keep to a
 * budget. Estimates, not measures: the sizes asked for plus what an allocator adds to each
 * block on average; what is shared or freed late counts as if owned. Pure. */
#ifndef NURTURE_FOOTPRINT_H
#define NURTURE_FOOTPRINT_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* What an allocator adds to a block on average: jemalloc rounds small sizes up to classes a
 * quarter apart at most, the C library's adds a header and rounds to 16. */
#define FOOTPRINT_BLOCK_EXTRA 16

/* A block of 'size' bytes from malloc. Inline, as are the others that take no string: the
 * cache adds up one per touchpoint of a state at every put. */
static inline size_t footprint_block(size_t size) { return size + FOOTPRINT_BLOCK_EXTRA; }

/* A copied string (strdup), or 0 for NULL. */
size_t footprint_string(const char *text);

/* A touchpoint's block: its row of 'row_size' bytes and the strings the row starts with
 * (event id, type, contact), taken as a quarter of the row, so that no string is measured. */
static inline size_t footprint_row(size_t row_size) {
    return footprint_block(row_size + row_size / 4 + 4);
}

/* A cJSON tree: its items and their strings; 0 for NULL. */
size_t footprint_json(const cJSON *item);

#endif
