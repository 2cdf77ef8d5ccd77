/* slotcache: a two-way set-associative cache of values by id. */
#include "engine/core/slotcache.h"

#include <stdlib.h>
#include <string.h>

#include "engine/core/hash.h"

int slotcache_init(slotcache_t *cache, size_t size, size_t budget,
                   void (*free_value)(void *value)) {
    memset(cache, 0, sizeof *cache);
    cache->free_value = free_value;
    cache->budget = budget;
    if (size == 0)
        return 0;
    cache->ways = size >= 2 ? 2 : 1;
    cache->pairs = size / cache->ways;
    size_t slots = cache->pairs * cache->ways;
    cache->ids = calloc(slots, sizeof *cache->ids);
    cache->values = calloc(slots, sizeof *cache->values);
    cache->sizes = calloc(slots, sizeof *cache->sizes);
    cache->is_recent = calloc(slots, sizeof *cache->is_recent);
    cache->newest = calloc(cache->pairs, sizeof *cache->newest);
    if (!cache->ids || !cache->values || !cache->sizes || !cache->is_recent || !cache->newest) {
        slotcache_close(cache);
        return -1;
    }
    return 0;
}

/* Empties slot 'i', leaving its value to the caller. */
static void *vacate(slotcache_t *cache, size_t i) {
    void *value = cache->values[i];
    free(cache->ids[i]);
    cache->ids[i] = NULL;
    cache->values[i] = NULL;
    cache->bytes -= cache->sizes[i];
    cache->sizes[i] = 0;
    return value;
}

/* Empties slot 'i', freeing what it held. */
static void evict(slotcache_t *cache, size_t i) {
    if (cache->ids[i] != NULL)
        cache->free_value(vacate(cache, i));
}

void slotcache_clear(slotcache_t *cache) {
    for (size_t i = 0; i < cache->pairs * cache->ways; i++)
        evict(cache, i);
}

void slotcache_close(slotcache_t *cache) {
    if (cache->ids != NULL)
        slotcache_clear(cache);
    free(cache->ids);
    free(cache->values);
    free(cache->sizes);
    free(cache->is_recent);
    free(cache->newest);
    cache->ids = NULL;
    cache->values = NULL;
    cache->sizes = NULL;
    cache->is_recent = NULL;
    cache->newest = NULL;
    cache->pairs = 0;
}

static size_t pair_of(const slotcache_t *cache, const char *id) {
    return (size_t)(hash_update_str(HASH_SEED, id) % cache->pairs);
}

void *slotcache_take(slotcache_t *cache, const char *id) {
    if (cache->pairs == 0)
        return NULL;
    size_t first = pair_of(cache, id) * cache->ways;
    for (size_t i = first; i < first + cache->ways; i++)
        if (cache->ids[i] != NULL && strcmp(cache->ids[i], id) == 0)
            return vacate(cache, i);
    return NULL;
}

/* The slot of the pair at 'first' that a put of 'id' takes: the one holding 'id' already,
 * else an empty one, else the one put longer ago than 'newest'. */
static size_t choose_way(const slotcache_t *cache, size_t first, size_t newest, const char *id) {
    size_t empty = cache->ways;
    for (size_t w = 0; w < cache->ways; w++) {
        const char *held = cache->ids[first + w];
        if (held != NULL && strcmp(held, id) == 0)
            return w;
        if (held == NULL && empty == cache->ways)
            empty = w;
    }
    return empty < cache->ways ? empty : cache->ways - 1 - newest;
}

/* Evicts what the clock finds until the cache is within its budget. Two rounds of the hand
 * at most: the first spares the values put since it last passed, the second none. */
static void keep_to_budget(slotcache_t *cache) {
    size_t slots = cache->pairs * cache->ways;
    for (size_t step = 0; cache->budget > 0 && cache->bytes > cache->budget && step < 2 * slots;
         step++) {
        size_t i = cache->hand;
        cache->hand = (i + 1) % slots;
        if (cache->ids[i] == NULL)
            continue;
        if (cache->is_recent[i])
            cache->is_recent[i] = 0;
        else
            evict(cache, i);
    }
}

void slotcache_put(slotcache_t *cache, const char *id, void *value, size_t size) {
    char *copy = cache->pairs ? strdup(id) : NULL;
    if (copy == NULL) {
        cache->free_value(value);
        return;
    }
    size_t pair = pair_of(cache, id), first = pair * cache->ways;
    size_t way = choose_way(cache, first, cache->newest[pair], id);
    size_t slot = first + way;
    evict(cache, slot);
    cache->ids[slot] = copy;
    cache->values[slot] = value;
    cache->sizes[slot] = size;
    cache->is_recent[slot] = 1;
    cache->bytes += size;
    cache->newest[pair] = (unsigned char)way;
    keep_to_budget(cache);
}
