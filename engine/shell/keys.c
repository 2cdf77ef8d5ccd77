/* keys: naming only. */
#include "engine/shell/keys.h"

#include <stdio.h>
#include <string.h>

#define PARTITION "{0}" /* one partition on a single Redis */

/* Appends 'text' at buf[*used], keeping room for the terminator (cut short like snprintf). */
static void put(char *buf, size_t size, size_t *used, const char *text) {
    size_t length = strlen(text);
    if (length > size - 1 - *used)
        length = size - 1 - *used;
    memcpy(buf + *used, text, length);
    *used += length;
}

/* Writes "<prefix>:{0}:<kind>:<id>" into 'buf'. A commit names a dozen keys, and snprintf cost
 * more than all the rest of naming them. */
static void name_key(const keys_t *keys, const char *kind, const char *id, char *buf,
                     size_t size) {
    size_t used = 0;
    put(buf, size, &used, keys->prefix);
    put(buf, size, &used, ":" PARTITION ":");
    put(buf, size, &used, kind);
    put(buf, size, &used, id);
    buf[used] = '\0';
}

void keys_init(keys_t *keys, const char *prefix) {
    snprintf(keys->prefix, sizeof keys->prefix, "%s", prefix);
    snprintf(keys->events, sizeof keys->events, "%s:events", prefix);
    snprintf(keys->actions, sizeof keys->actions, "%s:actions", prefix);
    snprintf(keys->dead, sizeof keys->dead, "%s:dead", prefix);
    snprintf(keys->group, sizeof keys->group, "nurture");
    snprintf(keys->due, sizeof keys->due, "%s:" PARTITION ":due", prefix);
    snprintf(keys->scheduled, sizeof keys->scheduled, "%s:" PARTITION ":scheduled", prefix);
    snprintf(keys->held, sizeof keys->held, "%s:" PARTITION ":held", prefix);
}

void keys_contact(const keys_t *keys, const char *id, char *buf, size_t size) {
    name_key(keys, "contact:", id, buf, size);
}

void keys_seen(const keys_t *keys, const char *id, char *buf, size_t size) {
    name_key(keys, "seen:", id, buf, size);
}

void keys_account(const keys_t *keys, const char *id, char *buf, size_t size) {
    name_key(keys, "account:", id, buf, size);
}

void keys_history(const keys_t *keys, const char *contact_id, char *buf, size_t size) {
    name_key(keys, "history:", contact_id, buf, size);
}

void keys_account_touches(const keys_t *keys, const char *account_id, char *buf, size_t size) {
    name_key(keys, "account_touches:", account_id, buf, size);
}
