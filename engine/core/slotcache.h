/* slotcache: a fixed-size cache of values by string id, one slot per id's hash (direct
 * mapped). Putting a value evicts whatever held its slot, so every operation costs the same
 * and the cache never empties all at once; a hot id loses its slot only to a colliding one.
 * Keys are copied; values are owned by the cache from put until take or eviction. Pure. */
#ifndef NURTURE_SLOTCACHE_H
#define NURTURE_SLOTCACHE_H

#include <stddef.h>

typedef struct {
    char **ids;    /* per slot, owned; NULL when empty */
    void **values; /* per slot, owned */
    size_t size;   /* slots; 0 when the cache is off */
    void (*free_value)(void *value);
} slotcache_t;

/* Makes a cache of 'size' slots (0 turns it off: puts free their value at once) whose values
 * are released with 'free_value'. Returns 0, or -1 when out of memory (the cache is off). */
int slotcache_init(slotcache_t *cache, size_t size, void (*free_value)(void *value));

/* Frees every value and the slots; the cache is off afterwards. */
void slotcache_close(slotcache_t *cache);

/* Frees every value, keeping the slots. */
void slotcache_clear(slotcache_t *cache);

/* Returns the value of 'id', now owned by the caller and gone from the cache, or NULL. */
void *slotcache_take(slotcache_t *cache, const char *id);

/* Keeps 'value' (owned from now on) under 'id', evicting the slot's earlier value. When out
 * of memory, the value is freed instead: a cache may always forget. */
void slotcache_put(slotcache_t *cache, const char *id, void *value);

#endif
