/* mind: decaying inferred states with evidence. */
#include "engine/core/mind.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/footprint.h"

/* Atomic, because the live engine and tests may keep minds on more than one thread. */
static uint64_t next_version(void) {
    static uint64_t last;
    return __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
}

void mind_init(mind_t *mind) {
    memset(mind, 0, sizeof *mind);
    mind->version = next_version();
}

static void evidence_close(mind_evidence_t *evidence) {
    free(evidence->event_id); /* 'rule' lives in the same block */
    memset(evidence, 0, sizeof *evidence);
}

void mind_close(mind_t *mind) {
    for (int i = 0; i < mind->count; i++) {
        for (int k = 0; k < mind->states[i].evidence_count; k++)
            evidence_close(&mind->states[i].evidence[k]);
        free(mind->states[i].name);
        free(mind->states[i].text);
    }
    free(mind->states);
    mind_init(mind);
}

size_t mind_footprint(const mind_t *mind) {
    size_t total =
        mind->capacity ? footprint_block((size_t)mind->capacity * sizeof *mind->states) : 0;
    for (int i = 0; i < mind->count; i++) {
        const mind_state_t *state = &mind->states[i];
        total += footprint_string(state->name);
        if (state->text)
            total += footprint_block(state->text_size);
        /* An event id and a rule name each, a few dozen bytes: not measured, as the cache
         * counts every state at every put. */
        total += (size_t)state->evidence_count * footprint_block(40);
    }
    return total;
}

const mind_state_t *mind_find(const mind_t *mind, const char *name) {
    for (int i = 0; i < mind->count; i++)
        if (strcmp(mind->states[i].name, name) == 0)
            return &mind->states[i];
    return NULL;
}

static double decayed(const mind_state_t *state, int64_t now_ms, int64_t half_life_ms) {
    if (half_life_ms <= 0 || now_ms <= state->updated_ms)
        return state->value;
    double half_lives = (double)(now_ms - state->updated_ms) / (double)half_life_ms;
    return state->value * exp2(-half_lives);
}

double mind_state_value(const mind_state_t *state, int64_t now_ms, int64_t half_life_ms) {
    return decayed(state, now_ms, half_life_ms);
}

double mind_value(const mind_t *mind, const char *name, int64_t now_ms, int64_t half_life_ms) {
    const mind_state_t *state = mind_find(mind, name);
    return state ? decayed(state, now_ms, half_life_ms) : 0.0;
}

mind_state_t *mind_restore(mind_t *mind, const char *name, double value, int64_t updated_ms,
                           nerr_t *err) {
    if (mind->count == mind->capacity) {
        int capacity = mind->capacity ? mind->capacity * 2 : 4;
        mind_state_t *states = realloc(mind->states, (size_t)capacity * sizeof *states);
        if (states == NULL)
            goto nomem;
        mind->states = states;
        mind->capacity = capacity;
    }
    mind_state_t *state = &mind->states[mind->count];
    memset(state, 0, sizeof *state);
    state->name = strdup(name);
    if (state->name == NULL)
        goto nomem;
    state->value = value;
    state->updated_ms = updated_ms;
    mind->count++;
    mind->version = next_version();
    return state;

nomem:
    nerr_set(err, NERR_NOMEM, "out of memory adding mind state %s", name);
    return NULL;
}

int mind_push_evidence(mind_state_t *state, const char *event_id, const char *rule, double delta,
                       int64_t at_ms, nerr_t *err) {
    /* One allocation for both strings: evidence is recorded at every inference. */
    size_t id_size = strlen(event_id) + 1, rule_size = strlen(rule) + 1;
    char *block = malloc(id_size + rule_size);
    if (block == NULL)
        return nerr_set(err, NERR_NOMEM, "out of memory recording evidence");
    memcpy(block, event_id, id_size);
    memcpy(block + id_size, rule, rule_size);
    mind_evidence_t fresh = {block, block + id_size, delta, at_ms};
    if (state->evidence_count == MIND_EVIDENCE_MAX) {
        evidence_close(&state->evidence[0]);
        memmove(&state->evidence[0], &state->evidence[1],
                (MIND_EVIDENCE_MAX - 1) * sizeof state->evidence[0]);
        state->evidence_count--;
    }
    state->evidence[state->evidence_count++] = fresh;
    return 0;
}

int mind_adjust(mind_t *mind, const char *name, double delta, int64_t now_ms,
                int64_t half_life_ms, const char *event_id, const char *rule, nerr_t *err) {
    mind_state_t *state = (mind_state_t *)mind_find(mind, name);
    if (state == NULL && (state = mind_restore(mind, name, 0.0, now_ms, err)) == NULL)
        return NERR_NOMEM;
    double value = decayed(state, now_ms, half_life_ms) + delta;
    state->value = value < 0.0 ? 0.0 : value > 1.0 ? 1.0 : value;
    if (now_ms > state->updated_ms)
        state->updated_ms = now_ms;
    free(state->text); /* changed: written afresh */
    state->text = NULL;
    mind->version = next_version();
    return mind_push_evidence(state, event_id, rule, delta, now_ms, err);
}

/* ---- storage form ----------------------------------------------------------------------- */

/* Member order and number forms are those contact states have always been stored with:
 * {"ev":[["event","rule",delta,ms],..],"v":value,"t":ms}. */
static void write_state(jsonw_t *w, const mind_state_t *state) {
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

/* Keeps a copy of the text just written for 'state' (w->data from 'at'); without memory the
 * state is simply written afresh next time. */
static void keep_text(mind_state_t *state, const jsonw_t *w, size_t at) {
    size_t size = w->length - at;
    char *text = !w->is_failed && w->data ? malloc(size ? size : 1) : NULL;
    if (text) {
        memcpy(text, w->data + at, size);
        state->text = text;
        state->text_size = size;
    }
}

void mind_write_json(jsonw_t *w, mind_t *mind) {
    jsonw_char(w, '{');
    for (int i = 0; i < mind->count; i++) {
        mind_state_t *state = &mind->states[i];
        if (i > 0)
            jsonw_char(w, ',');
        jsonw_key(w, state->name);
        if (state->text) {
            jsonw_raw(w, state->text, state->text_size);
        } else {
            size_t at = w->length;
            write_state(w, state);
            keep_text(state, w, at);
        }
    }
    jsonw_char(w, '}');
}

static int read_evidence(jsonr_t *r, const char *key, void *ud) {
    (void)key;
    double delta;
    int64_t at;
    int rc = -1;
    char *event_id = NULL, *rule = NULL;
    if (jsonr_eat(r, '[') && (event_id = jsonr_string(r)) && jsonr_eat(r, ',') &&
        (rule = jsonr_string(r)) && jsonr_eat(r, ',') && !jsonr_number(r, &delta) &&
        isfinite(delta) && jsonr_eat(r, ',') && !jsonr_time(r, &at) && jsonr_eat(r, ']'))
        rc = mind_push_evidence(ud, event_id, rule, delta, at, NULL) ? -1 : 0;
    free(event_id);
    free(rule);
    return rc;
}

typedef struct {
    mind_state_t *state;
    int seen; /* bit per member of MEMBERS */
} member_reader_t;

static int read_member(jsonr_t *r, const char *key, void *ud) {
    static const char *const MEMBERS[] = {"v", "t", "ev"};
    member_reader_t *m = ud;
    switch (jsonr_member_index(key, MEMBERS, 3, &m->seen)) {
    case 0: return jsonr_number(r, &m->state->value) || !isfinite(m->state->value) ? -1 : 0;
    case 1: return jsonr_time(r, &m->state->updated_ms);
    case 2: return jsonr_list(r, 0, read_evidence, m->state);
    default: return -1;
    }
}

/* One state: made first, its value and time filled in as its members come, its text kept. */
static int read_state(jsonr_t *r, const char *key, void *ud) {
    const char *start = r->at;
    member_reader_t m = {mind_restore(ud, key, 0.0, 0, NULL), 0};
    if (m.state == NULL || jsonr_list(r, 1, read_member, &m) || (m.seen & 3) != 3)
        return -1;
    size_t size = (size_t)(r->at - start);
    if ((m.state->text = malloc(size ? size : 1)) != NULL) {
        memcpy(m.state->text, start, size);
        m.state->text_size = size;
    }
    return 0;
}

int mind_read_json(jsonr_t *r, mind_t *mind) {
    int rc = jsonr_list(r, 1, read_state, mind);
    mind->version = next_version(); /* the states' values were filled in after mind_restore */
    return rc;
}

static const char *row_string(const cJSON *row, int index) {
    const cJSON *item = cJSON_GetArrayItem(row, index);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

int mind_from_json(mind_t *mind, const cJSON *json, nerr_t *err) {
    const cJSON *item;
    cJSON_ArrayForEach(item, json) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "v");
        int64_t t;
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
            jsonr_time_item(cJSON_GetObjectItemCaseSensitive(item, "t"), &t) ||
            item->string == NULL)
            return nerr_set(err, NERR_INVALID, "stored mind state is malformed");
        mind_state_t *state = mind_restore(mind, item->string, v->valuedouble, t, err);
        if (state == NULL)
            return NERR_NOMEM;
        const cJSON *row;
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(item, "ev")) {
            const char *event_id = row_string(row, 0), *rule = row_string(row, 1);
            const cJSON *delta = cJSON_GetArrayItem(row, 2);
            int64_t at;
            if (!event_id || !rule || !cJSON_IsNumber(delta) || !isfinite(delta->valuedouble) ||
                jsonr_time_item(cJSON_GetArrayItem(row, 3), &at))
                return nerr_set(err, NERR_INVALID, "stored evidence is malformed");
            if (mind_push_evidence(state, event_id, rule, delta->valuedouble, at, err))
                return NERR_NOMEM;
        }
    }
    return 0;
}
