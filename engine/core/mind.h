/* mind: the inferred states of one contact (anxiety, distrust, price_worry, ...). Each is a
 * value in [0, 1] that halves every half-life, with the newest evidence that moved it.
 * Pure; values are computed for an explicit 'now_ms', never the wall clock. */
#ifndef NURTURE_MIND_H
#define NURTURE_MIND_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine/core/jsonr.h"
#include "engine/core/jsonw.h"
#include "engine/core/nerr.h"

#define MIND_EVIDENCE_MAX 4 /* the newest evidence kept per state */

typedef struct {
    char *event_id; /* the touchpoint that moved the state; owns one block holding 'rule' too */
    char *rule;     /* the inference rule that moved it (inside event_id's block) */
    double delta;   /* by how much (negative lowers) */
    int64_t at_ms;  /* when (the touchpoint's time) */
} mind_evidence_t;

typedef struct {
    char *name;
    double value;       /* as of 'updated_ms' */
    int64_t updated_ms; /* decay counts from here */
    mind_evidence_t evidence[MIND_EVIDENCE_MAX]; /* oldest first */
    int evidence_count;
    /* Owned: the state's JSON value as last read or written, or NULL once the state changed
     * since. A touchpoint moves one or two states; writing the others back is a copy. */
    char *text;
    size_t text_size;
} mind_state_t;

typedef struct {
    mind_state_t *states;
    int count;
    int capacity;
    uint64_t version; /* changed by every change of the states to a number no mind had before:
                         a mind's address and version name what it holds, for caches */
} mind_t;

void mind_init(mind_t *mind);

/* Frees every state; the mind may be reused after mind_init. */
void mind_close(mind_t *mind);

/* About how many bytes the states hold in memory (see footprint.h). */
size_t mind_footprint(const mind_t *mind);

/* Returns the state called 'name', or NULL; valid until the mind changes. */
const mind_state_t *mind_find(const mind_t *mind, const char *name);

/* The value of 'name' at 'now_ms', decayed with 'half_life_ms' (0 means no decay); 0 when the
 * contact has no such state. */
double mind_value(const mind_t *mind, const char *name, int64_t now_ms, int64_t half_life_ms);

/* What mind_value gives for the state already found, 'state'. */
double mind_state_value(const mind_state_t *state, int64_t now_ms, int64_t half_life_ms);

/* Moves 'name' by 'delta' (clamped to [0, 1]) after decaying it to 'now_ms', and records the
 * evidence ('event_id', 'rule': borrowed, copied). Returns 0 or NERR_NOMEM. */
int mind_adjust(mind_t *mind, const char *name, double delta, int64_t now_ms,
                int64_t half_life_ms, const char *event_id, const char *rule, nerr_t *err);

/* Appends a state read back from storage, evidence included. Returns the new state or NULL on
 * NERR_NOMEM; the caller fills evidence with mind_push_evidence. */
mind_state_t *mind_restore(mind_t *mind, const char *name, double value, int64_t updated_ms,
                           nerr_t *err);

/* Records one piece of evidence on 'state', dropping the oldest past MIND_EVIDENCE_MAX.
 * Returns 0 or NERR_NOMEM. */
int mind_push_evidence(mind_state_t *state, const char *event_id, const char *rule, double delta,
                       int64_t at_ms, nerr_t *err);

/* The storage form of a mind:
 * {"anxiety":{"ev":[["event","rule",delta,ms],..],"v":0.6,"t":ms},..}.
 * mind_write_json appends it to 'w', keeping the text of each state it had to write afresh
 * (the mind is otherwise unchanged). */
void mind_write_json(jsonw_t *w, mind_t *mind);

/* Reads the storage form from 'r' into 'mind' (appending states) when it is in the form
 * mind_write_json writes (members in any order); returns 0, or -1 when it is not (or memory
 * ran out): the caller then falls back to mind_from_json. */
int mind_read_json(jsonr_t *r, mind_t *mind);

/* Appends the states of the storage form 'json' (borrowed), in any JSON form, to 'mind'.
 * Returns 0, or NERR_INVALID/NERR_NOMEM with 'err' set. */
int mind_from_json(mind_t *mind, const cJSON *json, nerr_t *err);

#endif
