/* decide: the functional core. For one touchpoint it updates a contact (history, facts, mind,
 * stage) and returns the actions the playbook takes, each with its reason. No I/O and no wall
 * clock: the live engine, replay and tests call it alike and get the same actions and ids.
 *
 * An action's reason is a JSON object:
 *   {"rule", "because", "event", "stage", "touchpoints": [event ids],
 *    "states": {name: value}, "facts": {name: value},
 *    "evidence": [{"state", "delta", "rule", "because", "event"}]}
 * listing the mind states and facts the rule's condition read and what raised those states. */
#ifndef NURTURE_DECIDE_H
#define NURTURE_DECIDE_H

#include "engine/core/action.h"
#include "engine/core/contact.h"
#include "engine/core/event.h"
#include "engine/core/playbook.h"

#define DECIDE_MAX_ACTIONS 3 /* per touchpoint; the highest-priority rules win */
#define DECIDE_MAX_ERRORS 8  /* rule errors kept per touchpoint; the rest are counted */
#define DECIDE_MAX_MOVES 4   /* stage moves remembered per touchpoint, for explanations */

typedef struct {
    action_t actions[DECIDE_MAX_ACTIONS];
    int action_count;
    const rule_t *moves[DECIDE_MAX_MOVES]; /* the stage rules that fired, in order; borrowed
                                              from the playbook */
    int move_count;
    nerr_t errors[DECIDE_MAX_ERRORS]; /* "file:line: message (rule name)" */
    int error_count;                  /* may exceed DECIDE_MAX_ERRORS */
} decision_t;

/* Applies 'event' to 'contact' (borrowed, updated in place) under 'playbook' and fills 'out'
 * (release with decision_close). A failing rule is recorded in out->errors and skipped; the
 * other rules still run. Returns 0, or NERR_NOMEM with 'err' set (then 'contact' may be
 * partly updated and must be discarded). */
int decide(playbook_t *playbook, contact_t *contact, const event_t *event, decision_t *out,
           nerr_t *err);

/* Frees the actions of 'decision'; accepts a zeroed decision. */
void decision_close(decision_t *decision);

#endif
