/* keys: the names of every Redis key and stream nurture uses, derived from one prefix.
 * Internal keys carry the partition hash tag ("nurture:{0}:contact:ID") so that every key one
 * atomic commit touches lives in one Redis Cluster slot. Pure. */
#ifndef NURTURE_KEYS_H
#define NURTURE_KEYS_H

#include <stddef.h>

#define KEYS_NAME_MAX 256
#define KEYS_KEY_MAX 1024 /* a prefix, a tag and an id of up to 256 bytes each */

typedef struct {
    char prefix[KEYS_NAME_MAX];    /* "nurture" */
    char events[KEYS_NAME_MAX];    /* the input stream: "<prefix>:events" */
    char actions[KEYS_NAME_MAX];   /* released actions: "<prefix>:actions" */
    char dead[KEYS_NAME_MAX];      /* dead letters: "<prefix>:dead" */
    char group[KEYS_NAME_MAX];     /* the consumer group on 'events': "nurture" */
    char due[KEYS_KEY_MAX];        /* sorted set of scheduled action ids by due time */
    char scheduled[KEYS_KEY_MAX];  /* hash: scheduled action id -> contact key, newline, JSON */
    char held[KEYS_KEY_MAX];       /* stream of actions held back by a policy or cancelled */
} keys_t;

/* Fills 'keys' with the default names under 'prefix'. */
void keys_init(keys_t *keys, const char *prefix);

/* Writes the key of contact 'id' / of the seen-mark of event 'id' into 'buf'. */
void keys_contact(const keys_t *keys, const char *id, char *buf, size_t size);
void keys_seen(const keys_t *keys, const char *id, char *buf, size_t size);
void keys_account(const keys_t *keys, const char *id, char *buf, size_t size);
/* The list of a contact's history rows, and of an account's touchpoint rows. */
void keys_history(const keys_t *keys, const char *contact_id, char *buf, size_t size);
void keys_account_touches(const keys_t *keys, const char *account_id, char *buf, size_t size);

#endif
