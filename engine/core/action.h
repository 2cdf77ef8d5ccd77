/* action: a timed content delivery or task decided for a contact, with the reasoning that
 * produced it, and its JSON form on the actions stream. Pure; depends on cJSON. */
#ifndef NURTURE_ACTION_H
#define NURTURE_ACTION_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine/core/jsonw.h"

#define ACTION_ID_MAX 24 /* "a-" + 16 hex digits + terminator, with room */

typedef enum { ACTION_CONTENT, ACTION_TASK } action_kind_t;

typedef struct {
    char id[ACTION_ID_MAX];
    action_kind_t kind;
    char *contact;
    char *rule;
    char *channel; /* "email", "sales_task", ... */
    int64_t due_ms;
    cJSON *target; /* {"id","title","url"} for content, {"role","title"} for a task; owned */
    char *reason;  /* the chain of evidence, see decide.h: a JSON object's text; owned */
    char *account; /* set when the action is for the contact's account as a whole; owned */
} action_t;

/* Derives the deterministic id of the action that rule 'rule' takes on 'target' (a content
 * id or task title) for event 'event_id': the same three always give the same id. */
void action_make_id(const char *event_id, const char *rule, const char *target,
                    char out[ACTION_ID_MAX]);

/* Frees what the action owns; accepts a zeroed action. */
void action_close(action_t *action);

/* Returns the action's JSON object as it goes on the actions stream, owned (free with free()),
 * or NULL when out of memory. 'playbook' is the version hash. The text stops before the final
 * '}' so that the releasing side appends ',"emitted_at":...}' without parsing it. */
char *action_to_json_open(const action_t *action, const char *playbook);

/* Appends what action_to_json_open returns to 'w'. */
void action_write_open(jsonw_t *w, const action_t *action, const char *playbook);

/* Like action_to_json_open, but complete, with "emitted_at" set to 'emitted_ms'. */
char *action_to_json(const action_t *action, const char *playbook, int64_t emitted_ms);

/* Appends what action_to_json returns to 'w'. */
void action_write(jsonw_t *w, const action_t *action, const char *playbook, int64_t emitted_ms);

#endif
