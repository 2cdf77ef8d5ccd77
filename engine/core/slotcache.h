/* slotcache: a fixed-size cache of values by string id, two slots per id's hash (two-way set
 * associative). Putting a value fills an empty slot of the pair or evicts the one put longer
 * ago, so the cache never empties all at once. (Direct mapped, one slot per hash, half of
 * 541 contacts in 768 slots shared their slot with another and pushed it out at every
 * turn.) A cache may also have a budget of bytes, each value's size given at put (an
 * estimate, see footprint.h): a put that goes over it evicts values, those put least
 * recently first as far as a clock can tell (second chance: a hand goes round the slots,
 * sparing once each value put since it last passed). With more slots than values, the
 * budget is what decides: the engine's states used again and again stay, where with the
 * slots alone two others of their pair put after them pushed them out. Keys are copied;
 * values are owned by the cache from put until take or eviction. Pure. */
#ifndef NURTURE_SLOTCACHE_H
#define NURTURE_SLOTCACHE_H

#include <stddef.h>

typedef struct {
    char **ids;             /* per slot, owned; NULL when empty */
    void **values;          /* per slot, owned */
    size_t *sizes;          /* per slot: the size given at put */
    unsigned char *is_recent; /* per slot: put since the clock's hand last passed */
    unsigned char *newest;  /* per pair of slots: which of the two was put last */
    size_t pairs;           /* 0 when the cache is off */
    size_t ways;            /* slots per pair: 2, or 1 in a cache of one slot */
    size_t bytes;           /* the sizes of the values held */
    size_t budget;          /* the most 'bytes' may be after a put; 0: no budget */
    size_t hand;            /* the slot the clock looks at next */
    void (*free_value)(void *value);
} slotcache_t;

/* Makes a cache of 'size' slots (0 turns it off: puts free their value at once; an odd size
 * leaves one slot unused) holding at most 'budget' bytes (0: as many as the slots hold),
 * whose values are released with 'free_value'. Returns 0, or -1 when out of memory (the
 * cache is off). */
int slotcache_init(slotcache_t *cache, size_t size, size_t budget,
                   void (*free_value)(void *value));

/* Frees every value and the slots; the cache is off afterwards. */
void slotcache_close(slotcache_t *cache);

/* Frees every value, keeping the slots. */
void slotcache_clear(slotcache_t *cache);

/* Returns the value of 'id', now owned by the caller and gone from the cache, or NULL. */
void *slotcache_take(slotcache_t *cache, const char *id);

/* Keeps 'value' (owned from now on) of 'size' bytes under 'id', in an empty slot of its pair
 * or in place of the pair's value put longer ago, which is freed; then, while the cache is
 * over its budget, frees values the clock finds (this one too, if it alone is over). When
 * out of memory, the value is freed instead: a cache may always forget. */
void slotcache_put(slotcache_t *cache, const char *id, void *value, size_t size);

#endif
