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
    char id[ACTION_ID_MAX];
    char rule[128];
    char target[128]; /* content id or task role */
    char channel[64];
    int is_task;
    int64_t due_ms;
} seen_action_t;

#define PEOPLE_MAX 8 /* contacts, and accounts, one test may involve */

typedef struct {
    seen_action_t actions[SEEN_MAX];
    int count;
    selftest_result_t *result;
    contact_t contacts[PEOPLE_MAX]; /* [0] is the test's own contact */
    int contact_count;
    account_t accounts[PEOPLE_MAX];
    int account_count;
} run_t;

/* The contact called 'id' in this test, created on first sight; NULL past PEOPLE_MAX. */
static contact_t *contact_named(run_t *run, const char *id, nerr_t *err) {
    for (int i = 0; i < run->contact_count; i++)
        if (strcmp(run->contacts[i].id, id) == 0)
            return &run->contacts[i];
    if (run->contact_count == PEOPLE_MAX || contact_init(&run->contacts[run->contact_count], id, err))
        return NULL;
    return &run->contacts[run->contact_count++];
}

/* The account of the event's contact: from the event, or the one 'contact' has by now. */
static account_t *account_of(run_t *run, const event_t *event, const contact_t *contact,
                             nerr_t *err) {
    char id[EVENT_MAX_ID_BYTES + 1];
    if (!account_id_for(event, contact->account, id, sizeof id))
        return NULL;
    for (int i = 0; i < run->account_count; i++)
        if (strcmp(run->accounts[i].id, id) == 0)
            return &run->accounts[i];
    if (run->account_count == PEOPLE_MAX || account_init(&run->accounts[run->account_count], id, err))
        return NULL;
    return &run->accounts[run->account_count++];
}

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
    snprintf(s->id, sizeof s->id, "%s", a->id);
    snprintf(s->rule, sizeof s->rule, "%s", a->rule);
    snprintf(s->target, sizeof s->target, "%s", cJSON_IsString(target) ? target->valuestring : "?");
    snprintf(s->channel, sizeof s->channel, "%s", a->channel);
    s->is_task = a->kind == ACTION_TASK;
    s->due_ms = a->due_ms;
}

/* A goal cancelled action 'id' before it was due: it never goes out, so it is not expected. */
static void forget(run_t *run, const char *id) {
    for (int i = 0; i < run->count; i++)
        if (strcmp(run->actions[i].id, id) == 0) {
            run->actions[i] = run->actions[--run->count];
            return;
        }
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

/* Feeds one event object to the core, as the contact it names; returns 0, or NERR_NOMEM. */
static int feed(run_t *run, playbook_t *pb, const cJSON *object, int index, int64_t *now_ms,
                nerr_t *err) {
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
    contact_t *contact = contact_named(run, event.contact, err);
    if (contact == NULL) {
        fail(run, "event %d: a test may involve at most %d contacts", index + 1, PEOPLE_MAX);
        memset(&decision, 0, sizeof decision);
    } else if (decide_account(pb, contact, account_of(run, &event, contact, err), &event, &decision,
                              err) != 0) {
        rc = NERR_NOMEM;
    } else {
        for (int i = 0; i < decision.cancelled_count; i++)
            forget(run, decision.cancelled[i].id);
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
    static run_t run; /* large; tests run one at a time */
    memset(&run, 0, sizeof run);
    run.result = result;
    memset(result, 0, sizeof *result);
    result->test = t;
    result->is_passed = 1;
    if (contact_named(&run, t->contact, err) == NULL)
        return NERR_NOMEM;
    int64_t now_ms = 0;
    int index = 0, rc = 0;
    const cJSON *object;
    cJSON_ArrayForEach(object, t->events) {
        if ((rc = feed(&run, pb, object, index++, &now_ms, err)) != 0)
            break;
    }
    if (rc == 0) {
        check_actions(&run, t);
        check_state(&run, pb, t, &run.contacts[0], now_ms);
    }
    for (int i = 0; i < run.contact_count; i++)
        contact_close(&run.contacts[i]);
    for (int i = 0; i < run.account_count; i++)
        account_close(&run.accounts[i]);
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
