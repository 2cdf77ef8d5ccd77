/* keys: naming only. */
#include "engine/shell/keys.h"

#include <stdio.h>

#define PARTITION "{0}" /* one partition on a single Redis */

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
    snprintf(buf, size, "%s:" PARTITION ":contact:%s", keys->prefix, id);
}

void keys_seen(const keys_t *keys, const char *id, char *buf, size_t size) {
    snprintf(buf, size, "%s:" PARTITION ":seen:%s", keys->prefix, id);
}

void keys_account(const keys_t *keys, const char *id, char *buf, size_t size) {
    snprintf(buf, size, "%s:" PARTITION ":account:%s", keys->prefix, id);
}

void keys_history(const keys_t *keys, const char *contact_id, char *buf, size_t size) {
    snprintf(buf, size, "%s:" PARTITION ":history:%s", keys->prefix, contact_id);
}

void keys_account_touches(const keys_t *keys, const char *account_id, char *buf, size_t size) {
    snprintf(buf, size, "%s:" PARTITION ":account_touches:%s", keys->prefix, account_id);
}

/* The staged key embeds the whole key it stands for, so distinct keys never share one. */
void keys_staged(const keys_t *keys, const char *owner, const char *key, char *buf, size_t size) {
    snprintf(buf, size, "%s:" PARTITION ":staged:%s:%s", keys->prefix, owner, key);
}
