/* slotcache: a direct-mapped cache of values by id. */
#include "engine/core/slotcache.h"

#include <stdlib.h>
#include <string.h>

#include "engine/core/hash.h"

int slotcache_init(slotcache_t *cache, size_t size, void (*free_value)(void *value)) {
    memset(cache, 0, sizeof *cache);
    cache->free_value = free_value;
    if (size == 0)
        return 0;
    cache->ids = calloc(size, sizeof *cache->ids);
    cache->values = calloc(size, sizeof *cache->values);
    if (!cache->ids || !cache->values) {
        slotcache_close(cache);
        return -1;
    }
    cache->size = size;
    return 0;
}

/* Empties slot 'i', freeing what it held. */
static void evict(slotcache_t *cache, size_t i) {
    if (cache->ids[i] == NULL)
        return;
    free(cache->ids[i]);
    cache->free_value(cache->values[i]);
    cache->ids[i] = NULL;
    cache->values[i] = NULL;
}

void slotcache_clear(slotcache_t *cache) {
    for (size_t i = 0; i < cache->size; i++)
        evict(cache, i);
}

void slotcache_close(slotcache_t *cache) {
    slotcache_clear(cache);
    free(cache->ids);
    free(cache->values);
    cache->ids = NULL;
    cache->values = NULL;
    cache->size = 0;
}

static size_t slot_of(const slotcache_t *cache, const char *id) {
    return (size_t)(hash_update_str(HASH_SEED, id) % cache->size);
}

void *slotcache_take(slotcache_t *cache, const char *id) {
    if (cache->size == 0)
        return NULL;
    size_t i = slot_of(cache, id);
    if (cache->ids[i] == NULL || strcmp(cache->ids[i], id) != 0)
        return NULL;
    void *value = cache->values[i];
    free(cache->ids[i]);
    cache->ids[i] = NULL;
    cache->values[i] = NULL;
    return value;
}

void slotcache_put(slotcache_t *cache, const char *id, void *value) {
    char *copy = cache->size ? strdup(id) : NULL;
    if (copy == NULL) {
        cache->free_value(value);
        return;
    }
    size_t i = slot_of(cache, id);
    evict(cache, i);
    cache->ids[i] = copy;
    cache->values[i] = value;
}
