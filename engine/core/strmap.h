/* strmap: a hash map from strings to pointers (open addressing, linear probing), for the
 * in-memory stores of replay and tests. Keys are copied; values are borrowed. Pure. */
#ifndef NURTURE_STRMAP_H
#define NURTURE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char **keys;       /* NULL in an empty slot */
    void **values;
    uint64_t *hashes;  /* of each slot's key */
    size_t capacity; /* a power of two, or 0 */
    size_t count;
} strmap_t;

void strmap_init(strmap_t *map);

/* Frees the keys and the table; calls 'free_value' (may be NULL) on each value. */
void strmap_close(strmap_t *map, void (*free_value)(void *value));

/* Returns the value stored under 'key', or NULL. */
void *strmap_get(const strmap_t *map, const char *key);

/* Stores 'value' under 'key', replacing any earlier value (which is not freed). Returns 0, or
 * -1 when out of memory (the map is unchanged). */
int strmap_put(strmap_t *map, const char *key, void *value);

/* Returns where the value stored under 'key' is kept, first adding 'key' with a NULL value
 * when it is new: one lookup for a read followed by a write (a count, a first sight). NULL
 * when out of memory (the map is unchanged). The place is valid until the next addition. */
void **strmap_slot(strmap_t *map, const char *key);

#endif
