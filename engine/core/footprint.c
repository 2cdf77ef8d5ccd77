/* footprint: estimates of what values hold in memory. */
#include "engine/core/footprint.h"

#include <string.h>

/* What an allocator adds to a block on average: jemalloc rounds small sizes up to classes a
 * quarter apart at most, the C library's adds a header and rounds to 16. */
#define FOOTPRINT_BLOCK_EXTRA 16

size_t footprint_block(size_t size) { return size + FOOTPRINT_BLOCK_EXTRA; }

size_t footprint_string(const char *text) {
    return text ? footprint_block(strlen(text) + 1) : 0;
}

size_t footprint_row(size_t row_size) { return footprint_block(row_size + row_size / 4 + 4); }

size_t footprint_json(const cJSON *item) {
    size_t total = 0;
    for (; item != NULL; item = item->next)
        total += footprint_block(sizeof *item) + footprint_string(item->string) +
                 footprint_string(item->valuestring) + footprint_json(item->child);
    return total;
}
