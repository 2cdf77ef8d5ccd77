/* contact: state, storage form and history queries.
 *
 * Storage JSON: {"stage":..,"account":..,"facts":{..},
 *   "mind":{"anxiety":{"v":0.6,"t":ms,"ev":[["event","rule",delta,ms],..]}},
 *   "history":[["event","type",ms,{props}],..], "sent":[["content",due ms,"action id","channel",is_task],..]}
 * Arrays of arrays keep the stored state small; the version lives beside it in Redis. */
#include "engine/core/contact.h"

#include <stdlib.h>
#include <string.h>

#include "engine/core/hash.h"
#include "engine/core/jsonflat.h"
#include "engine/core/jsonw.h"

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

static uint64_t type_hash(const char *type) { return hash_update(HASH_SEED, type, strlen(type)); }

/* Appends a touchpoint whose parts it takes (freed here on failure). */
static int push_touch_owned(contact_t *contact, contact_touch_t touch) {
    if (!touch.event_id || !touch.type ||
        reserve((void **)&contact->history, contact->history_count, &contact->history_capacity,
                CONTACT_HISTORY_MAX, sizeof *contact->history)) {
        touch_close(&touch);
        return NERR_NOMEM;
    }
    if (contact->history_count == CONTACT_HISTORY_MAX) {
        touch_close(&contact->history[0]);
        memmove(&contact->history[0], &contact->history[1],
                (CONTACT_HISTORY_MAX - 1) * sizeof contact->history[0]);
        contact->history_count--;
    }
    touch.type_hash = type_hash(touch.type);
    contact->history[contact->history_count++] = touch;
    return 0;
}

/* Props are kept as one flat block: a touchpoint's props are only read until it is dropped. */
static int push_touch(contact_t *contact, const char *event_id, const char *type, int64_t at_ms,
                      const cJSON *props) {
    contact_touch_t touch = {strdup(event_id), strdup(type), at_ms, jsonflat_copy(props), 0};
    if (props && !touch.props) {
        touch_close(&touch);
        return NERR_NOMEM;
    }
    return push_touch_owned(contact, touch);
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

/* 'type' and 'hash' (its type_hash) are NULL and 0 for any type. Rules ask about a few types
 * over a history of up to CONTACT_HISTORY_MAX touches, so the hashes keep most touches of
 * other types from a string comparison. */
static int touch_matches(const contact_touch_t *touch, const char *type, uint64_t hash,
                         const contact_filter_t *filter) {
    return (type == NULL || (touch->type_hash == hash && strcmp(touch->type, type) == 0)) &&
           contact_props_match(touch->props, filter);
}

int contact_count(const contact_t *contact, const char *type, const contact_filter_t *filter,
                  int64_t since_ms) {
    uint64_t hash = type ? type_hash(type) : 0;
    int count = 0;
    for (int i = 0; i < contact->history_count; i++)
        if (contact->history[i].at_ms >= since_ms &&
            touch_matches(&contact->history[i], type, hash, filter))
            count++;
    return count;
}

int64_t contact_last(const contact_t *contact, const char *type, const contact_filter_t *filter) {
    uint64_t hash = type ? type_hash(type) : 0;
    int64_t last = -1;
    for (int i = 0; i < contact->history_count; i++)
        if (contact->history[i].at_ms > last &&
            touch_matches(&contact->history[i], type, hash, filter))
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
    contact_sent_t fresh = {strdup(content), strdup(action_id), strdup(channel), is_task, at_ms};
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

/* Member order and number forms are those of the cJSON tree this used to build, so stored
 * states keep their text: {"stage","account","facts","mind","history","sent"}, and each mind
 * state as {"ev":[..],"v":..,"t":..}. */
static void mind_write(jsonw_t *w, const mind_t *mind) {
    jsonw_char(w, '{');
    for (int i = 0; i < mind->count; i++) {
        const mind_state_t *state = &mind->states[i];
        if (i > 0)
            jsonw_char(w, ',');
        jsonw_key(w, state->name);
        jsonw_raw(w, "{\"ev\":[", 7);
        for (int k = 0; k < state->evidence_count; k++) {
            const mind_evidence_t *e = &state->evidence[k];
            jsonw_raw(w, k > 0 ? ",[" : "[", k > 0 ? 2 : 1);
            jsonw_string(w, e->event_id);
            jsonw_char(w, ',');
            jsonw_string(w, e->rule);
            jsonw_char(w, ',');
            jsonw_double(w, e->delta);
            jsonw_char(w, ',');
            jsonw_int64(w, e->at_ms);
            jsonw_char(w, ']');
        }
        jsonw_raw(w, "],\"v\":", 6);
        jsonw_double(w, state->value);
        jsonw_raw(w, ",\"t\":", 5);
        jsonw_int64(w, state->updated_ms);
        jsonw_char(w, '}');
    }
    jsonw_char(w, '}');
}

static void history_write(jsonw_t *w, const contact_t *contact) {
    jsonw_char(w, '[');
    for (int i = 0; i < contact->history_count; i++) {
        const contact_touch_t *t = &contact->history[i];
        jsonw_raw(w, i > 0 ? ",[" : "[", i > 0 ? 2 : 1);
        jsonw_string(w, t->event_id);
        jsonw_char(w, ',');
        jsonw_string(w, t->type);
        jsonw_char(w, ',');
        jsonw_int64(w, t->at_ms);
        if (t->props) {
            jsonw_char(w, ',');
            jsonw_item(w, t->props);
        }
        jsonw_char(w, ']');
    }
    jsonw_char(w, ']');
}

static void sent_write(jsonw_t *w, const contact_t *contact) {
    jsonw_char(w, '[');
    for (int i = 0; i < contact->sent_count; i++) {
        const contact_sent_t *d = &contact->sent[i];
        jsonw_raw(w, i > 0 ? ",[" : "[", i > 0 ? 2 : 1);
        jsonw_string(w, d->content);
        jsonw_char(w, ',');
        jsonw_int64(w, d->at_ms);
        jsonw_char(w, ',');
        jsonw_string(w, d->action_id);
        jsonw_char(w, ',');
        jsonw_string(w, d->channel);
        jsonw_raw(w, d->is_task ? ",true]" : ",false]", d->is_task ? 6 : 7);
    }
    jsonw_char(w, ']');
}

char *contact_to_json(const contact_t *contact) {
    jsonw_t w;
    /* About the size of a full state, so that most contacts need one allocation. */
    jsonw_init(&w, 1024 + (size_t)contact->history_count * 96 + (size_t)contact->sent_count * 64);
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
    jsonw_item(&w, contact->facts);
    jsonw_raw(&w, ",\"mind\":", 8);
    mind_write(&w, &contact->mind);
    jsonw_raw(&w, ",\"history\":", 11);
    history_write(&w, contact);
    jsonw_raw(&w, ",\"sent\":", 8);
    sent_write(&w, contact);
    jsonw_char(&w, '}');
    return jsonw_finish(&w);
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

/* ---- fast restore ------------------------------------------------------------------------
 * A reader for the form contact_to_json writes, straight into the contact: no tree for the
 * lists, strings copied once. It accepts only that form (members in any order, each once;
 * rows of exactly the written arity; strings with no \u escape); anything else, including
 * every malformed state, goes to the cJSON reader below, which has the last word on what a
 * stored state means and on the error reported. Facts and props are parsed by cJSON. */

typedef struct {
    const char *at, *end;
} reader_t;

static void skip_space(reader_t *r) {
    while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r'))
        r->at++;
}

/* Consumes 'c' (after white space) when it comes next. */
static int eat(reader_t *r, char c) {
    skip_space(r);
    if (r->at < r->end && *r->at == c) {
        r->at++;
        return 1;
    }
    return 0;
}

/* Reads a string into a fresh copy (free with free()); NULL when it is not a plain one. */
static char *read_string(reader_t *r) {
    if (!eat(r, '"'))
        return NULL;
    const char *start = r->at;
    size_t escapes = 0;
    for (; r->at < r->end && *r->at != '"'; r->at++) {
        if ((unsigned char)*r->at < 32)
            return NULL;
        if (*r->at == '\\') {
            if (++r->at == r->end)
                return NULL;
            escapes++;
        }
    }
    if (r->at == r->end)
        return NULL;
    size_t size = (size_t)(r->at - start);
    r->at++; /* the closing quote */
    char *copy = malloc(size - escapes + 1), *out = copy;
    if (copy == NULL)
        return NULL;
    for (const char *s = start; s < start + size; s++) {
        if (*s != '\\') {
            *out++ = *s;
            continue;
        }
        switch (*++s) {
        case '"': case '\\': case '/': *out++ = *s; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        default: free(copy); return NULL; /* \u and anything unknown: the cJSON reader's job */
        }
    }
    *out = '\0';
    return copy;
}

/* Reads a number as cJSON does (the characters it takes, converted by strtod), with the
 * common case of a short integer done by hand: below 2^53 both give the same double. */
static int read_number(reader_t *r, double *out) {
    skip_space(r);
    const char *start = r->at;
    int is_integer = 1;
    while (r->at < r->end && r->at - start < 63) {
        char c = *r->at;
        if (c >= '0' && c <= '9')
            ;
        else if (c == '-' && r->at == start)
            ;
        else if (c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.')
            is_integer = 0;
        else
            break;
        r->at++;
    }
    size_t size = (size_t)(r->at - start);
    size_t digits = size - (size > 0 && *start == '-');
    if (digits == 0)
        return -1;
    if (is_integer && digits <= 15) {
        int64_t value = 0;
        for (const char *s = start + (size - digits); s < r->at; s++)
            value = value * 10 + (*s - '0');
        *out = *start == '-' ? -(double)value : (double)value;
        return 0;
    }
    char text[64], *end;
    memcpy(text, start, size);
    text[size] = '\0';
    *out = strtod(text, &end);
    return end == text + size ? 0 : -1;
}

/* Reads an object: as one flat block for props ('is_flat'), as a cJSON tree for facts (rules
 * change those); NULL unless it is an object. */
static cJSON *read_object(reader_t *r, int is_flat) {
    skip_space(r);
    if (r->at == r->end || *r->at != '{')
        return NULL;
    const char *after = NULL;
    cJSON *object = is_flat ? jsonflat_parse(r->at, (size_t)(r->end - r->at), &after) : NULL;
    if (object == NULL)
        object = cJSON_ParseWithLengthOpts(r->at, (size_t)(r->end - r->at), &after, 0);
    if (object == NULL)
        return NULL;
    r->at = after;
    return object;
}

/* Reads a member name (after a ',' or '{' was consumed) and its ':'. */
static char *read_key(reader_t *r) {
    char *key = read_string(r);
    if (key != NULL && !eat(r, ':')) {
        free(key);
        return NULL;
    }
    return key;
}

/* Reads '{' members '}' or '[' elements ']', calling 'each' on every one after its key (for
 * an object) was read; stops at the first failure. */
static int read_list(reader_t *r, int is_object, int (*each)(reader_t *, const char *, void *),
                     void *ud) {
    if (!eat(r, is_object ? '{' : '['))
        return -1;
    if (eat(r, is_object ? '}' : ']'))
        return 0;
    do {
        char *key = is_object ? read_key(r) : NULL;
        int rc = is_object && key == NULL ? -1 : each(r, key, ud);
        free(key);
        if (rc)
            return -1;
    } while (eat(r, ','));
    return eat(r, is_object ? '}' : ']') ? 0 : -1;
}

static int read_evidence(reader_t *r, const char *key, void *ud) {
    (void)key;
    double delta, at;
    int rc = -1;
    char *event_id = NULL, *rule = NULL;
    if (eat(r, '[') && (event_id = read_string(r)) && eat(r, ',') && (rule = read_string(r)) &&
        eat(r, ',') && !read_number(r, &delta) && eat(r, ',') && !read_number(r, &at) &&
        eat(r, ']'))
        rc = mind_push_evidence(ud, event_id, rule, delta, (int64_t)at, NULL) ? -1 : 0;
    free(event_id);
    free(rule);
    return rc;
}

typedef struct {
    mind_state_t *state;
    int seen; /* 1: v, 2: t, 4: ev */
} mind_member_t;

static int read_mind_member(reader_t *r, const char *key, void *ud) {
    mind_member_t *m = ud;
    int which = strcmp(key, "v") == 0 ? 1 : strcmp(key, "t") == 0 ? 2 : strcmp(key, "ev") == 0 ? 4 : 0;
    if (which == 0 || (m->seen & which))
        return -1;
    m->seen |= which;
    if (which == 4)
        return read_list(r, 0, read_evidence, m->state);
    double number;
    if (read_number(r, &number))
        return -1;
    if (which == 1)
        m->state->value = number;
    else
        m->state->updated_ms = (int64_t)number;
    return 0;
}

/* One mind state: made first, its value and time filled as its members come. */
static int read_mind_state(reader_t *r, const char *key, void *ud) {
    contact_t *contact = ud;
    mind_member_t m = {mind_restore(&contact->mind, key, 0.0, 0, NULL), 0};
    if (m.state == NULL || read_list(r, 1, read_mind_member, &m))
        return -1;
    return (m.seen & 3) == 3 ? 0 : -1;
}

static int read_touch(reader_t *r, const char *key, void *ud) {
    (void)key;
    contact_touch_t touch = {NULL, NULL, 0, NULL, 0};
    double at;
    if (!eat(r, '[') || !(touch.event_id = read_string(r)) || !eat(r, ',') ||
        !(touch.type = read_string(r)) || !eat(r, ',') || read_number(r, &at) ||
        (eat(r, ',') && !(touch.props = read_object(r, 1))) || !eat(r, ']')) {
        touch_close(&touch);
        return -1;
    }
    touch.at_ms = (int64_t)at;
    return push_touch_owned(ud, touch) ? -1 : 0;
}

static int read_sent(reader_t *r, const char *key, void *ud) {
    (void)key;
    contact_sent_t d = {NULL, NULL, NULL, 0, 0};
    double at;
    if (!eat(r, '[') || !(d.content = read_string(r)) || !eat(r, ',') || read_number(r, &at) ||
        !eat(r, ',') || !(d.action_id = read_string(r)) || !eat(r, ',') ||
        !(d.channel = read_string(r)) || !eat(r, ',')) {
        contact_sent_close(&d);
        return -1;
    }
    skip_space(r);
    size_t left = (size_t)(r->end - r->at);
    if (left >= 4 && memcmp(r->at, "true", 4) == 0)
        d.is_task = 1, r->at += 4;
    else if (left >= 5 && memcmp(r->at, "false", 5) == 0)
        r->at += 5;
    else
        d.at_ms = -1;
    if (d.at_ms == -1 || !eat(r, ']')) {
        contact_sent_close(&d);
        return -1;
    }
    d.at_ms = (int64_t)at;
    return push_sent_owned(ud, d) ? -1 : 0;
}

enum { SEEN_STAGE = 1, SEEN_ACCOUNT = 2, SEEN_FACTS = 4, SEEN_MIND = 8, SEEN_HISTORY = 16,
       SEEN_SENT = 32 };

typedef struct {
    contact_t *contact;
    int seen; /* SEEN_* */
} top_t;

static int read_top_member(reader_t *r, const char *key, void *ud) {
    top_t *top = ud;
    contact_t *c = top->contact;
    static const char *const names[] = {"stage", "account", "facts", "mind", "history", "sent"};
    int which = 0;
    while (which < 6 && strcmp(key, names[which]) != 0)
        which++;
    if (which == 6 || (top->seen & (1 << which)))
        return -1;
    top->seen |= 1 << which;
    switch (which) {
    case 0: return (c->stage = read_string(r)) ? 0 : -1;
    case 1: return (c->account = read_string(r)) ? 0 : -1;
    case 2: {
        cJSON *facts = read_object(r, 0);
        if (facts == NULL)
            return -1;
        cJSON_Delete(c->facts);
        c->facts = facts;
        return 0;
    }
    case 3: return read_list(r, 1, read_mind_state, c);
    case 4: return read_list(r, 0, read_touch, c);
    default: return read_list(r, 0, read_sent, c);
    }
}

/* Returns 0 with 'contact' restored, or -1 with it closed (the cJSON reader decides then). */
static int restore_fast(contact_t *contact, const char *id, const char *text, size_t size,
                        int64_t version) {
    if (contact_init(contact, id, NULL))
        return -1;
    contact->version = version;
    reader_t r = {text, text + size};
    top_t top = {contact, 0};
    if (read_list(&r, 1, read_top_member, &top) == 0) {
        skip_space(&r);
        if (r.at == r.end)
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
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc != 0)
        contact_close(contact);
    return rc;
}
