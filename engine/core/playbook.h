/* playbook: the engine-side contract of a loaded playbook — its stages, mind states, content
 * catalogue and rules, and the calls that evaluate a rule's Lua parts. Implemented by
 * playbook_lua.c, the only file that knows Lua. Not thread-safe: one playbook per thread. */
#ifndef NURTURE_PLAYBOOK_H
#define NURTURE_PLAYBOOK_H

#include <stdint.h>
#include <string.h>

#include "engine/core/action.h"
#include "engine/core/contact.h"
#include "engine/core/event.h"
#include "engine/core/nerr.h"

#define PLAYBOOK_READS_MAX 16 /* mind states and facts one condition may cite in its reason */

/* Rule kinds. Policies (suppress, cap) and goals are rules too: named, located, and run by
 * the engine whatever the act rules say. */
typedef enum { RULE_INFER, RULE_ADVANCE, RULE_ACT, RULE_SUPPRESS, RULE_CAP, RULE_GOAL } rule_kind_t;

#define RULE_KIND_COUNT 6

typedef enum { WINDOW_ANY, WINDOW_BUSINESS_HOURS } send_window_t;

typedef struct {
    char *state;
    double delta; /* positive raises, negative lowers */
} rule_effect_t;

/* One condition of a rule's `where` or `facts`: the touchpoint's field 'field' (read as
 * e.<field> reads it), or the contact's fact 'field', holds one of 'values'. */
typedef struct {
    char *field;
    cJSON *values; /* an array of strings, numbers and booleans */
    int field_slot; /* meaningful only to playbook_lua.c */
} rule_match_t;

/* One condition of a rule's `mind` or `account_mind`: the state's value at the touchpoint's
 * time lies between the bounds ('low' < value, or <= when 'low_inclusive'; likewise 'high'). */
typedef struct {
    char *state;
    int of_account; /* the account's state (`account_mind`), not the contact's */
    double low, high; /* -HUGE_VAL, HUGE_VAL: unbounded */
    int low_inclusive, high_inclusive;
    int state_slot;   /* meaningful only to playbook_lua.c */
} rule_mind_t;

typedef struct {
    rule_kind_t kind;
    char *name;
    char *file; /* relative to the playbook folder */
    int line;
    char **on;             /* the touchpoint types it listens to */
    int on_count;          /* 0: every type */
    rule_match_t *where;   /* conditions on the touchpoint's fields, all of which must hold
                              for the rule to run (checked without Lua) */
    int where_count;
    rule_match_t *facts;   /* likewise on the contact's facts (checked after 'mind'), sorted
                              by name */
    int facts_count;
    rule_mind_t *mind;     /* bounds on states of mind, all of which must hold for the rule to
                              run (checked without Lua, after 'where' and the stage), sorted
                              by state name */
    int mind_count;
    char **stages;         /* infer, act: the stages it applies in; advance: the stages it
                              moves from */
    int stage_count;       /* 0: any stage */
    uint64_t stage_bits;   /* bit i set: playbook_stage(i) is in 'stages' (for i < 64) */
    rule_effect_t *effects; /* infer: states raised or lowered */
    int effect_count;
    char *to_stage;        /* advance: the stage it moves the contact to */
    action_kind_t action_kind; /* act: content or task */
    char *content;         /* act, content: a catalogue id; NULL when chosen by a function */
    char *task_role;       /* act, task: "inside_sales", "field_sales", "customer_success" */
    char *task_title;
    char *task_key;        /* act, task: "task:<name>", what cooldowns and action ids are about */
    char *channel;
    int64_t after_ms;      /* act: delay from the touchpoint's time */
    int64_t cooldown_ms;   /* act: no repeat of the same content or task within this */
    int priority;          /* act: higher first */
    send_window_t window;  /* act: when the action may be delivered, in the contact's zone */
    int cap_max;           /* cap: at most this many actions on 'channel' ... */
    int64_t cap_window_ms; /* ... within this window (by due time) */
    int cancels_tasks;     /* goal: cancel pending tasks too, not only content */
    cJSON *set_facts;      /* infer, advance: facts set when the rule fires (funnel = "mql") */
    int for_account;       /* act: the action is for the contact's account, once per cooldown
                              whichever of its contacts triggers it; infer: the states raised
                              or lowered are the account's */
    char *because;         /* the plain-language reason */
    int when_ref;          /* Lua references; meaningful only to playbook_lua.c */
    int content_ref;
} rule_t;

typedef struct {
    char *id;
    char *title;
    char *url;
    char *channel; /* the default channel to deliver it on */
    char **stages;     /* what best{} matches on; an empty list matches anything */
    int stage_count;
    char **addresses;  /* the mind states it addresses */
    int address_count;
    char **topics;
    int topic_count;
    char **industries;
    int industry_count;
} content_t;

/* One expectation of a playbook test: an action that must (or must not) be emitted. Fields
 * left NULL (or -1) match anything. */
typedef struct {
    char *content;   /* a content id */
    char *task_role; /* a task's role */
    char *rule;
    char *channel;
    int64_t due_ms;  /* the exact due time; -1: any */
} playbook_expect_t;

typedef struct {
    char *state;
    double at_least; /* inclusive bounds of the state's value after the last touchpoint */
    double at_most;
} playbook_expect_mind_t;

/* A test written next to the rules: `test "name" { facts, events, expect, ... }`. */
typedef struct {
    char *name;
    char *file;
    int line;
    char *contact;       /* the test contact's id */
    cJSON *events;       /* array of complete event objects (ids, contact, at filled in),
                            an identify with the test's facts first when it has any */
    playbook_expect_t *expect; /* actions that must be among those emitted */
    int expect_count;
    playbook_expect_t *refuse; /* actions that must not be emitted */
    int refuse_count;
    int expect_none;           /* no action at all may be emitted */
    char *expect_stage;        /* the stage after the last touchpoint, or NULL */
    playbook_expect_mind_t *expect_mind;
    int expect_mind_count;
    cJSON *expect_facts; /* facts the contact must have after the last touchpoint, or NULL */
} playbook_test_t;

typedef struct playbook playbook_t;
struct account_s;

/* The names and values a condition read while it ran, for the action's reason. Valid until
 * the next evaluation. */
typedef struct {
    const char *states[PLAYBOOK_READS_MAX];
    int state_count;
    const char *facts[PLAYBOOK_READS_MAX];
    int fact_count;
    const char *account_states[PLAYBOOK_READS_MAX]; /* read through c.account_mind */
    int account_state_count;
} playbook_reads_t;

/* Loads every *.lua file of 'dir' (sorted by name) into a fresh sandboxed Lua state and
 * validates the result. Returns the playbook, owned (free with playbook_free), or NULL with
 * "file:line: message" in 'err'. */
playbook_t *playbook_load(const char *dir, nerr_t *err);

/* Frees the playbook; accepts NULL. */
void playbook_free(playbook_t *playbook);

/* The version: a hash of the names and contents of the playbook's files. Valid until free. */
const char *playbook_version(const playbook_t *playbook);

/* Rules in evaluation order: infer and advance rules in file order, act rules by descending
 * priority then file order. Valid until free. */
int playbook_rule_count(const playbook_t *playbook);
const rule_t *playbook_rule(const playbook_t *playbook, int index);

/* The rules of one kind, in evaluation order: sets '*count' and returns the array of their
 * pointers, valid until free. Saves the decision loops from walking every rule. */
const rule_t *const *playbook_rules_of(const playbook_t *playbook, rule_kind_t kind, int *count);

/* The rules that can fire on a touchpoint of 'type': those of the kinds in 'kinds' (a mask of
 * 1 << rule_kind_t: one kind, or RULE_INFER with RULE_ADVANCE, which run together) whose `on`
 * is 'type' or unset, in evaluation order. Sets '*count' and returns the array of their
 * pointers, valid until free; another mask gets 0 and NULL. Saves the decision loops from
 * comparing the type with every rule's `on`. */
const rule_t *const *playbook_rules_on(const playbook_t *playbook, unsigned kinds,
                                       const char *type, int *count);

/* The place of touchpoint type 'type' in those lists; with it, playbook_rules_in_slot gives
 * what playbook_rules_on gives for 'type' without looking the type up again, so a touchpoint
 * that asks for several kinds looks its type up once. */
int playbook_type_slot(const playbook_t *playbook, const char *type);
const rule_t *const *playbook_rules_in_slot(const playbook_t *playbook, unsigned kinds, int slot,
                                            int *count);

/* The act rules of playbook_rules_in_slot(playbook, 1u << RULE_ACT, slot, count), in the
 * same order, less those that do not apply in the stage of index 'stage_index' (from
 * playbook_stage_index): act rules cannot move the contact, so the stage holds for the whole
 * list. For a stage the playbook lacks (-1), the whole list. */
const rule_t *const *playbook_act_rules_in_stage(const playbook_t *playbook, int slot,
                                                 int stage_index, int *count);

/* Returns the rule called 'name', or NULL; valid until free. */
const rule_t *playbook_find_rule(const playbook_t *playbook, const char *name);

int playbook_stage_count(const playbook_t *playbook);
const char *playbook_stage(const playbook_t *playbook, int index);

/* The index of stage 'name' (its first declaration), or -1 when the playbook has no such
 * stage. */
int playbook_stage_index(const playbook_t *playbook, const char *name);

/* Whether 'rule' applies in the stage of index 'stage_index' (from playbook_stage_index),
 * called 'stage': a rule without stages applies in any. Inline: the decision loops ask it for
 * every act rule of every touchpoint. */
static inline int playbook_rule_in_stage(const rule_t *rule, int stage_index, const char *stage) {
    if (rule->stage_count == 0)
        return 1;
    if (stage_index < 0) /* a stage the playbook lacks is in no rule's (validated) list */
        return 0;
    if (stage_index < 64)
        return (int)(rule->stage_bits >> stage_index) & 1;
    for (int i = 0; i < rule->stage_count; i++)
        if (strcmp(rule->stages[i], stage) == 0)
            return 1;
    return 0;
}

/* Quiet hours and business hours, as minutes after local midnight in the contact's time
 * zone. Quiet hours hold content until they end; business hours bound `window =
 * "business_hours"` sends, Monday to Friday unless the playbook says otherwise. */
typedef struct {
    int has_quiet_hours;
    int quiet_from_min, quiet_to_min;
    int business_from_min, business_to_min;
    int business_days; /* bit 0 = Sunday ... bit 6 = Saturday */
} playbook_hours_t;

const playbook_hours_t *playbook_hours(const playbook_t *playbook);

/* Returns the half-life of mind state 'name' (the playbook's default when undeclared). */
int64_t playbook_half_life_ms(const playbook_t *playbook, const char *name);

/* The playbook's own tests, in declaration order; valid until free. */
int playbook_test_count(const playbook_t *playbook);
const playbook_test_t *playbook_test(const playbook_t *playbook, int index);

/* Returns the catalogue entry 'id', or NULL; valid until free. */
const content_t *playbook_content(const playbook_t *playbook, const char *id);

/* Makes 'account' (borrowed; NULL: none) the account rules see through c.account_facts and
 * c:committee until the next call; c:committee may read its stored rows. */
void playbook_set_account(playbook_t *playbook, struct account_s *account);

/* Runs the rule's condition for 'contact' and 'event' (both borrowed for the call) and sets
 * '*is_true'; a rule without a condition is true. Records what the condition read in 'reads'.
 * Returns 0, or NERR_RULE with "file:line: message" in 'err'. */
int playbook_eval_when(playbook_t *playbook, const rule_t *rule, contact_t *contact,
                       const event_t *event, int *is_true, playbook_reads_t *reads, nerr_t *err);

/* For an act rule whose content is chosen by a function, runs it and returns the content id,
 * owned (free with free()); NULL with '*err' code 0 when it chose nothing, else NULL with
 * NERR_RULE in 'err'. Adds what the function read to 'reads' (kept from the condition). */
char *playbook_eval_content(playbook_t *playbook, const rule_t *rule, contact_t *contact,
                            const event_t *event, playbook_reads_t *reads, nerr_t *err);

/* ---- running a list of rules ------------------------------------------------------------ */

/* What one rule of a playbook_run_rules call gave, as its visitor sees it. */
typedef struct {
    const rule_t *rule;
    int is_true;             /* the condition held (a rule without one holds) */
    const char *content;     /* with_content, for a true act rule whose content is chosen by a
                                function: the id it chose (a catalogue id), or NULL when it
                                chose nothing; valid only during the visitor's call */
    playbook_reads_t *reads; /* with_reads: what the condition (and content function) read;
                                valid only during the visitor's call */
    const nerr_t *error;     /* set when the rule failed ("file:line: message (rule name)",
                                NERR_RULE): then nothing else but 'rule' is meaningful */
} playbook_outcome_t;

#define PLAYBOOK_STOP 1 /* a visitor's 'take' returns it to end the run early, without error */

/* Tells playbook_run_rules which rules to run and receives their outcomes. Its functions run
 * inside the playbook's protected call: they must not call into the playbook (or Lua). */
typedef struct {
    /* NULL runs every rule; else called for each rule whose `where`, `mind` and `facts` hold,
     * just before its condition would run: 0 skips it. */
    int (*wants)(void *ctx, const rule_t *rule);
    /* Called once per rule run (failed ones too), in order: returns 0 to go on, PLAYBOOK_STOP
     * to end the run, or an error code (e.g. NERR_NOMEM) that ends the run and is returned. */
    int (*take)(void *ctx, const playbook_outcome_t *outcome);
    void *ctx;
    int with_reads;   /* record what each rule read, for reasons */
    int with_content; /* for a true act rule with a content function, run it too */
} playbook_visitor_t;

/* Runs the conditions of 'rules' (borrowed; 'count' of them) in order for 'contact' and
 * 'event' (both borrowed for the call), handing each outcome to the visitor before the next
 * rule runs, so a rule sees what the visitor did with the earlier ones. The rules share one
 * protected call: a rule that fails (an error, its instruction budget, the memory cap) is
 * reported to the visitor with its error, exactly as playbook_eval_when reports it, and the
 * run resumes with the next rule in a new protected call. Each rule gets its own instruction
 * budget, as with playbook_eval_when. Returns 0, or the visitor's error code. */
int playbook_run_rules(playbook_t *playbook, const rule_t *const *rules, int count,
                       contact_t *contact, const event_t *event, const playbook_visitor_t *visitor);

/* A list of rules and the visitor of their outcomes, for playbook_run_lists. */
typedef struct {
    const rule_t *const *rules; /* borrowed */
    int count;
    const playbook_visitor_t *visitor;
    /* NULL, or called with the visitor's ctx when the run reaches the list, once the lists
     * before it have run: returns the rules to run instead of 'rules' and 'count' (act rules
     * depend on the stage that the mind and stage rules before them left). Must not call
     * into the playbook. */
    const rule_t *const *(*choose)(void *ctx, int *count);
} playbook_list_t;

/* Runs the 'list_count' lists one after the other as playbook_run_rules would run each, in
 * one protected call for all (entering Lua costs more than a small condition): a visitor's
 * PLAYBOOK_STOP ends its own list, and the run goes on with the next; a visitor's error code
 * ends the run and is returned. Returns 0 otherwise. */
int playbook_run_lists(playbook_t *playbook, const playbook_list_t *lists, int list_count,
                       contact_t *contact, const event_t *event);

#endif
