/* decide: touchpoint -> inferred mind -> stage -> next best actions, in that order, so an
 * action never jumps straight from "clicked X" to "send Y". */
#include "engine/core/decide.h"

#include "engine/core/clock.h"
#include "engine/core/jsonw.h"
#include "engine/core/zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies 'text' into 'buf' of 'size' bytes, cut short to fit as snprintf would, without
 * parsing a format. */
static void copy_text(char *buf, size_t size, const char *text) {
    size_t length = strnlen(text, size - 1);
    memcpy(buf, text, length);
    buf[length] = '\0';
}

static const char *current_stage(const playbook_t *pb, const contact_t *contact) {
    return contact->stage ? contact->stage : playbook_stage(pb, 0);
}

static void record_rule_error(decision_t *out, const nerr_t *err) {
    if (out->error_count < DECIDE_MAX_ERRORS)
        out->errors[out->error_count] = *err;
    out->error_count++;
}

/* Sets every member of 'facts' on the contact, replacing what was there. */
static int merge_facts(contact_t *contact, const cJSON *facts, nerr_t *err) {
    contact_facts_changed(contact);
    const cJSON *item;
    cJSON_ArrayForEach(item, facts) {
        cJSON *copy = cJSON_Duplicate(item, 1);
        if (copy == NULL)
            return nerr_set(err, NERR_NOMEM, "out of memory merging facts");
        if (cJSON_GetObjectItemCaseSensitive(contact->facts, item->string))
            cJSON_ReplaceItemInObjectCaseSensitive(contact->facts, item->string, copy);
        else
            cJSON_AddItemToObject(contact->facts, item->string, copy);
    }
    return 0;
}

/* Moves the states of the contact, or of its account for a `for_account` rule (which does
 * nothing without an account). */
static int apply_inference(playbook_t *pb, const rule_t *rule, contact_t *contact,
                           account_t *account, const event_t *event, nerr_t *err) {
    mind_t *mind = rule->for_account ? (account ? &account->mind : NULL) : &contact->mind;
    for (int k = 0; mind && k < rule->effect_count; k++) {
        const rule_effect_t *effect = &rule->effects[k];
        if (mind_adjust(mind, effect->state, effect->delta, event->at_ms,
                        playbook_half_life_ms(pb, effect->state), event->id, rule->name, err))
            return NERR_NOMEM;
    }
    return 0;
}

/* One touchpoint's decision in progress, handed to the visitors of the rule runs. */
typedef struct {
    playbook_t *pb;
    contact_t *contact;
    account_t *account;
    const event_t *event;
    decision_t *out;
    nerr_t *err;
    const char *stage; /* the contact's stage, kept up to date by the mind and stage rules */
    int stage_index;   /* its playbook_stage_index */
    int type_slot;     /* the touchpoint type's playbook_type_slot */
} step_t;

static void note_stage(step_t *s) {
    s->stage = current_stage(s->pb, s->contact);
    s->stage_index = playbook_stage_index(s->pb, s->stage);
}

/* An infer rule runs only in the stages it applies in, an advance rule in those it moves
 * from, as they stand when its turn comes. */
static int wants_mind_rule(void *ctx, const rule_t *rule) {
    const step_t *s = ctx;
    return playbook_rule_in_stage(rule, s->stage_index, s->stage);
}

static int take_mind_rule(void *ctx, const playbook_outcome_t *outcome) {
    step_t *s = ctx;
    const rule_t *rule = outcome->rule;
    if (outcome->error) {
        record_rule_error(s->out, outcome->error);
        return 0;
    }
    if (!outcome->is_true)
        return 0;
    int rc = rule->kind == RULE_INFER
                 ? apply_inference(s->pb, rule, s->contact, s->account, s->event, s->err)
                 : contact_set_stage(s->contact, rule->to_stage, s->err);
    if (rc == 0 && rule->set_facts)
        rc = merge_facts(s->contact, rule->set_facts, s->err);
    if (rc)
        return rc;
    if (rule->kind == RULE_ADVANCE)
        note_stage(s);
    if (rule->kind == RULE_ADVANCE && s->out->move_count < DECIDE_MAX_MOVES)
        s->out->moves[s->out->move_count++] = rule;
    return 0;
}

/* ---- reasons ---------------------------------------------------------------------------- */

/* Rounded so that reasons read well and compare equal across platforms. */
static double rounded(double value) { return (double)(long long)(value * 1000 + 0.5) / 1000; }

/* The touchpoint and every piece of evidence of each state a condition may read. */
#define REASON_TOUCHPOINTS_MAX (1 + 2 * PLAYBOOK_READS_MAX * MIND_EVIDENCE_MAX)

/* A reason's "touchpoints": each event id once, in the order first cited. */
typedef struct {
    const char *ids[REASON_TOUCHPOINTS_MAX];
    int count;
} touchpoints_t;

static void add_touchpoint(touchpoints_t *touchpoints, const char *id) {
    for (int i = 0; i < touchpoints->count; i++)
        if (strcmp(touchpoints->ids[i], id) == 0)
            return;
    if (touchpoints->count < REASON_TOUCHPOINTS_MAX)
        touchpoints->ids[touchpoints->count++] = id;
}

/* Writes {name: value} for the 'count' states 'names' of 'mind' at 'at_ms'. */
static void write_states(jsonw_t *w, const playbook_t *pb, const mind_t *mind,
                         const char *const *names, int count, int64_t at_ms) {
    jsonw_char(w, '{');
    for (int i = 0; i < count; i++) {
        if (i > 0)
            jsonw_char(w, ',');
        jsonw_key(w, names[i]);
        jsonw_double(w, rounded(mind_value(mind, names[i], at_ms, playbook_half_life_ms(pb, names[i]))));
    }
    jsonw_char(w, '}');
}

/* Writes the evidence of the states 'names' of 'mind' as members of the "evidence" array,
 * after 'written' members, and cites their touchpoints. Returns the members written in all. */
static int write_evidence(jsonw_t *w, const playbook_t *pb, const mind_t *mind,
                          const char *const *names, int count, int is_account,
                          touchpoints_t *touchpoints, int written) {
    for (int i = 0; i < count; i++) {
        const mind_state_t *state = mind_find(mind, names[i]);
        for (int k = 0; state && k < state->evidence_count; k++) {
            const mind_evidence_t *e = &state->evidence[k];
            const rule_t *rule = playbook_find_rule(pb, e->rule);
            if (written++ > 0)
                jsonw_char(w, ',');
            jsonw_char(w, '{');
            jsonw_key(w, "state");
            jsonw_string(w, state->name);
            jsonw_char(w, ',');
            jsonw_key(w, "delta");
            jsonw_double(w, e->delta);
            jsonw_member(w, "rule", e->rule);
            if (rule && rule->because)
                jsonw_member(w, "because", rule->because);
            jsonw_member(w, "event", e->event_id);
            if (is_account)
                jsonw_member(w, "of", "account");
            jsonw_char(w, '}');
            add_touchpoint(touchpoints, e->event_id);
        }
    }
    return written;
}

/* Writes the facts 'names' of 'facts' as an object. */
static void write_facts(jsonw_t *w, const cJSON *facts, const char *const *names, int count) {
    jsonw_char(w, '{');
    for (int i = 0; i < count; i++) {
        if (i > 0)
            jsonw_char(w, ',');
        jsonw_key(w, names[i]);
        const cJSON *fact = cJSON_GetObjectItemCaseSensitive(facts, names[i]);
        if (fact != NULL)
            jsonw_item(w, fact);
        else
            jsonw_raw(w, "null", 4);
    }
    jsonw_char(w, '}');
}

/* The reason's JSON text (see decide.h), written straight rather than built as a tree and
 * printed: a reason with its evidence is most of an action, and the tree's allocations cost
 * more than the rules that decided it. Owned; NULL when out of memory. Account states and
 * their evidence come only with an account. */
static char *reason_text(const playbook_t *pb, const rule_t *rule, const contact_t *contact,
                         const account_t *account, const event_t *event,
                         const playbook_reads_t *reads) {
    int account_states = account ? reads->account_state_count : 0;
    touchpoints_t touchpoints = {{event->id}, 1};
    jsonw_t w;
    jsonw_init(&w, 1024);
    jsonw_char(&w, '{');
    jsonw_key(&w, "rule");
    jsonw_string(&w, rule->name);
    jsonw_member(&w, "because", rule->because);
    jsonw_member(&w, "event", event->id);
    jsonw_member(&w, "stage", current_stage(pb, contact));
    jsonw_raw(&w, ",\"states\":", 10);
    write_states(&w, pb, &contact->mind, reads->states, reads->state_count, event->at_ms);
    jsonw_raw(&w, ",\"facts\":", 9);
    write_facts(&w, contact->facts, reads->facts, reads->fact_count);
    jsonw_raw(&w, ",\"evidence\":[", 13);
    int written = write_evidence(&w, pb, &contact->mind, reads->states, reads->state_count, 0,
                                 &touchpoints, 0);
    if (account_states > 0)
        write_evidence(&w, pb, &account->mind, reads->account_states, account_states, 1,
                       &touchpoints, written);
    jsonw_raw(&w, "],\"touchpoints\":[", 17);
    for (int i = 0; i < touchpoints.count; i++) {
        if (i > 0)
            jsonw_char(&w, ',');
        jsonw_string(&w, touchpoints.ids[i]);
    }
    jsonw_char(&w, ']');
    if (account_states > 0) {
        jsonw_raw(&w, ",\"account_states\":", 18);
        write_states(&w, pb, &account->mind, reads->account_states, account_states, event->at_ms);
    }
    jsonw_char(&w, '}');
    return jsonw_finish(&w);
}

/* ---- actions ---------------------------------------------------------------------------- */

/* Adds 'item' under 'key', a string literal: cJSON keeps the pointer (cJSON_StringIsConst)
 * instead of copying the key, which spares an allocation and a free per member of every
 * action's target. Frees 'item' and returns 0 when it cannot. */
static int add_literal(cJSON *object, const char *key, cJSON *item) {
    if (item == NULL || !cJSON_AddItemToObjectCS(object, key, item)) {
        cJSON_Delete(item);
        return 0;
    }
    return 1;
}

static int add_literal_string(cJSON *object, const char *key, const char *text) {
    return add_literal(object, key, cJSON_CreateString(text));
}

static cJSON *content_target(const content_t *content) {
    cJSON *target = cJSON_CreateObject();
    if (target == NULL || !add_literal_string(target, "id", content->id) ||
        !add_literal_string(target, "title", content->title) ||
        (content->url && !add_literal_string(target, "url", content->url))) {
        cJSON_Delete(target);
        return NULL;
    }
    return target;
}

static cJSON *task_target(const rule_t *rule) {
    cJSON *target = cJSON_CreateObject();
    if (target == NULL || !add_literal_string(target, "role", rule->task_role) ||
        !add_literal_string(target, "title", rule->task_title)) {
        cJSON_Delete(target);
        return NULL;
    }
    return target;
}

/* The content id or task key a rule acts on when the rule fixes it; NULL when a content
 * function chooses it as the rule runs. */
static const char *fixed_key(const rule_t *rule) {
    return rule->action_kind == ACTION_TASK ? rule->task_key : rule->content;
}

/* The content id or task key that cooldowns and action ids are about; NULL when a content
 * function chose nothing. */
static const char *target_key(const rule_t *rule, const playbook_outcome_t *outcome) {
    const char *key = fixed_key(rule);
    return key ? key : outcome->content;
}

static int already_chosen(const decision_t *out, const char *id) {
    for (int i = 0; i < out->action_count; i++)
        if (strcmp(out->actions[i].id, id) == 0)
            return 1;
    return 0;
}

/* What an act rule wants, before policies decide whether it goes out. */
typedef struct {
    const rule_t *rule;
    account_t *account;  /* set for a `for_account` rule: the account acts, not the contact */
    const char *key;     /* content id or "task:<rule>" */
    const char *channel;
    const content_t *content;
    char id[ACTION_ID_MAX];
    int64_t due_ms;
} candidate_t;

static const char *contact_zone(const contact_t *contact) {
    const cJSON *zone = cJSON_GetObjectItemCaseSensitive(contact->facts, "timezone");
    return cJSON_IsString(zone) ? zone->valuestring : NULL;
}

/* When what 'rule' decides on 'event' is due: its delay, then out of quiet hours (content)
 * and into business hours where it asks, in the contact's time zone. */
static int64_t due_time(playbook_t *pb, const rule_t *rule, const contact_t *contact,
                        const event_t *event) {
    return zone_next_allowed(playbook_hours(pb), rule->action_kind == ACTION_CONTENT,
                             rule->window == WINDOW_BUSINESS_HOURS, contact_zone(contact),
                             event->at_ms + rule->after_ms);
}

static void fill_candidate(playbook_t *pb, const rule_t *rule, const contact_t *contact,
                           const event_t *event, const char *key, candidate_t *c) {
    c->rule = rule;
    c->key = key;
    c->content = rule->action_kind == ACTION_CONTENT ? playbook_content(pb, key) : NULL;
    c->channel = rule->channel ? rule->channel : c->content && c->content->channel ? c->content->channel : "email";
    action_make_id(event->id, rule->name, key, c->id);
    c->due_ms = due_time(pb, rule, contact, event);
}

static void hold(decision_t *out, const candidate_t *c, const char *policy, const char *winner) {
    if (out->held_count < DECIDE_MAX_HELD) {
        decision_held_t *h = &out->held[out->held_count];
        h->rule = c->rule;
        h->policy = policy;
        memcpy(h->id, c->id, sizeof h->id);
        copy_text(h->target, sizeof h->target, c->key);
        copy_text(h->channel, sizeof h->channel, c->channel);
        h->due_ms = c->due_ms;
        copy_text(h->winner, sizeof h->winner, winner ? winner : "");
    }
    out->held_count++;
}

/* The newest delivery on 'channel' due in ('since_ms', 'until_ms'], or NULL. */
static const contact_sent_t *newest_on(const contact_t *contact, const char *channel,
                                       int64_t since_ms, int64_t until_ms) {
    const contact_sent_t *newest = NULL;
    for (int i = 0; i < contact->sent_count; i++) {
        const contact_sent_t *d = &contact->sent[i];
        if (d->at_ms > since_ms && d->at_ms <= until_ms && strcmp(d->channel, channel) == 0 &&
            (newest == NULL || d->at_ms >= newest->at_ms))
            newest = d;
    }
    return newest;
}

/* The delivery an action of 'key' would repeat: the newest of it, to the account for a
 * `for_account` rule ('account' set), else to the contact; NULL when there is none. */
static contact_sent_t *previous_delivery(contact_t *contact, account_t *account, const char *key) {
    return account ? contact_sent_newest(account->sent, account->sent_count, key)
                   : contact_sent_newest(contact->sent, contact->sent_count, key);
}

/* Whether what 'rule' decides, due at 'due_ms', repeats 'previous' (NULL: nothing to repeat)
 * within the rule's cooldown. */
static int within_cooldown(const contact_sent_t *previous, const rule_t *rule, int64_t due_ms) {
    return previous != NULL && due_ms < previous->at_ms + rule->cooldown_ms;
}

/* Applies the policies in order; returns 1 when one holds 'c' back, and records the hold.
 * A repeat within the cooldown is recorded once per delivery it repeats: a rule whose
 * condition holds for weeks asks again at every touchpoint, and recording every ask buried
 * the other records (see wants_act_rule). */
static int is_held(playbook_t *pb, contact_t *contact, const candidate_t *c, decision_t *out) {
    contact_sent_t *previous = previous_delivery(contact, c->account, c->key);
    if (within_cooldown(previous, c->rule, c->due_ms)) {
        if (!previous->repeat_held)
            hold(out, c, "cooldown", previous->action_id);
        previous->repeat_held = 1;
        return 1;
    }
    if (out->suppressed_by && c->rule->action_kind == ACTION_CONTENT) {
        hold(out, c, out->suppressed_by->name, NULL);
        return 1;
    }
    int count;
    const rule_t *const *caps = playbook_rules_of(pb, RULE_CAP, &count);
    for (int i = 0; i < count; i++) {
        const rule_t *cap = caps[i];
        if (strcmp(cap->channel, c->channel) != 0)
            continue;
        int64_t since = c->due_ms - cap->cap_window_ms;
        if (contact_count_sent(contact, c->channel, since, c->due_ms) >= cap->cap_max) {
            const contact_sent_t *winner = newest_on(contact, c->channel, since, c->due_ms);
            hold(out, c, cap->name, winner ? winner->action_id : NULL);
            return 1;
        }
    }
    if (out->action_count == DECIDE_MAX_ACTIONS) {
        hold(out, c, "max_actions", out->actions[out->action_count - 1].id);
        return 1;
    }
    return 0;
}

static int make_action(playbook_t *pb, const candidate_t *c, contact_t *contact,
                       const account_t *account, const event_t *event,
                       const playbook_reads_t *reads, decision_t *out) {
    action_t *a = &out->actions[out->action_count];
    memset(a, 0, sizeof *a);
    memcpy(a->id, c->id, sizeof a->id);
    a->kind = c->rule->action_kind;
    a->due_ms = c->due_ms;
    a->contact = strdup(contact->id);
    a->rule = strdup(c->rule->name);
    a->channel = strdup(c->channel);
    a->target = c->content ? content_target(c->content) : task_target(c->rule);
    a->reason = reason_text(pb, c->rule, contact, account, event, reads);
    a->account = c->account ? strdup(c->account->id) : NULL;
    if (!a->contact || !a->rule || !a->channel || !a->target || !a->reason ||
        (c->account && !a->account)) {
        action_close(a);
        return NERR_NOMEM;
    }
    out->action_count++;
    return 0;
}

/* Builds the action an act rule wants, unless a policy holds it back or it was chosen
 * already. */
static int take_act_rule(void *ctx, const playbook_outcome_t *outcome) {
    step_t *s = ctx;
    const rule_t *rule = outcome->rule;
    if (outcome->error) {
        record_rule_error(s->out, outcome->error);
        return 0;
    }
    const char *key = outcome->is_true ? target_key(rule, outcome) : NULL;
    if (key == NULL)
        return 0;
    candidate_t c;
    fill_candidate(s->pb, rule, s->contact, s->event, key, &c);
    c.account = rule->for_account ? s->account : NULL;
    int is_task = rule->action_kind == ACTION_TASK, rc = 0;
    if (!already_chosen(s->out, c.id) && !is_held(s->pb, s->contact, &c, s->out) &&
        (rc = make_action(s->pb, &c, s->contact, s->account, s->event, outcome->reads, s->out)) == 0)
        rc = c.account ? account_mark_sent(c.account, key, c.id, c.channel, is_task, c.due_ms, s->err)
                       : contact_mark_sent(s->contact, key, c.id, c.channel, is_task, c.due_ms, s->err);
    if (rc)
        return nerr_set(s->err, NERR_NOMEM, "out of memory building an action");
    return 0;
}

/* Whether an act rule of a fixed content or task would only repeat, within its cooldown, a
 * delivery whose repeat was recorded already: whatever its condition says, nothing would go
 * out and nothing be recorded, so it need not run. (A rule held back by its cooldown for
 * months was most of the calls into Lua.) */
static int only_repeats(step_t *s, const rule_t *rule) {
    const char *key = fixed_key(rule);
    if (key == NULL)
        return 0;
    const contact_sent_t *previous =
        previous_delivery(s->contact, rule->for_account ? s->account : NULL, key);
    return previous && previous->repeat_held &&
           within_cooldown(previous, rule, due_time(s->pb, rule, s->contact, s->event));
}

/* Act rules run in the stage the contact is in once the mind and stage rules have run. */
static int wants_act_rule(void *ctx, const rule_t *rule) {
    step_t *s = ctx;
    return playbook_rule_in_stage(rule, s->stage_index, s->stage) &&
           (!rule->for_account || s->account != NULL) && !only_repeats(s, rule);
}

/* ---- suppression and goals --------------------------------------------------------------- */

static int take_suppression(void *ctx, const playbook_outcome_t *outcome) {
    step_t *s = ctx;
    if (outcome->error) {
        record_rule_error(s->out, outcome->error);
        return 0;
    }
    if (!outcome->is_true)
        return 0;
    s->out->suppressed_by = outcome->rule;
    return PLAYBOOK_STOP;
}

static int take_goal(void *ctx, const playbook_outcome_t *outcome) {
    step_t *s = ctx;
    decision_t *out = s->out;
    if (outcome->error) {
        record_rule_error(out, outcome->error);
        return 0;
    }
    contact_sent_t taken[DECIDE_MAX_CANCELLED];
    int room = DECIDE_MAX_CANCELLED - out->cancelled_count;
    int taken_count = outcome->is_true ? contact_take_pending(s->contact, s->event->at_ms,
                                                              outcome->rule->cancels_tasks, taken, room)
                                       : 0;
    for (int k = 0; k < taken_count; k++) {
        decision_cancelled_t *x = &out->cancelled[out->cancelled_count++];
        x->goal = outcome->rule;
        copy_text(x->id, sizeof x->id, taken[k].action_id);
        copy_text(x->target, sizeof x->target, taken[k].content);
        copy_text(x->channel, sizeof x->channel, taken[k].channel);
        x->due_ms = taken[k].at_ms;
        contact_sent_close(&taken[k]);
    }
    return 0;
}

/* Act rules run in the stage the mind and stage rules left. */
static const rule_t *const *act_rules_in_stage(void *ctx, int *count) {
    step_t *s = ctx;
    note_stage(s);
    return playbook_act_rules_in_stage(s->pb, s->type_slot, s->stage_index, count);
}

/* The rules of a touchpoint, in one run of four lists (entering Lua once costs less than
 * entering it twice): the infer and advance rules in declaration order, each seeing what the
 * earlier ones did; then a goal reached cancels the actions still pending after the
 * touchpoint; the first suppression in force for the contact as it is now is found (its
 * visitor stops its list there); then act rules run by priority, in the stage the mind and
 * stage rules left, and the policies hold back what may not go out. */
static int run_the_rules(step_t *s) {
    const playbook_visitor_t mind = {wants_mind_rule, take_mind_rule, s, 0, 0};
    const playbook_visitor_t goal = {NULL, take_goal, s, 0, 0};
    const playbook_visitor_t suppression = {NULL, take_suppression, s, 0, 0};
    const playbook_visitor_t act = {wants_act_rule, take_act_rule, s, 1, 1};
    playbook_list_t lists[4] = {{NULL, 0, &mind, NULL},
                                {NULL, 0, &goal, NULL},
                                {NULL, 0, &suppression, NULL},
                                {NULL, 0, &act, act_rules_in_stage}};
    lists[0].rules = playbook_rules_in_slot(s->pb, (1u << RULE_INFER) | (1u << RULE_ADVANCE),
                                            s->type_slot, &lists[0].count);
    lists[1].rules = playbook_rules_in_slot(s->pb, 1u << RULE_GOAL, s->type_slot, &lists[1].count);
    lists[2].rules = playbook_rules_of(s->pb, RULE_SUPPRESS, &lists[2].count);
    note_stage(s);
    return playbook_run_lists(s->pb, lists, 4, s->contact, s->event);
}

static int decide_steps(playbook_t *pb, contact_t *contact, account_t *account,
                        const event_t *event, decision_t *out, nerr_t *err);

/* Empties a decision by its counts: its arrays are read only up to them, and clearing the
 * whole record (kilobytes) cost more than some rules. */
static void decision_reset(decision_t *out) {
    out->action_count = 0;
    out->move_count = 0;
    out->held_count = 0;
    out->cancelled_count = 0;
    out->suppressed_by = NULL;
    out->error_count = 0;
}

int decide(playbook_t *pb, contact_t *contact, const event_t *event, decision_t *out,
           nerr_t *err) {
    return decide_account(pb, contact, NULL, event, out, err);
}

int decide_account(playbook_t *pb, contact_t *contact, account_t *account, const event_t *event,
                   decision_t *out, nerr_t *err) {
    decision_reset(out);
    playbook_set_account(pb, account);
    int rc = decide_steps(pb, contact, account, event, out, err);
    playbook_set_account(pb, NULL);
    return rc;
}

static int decide_steps(playbook_t *pb, contact_t *contact, account_t *account,
                        const event_t *event, decision_t *out, nerr_t *err) {
    step_t s = {pb, contact, account, event, out, err, NULL, -1,
                playbook_type_slot(pb, event->type)};
    if (contact_record_touch(contact, event, err) ||
        (account && account_record_touch(account, event, err)))
        return NERR_NOMEM;
    /* An identify touchpoint carries facts about the contact (industry, size, time zone). */
    if (strcmp(event->type, "identify") == 0 && merge_facts(contact, event->props, err))
        return NERR_NOMEM;
    return run_the_rules(&s);
}

/* ---- records of what did not go out ---------------------------------------------------- */

/* The record as cJSON would print the object with these members in this order, written
 * without building one: most touchpoints leave a held-back record. NULL when a required
 * value is missing or memory ran out. */
static char *record_json(const char *id, const event_t *event, const char *status,
                         const char *by_key, const char *by, const char *rule, const char *target,
                         const char *channel, int64_t due_ms, const char *winner,
                         const char *playbook) {
    if (!id || !event->contact || !event->id || !by || !target || !channel || !playbook)
        return NULL;
    char due[CLOCK_ISO_MAX];
    clock_format_iso(due_ms, due, sizeof due);
    jsonw_t w;
    jsonw_init(&w, 320);
    jsonw_raw(&w, "{\"id\":", 6);
    jsonw_string(&w, id);
    jsonw_member(&w, "contact", event->contact);
    jsonw_member(&w, "event", event->id);
    jsonw_member(&w, "status", status);
    jsonw_member(&w, by_key, by);
    if (rule)
        jsonw_member(&w, "rule", rule);
    jsonw_member(&w, "target", target);
    jsonw_member(&w, "channel", channel);
    jsonw_member(&w, "due_at", due);
    if (winner && winner[0])
        jsonw_member(&w, "winner", winner);
    jsonw_member(&w, "playbook", playbook);
    jsonw_char(&w, '}');
    return jsonw_finish(&w);
}

char *decision_held_json(const decision_t *decision, int index, const event_t *event,
                         const char *playbook) {
    const decision_held_t *h = &decision->held[index];
    return record_json(h->id, event, "held", "policy", h->policy, h->rule->name, h->target,
                       h->channel, h->due_ms, h->winner, playbook);
}

char *decision_cancelled_json(const decision_t *decision, int index, const event_t *event,
                              const char *playbook) {
    const decision_cancelled_t *x = &decision->cancelled[index];
    return record_json(x->id, event, "cancelled", "goal", x->goal->name, NULL, x->target,
                       x->channel, x->due_ms, NULL, playbook);
}

void decision_close(decision_t *decision) {
    for (int i = 0; i < decision->action_count; i++)
        action_close(&decision->actions[i]);
    decision->action_count = 0;
}
