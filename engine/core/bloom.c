/* bloom: seven bits per string, picked by double hashing (bit i = h1 + i * h2) from one
 * 64-bit hash, which costs one pass over the string however many bits are set. Seven is
 * the best count for about 10 bits per string; the filter is sized for the strings it is
 * expected to hold, and past that its "maybe" only grows more frequent. */
#include "engine/core/bloom.h"

#include <stdlib.h>
#include <string.h>

#include "engine/core/hash.h"

#define BITS_PER_STRING_SET 7

int bloom_init(bloom_t *bloom, size_t bytes) {
    *bloom = (bloom_t){0};
    if (bytes < sizeof(uint64_t))
        return 0;
    size_t words = 1;
    while (words <= bytes / sizeof(uint64_t) / 2)
        words *= 2;
    bloom->words = calloc(words, sizeof(uint64_t));
    if (bloom->words == NULL)
        return -1;
    bloom->mask = (uint64_t)words * 64 - 1;
    return 0;
}

void bloom_free(bloom_t *bloom) {
    free(bloom->words);
    *bloom = (bloom_t){0};
}

void bloom_clear(bloom_t *bloom) {
    if (bloom->words != NULL)
        memset(bloom->words, 0, bloom_bytes(bloom));
    bloom->added = 0;
}

size_t bloom_bytes(const bloom_t *bloom) {
    return bloom->words ? (size_t)(bloom->mask + 1) / 8 : 0;
}

/* FNV-1a leaves the high bits of a short string's hash poorly mixed, and the second half of
 * the hash picks the stride: a finalizer (the one of splitmix64) spreads every input bit
 * over both halves. */
static uint64_t mixed_hash(const void *data, size_t size) {
    uint64_t x = hash_update(HASH_SEED, data, size);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void bloom_add(bloom_t *bloom, const void *data, size_t size) {
    if (bloom->words == NULL)
        return;
    uint64_t hash = mixed_hash(data, size);
    uint64_t bit = hash & 0xffffffffu, stride = (hash >> 32) | 1; /* odd: every bit reachable */
    for (int i = 0; i < BITS_PER_STRING_SET; i++, bit += stride)
        bloom->words[(bit & bloom->mask) / 64] |= 1ULL << (bit & 63);
    bloom->added++;
}

int bloom_may_contain(const bloom_t *bloom, const void *data, size_t size) {
    if (bloom->words == NULL)
        return 1;
    uint64_t hash = mixed_hash(data, size);
    uint64_t bit = hash & 0xffffffffu, stride = (hash >> 32) | 1;
    for (int i = 0; i < BITS_PER_STRING_SET; i++, bit += stride)
        if (!(bloom->words[(bit & bloom->mask) / 64] & (1ULL << (bit & 63))))
            return 0;
    return 1;
}
