/* hash: a stable 64-bit FNV-1a hash, for action ids and the playbook version.
 * Stable across machines and releases: changing it would change every action id. */
#ifndef NURTURE_HASH_H
#define NURTURE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SEED 0xcbf29ce484222325ULL

/* Folds 'size' bytes of 'data' into 'state' (start from HASH_SEED) and returns the new state. */
uint64_t hash_update(uint64_t state, const void *data, size_t size);

/* Folds a NUL-terminated string and a 0 separator, so ("ab","c") and ("a","bc") differ. */
uint64_t hash_update_str(uint64_t state, const char *text);

/* Writes 'value' as 16 lowercase hex digits and a terminator into 'buf' (17 bytes). */
void hash_hex(uint64_t value, char buf[17]);

#endif
