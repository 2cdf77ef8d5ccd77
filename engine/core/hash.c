/* hash: FNV-1a, 64-bit. */
#include "engine/core/hash.h"

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

/* Digit by digit rather than snprintf: every action id is formatted here. */
void hash_hex(uint64_t value, char buf[17]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        buf[i] = digits[value & 0xf];
        value >>= 4;
    }
    buf[16] = '\0';
}
