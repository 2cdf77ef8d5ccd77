/* contact: state, storage form and history queries.
 *
 * Storage JSON: {"stage":..,"account":..,"facts":{..},
 *   "mind":{"anxiety":{"v":0.6,"t":ms,"ev":[["event","rule",delta,ms],..]}},
 *   "history":[["event","type",ms,{props}],..], "sent":[["content",due ms,"action id","channel",is_task],..]}
 * Arrays of arrays keep the stored state small; the version lives beside it in Redis. */
#include "engine/core/contact.h"

#include <stdlib.h>
#include <string.h>

int contact_init(contact_t *contact, const char *id, nerr_t *err) {
    memset(contact, 0, sizeof *contact);
    mind_init(&contact->mind);
    contact->id = strdup(id);
    contact->facts = cJSON_CreateObject();
    if (!contact->id || !contact->facts) {
        contact_close(contact);
        return nerr_set(err, NERR_NOMEM, "out of memory creating contact");
    }
    return 0;
}

static void touch_close(contact_touch_t *touch) {
    free(touch->event_id);
    free(touch->type);
    cJSON_Delete(touch->props);
    memset(touch, 0, sizeof *touch);
}

void contact_sent_close(contact_sent_t *sent) {
    free(sent->content);
    free(sent->action_id);
    free(sent->channel);
    memset(sent, 0, sizeof *sent);
}

void contact_close(contact_t *contact) {
    for (int i = 0; i < contact->history_count; i++)
        touch_close(&contact->history[i]);
    for (int i = 0; i < contact->sent_count; i++)
        contact_sent_close(&contact->sent[i]);
    free(contact->history);
    free(contact->sent);
    mind_close(&contact->mind);
    cJSON_Delete(contact->facts);
    free(contact->id);
    free(contact->account);
    free(contact->stage);
    memset(contact, 0, sizeof *contact);
}

static int replace_string(char **slot, const char *value) {
    char *copy = value ? strdup(value) : NULL;
    if (value && copy == NULL)
        return NERR_NOMEM;
    free(*slot);
    *slot = copy;
    return 0;
}

int contact_set_stage(contact_t *contact, const char *stage, nerr_t *err) {
    if (replace_string(&contact->stage, stage))
        return nerr_set(err, NERR_NOMEM, "out of memory setting stage");
    return 0;
}

/* ---- history ---------------------------------------------------------------------------- */

/* Makes room for one more element in a list that grows to 'max' (allocated on first use:
 * most contacts of a batch are loaded, changed and dropped, and many have short lists). */
static int reserve(void **list, int count, int *capacity, int max, size_t size) {
    if (count < *capacity || *capacity == max)
        return 0;
    int grown = *capacity ? *capacity * 2 : 8;
    if (grown > max)
        grown = max;
    void *fresh = realloc(*list, (size_t)grown * size);
    if (fresh == NULL)
        return -1;
    *list = fresh;
    *capacity = grown;
    return 0;
}

static int push_touch(contact_t *contact, const char *event_id, const char *type, int64_t at_ms,
                      const cJSON *props) {
    if (reserve((void **)&contact->history, contact->history_count, &contact->history_capacity,
                CONTACT_HISTORY_MAX, sizeof *contact->history))
        return NERR_NOMEM;
    contact_touch_t touch = {strdup(event_id), strdup(type), at_ms,
                             props ? cJSON_Duplicate(props, 1) : NULL};
    if (!touch.event_id || !touch.type || (props && !touch.props)) {
        touch_close(&touch);
        return NERR_NOMEM;
    }
    if (contact->history_count == CONTACT_HISTORY_MAX) {
        touch_close(&contact->history[0]);
        memmove(&contact->history[0], &contact->history[1],
                (CONTACT_HISTORY_MAX - 1) * sizeof contact->history[0]);
        contact->history_count--;
    }
    contact->history[contact->history_count++] = touch;
    return 0;
}

int contact_record_touch(contact_t *contact, const event_t *event, nerr_t *err) {
    if (event->account && replace_string(&contact->account, event->account))
        goto nomem;
    if (push_touch(contact, event->id, event->type, event->at_ms, event->props))
        goto nomem;
    return 0;
nomem:
    return nerr_set(err, NERR_NOMEM, "out of memory recording touchpoint %s", event->id);
}

static int match_one(const cJSON *props, const contact_match_t *match) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(props, match->key);
    if (item == NULL)
        return 0;
    if (match->text != NULL)
        return cJSON_IsString(item) && strcmp(item->valuestring, match->text) == 0;
    if (cJSON_IsBool(item))
        return (cJSON_IsTrue(item) ? 1.0 : 0.0) == match->number;
    return cJSON_IsNumber(item) && item->valuedouble == match->number;
}

int contact_props_match(const cJSON *props, const contact_filter_t *filter) {
    for (int i = 0; filter != NULL && i < filter->count; i++)
        if (!match_one(props, &filter->matches[i]))
            return 0;
    return 1;
}

static int touch_matches(const contact_touch_t *touch, const char *type,
                         const contact_filter_t *filter) {
    return (type == NULL || strcmp(touch->type, type) == 0) &&
           contact_props_match(touch->props, filter);
}

int contact_count(const contact_t *contact, const char *type, const contact_filter_t *filter,
                  int64_t since_ms) {
    int count = 0;
    for (int i = 0; i < contact->history_count; i++)
        if (contact->history[i].at_ms >= since_ms && touch_matches(&contact->history[i], type, filter))
            count++;
    return count;
}

int64_t contact_last(const contact_t *contact, const char *type, const contact_filter_t *filter) {
    int64_t last = -1;
    for (int i = 0; i < contact->history_count; i++)
        if (touch_matches(&contact->history[i], type, filter) && contact->history[i].at_ms > last)
            last = contact->history[i].at_ms;
    return last;
}

/* ---- deliveries ------------------------------------------------------------------------- */

int64_t contact_last_sent(const contact_t *contact, const char *content) {
    int64_t last = -1;
    for (int i = 0; i < contact->sent_count; i++)
        if (strcmp(contact->sent[i].content, content) == 0 && contact->sent[i].at_ms > last)
            last = contact->sent[i].at_ms;
    return last;
}

int contact_count_sent(const contact_t *contact, const char *channel, int64_t since_ms,
                       int64_t until_ms) {
    int count = 0;
    for (int i = 0; i < contact->sent_count; i++) {
        const contact_sent_t *d = &contact->sent[i];
        count += d->at_ms > since_ms && d->at_ms <= until_ms && strcmp(d->channel, channel) == 0;
    }
    return count;
}

int contact_mark_sent(contact_t *contact, const char *content, const char *action_id,
                      const char *channel, int is_task, int64_t at_ms, nerr_t *err) {
    contact_sent_t fresh = {strdup(content), strdup(action_id), strdup(channel), is_task, at_ms};
    if (!fresh.content || !fresh.action_id || !fresh.channel ||
        reserve((void **)&contact->sent, contact->sent_count, &contact->sent_capacity,
                CONTACT_SENT_MAX, sizeof *contact->sent)) {
        contact_sent_close(&fresh);
        return nerr_set(err, NERR_NOMEM, "out of memory recording delivery");
    }
    if (contact->sent_count == CONTACT_SENT_MAX) {
        contact_sent_close(&contact->sent[0]);
        memmove(&contact->sent[0], &contact->sent[1],
                (CONTACT_SENT_MAX - 1) * sizeof contact->sent[0]);
        contact->sent_count--;
    }
    contact->sent[contact->sent_count++] = fresh;
    return 0;
}

int contact_take_pending(contact_t *contact, int64_t after_ms, int with_tasks,
                         contact_sent_t *out, int max) {
    int taken = 0, kept = 0;
    for (int i = 0; i < contact->sent_count; i++) {
        contact_sent_t *d = &contact->sent[i];
        if (d->at_ms > after_ms && (with_tasks || !d->is_task) && taken < max)
            out[taken++] = *d;
        else
            contact->sent[kept++] = *d;
    }
    contact->sent_count = kept;
    return taken;
}

/* ---- storage form ----------------------------------------------------------------------- */

static cJSON *mind_to_json(const mind_t *mind) {
    cJSON *object = cJSON_CreateObject();
    for (int i = 0; object && i < mind->count; i++) {
        const mind_state_t *state = &mind->states[i];
        cJSON *item = cJSON_AddObjectToObject(object, state->name);
        cJSON *evidence = item ? cJSON_AddArrayToObject(item, "ev") : NULL;
        if (!evidence || !cJSON_AddNumberToObject(item, "v", state->value) ||
            !cJSON_AddNumberToObject(item, "t", (double)state->updated_ms))
            goto nomem;
        for (int k = 0; k < state->evidence_count; k++) {
            const mind_evidence_t *e = &state->evidence[k];
            cJSON *row = cJSON_CreateArray();
            cJSON_AddItemToArray(evidence, row);
            if (!row || !cJSON_AddItemToArray(row, cJSON_CreateString(e->event_id)) ||
                !cJSON_AddItemToArray(row, cJSON_CreateString(e->rule)) ||
                !cJSON_AddItemToArray(row, cJSON_CreateNumber(e->delta)) ||
                !cJSON_AddItemToArray(row, cJSON_CreateNumber((double)e->at_ms)))
                goto nomem;
        }
    }
    return object;
nomem:
    cJSON_Delete(object);
    return NULL;
}

static cJSON *history_to_json(const contact_t *contact) {
    cJSON *array = cJSON_CreateArray();
    for (int i = 0; array && i < contact->history_count; i++) {
        const contact_touch_t *t = &contact->history[i];
        cJSON *row = cJSON_CreateArray();
        cJSON_AddItemToArray(array, row);
        if (!row || !cJSON_AddItemToArray(row, cJSON_CreateString(t->event_id)) ||
            !cJSON_AddItemToArray(row, cJSON_CreateString(t->type)) ||
            !cJSON_AddItemToArray(row, cJSON_CreateNumber((double)t->at_ms)) ||
            (t->props && !cJSON_AddItemToArray(row, cJSON_Duplicate(t->props, 1))))
            goto nomem;
    }
    return array;
nomem:
    cJSON_Delete(array);
    return NULL;
}

static cJSON *sent_to_json(const contact_t *contact) {
    cJSON *array = cJSON_CreateArray();
    for (int i = 0; array && i < contact->sent_count; i++) {
        const contact_sent_t *d = &contact->sent[i];
        cJSON *row = cJSON_CreateArray();
        cJSON_AddItemToArray(array, row);
        if (!row || !cJSON_AddItemToArray(row, cJSON_CreateString(d->content)) ||
            !cJSON_AddItemToArray(row, cJSON_CreateNumber((double)d->at_ms)) ||
            !cJSON_AddItemToArray(row, cJSON_CreateString(d->action_id)) ||
            !cJSON_AddItemToArray(row, cJSON_CreateString(d->channel)) ||
            !cJSON_AddItemToArray(row, cJSON_CreateBool(d->is_task)))
            goto nomem;
    }
    return array;
nomem:
    cJSON_Delete(array);
    return NULL;
}

char *contact_to_json(const contact_t *contact) {
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    char *text = NULL;
    if ((contact->stage && !cJSON_AddStringToObject(root, "stage", contact->stage)) ||
        (contact->account && !cJSON_AddStringToObject(root, "account", contact->account)) ||
        !cJSON_AddItemToObject(root, "facts", cJSON_Duplicate(contact->facts, 1)) ||
        !cJSON_AddItemToObject(root, "mind", mind_to_json(&contact->mind)) ||
        !cJSON_AddItemToObject(root, "history", history_to_json(contact)) ||
        !cJSON_AddItemToObject(root, "sent", sent_to_json(contact)))
        goto done;
    text = cJSON_PrintUnformatted(root);
done:
    cJSON_Delete(root);
    return text;
}

/* Reads row[index] as a number, or fails the whole restore. */
static int row_number(const cJSON *row, int index, double *out) {
    const cJSON *item = cJSON_GetArrayItem(row, index);
    if (!cJSON_IsNumber(item))
        return -1;
    *out = item->valuedouble;
    return 0;
}

static const char *row_string(const cJSON *row, int index) {
    const cJSON *item = cJSON_GetArrayItem(row, index);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int restore_mind(contact_t *contact, const cJSON *mind, nerr_t *err) {
    const cJSON *item;
    cJSON_ArrayForEach(item, mind) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "v");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(item, "t");
        if (!cJSON_IsNumber(v) || !cJSON_IsNumber(t) || item->string == NULL)
            return nerr_set(err, NERR_INVALID, "stored mind state is malformed");
        mind_state_t *state =
            mind_restore(&contact->mind, item->string, v->valuedouble, (int64_t)t->valuedouble, err);
        if (state == NULL)
            return NERR_NOMEM;
        const cJSON *row;
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(item, "ev")) {
            double delta, at;
            const char *event_id = row_string(row, 0), *rule = row_string(row, 1);
            if (!event_id || !rule || row_number(row, 2, &delta) || row_number(row, 3, &at))
                return nerr_set(err, NERR_INVALID, "stored evidence is malformed");
            if (mind_push_evidence(state, event_id, rule, delta, (int64_t)at, err))
                return NERR_NOMEM;
        }
    }
    return 0;
}

static int restore_lists(contact_t *contact, const cJSON *root, nerr_t *err) {
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "history")) {
        double at;
        const char *event_id = row_string(row, 0), *type = row_string(row, 1);
        const cJSON *props = cJSON_GetArrayItem(row, 3);
        if (!event_id || !type || row_number(row, 2, &at))
            return nerr_set(err, NERR_INVALID, "stored history is malformed");
        if (push_touch(contact, event_id, type, (int64_t)at, cJSON_IsObject(props) ? props : NULL))
            return nerr_set(err, NERR_NOMEM, "out of memory restoring history");
    }
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "sent")) {
        double at;
        const char *content = row_string(row, 0), *id = row_string(row, 2), *channel = row_string(row, 3);
        if (!content || row_number(row, 1, &at))
            return nerr_set(err, NERR_INVALID, "stored deliveries are malformed");
        if (contact_mark_sent(contact, content, id ? id : "", channel ? channel : "",
                              cJSON_IsTrue(cJSON_GetArrayItem(row, 4)), (int64_t)at, err))
            return NERR_NOMEM;
    }
    return 0;
}

int contact_from_json(contact_t *contact, const char *id, const char *text, size_t size,
                      int64_t version, nerr_t *err) {
    if (contact_init(contact, id, err))
        return NERR_NOMEM;
    contact->version = version;
    cJSON *root = cJSON_ParseWithLength(text, size);
    int rc = NERR_INVALID;
    if (!cJSON_IsObject(root)) {
        nerr_set(err, NERR_INVALID, "stored state of contact %s is not a JSON object", id);
        goto done;
    }
    const cJSON *stage = cJSON_GetObjectItemCaseSensitive(root, "stage");
    const cJSON *account = cJSON_GetObjectItemCaseSensitive(root, "account");
    cJSON *facts = cJSON_DetachItemFromObjectCaseSensitive(root, "facts");
    if (cJSON_IsObject(facts)) {
        cJSON_Delete(contact->facts);
        contact->facts = facts;
    } else {
        cJSON_Delete(facts);
    }
    if ((cJSON_IsString(stage) && replace_string(&contact->stage, stage->valuestring)) ||
        (cJSON_IsString(account) && replace_string(&contact->account, account->valuestring))) {
        rc = nerr_set(err, NERR_NOMEM, "out of memory restoring contact %s", id);
        goto done;
    }
    if ((rc = restore_mind(contact, cJSON_GetObjectItemCaseSensitive(root, "mind"), err)) ||
        (rc = restore_lists(contact, root, err)))
        goto done;
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc != 0)
        contact_close(contact);
    return rc;
}
