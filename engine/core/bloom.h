/* bloom: a Bloom filter of byte strings, which answers "surely never added" or "maybe added".
 *
 * The consumer keeps one of the state keys that exist in Redis, so that a contact or account
 * it has never heard of starts afresh without a round trip to ask for it. A "maybe" for a
 * string never added (about 1 in 100 while each string has 10 bits, more as the filter
 * fills) only costs what asking would have cost; a "never" is never wrong about what was
 * added. Strings cannot be taken out again.
 *
 * The filter owns its bit array. A filter without one (size 0, or out of memory at init)
 * answers "maybe" to everything, which is always safe. Pure. */
#ifndef NURTURE_BLOOM_H
#define NURTURE_BLOOM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t *words; /* the bits; NULL when the filter is off */
    uint64_t mask;   /* the bit count minus one: the count is a power of two */
    size_t added;    /* strings added, counted again when added twice */
} bloom_t;

/* Makes an empty filter of at most 'bytes' bytes (rounded down to a power of two; under 8
 * bytes turns it off). Returns 0, or -1 when out of memory (the filter is off). */
int bloom_init(bloom_t *bloom, size_t bytes);

/* Frees the bits; the filter is off afterwards. */
void bloom_free(bloom_t *bloom);

/* Forgets every string added, keeping the bits' memory. */
void bloom_clear(bloom_t *bloom);

/* Adds 'size' bytes of 'data'. Does nothing to a filter that is off. */
void bloom_add(bloom_t *bloom, const void *data, size_t size);

/* Returns 0 when 'data' was surely never added, 1 when it may have been. */
int bloom_may_contain(const bloom_t *bloom, const void *data, size_t size);

/* The filter's size in bytes, 0 when off. */
size_t bloom_bytes(const bloom_t *bloom);

#endif
