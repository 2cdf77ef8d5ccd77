/* hash: FNV-1a, 64-bit. */
#include "engine/core/hash.h"

#include <stdio.h>
#include <string.h>

uint64_t hash_update(uint64_t state, const void *data, size_t size) {
    const unsigned char *bytes = data;
    for (size_t i = 0; i < size; i++) {
        state ^= bytes[i];
        state *= 0x100000001b3ULL;
    }
    return state;
}

uint64_t hash_update_str(uint64_t state, const char *text) {
    return hash_update(state, text, strlen(text) + 1);
}

void hash_hex(uint64_t value, char buf[17]) {
    snprintf(buf, 17, "%016llx", (unsigned long long)value);
}
