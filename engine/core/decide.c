/* decide: touchpoint -> inferred mind -> stage -> next best actions, in that order, so an
 * action never jumps straight from "clicked X" to "send Y". */
#include "engine/core/decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int on_matches(const rule_t *rule, const event_t *event) {
    return rule->on == NULL || strcmp(rule->on, event->type) == 0;
}

static int stage_matches(const rule_t *rule, const char *stage) {
    if (rule->stage_count == 0)
        return 1;
    for (int i = 0; i < rule->stage_count; i++)
        if (strcmp(rule->stages[i], stage) == 0)
            return 1;
    return 0;
}

static const char *current_stage(const playbook_t *pb, const contact_t *contact) {
    return contact->stage ? contact->stage : playbook_stage(pb, 0);
}

static void record_rule_error(decision_t *out, const nerr_t *err) {
    if (out->error_count < DECIDE_MAX_ERRORS)
        out->errors[out->error_count] = *err;
    out->error_count++;
}

/* An identify touchpoint carries facts about the contact (industry, size, role, time zone). */
static int merge_facts(contact_t *contact, const event_t *event, nerr_t *err) {
    const cJSON *item;
    cJSON_ArrayForEach(item, event->props) {
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

static int apply_inference(playbook_t *pb, const rule_t *rule, contact_t *contact,
                           const event_t *event, nerr_t *err) {
    for (int k = 0; k < rule->effect_count; k++) {
        const rule_effect_t *effect = &rule->effects[k];
        if (mind_adjust(&contact->mind, effect->state, effect->delta, event->at_ms,
                        playbook_half_life_ms(pb, effect->state), event->id, rule->name, err))
            return NERR_NOMEM;
    }
    return 0;
}

/* Runs infer and advance rules in declaration order; each sees what the earlier ones did. */
static int update_mind_and_stage(playbook_t *pb, contact_t *contact, const event_t *event,
                                 decision_t *out, nerr_t *err) {
    for (int i = 0; i < playbook_rule_count(pb); i++) {
        const rule_t *rule = playbook_rule(pb, i);
        if (rule->kind == RULE_ACT || !on_matches(rule, event))
            continue;
        if (rule->kind == RULE_ADVANCE && !stage_matches(rule, current_stage(pb, contact)))
            continue;
        int is_true;
        nerr_t rule_err;
        if (playbook_eval_when(pb, rule, contact, event, &is_true, NULL, &rule_err)) {
            record_rule_error(out, &rule_err);
            continue;
        }
        if (!is_true)
            continue;
        int rc = rule->kind == RULE_INFER ? apply_inference(pb, rule, contact, event, err)
                                          : contact_set_stage(contact, rule->to_stage, err);
        if (rc)
            return rc;
        if (rule->kind == RULE_ADVANCE && out->move_count < DECIDE_MAX_MOVES)
            out->moves[out->move_count++] = rule;
    }
    return 0;
}

/* ---- reasons ---------------------------------------------------------------------------- */

static int add_unique_string(cJSON *array, const char *text) {
    const cJSON *item;
    cJSON_ArrayForEach(item, array) if (strcmp(item->valuestring, text) == 0) return 1;
    return cJSON_AddItemToArray(array, cJSON_CreateString(text));
}

static int add_state_evidence(const playbook_t *pb, cJSON *reason, cJSON *touchpoints,
                              const mind_state_t *state) {
    cJSON *evidence = cJSON_GetObjectItemCaseSensitive(reason, "evidence");
    for (int k = 0; k < state->evidence_count; k++) {
        const mind_evidence_t *e = &state->evidence[k];
        const rule_t *rule = playbook_find_rule(pb, e->rule);
        cJSON *row = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(evidence, row) ||
            !cJSON_AddStringToObject(row, "state", state->name) ||
            !cJSON_AddNumberToObject(row, "delta", e->delta) ||
            !cJSON_AddStringToObject(row, "rule", e->rule) ||
            (rule && rule->because && !cJSON_AddStringToObject(row, "because", rule->because)) ||
            !cJSON_AddStringToObject(row, "event", e->event_id) ||
            !add_unique_string(touchpoints, e->event_id))
            return 0;
    }
    return 1;
}

/* Rounded so that reasons read well and compare equal across platforms. */
static double rounded(double value) { return (double)(long long)(value * 1000 + 0.5) / 1000; }

static cJSON *build_reason(const playbook_t *pb, const rule_t *rule, const contact_t *contact,
                           const event_t *event, const playbook_reads_t *reads) {
    cJSON *reason = cJSON_CreateObject();
    if (!cJSON_AddStringToObject(reason, "rule", rule->name) ||
        !cJSON_AddStringToObject(reason, "because", rule->because) ||
        !cJSON_AddStringToObject(reason, "event", event->id) ||
        !cJSON_AddStringToObject(reason, "stage", current_stage(pb, contact)))
        goto nomem;
    cJSON *states = cJSON_AddObjectToObject(reason, "states");
    cJSON *facts = cJSON_AddObjectToObject(reason, "facts");
    cJSON *evidence = cJSON_AddArrayToObject(reason, "evidence");
    cJSON *touchpoints = cJSON_AddArrayToObject(reason, "touchpoints");
    if (!states || !facts || !evidence || !touchpoints || !add_unique_string(touchpoints, event->id))
        goto nomem;
    for (int i = 0; i < reads->state_count; i++) {
        const char *name = reads->states[i];
        double value = mind_value(&contact->mind, name, event->at_ms, playbook_half_life_ms(pb, name));
        if (!cJSON_AddNumberToObject(states, name, rounded(value)) ||
            !add_state_evidence(pb, reason, touchpoints, mind_find(&contact->mind, name)))
            goto nomem;
    }
    for (int i = 0; i < reads->fact_count; i++) {
        const cJSON *fact = cJSON_GetObjectItemCaseSensitive(contact->facts, reads->facts[i]);
        if (!cJSON_AddItemToObject(facts, reads->facts[i], cJSON_Duplicate(fact, 1)))
            goto nomem;
    }
    return reason;
nomem:
    cJSON_Delete(reason);
    return NULL;
}

/* ---- actions ---------------------------------------------------------------------------- */

static cJSON *content_target(const content_t *content) {
    cJSON *target = cJSON_CreateObject();
    if (!cJSON_AddStringToObject(target, "id", content->id) ||
        !cJSON_AddStringToObject(target, "title", content->title) ||
        (content->url && !cJSON_AddStringToObject(target, "url", content->url))) {
        cJSON_Delete(target);
        return NULL;
    }
    return target;
}

static cJSON *task_target(const rule_t *rule) {
    cJSON *target = cJSON_CreateObject();
    if (!cJSON_AddStringToObject(target, "role", rule->task_role) ||
        !cJSON_AddStringToObject(target, "title", rule->task_title)) {
        cJSON_Delete(target);
        return NULL;
    }
    return target;
}

/* The content id or task key that cooldowns and action ids are about. */
static int target_key(playbook_t *pb, const rule_t *rule, contact_t *contact,
                      const event_t *event, playbook_reads_t *reads, char **out,
                      decision_t *decision) {
    nerr_t rule_err;
    if (rule->action_kind == ACTION_TASK) {
        size_t size = strlen(rule->name) + sizeof "task:";
        *out = malloc(size);
        if (*out)
            snprintf(*out, size, "task:%s", rule->name);
        return *out ? 0 : NERR_NOMEM;
    }
    if (rule->content) {
        *out = strdup(rule->content);
        return *out ? 0 : NERR_NOMEM;
    }
    *out = playbook_eval_content(pb, rule, contact, event, reads, &rule_err);
    if (*out == NULL && rule_err.code == NERR_NOMEM)
        return NERR_NOMEM;
    if (*out == NULL && rule_err.code != 0)
        record_rule_error(decision, &rule_err);
    return 0;
}

static int already_chosen(const decision_t *out, const char *id) {
    for (int i = 0; i < out->action_count; i++)
        if (strcmp(out->actions[i].id, id) == 0)
            return 1;
    return 0;
}

static int make_action(playbook_t *pb, const rule_t *rule, contact_t *contact,
                       const event_t *event, const char *key, const playbook_reads_t *reads,
                       decision_t *out) {
    action_t *a = &out->actions[out->action_count];
    memset(a, 0, sizeof *a);
    action_make_id(event->id, rule->name, key, a->id);
    if (already_chosen(out, a->id))
        return 0;
    const content_t *content = rule->action_kind == ACTION_CONTENT ? playbook_content(pb, key) : NULL;
    const char *channel = rule->channel ? rule->channel : content->channel;
    a->kind = rule->action_kind;
    a->due_ms = event->at_ms + rule->after_ms;
    a->contact = strdup(contact->id);
    a->rule = strdup(rule->name);
    a->channel = strdup(channel ? channel : "email");
    a->target = content ? content_target(content) : task_target(rule);
    a->reason = build_reason(pb, rule, contact, event, reads);
    if (!a->contact || !a->rule || !a->channel || !a->target || !a->reason) {
        action_close(a);
        return NERR_NOMEM;
    }
    out->action_count++;
    return 0;
}

/* Runs act rules by priority until DECIDE_MAX_ACTIONS are chosen. */
static int choose_actions(playbook_t *pb, contact_t *contact, const event_t *event,
                          decision_t *out, nerr_t *err) {
    const char *stage = current_stage(pb, contact);
    for (int i = 0; i < playbook_rule_count(pb) && out->action_count < DECIDE_MAX_ACTIONS; i++) {
        const rule_t *rule = playbook_rule(pb, i);
        if (rule->kind != RULE_ACT || !on_matches(rule, event) || !stage_matches(rule, stage))
            continue;
        int is_true;
        playbook_reads_t reads;
        nerr_t rule_err;
        if (playbook_eval_when(pb, rule, contact, event, &is_true, &reads, &rule_err)) {
            record_rule_error(out, &rule_err);
            continue;
        }
        char *key = NULL;
        if (!is_true)
            continue;
        if (target_key(pb, rule, contact, event, &reads, &key, out))
            return nerr_set(err, NERR_NOMEM, "out of memory choosing content");
        if (key == NULL)
            continue;
        int64_t last = contact_last_sent(contact, key);
        int cooling = last >= 0 && event->at_ms + rule->after_ms < last + rule->cooldown_ms;
        int rc = 0;
        if (!cooling && (rc = make_action(pb, rule, contact, event, key, &reads, out)) == 0)
            rc = contact_mark_sent(contact, key, event->at_ms + rule->after_ms, err);
        free(key);
        if (rc)
            return nerr_set(err, NERR_NOMEM, "out of memory building an action");
    }
    return 0;
}

int decide(playbook_t *pb, contact_t *contact, const event_t *event, decision_t *out,
           nerr_t *err) {
    memset(out, 0, sizeof *out);
    if (contact_record_touch(contact, event, err))
        return NERR_NOMEM;
    if (strcmp(event->type, "identify") == 0 && merge_facts(contact, event, err))
        return NERR_NOMEM;
    if (update_mind_and_stage(pb, contact, event, out, err))
        return NERR_NOMEM;
    return choose_actions(pb, contact, event, out, err);
}

void decision_close(decision_t *decision) {
    for (int i = 0; i < decision->action_count; i++)
        action_close(&decision->actions[i]);
    decision->action_count = 0;
}
