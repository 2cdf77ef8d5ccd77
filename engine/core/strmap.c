/* strmap: FNV-1a hashed, grown at 50% load so probes stay short. Each slot keeps its key's
 * hash: a probe compares strings only when the hashes agree, and growing hashes nothing
 * again. */
#include "engine/core/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/hash.h"

void strmap_init(strmap_t *map) { memset(map, 0, sizeof *map); }

void strmap_close(strmap_t *map, void (*free_value)(void *value)) {
    for (size_t i = 0; i < map->capacity; i++) {
        if (map->keys[i] == NULL)
            continue;
        free(map->keys[i]);
        if (free_value)
            free_value(map->values[i]);
    }
    free(map->keys);
    free(map->values);
    free(map->hashes);
    strmap_init(map);
}

/* The slot holding 'key' (of hash 'hash'), or the empty one where it would go. */
static size_t slot_of(const strmap_t *map, const char *key, uint64_t hash) {
    size_t mask = map->capacity - 1;
    size_t i = (size_t)hash & mask;
    while (map->keys[i] != NULL && (map->hashes[i] != hash || strcmp(map->keys[i], key) != 0))
        i = (i + 1) & mask;
    return i;
}

void *strmap_get(const strmap_t *map, const char *key) {
    if (map->capacity == 0)
        return NULL;
    size_t i = slot_of(map, key, hash_update(HASH_SEED, key, strlen(key)));
    return map->keys[i] ? map->values[i] : NULL;
}

static int grow(strmap_t *map) {
    strmap_t bigger = {NULL, NULL, NULL, map->capacity ? map->capacity * 2 : 64, 0};
    bigger.keys = calloc(bigger.capacity, sizeof *bigger.keys);
    bigger.values = calloc(bigger.capacity, sizeof *bigger.values);
    bigger.hashes = calloc(bigger.capacity, sizeof *bigger.hashes);
    if (!bigger.keys || !bigger.values || !bigger.hashes) {
        free(bigger.keys);
        free(bigger.values);
        free(bigger.hashes);
        return -1;
    }
    size_t mask = bigger.capacity - 1;
    for (size_t i = 0; i < map->capacity; i++) {
        if (map->keys[i] == NULL)
            continue;
        size_t j = (size_t)map->hashes[i] & mask; /* the keys are distinct: the first free slot */
        while (bigger.keys[j] != NULL)
            j = (j + 1) & mask;
        bigger.keys[j] = map->keys[i];
        bigger.values[j] = map->values[i];
        bigger.hashes[j] = map->hashes[i];
    }
    bigger.count = map->count;
    strmap_t old = *map;
    *map = bigger;
    free(old.keys);
    free(old.values);
    free(old.hashes);
    return 0;
}

int strmap_put(strmap_t *map, const char *key, void *value) {
    void **slot = strmap_slot(map, key);
    if (slot == NULL)
        return -1;
    *slot = value;
    return 0;
}

void **strmap_slot(strmap_t *map, const char *key) {
    if ((map->count + 1) * 2 > map->capacity && grow(map) != 0)
        return NULL;
    size_t length = strlen(key);
    uint64_t hash = hash_update(HASH_SEED, key, length);
    size_t i = slot_of(map, key, hash);
    if (map->keys[i] == NULL) {
        if ((map->keys[i] = malloc(length + 1)) == NULL)
            return NULL;
        memcpy(map->keys[i], key, length + 1);
        map->values[i] = NULL;
        map->hashes[i] = hash;
        map->count++;
    }
    return &map->values[i];
}
