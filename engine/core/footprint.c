/* footprint: estimates of what values hold in memory. */
#include "engine/core/footprint.h"

#include <string.h>

size_t footprint_string(const char *text) {
    return text ? footprint_block(strlen(text) + 1) : 0;
}

size_t footprint_json(const cJSON *item) {
    size_t total = 0;
    for (; item != NULL; item = item->next)
        total += footprint_block(sizeof *item) + footprint_string(item->string) +
                 footprint_string(item->valuestring) + footprint_json(item->child);
    return total;
}
