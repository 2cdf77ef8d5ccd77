/* action: ids and the JSON contract of the actions stream. */
#include "engine/core/action.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/clock.h"
#include "engine/core/hash.h"

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
    cJSON_Delete(action->reason);
    free(action->account);
    memset(action, 0, sizeof *action);
}

char *action_to_json_open(const action_t *action, const char *playbook) {
    cJSON *root = cJSON_CreateObject();
    char due[CLOCK_ISO_MAX];
    char *text = NULL;
    clock_format_iso(action->due_ms, due, sizeof due);
    const char *kind = action->kind == ACTION_CONTENT ? "content" : "task";
    if (!root || !cJSON_AddStringToObject(root, "id", action->id) ||
        !cJSON_AddStringToObject(root, "contact", action->contact) ||
        !cJSON_AddStringToObject(root, "kind", kind) ||
        !cJSON_AddItemToObject(root, kind, cJSON_Duplicate(action->target, 1)) ||
        (action->account && !cJSON_AddStringToObject(root, "account", action->account)) ||
        !cJSON_AddStringToObject(root, "channel", action->channel) ||
        !cJSON_AddStringToObject(root, "due_at", due) ||
        !cJSON_AddStringToObject(root, "rule", action->rule) ||
        !cJSON_AddStringToObject(root, "playbook", playbook) ||
        !cJSON_AddItemToObject(root, "reason", cJSON_Duplicate(action->reason, 1)))
        goto done;
    text = cJSON_PrintUnformatted(root);
    if (text != NULL)
        text[strlen(text) - 1] = '\0'; /* drop the closing brace */
done:
    cJSON_Delete(root);
    return text;
}

char *action_to_json(const action_t *action, const char *playbook, int64_t emitted_ms) {
    char *open = action_to_json_open(action, playbook);
    if (open == NULL)
        return NULL;
    char emitted[CLOCK_ISO_MAX];
    clock_format_iso(emitted_ms, emitted, sizeof emitted);
    size_t size = strlen(open) + sizeof ",\"emitted_at\":\"\"}" + strlen(emitted);
    char *text = malloc(size);
    if (text != NULL)
        snprintf(text, size, "%s,\"emitted_at\":\"%s\"}", open, emitted);
    free(open);
    return text;
}
