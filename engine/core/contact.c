/* contact: state, storage form and history queries.
 *
 * Stored state: {"stage":..,"account":..,"facts":{..},
 *   "mind":{"anxiety":{"v":0.6,"t":ms,"ev":[["event","rule",delta,ms],..]}},
 *   "sent":[["content",due ms,"action id","channel",is_task(,true)],..]}
 * (the last true only when a repeat of the delivery within its cooldown was recorded).
 * History rows, a text beside it: ["event","type",ms,{props}],[..],.. States written before
 * that text existed carry the rows as "history":[..] in the object. Arrays of arrays keep the stored
 * state small; the version lives beside it in Redis. */
#include "engine/core/contact.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/footprint.h"
#include "engine/core/hash.h"
#include "engine/core/jsonr.h"
#include "engine/core/jsonw.h"

int contact_init(contact_t *contact, const char *id, nerr_t *err) {
    memset(contact, 0, sizeof *contact);
    mind_init(&contact->mind);
    rowlog_init(&contact->history_log);
    contact->id = strdup(id);
    contact->facts = cJSON_CreateObject();
    if (!contact->id || !contact->facts) {
        contact_close(contact);
        return nerr_set(err, NERR_NOMEM, "out of memory creating contact");
    }
    return 0;
}

/* Frees the touch's block, or lets go of the contact's rows block, freed with the last
 * touch in it. */
static void touch_close(contact_t *contact, contact_touch_t *touch) {
    if (!touch->is_in_block) {
        free(touch->event_id);
    } else if (--contact->block_touches == 0) {
        free(contact->rows_block);
        contact->rows_block = NULL;
    }
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
        touch_close(contact, &contact->history[i]);
    free(contact->rows_block); /* a block no touch was made from (out of memory) */
    for (int i = 0; i < contact->sent_count; i++)
        contact_sent_close(&contact->sent[i]);
    free(contact->history);
    free(contact->sent);
    mind_close(&contact->mind);
    cJSON_Delete(contact->facts);
    free(contact->facts_text);
    free(contact->id);
    free(contact->account);
    free(contact->stage);
    memset(contact, 0, sizeof *contact);
}

/* An array of 'capacity' items of 'size' bytes, or nothing. */
static size_t array_footprint(int capacity, size_t size) {
    return capacity > 0 ? footprint_block((size_t)capacity * size) : 0;
}

size_t contact_sent_footprint(const contact_sent_t *sent, int count, int capacity) {
    size_t total = array_footprint(capacity, sizeof *sent);
    for (int i = 0; i < count; i++)
        total += footprint_string(sent[i].content) + footprint_string(sent[i].action_id) +
                 footprint_string(sent[i].channel);
    return total;
}

size_t contact_footprint(const contact_t *contact) {
    size_t total = sizeof *contact + footprint_string(contact->id) +
                   footprint_string(contact->account) + footprint_string(contact->stage) +
                   mind_footprint(&contact->mind) + footprint_json(contact->facts) +
                   (contact->facts_text ? footprint_block(contact->facts_text_size) : 0) +
                   array_footprint(contact->history_capacity, sizeof *contact->history) +
                   contact_sent_footprint(contact->sent, contact->sent_count,
                                          contact->sent_capacity);
    for (int i = 0; i < contact->history_count; i++)
        total += footprint_row(contact->history[i].row_size);
    return total;
}

static int replace_string(char **slot, const char *value) {
    if (*slot && value && strcmp(*slot, value) == 0)
        return 0; /* most touchpoints name the account the contact already has */
    char *copy = value ? strdup(value) : NULL;
    if (value && copy == NULL)
        return NERR_NOMEM;
    free(*slot);
    *slot = copy;
    return 0;
}

void contact_facts_changed(contact_t *contact) {
    free(contact->facts_text);
    contact->facts_text = NULL;
}

/* Keeps a copy of 'size' bytes at 'text' as the facts' text (without memory, they are
 * simply written afresh next time). */
static void keep_facts_text(contact_t *contact, const char *text, size_t size) {
    char *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return;
    memcpy(copy, text, size);
    free(contact->facts_text);
    contact->facts_text = copy;
    contact->facts_text_size = size;
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

static uint64_t type_hash(const char *type) { return hash_update(HASH_SEED, type, strlen(type)); }

/* A touch is one block, "id\0type\0row\0", written with jsonw: touch_begin puts the id and
 * type, the caller writes the row (rendered, or copied as stored), touch_end points the
 * touch into the block. */
static void touch_begin(jsonw_t *w, const char *event_id, const char *type, size_t row_guess) {
    size_t id_size = strlen(event_id) + 1, type_size = strlen(type) + 1;
    jsonw_init(w, id_size + type_size + row_guess);
    jsonw_raw(w, event_id, id_size);
    jsonw_raw(w, type, type_size);
}

/* Points 'touch' into a touch's part of a block, "id\0type\0row\0" ('size' bytes, the last
 * NUL not counted); 'props_at' (from the part's start) and 'props_size' place the props object
 * inside the row, props_size 0: none. */
static void point_touch(contact_touch_t *touch, char *part, size_t size, int64_t at_ms,
                        size_t props_at, size_t props_size) {
    memset(touch, 0, sizeof *touch);
    touch->event_id = part;
    touch->type = part + strlen(part) + 1;
    touch->row = touch->type + strlen(touch->type) + 1;
    touch->row_size = size - (size_t)(touch->row - part);
    if (props_size > 0) {
        touch->props = part + props_at;
        touch->props_size = props_size;
    }
    touch->at_ms = at_ms;
}

/* Makes the written block the touch's own. Returns 0 or NERR_NOMEM. */
static int touch_end(jsonw_t *w, contact_touch_t *touch, int64_t at_ms, size_t props_at,
                     size_t props_size) {
    size_t size = w->length;
    char *block = jsonw_finish(w);
    if (block == NULL)
        return NERR_NOMEM;
    point_touch(touch, block, size, at_ms, props_at, props_size);
    return 0;
}

/* Appends 'touch' (taken, closed on failure), dropping the oldest touch when the history is
 * full. */
static int push_touch_owned(contact_t *contact, contact_touch_t touch) {
    if (reserve((void **)&contact->history, contact->history_count, &contact->history_capacity,
                CONTACT_HISTORY_MAX, sizeof *contact->history)) {
        touch_close(contact, &touch);
        return NERR_NOMEM;
    }
    if (contact->history_count == CONTACT_HISTORY_MAX) {
        contact->type_slots[contact->history[0].type_hash % CONTACT_TYPE_SLOTS]--;
        touch_close(contact, &contact->history[0]);
        memmove(&contact->history[0], &contact->history[1],
                (CONTACT_HISTORY_MAX - 1) * sizeof contact->history[0]);
        contact->history_count--;
    }
    touch.type_hash = type_hash(touch.type);
    contact->type_slots[touch.type_hash % CONTACT_TYPE_SLOTS]++;
    contact->history[contact->history_count++] = touch;
    return 0;
}

static int push_touch(contact_t *contact, const char *event_id, const char *type, int64_t at_ms,
                      const rowlog_props_t *props) {
    jsonw_t w;
    const char *strings[] = {event_id, type};
    touch_begin(&w, event_id, type, rowlog_row_size(strings, 2, props));
    size_t props_at, props_size;
    rowlog_write_row(&w, strings, 2, at_ms, props, &props_at, &props_size);
    contact_touch_t touch;
    return touch_end(&w, &touch, at_ms, props_at, props_size) ? NERR_NOMEM
                                                               : push_touch_owned(contact, touch);
}

int contact_record_touch(contact_t *contact, const event_t *event, nerr_t *err) {
    if (event->account && replace_string(&contact->account, event->account))
        goto nomem;
    const rowlog_props_t props = {event->props, event->props_text, event->props_text_size};
    if (push_touch(contact, event->id, event->type, event->at_ms, &props))
        goto nomem;
    rowlog_added(&contact->history_log, CONTACT_HISTORY_MAX);
    return 0;
nomem:
    return nerr_set(err, NERR_NOMEM, "out of memory recording touchpoint %s", event->id);
}

/* Props are matched on their text: the member's value is read in place, no tree is built. */
static int match_one(const char *props, size_t size, const contact_match_t *match) {
    jsonr_t r = jsonr_over(props, size);
    if (jsonr_find_member(&r, match->key) != 1)
        return 0;
    if (match->text != NULL)
        return jsonr_string_equals(&r, match->text) == 1;
    int flag;
    if (jsonr_bool(&r, &flag) == 0)
        return (flag ? 1.0 : 0.0) == match->number;
    double number;
    return jsonr_number(&r, &number) == 0 && number == match->number;
}

int contact_props_match(const char *props, size_t size, const contact_filter_t *filter) {
    for (int i = 0; filter != NULL && i < filter->count; i++)
        if (props == NULL || !match_one(props, size, &filter->matches[i]))
            return 0;
    return 1;
}

/* 'type' and 'hash' (its type_hash) are NULL and 0 for any type. Rules ask about a few types
 * over a history of up to CONTACT_HISTORY_MAX touches, so the hashes keep most touches of
 * other types from a string comparison. */
static int touch_matches(const contact_touch_t *touch, const char *type, uint64_t hash,
                         const contact_filter_t *filter) {
    return (type == NULL || (touch->type_hash == hash && strcmp(touch->type, type) == 0)) &&
           contact_props_match(touch->props, touch->props_size, filter);
}

int contact_count(const contact_t *contact, const char *type, const contact_filter_t *filter,
                  int64_t since_ms) {
    uint64_t hash = type ? type_hash(type) : 0;
    int count = 0;
    if (type && contact->type_slots[hash % CONTACT_TYPE_SLOTS] == 0)
        return 0;
    for (int i = 0; i < contact->history_count; i++)
        if (contact->history[i].at_ms >= since_ms &&
            touch_matches(&contact->history[i], type, hash, filter))
            count++;
    return count;
}

int64_t contact_last(const contact_t *contact, const char *type, const contact_filter_t *filter) {
    uint64_t hash = type ? type_hash(type) : 0;
    int64_t last = -1;
    if (type && contact->type_slots[hash % CONTACT_TYPE_SLOTS] == 0)
        return -1;
    for (int i = 0; i < contact->history_count; i++)
        if (contact->history[i].at_ms > last &&
            touch_matches(&contact->history[i], type, hash, filter))
            last = contact->history[i].at_ms;
    return last;
}

double contact_dwell(const contact_t *contact, const char *type, const contact_filter_t *filter,
                     int64_t since_ms) {
    uint64_t hash = type ? type_hash(type) : 0;
    double seconds = 0;
    for (int i = 0; i < contact->history_count; i++) {
        const contact_touch_t *t = &contact->history[i];
        if (t->at_ms < since_ms || t->props == NULL || !touch_matches(t, type, hash, filter))
            continue;
        jsonr_t r = jsonr_over(t->props, t->props_size);
        double dwell;
        if (jsonr_find_member(&r, "dwell_s") == 1 && jsonr_number(&r, &dwell) == 0 && dwell > 0)
            seconds += dwell;
    }
    return seconds;
}

/* ---- deliveries ------------------------------------------------------------------------- */

contact_sent_t *contact_sent_newest(contact_sent_t *sent, int count, const char *content) {
    contact_sent_t *newest = NULL;
    for (int i = 0; i < count; i++)
        if ((newest == NULL || sent[i].at_ms > newest->at_ms) &&
            sent[i].content[0] == content[0] && strcmp(sent[i].content, content) == 0)
            newest = &sent[i];
    return newest;
}

int64_t contact_last_sent(const contact_t *contact, const char *content) {
    const contact_sent_t *newest = contact_sent_newest(contact->sent, contact->sent_count, content);
    return newest ? newest->at_ms : -1;
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

/* Appends a delivery whose strings it takes (freed here on failure). */
static int push_sent_owned(contact_t *contact, contact_sent_t fresh) {
    if (!fresh.content || !fresh.action_id || !fresh.channel ||
        reserve((void **)&contact->sent, contact->sent_count, &contact->sent_capacity,
                CONTACT_SENT_MAX, sizeof *contact->sent)) {
        contact_sent_close(&fresh);
        return NERR_NOMEM;
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

int contact_mark_sent(contact_t *contact, const char *content, const char *action_id,
                      const char *channel, int is_task, int64_t at_ms, nerr_t *err) {
    contact_sent_t fresh = {strdup(content), strdup(action_id), strdup(channel), is_task, at_ms, 0};
    if (push_sent_owned(contact, fresh))
        return nerr_set(err, NERR_NOMEM, "out of memory recording delivery");
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

void contact_sent_write_json(jsonw_t *w, const contact_sent_t *sent, int count) {
    jsonw_char(w, '[');
    for (int i = 0; i < count; i++) {
        const contact_sent_t *d = &sent[i];
        jsonw_raw(w, i > 0 ? ",[" : "[", i > 0 ? 2 : 1);
        jsonw_string(w, d->content);
        jsonw_char(w, ',');
        jsonw_int64(w, d->at_ms);
        jsonw_char(w, ',');
        jsonw_string(w, d->action_id);
        jsonw_char(w, ',');
        jsonw_string(w, d->channel);
        jsonw_raw(w, d->is_task ? ",true" : ",false", d->is_task ? 5 : 6);
        if (d->repeat_held) /* only then: most deliveries are never repeated */
            jsonw_raw(w, ",true", 5);
        jsonw_char(w, ']');
    }
    jsonw_char(w, ']');
}

/* Member order is {"stage","account","facts","mind","sent"}. */
char *contact_to_json(contact_t *contact) {
    jsonw_t w;
    /* Past the size of most states (1.5 KiB on average, 2.2 KiB at the 90th percentile on the
     * benchmark's journeys), so that most need one allocation. */
    jsonw_init(&w, 2048 + (size_t)contact->sent_count * 80);
    jsonw_char(&w, '{');
    if (contact->stage) {
        jsonw_raw(&w, "\"stage\":", 8);
        jsonw_string(&w, contact->stage);
        jsonw_char(&w, ',');
    }
    if (contact->account) {
        jsonw_raw(&w, "\"account\":", 10);
        jsonw_string(&w, contact->account);
        jsonw_char(&w, ',');
    }
    jsonw_raw(&w, "\"facts\":", 8);
    if (contact->facts_text) {
        jsonw_raw(&w, contact->facts_text, contact->facts_text_size);
    } else {
        size_t at = w.length;
        jsonw_item(&w, contact->facts);
        if (!w.is_failed)
            keep_facts_text(contact, w.data + at, w.length - at);
    }
    jsonw_raw(&w, ",\"mind\":", 8);
    mind_write_json(&w, &contact->mind);
    jsonw_raw(&w, ",\"sent\":", 8);
    contact_sent_write_json(&w, contact->sent, contact->sent_count);
    jsonw_char(&w, '}');
    return jsonw_finish(&w);
}

static const char *history_row(const void *owner, int index, size_t *size) {
    const contact_touch_t *touch = &((const contact_t *)owner)->history[index];
    *size = touch->row_size;
    return touch->row;
}

char *contact_rows_text(const contact_t *contact, int *rewrite, size_t *size) {
    return rowlog_text(&contact->history_log, contact->history_count, CONTACT_HISTORY_MAX,
                       history_row, contact, rewrite, size);
}

void contact_history_saved(contact_t *contact) {
    rowlog_saved(&contact->history_log, contact->history_count, CONTACT_HISTORY_MAX);
}

static const char *row_string(const cJSON *row, int index) {
    const cJSON *item = cJSON_GetArrayItem(row, index);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int restore_lists(contact_t *contact, const cJSON *root, nerr_t *err) {
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "history")) {
        int64_t at;
        const char *event_id = row_string(row, 0), *type = row_string(row, 1);
        const cJSON *props = cJSON_GetArrayItem(row, 3);
        if (!event_id || !type || jsonr_time_item(cJSON_GetArrayItem(row, 2), &at))
            return nerr_set(err, NERR_INVALID, "stored history is malformed");
        const rowlog_props_t tree = {cJSON_IsObject(props) ? props : NULL, NULL, 0};
        if (push_touch(contact, event_id, type, at, &tree))
            return nerr_set(err, NERR_NOMEM, "out of memory restoring history");
    }
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "sent")) {
        int64_t at;
        const char *content = row_string(row, 0), *id = row_string(row, 2), *channel = row_string(row, 3);
        if (!content || jsonr_time_item(cJSON_GetArrayItem(row, 1), &at))
            return nerr_set(err, NERR_INVALID, "stored deliveries are malformed");
        if (contact_mark_sent(contact, content, id ? id : "", channel ? channel : "",
                              cJSON_IsTrue(cJSON_GetArrayItem(row, 4)), at, err))
            return NERR_NOMEM;
        contact->sent[contact->sent_count - 1].repeat_held = cJSON_IsTrue(cJSON_GetArrayItem(row, 5));
    }
    return 0;
}

/* ---- fast restore ------------------------------------------------------------------------
 * A reader for the form contact_to_json writes, straight into the contact: no tree for the
 * lists, strings copied once. It accepts only that form (members in any order, each once;
 * rows of exactly the written arity; strings with no \u escape); anything else, including
 * every malformed state, goes to the cJSON reader below, which has the last word on what a
 * stored state means and on the error reported. Facts are parsed by cJSON; props are kept as
 * the text they are stored as. */

/* A row inside a state: the touch keeps the row's text as it was read, in a block of its own. */
static int read_touch(jsonr_t *r, const char *key, void *ud) {
    (void)key;
    rowlog_row_t row;
    if (rowlog_read_row(r, 2, &row) != 0)
        return -1;
    jsonw_t w;
    jsonw_init(&w, row.string_sizes[0] + row.string_sizes[1] + row.row_size + 3);
    size_t props_at = rowlog_write_part(&w, &row);
    contact_touch_t touch;
    return touch_end(&w, &touch, row.at_ms, props_at, row.props_size) ||
                   push_touch_owned(ud, touch)
               ? -1
               : 0;
}

int contact_sent_read_json(jsonr_t *r, contact_sent_t *out) {
    contact_sent_t d = {NULL, NULL, NULL, 0, 0, 0};
    if (!jsonr_eat(r, '[') || !(d.content = jsonr_string(r)) || !jsonr_eat(r, ',') ||
        jsonr_time(r, &d.at_ms) || !jsonr_eat(r, ',') || !(d.action_id = jsonr_string(r)) ||
        !jsonr_eat(r, ',') || !(d.channel = jsonr_string(r)) || !jsonr_eat(r, ',') ||
        jsonr_bool(r, &d.is_task) || (jsonr_eat(r, ',') && jsonr_bool(r, &d.repeat_held)) ||
        !jsonr_eat(r, ']')) {
        contact_sent_close(&d);
        return -1;
    }
    *out = d;
    return 0;
}

static int read_sent(jsonr_t *r, const char *key, void *ud) {
    (void)key;
    contact_sent_t d;
    return contact_sent_read_json(r, &d) || push_sent_owned(ud, d) ? -1 : 0;
}

typedef struct {
    contact_t *contact;
    int seen; /* bit per member of MEMBERS */
} top_t;

static int read_top_member(jsonr_t *r, const char *key, void *ud) {
    static const char *const MEMBERS[] = {"stage", "account", "facts", "mind", "history", "sent"};
    top_t *top = ud;
    contact_t *c = top->contact;
    switch (jsonr_member_index(key, MEMBERS, 6, &top->seen)) {
    case 0: return (c->stage = jsonr_string(r)) ? 0 : -1;
    case 1: return (c->account = jsonr_string(r)) ? 0 : -1;
    case 2: {
        const char *start = r->at;
        if (jsonr_object_into(r, &c->facts) != 0)
            return -1;
        keep_facts_text(c, start, (size_t)(r->at - start));
        return 0;
    }
    case 3: return mind_read_json(r, &c->mind);
    case 4: return jsonr_list(r, 0, read_touch, c);
    case 5: return jsonr_list(r, 0, read_sent, c);
    default: return -1;
    }
}

/* Returns 0 with 'contact' restored, or -1 with it closed (the cJSON reader decides then). */
static int restore_fast(contact_t *contact, const char *id, const char *text, size_t size,
                        int64_t version) {
    if (contact_init(contact, id, NULL))
        return -1;
    contact->version = version;
    jsonr_t r = jsonr_over(text, size);
    top_t top = {contact, 0};
    if (jsonr_list(&r, 1, read_top_member, &top) == 0 && jsonr_at_end(&r)) {
        rowlog_read_state(&contact->history_log, top.seen & (1 << 4), contact->history_count);
        return 0;
    }
    contact_close(contact);
    return -1;
}

static int restore_with_cjson(contact_t *contact, const char *id, const char *text, size_t size,
                              int64_t version, nerr_t *err);

int contact_from_json(contact_t *contact, const char *id, const char *text, size_t size,
                      int64_t version, nerr_t *err) {
    if (restore_fast(contact, id, text, size, version) == 0)
        return 0;
    return restore_with_cjson(contact, id, text, size, version, err);
}

/* The reference reader: any JSON object, members looked up by name. */
static int restore_with_cjson(contact_t *contact, const char *id, const char *text, size_t size,
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
    if ((rc = mind_from_json(&contact->mind, cJSON_GetObjectItemCaseSensitive(root, "mind"), err)) ||
        (rc = restore_lists(contact, root, err)))
        goto done;
    rowlog_read_state(&contact->history_log, cJSON_HasObjectItem(root, "history"),
                      contact->history_count);
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc != 0)
        contact_close(contact);
    return rc;
}

/* Makes touches of the rows read into 'block', the newest CONTACT_HISTORY_MAX of them, which
 * then share its text as the contact's rows_block. */
static int adopt_rows(contact_t *contact, rowlog_block_t *block) {
    int count = block->count;
    char *text = rowlog_block_finish(block);
    if (count == 0)
        return 0;
    if (text == NULL)
        return NERR_NOMEM;
    assert(contact->rows_block == NULL); /* the history is restored once */
    contact->rows_block = text;
    for (int i = count > CONTACT_HISTORY_MAX ? count - CONTACT_HISTORY_MAX : 0; i < count; i++) {
        const rowlog_place_t *place = &block->places[i];
        contact_touch_t touch;
        point_touch(&touch, text + place->start, place->size, place->at_ms, place->props_at,
                    place->props_size);
        touch.is_in_block = 1;
        contact->block_touches++;
        if (push_touch_owned(contact, touch) != 0)
            return NERR_NOMEM;
    }
    return 0;
}

int contact_restore_history(contact_t *contact, const char *text, size_t size, nerr_t *err) {
    rowlog_block_t block;
    rowlog_block_init(&block, size, 2);
    int row;
    int rc = rowlog_read(&contact->history_log, text, size, rowlog_block_read_row, &block, &row);
    int adopted = adopt_rows(contact, &block); /* the rows before a malformed one stay */
    rowlog_block_close(&block);
    if (rc == NERR_NOMEM || adopted != 0)
        return nerr_set(err, NERR_NOMEM, "out of memory restoring history");
    if (rc != 0)
        return nerr_set(err, NERR_INVALID, "stored history row %d of contact %s is malformed",
                        row, contact->id);
    return 0;
}
