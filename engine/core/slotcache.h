/* slotcache: a fixed-size cache of values by string id, two slots per id's hash (two-way set
 * associative). Putting a value fills an empty slot of the pair or evicts the one put longer
 * ago, so every operation costs the same, the cache never empties all at once, and an id
 * loses its place only to two others of its pair put after it. (Direct mapped, one slot per
 * hash, half of 541 contacts in 768 slots shared their slot with another and pushed it out
 * at every turn.) Keys are copied; values are owned by the cache from put until take or
 * eviction. Pure. */
#ifndef NURTURE_SLOTCACHE_H
#define NURTURE_SLOTCACHE_H

#include <stddef.h>

typedef struct {
    char **ids;             /* per slot, owned; NULL when empty */
    void **values;          /* per slot, owned */
    unsigned char *newest;  /* per pair of slots: which of the two was put last */
    size_t pairs;           /* 0 when the cache is off */
    size_t ways;            /* slots per pair: 2, or 1 in a cache of one slot */
    void (*free_value)(void *value);
} slotcache_t;

/* Makes a cache of 'size' slots (0 turns it off: puts free their value at once; an odd size
 * leaves one slot unused) whose values are released with 'free_value'. Returns 0, or -1 when
 * out of memory (the cache is off). */
int slotcache_init(slotcache_t *cache, size_t size, void (*free_value)(void *value));

/* Frees every value and the slots; the cache is off afterwards. */
void slotcache_close(slotcache_t *cache);

/* Frees every value, keeping the slots. */
void slotcache_clear(slotcache_t *cache);

/* Returns the value of 'id', now owned by the caller and gone from the cache, or NULL. */
void *slotcache_take(slotcache_t *cache, const char *id);

/* Keeps 'value' (owned from now on) under 'id', in an empty slot of its pair or in place of
 * the pair's value put longer ago, which is freed. When out of memory, the value is freed
 * instead: a cache may always forget. */
void slotcache_put(slotcache_t *cache, const char *id, void *value);

#endif
