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

#include "engine/core/account.h"
#include "engine/core/action.h"
#include "engine/core/contact.h"
#include "engine/core/event.h"
#include "engine/core/playbook.h"

#define DECIDE_MAX_ACTIONS 3 /* per touchpoint; the highest-priority rules win */
#define DECIDE_MAX_ERRORS 8  /* rule errors kept per touchpoint; the rest are counted */
#define DECIDE_MAX_MOVES 4   /* stage moves remembered per touchpoint, for explanations */
#define DECIDE_MAX_HELD 8    /* held-back actions kept per touchpoint; the rest are counted */
#define DECIDE_MAX_CANCELLED 16

/* An action a rule wanted that a policy held back: never silently dropped. */
typedef struct {
    const rule_t *rule;         /* the act rule; borrowed from the playbook */
    const char *policy;         /* what held it: a suppress or cap rule's name, "cooldown" or
                                   "max_actions" (more than DECIDE_MAX_ACTIONS qualified) */
    char id[ACTION_ID_MAX];     /* the id the action would have had */
    char target[128];           /* the content id, or "task:<rule>" */
    char channel[32];
    int64_t due_ms;
    char winner[ACTION_ID_MAX]; /* the action that took the slot or the cap, or "" */
} decision_held_t;

/* A pending action cancelled because the contact reached a goal. */
typedef struct {
    const rule_t *goal;
    char id[ACTION_ID_MAX];
    char target[128];
    char channel[32];
    int64_t due_ms;
} decision_cancelled_t;

typedef struct {
    action_t actions[DECIDE_MAX_ACTIONS];
    int action_count;
    const rule_t *moves[DECIDE_MAX_MOVES]; /* the stage rules that fired, in order; borrowed
                                              from the playbook */
    int move_count;
    decision_held_t held[DECIDE_MAX_HELD];
    int held_count;                        /* may exceed DECIDE_MAX_HELD */
    decision_cancelled_t cancelled[DECIDE_MAX_CANCELLED];
    int cancelled_count;
    const rule_t *suppressed_by;           /* the suppression in force after this touchpoint:
                                              content due later is held at release too */
    nerr_t errors[DECIDE_MAX_ERRORS]; /* "file:line: message (rule name)" */
    int error_count;                  /* may exceed DECIDE_MAX_ERRORS */
} decision_t;

/* Applies 'event' to 'contact' (borrowed, updated in place) under 'playbook' and fills 'out'
 * (release with decision_close). Policies apply after the act rules chose: a delivery in
 * cooldown, a suppressed contact, a full channel cap or more than DECIDE_MAX_ACTIONS actions
 * hold an action back (recorded in out->held, the higher priority winning; a repeat within a
 * cooldown only the first time it repeats that delivery); quiet hours and
 * business-hours windows move due times in the contact's time zone (facts.timezone); a goal
 * cancels the pending actions due after it. A failing rule is recorded in out->errors and skipped; the
 * other rules still run. Returns 0, or NERR_NOMEM with 'err' set (then 'contact' may be
 * partly updated and must be discarded). */
int decide(playbook_t *playbook, contact_t *contact, const event_t *event, decision_t *out,
           nerr_t *err);

/* Like decide, for a contact of 'account' (borrowed, updated in place; NULL: none): the
 * touchpoint joins the account's committee history, rules see the account's facts and
 * committee, and `for_account` action rules act once for the whole account. */
int decide_account(playbook_t *playbook, contact_t *contact, account_t *account,
                   const event_t *event, decision_t *out, nerr_t *err);

/* Returns the JSON record of held-back action 'index' of 'decision' (for 'event'), owned
 * (free with free()), or NULL when out of memory:
 *   {"id","contact","event","status":"held","rule","target","channel","due_at","policy",
 *    "winner","playbook"} */
char *decision_held_json(const decision_t *decision, int index, const event_t *event,
                         const char *playbook);

/* Likewise for cancelled action 'index': {"id","contact","event","status":"cancelled",
 * "goal","target","channel","due_at","playbook"}. */
char *decision_cancelled_json(const decision_t *decision, int index, const event_t *event,
                              const char *playbook);

/* Frees the actions of 'decision'; accepts a zeroed decision. */
void decision_close(decision_t *decision);

#endif
