/* selftest: expectations checked against the actions a sequence of touchpoints produced. */
#include "engine/core/selftest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/clock.h"
#include "engine/core/decide.h"

#define SEEN_MAX 64 /* actions remembered per test */

/* What the test saw of one action. */
typedef struct {
    char rule[128];
    char target[128]; /* content id or task role */
    char channel[64];
    int is_task;
    int64_t due_ms;
} seen_action_t;

typedef struct {
    seen_action_t actions[SEEN_MAX];
    int count;
    selftest_result_t *result;
} run_t;

/* Appends to the result's detail and marks the test failed. */
static void fail(run_t *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(run_t *run, const char *fmt, ...) {
    selftest_result_t *r = run->result;
    size_t used = strlen(r->detail);
    if (used + 2 >= sizeof r->detail)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (used > 0)
        r->detail[used++] = '\n';
    vsnprintf(r->detail + used, sizeof r->detail - used, fmt, ap);
    va_end(ap);
    r->is_passed = 0;
}

static void remember(run_t *run, const action_t *a) {
    if (run->count == SEEN_MAX)
        return;
    seen_action_t *s = &run->actions[run->count++];
    const cJSON *target =
        cJSON_GetObjectItemCaseSensitive(a->target, a->kind == ACTION_TASK ? "role" : "id");
    snprintf(s->rule, sizeof s->rule, "%s", a->rule);
    snprintf(s->target, sizeof s->target, "%s", cJSON_IsString(target) ? target->valuestring : "?");
    snprintf(s->channel, sizeof s->channel, "%s", a->channel);
    s->is_task = a->kind == ACTION_TASK;
    s->due_ms = a->due_ms;
}

static int matches(const playbook_expect_t *e, const seen_action_t *s) {
    if (e->content && (s->is_task || strcmp(e->content, s->target) != 0))
        return 0;
    if (e->task_role && (!s->is_task || strcmp(e->task_role, s->target) != 0))
        return 0;
    return (!e->rule || strcmp(e->rule, s->rule) == 0) &&
           (!e->channel || strcmp(e->channel, s->channel) == 0) &&
           (e->due_ms < 0 || e->due_ms == s->due_ms);
}

static void describe_expect(const playbook_expect_t *e, char *buf, size_t size) {
    char due[CLOCK_ISO_MAX] = "";
    if (e->due_ms >= 0)
        clock_format_iso(e->due_ms, due, sizeof due);
    snprintf(buf, size, "%s %s%s%s%s%s%s%s", e->task_role ? "task for" : "content",
             e->task_role ? e->task_role : e->content ? e->content : "(any)",
             e->channel ? " on " : "", e->channel ? e->channel : "", e->rule ? " by rule " : "",
             e->rule ? e->rule : "", e->due_ms >= 0 ? " due " : "", due);
}

static void describe_seen(const run_t *run, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    if (run->count == 0)
        snprintf(buf, size, "no action");
    for (int i = 0; i < run->count && used + 1 < size; i++) {
        const seen_action_t *s = &run->actions[i];
        char due[CLOCK_ISO_MAX];
        clock_format_iso(s->due_ms, due, sizeof due);
        int n = snprintf(buf + used, size - used, "%s%s %s on %s due %s by rule %s",
                         i ? "; " : "", s->is_task ? "task for" : "content", s->target,
                         s->channel, due, s->rule);
        used += n > 0 ? (size_t)n : 0;
    }
}

static void check_actions(run_t *run, const playbook_test_t *t) {
    char expected[512], seen[1024];
    describe_seen(run, seen, sizeof seen);
    for (int i = 0; i < t->expect_count; i++) {
        int found = 0;
        for (int k = 0; k < run->count && !found; k++)
            found = matches(&t->expect[i], &run->actions[k]);
        if (!found) {
            describe_expect(&t->expect[i], expected, sizeof expected);
            fail(run, "expected %s; got %s", expected, seen);
        }
    }
    for (int i = 0; i < t->refuse_count; i++)
        for (int k = 0; k < run->count; k++)
            if (matches(&t->refuse[i], &run->actions[k])) {
                describe_expect(&t->refuse[i], expected, sizeof expected);
                fail(run, "expected no %s; got %s", expected, seen);
                break;
            }
    if (t->expect_none && run->count > 0)
        fail(run, "expected no action; got %s", seen);
}

static void check_state(run_t *run, playbook_t *pb, const playbook_test_t *t,
                        const contact_t *contact, int64_t now_ms) {
    const char *stage = contact->stage ? contact->stage : playbook_stage(pb, 0);
    if (t->expect_stage && strcmp(t->expect_stage, stage) != 0)
        fail(run, "expected stage %s; the contact is at %s", t->expect_stage, stage);
    const cJSON *fact;
    cJSON_ArrayForEach(fact, t->expect_facts) {
        const cJSON *actual = cJSON_GetObjectItemCaseSensitive(contact->facts, fact->string);
        if (!cJSON_Compare(fact, actual, 1)) {
            char *want = cJSON_PrintUnformatted(fact);
            char *have = actual ? cJSON_PrintUnformatted(actual) : NULL;
            fail(run, "expected fact %s = %s; it is %s", fact->string, want ? want : "?",
                 have ? have : "not set");
            free(want);
            free(have);
        }
    }
    for (int i = 0; i < t->expect_mind_count; i++) {
        const playbook_expect_mind_t *m = &t->expect_mind[i];
        double value = mind_value(&contact->mind, m->state, now_ms,
                                  playbook_half_life_ms(pb, m->state));
        if (value < m->at_least || value > m->at_most)
            fail(run, "expected %s between %.2f and %.2f; it is %.3f", m->state, m->at_least,
                 m->at_most, value);
    }
}

/* Feeds one event object to the core; returns 0, or NERR_NOMEM. */
static int feed(run_t *run, playbook_t *pb, contact_t *contact, const cJSON *object, int index,
                int64_t *now_ms, nerr_t *err) {
    char *text = cJSON_PrintUnformatted(object);
    if (text == NULL)
        return nerr_set(err, NERR_NOMEM, "out of memory running a test");
    event_t event;
    nerr_t parse_err;
    int rc = 0;
    if (event_parse(text, strlen(text), &event, &parse_err) != 0) {
        fail(run, "event %d is not valid: %s", index + 1, parse_err.msg);
        free(text);
        return 0;
    }
    decision_t decision;
    if (decide(pb, contact, &event, &decision, err) != 0) {
        rc = NERR_NOMEM;
    } else {
        for (int i = 0; i < decision.action_count; i++)
            remember(run, &decision.actions[i]);
        int shown = decision.error_count < DECIDE_MAX_ERRORS ? decision.error_count : DECIDE_MAX_ERRORS;
        for (int i = 0; i < shown; i++)
            fail(run, "rule error on event %d: %s", index + 1, decision.errors[i].msg);
        *now_ms = event.at_ms;
    }
    decision_close(&decision);
    event_close(&event);
    free(text);
    return rc;
}

static int run_one(playbook_t *pb, const playbook_test_t *t, selftest_result_t *result,
                   nerr_t *err) {
    run_t run = {.result = result};
    memset(result, 0, sizeof *result);
    result->test = t;
    result->is_passed = 1;
    contact_t contact;
    if (contact_init(&contact, t->contact, err) != 0)
        return NERR_NOMEM;
    int64_t now_ms = 0;
    int index = 0, rc = 0;
    const cJSON *object;
    cJSON_ArrayForEach(object, t->events) {
        if ((rc = feed(&run, pb, &contact, object, index++, &now_ms, err)) != 0)
            break;
    }
    if (rc == 0) {
        check_actions(&run, t);
        check_state(&run, pb, t, &contact, now_ms);
    }
    contact_close(&contact);
    return rc;
}

int selftest_run(playbook_t *pb, selftest_cb cb, void *ud, nerr_t *err) {
    int failed = 0;
    for (int i = 0; i < playbook_test_count(pb); i++) {
        selftest_result_t result;
        if (run_one(pb, playbook_test(pb, i), &result, err) != 0)
            return NERR_NOMEM;
        failed += !result.is_passed;
        if (cb)
            cb(&result, ud);
    }
    return failed;
}
