/* action: ids and the JSON contract of the actions stream. */
#include "engine/core/action.h"

#include <stdlib.h>
#include <string.h>

#include "engine/core/clock.h"
#include "engine/core/hash.h"
#include "engine/core/jsonw.h"

void action_make_id(const char *event_id, const char *rule, const char *target,
                    char out[ACTION_ID_MAX]) {
    uint64_t h = hash_update_str(HASH_SEED, event_id);
    h = hash_update_str(h, rule);
    h = hash_update_str(h, target);
    out[0] = 'a';
    out[1] = '-';
    hash_hex(h, out + 2); /* "a-" + 16 digits + NUL fits ACTION_ID_MAX */
}

void action_close(action_t *action) {
    free(action->contact);
    free(action->rule);
    free(action->channel);
    cJSON_Delete(action->target);
    free(action->reason);
    free(action->account);
    memset(action, 0, sizeof *action);
}

/* Straight into the writer, as cJSON_PrintUnformatted would print the object: an action's
 * reason holds its evidence, and building a tree of copies to print it cost more than
 * deciding the action. */
void action_write_open(jsonw_t *w, const action_t *action, const char *playbook) {
    char due[CLOCK_ISO_MAX];
    clock_format_iso(action->due_ms, due, sizeof due);
    const char *kind = action->kind == ACTION_CONTENT ? "content" : "task";
    jsonw_char(w, '{');
    jsonw_key(w, "id");
    jsonw_string(w, action->id);
    jsonw_member(w, "contact", action->contact);
    jsonw_member(w, "kind", kind);
    jsonw_char(w, ',');
    jsonw_key(w, kind);
    jsonw_item(w, action->target);
    if (action->account)
        jsonw_member(w, "account", action->account);
    jsonw_member(w, "channel", action->channel);
    jsonw_member(w, "due_at", due);
    jsonw_member(w, "rule", action->rule);
    jsonw_member(w, "playbook", playbook);
    jsonw_char(w, ',');
    jsonw_key(w, "reason");
    jsonw_raw(w, action->reason, strlen(action->reason));
}

char *action_to_json_open(const action_t *action, const char *playbook) {
    jsonw_t w;
    jsonw_init(&w, 1024);
    action_write_open(&w, action, playbook);
    return jsonw_finish(&w);
}

void action_write(jsonw_t *w, const action_t *action, const char *playbook, int64_t emitted_ms) {
    char emitted[CLOCK_ISO_MAX];
    clock_format_iso(emitted_ms, emitted, sizeof emitted);
    action_write_open(w, action, playbook);
    jsonw_member(w, "emitted_at", emitted);
    jsonw_char(w, '}');
}

char *action_to_json(const action_t *action, const char *playbook, int64_t emitted_ms) {
    jsonw_t w;
    jsonw_init(&w, 1024);
    action_write(&w, action, playbook, emitted_ms);
    return jsonw_finish(&w);
}
