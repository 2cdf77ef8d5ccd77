/* strmap: FNV-1a hashed, grown at 50% load so probes stay short. */
#include "engine/core/strmap.h"

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
    strmap_init(map);
}

static size_t slot_of(const strmap_t *map, const char *key) {
    size_t mask = map->capacity - 1;
    size_t i = (size_t)hash_update(HASH_SEED, key, strlen(key)) & mask;
    while (map->keys[i] != NULL && strcmp(map->keys[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

void *strmap_get(const strmap_t *map, const char *key) {
    if (map->capacity == 0)
        return NULL;
    size_t i = slot_of(map, key);
    return map->keys[i] ? map->values[i] : NULL;
}

static int grow(strmap_t *map) {
    strmap_t bigger = {NULL, NULL, map->capacity ? map->capacity * 2 : 64, 0};
    bigger.keys = calloc(bigger.capacity, sizeof *bigger.keys);
    bigger.values = calloc(bigger.capacity, sizeof *bigger.values);
    if (!bigger.keys || !bigger.values) {
        free(bigger.keys);
        free(bigger.values);
        return -1;
    }
    for (size_t i = 0; i < map->capacity; i++) {
        if (map->keys[i] == NULL)
            continue;
        size_t j = slot_of(&bigger, map->keys[i]);
        bigger.keys[j] = map->keys[i];
        bigger.values[j] = map->values[i];
    }
    bigger.count = map->count;
    free(map->keys);
    free(map->values);
    *map = bigger;
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
    size_t i = slot_of(map, key);
    if (map->keys[i] == NULL) {
        if ((map->keys[i] = strdup(key)) == NULL)
            return NULL;
        map->values[i] = NULL;
        map->count++;
    }
    return &map->values[i];
}
