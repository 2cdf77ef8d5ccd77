/* test_decide: the whole functional core — touchpoints raise mind states with evidence, stage
 * rules move the contact, action rules emit timed actions whose reasons cite what they read;
 * cooldowns, rule errors, limits, priorities, identify facts and history queries. Uses the
 * playbooks in tests/unit/playbooks/decide_*. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/clock.h"
#include "engine/core/decide.h"

#define MINUTE_MS (60LL * 1000)
#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)
#define T0 1795424400000LL /* 2026-11-23T09:00:00Z */

static playbook_t *load(const char *name) {
    char dir[1024];
    nerr_t err = {0, ""};
    snprintf(dir, sizeof dir, "%s/%s", FIXTURES_DIR, name);
    playbook_t *pb = playbook_load(dir, &err);
    if (pb == NULL)
        print_error("playbook %s failed to load: %s\n", name, err.msg);
    assert_non_null(pb);
    return pb;
}

/* Parses an event of 'type' at 'at_ms' for contact c-1; 'extra' is raw JSON members or "". */
static void make_event(event_t *event, const char *id, const char *type, int64_t at_ms,
                       const char *extra) {
    char at[CLOCK_ISO_MAX], text[1024];
    clock_format_iso(at_ms, at, sizeof at);
    snprintf(text, sizeof text,
             "{\"id\":\"%s\",\"contact\":\"c-1\",\"type\":\"%s\",\"at\":\"%s\"%s%s}", id, type, at,
             extra[0] ? "," : "", extra);
    nerr_t err = {0, ""};
    if (event_parse(text, strlen(text), event, &err) != 0)
        print_error("fixture event refused: %s\n", err.msg);
    assert_int_equal(err.code, 0);
}

/* Decides one event for a contact of account 'a' (NULL: none) and returns the number of
 * actions; 'out' must be closed by the caller. */
static int run_in_account(playbook_t *pb, contact_t *c, account_t *a, const char *id,
                          const char *type, int64_t at_ms, const char *extra, decision_t *out) {
    event_t event;
    nerr_t err = {0, ""};
    make_event(&event, id, type, at_ms, extra);
    int rc = decide_account(pb, c, a, &event, out, &err);
    if (rc != 0)
        print_error("decide failed: %s\n", err.msg);
    assert_int_equal(rc, 0);
    event_close(&event);
    return out->action_count;
}

static int run(playbook_t *pb, contact_t *c, const char *id, const char *type, int64_t at_ms,
               const char *extra, decision_t *out) {
    return run_in_account(pb, c, NULL, id, type, at_ms, extra, out);
}

/* Decides one event that must produce no action and no error. */
static void run_quiet(playbook_t *pb, contact_t *c, const char *id, const char *type, int64_t at_ms,
                      const char *extra) {
    decision_t d;
    assert_int_equal(run(pb, c, id, type, at_ms, extra, &d), 0);
    assert_int_equal(d.error_count, 0);
    decision_close(&d);
}

static void assert_json_equal(const cJSON *actual, const char *expected_text) {
    cJSON *expected = cJSON_Parse(expected_text);
    assert_non_null(expected);
    if (!cJSON_Compare(actual, expected, 1)) {
        char *text = cJSON_PrintUnformatted(actual);
        print_error("actual:   %s\nexpected: %s\n", text, expected_text);
        free(text);
    }
    assert_true(cJSON_Compare(actual, expected, 1));
    cJSON_Delete(expected);
}

/* The reason's text, parsed; it must be what cJSON prints for it (the form every action line
 * had when reasons were printed from a tree). Free with cJSON_Delete. */
static cJSON *parsed_reason(const action_t *a) {
    cJSON *reason = cJSON_Parse(a->reason);
    assert_non_null(reason);
    char *printed = cJSON_PrintUnformatted(reason);
    assert_string_equal(a->reason, printed);
    free(printed);
    return reason;
}

/* Asserts the reason's member 'name' (or, for NULL, the whole reason) equals 'expected_text'. */
static void assert_reason_equal(const action_t *a, const char *name, const char *expected_text) {
    cJSON *reason = parsed_reason(a);
    assert_json_equal(name ? cJSON_GetObjectItemCaseSensitive(reason, name) : reason, expected_text);
    cJSON_Delete(reason);
}

static void assert_id(const action_t *a, const char *event_id, const char *rule, const char *key) {
    char id[ACTION_ID_MAX];
    action_make_id(event_id, rule, key, id);
    assert_string_equal(a->id, id);
}

/* ---- touchpoints -> mind -> actions ----------------------------------------------------- */

static void test_infer_then_act_with_reason(void **state) {
    (void)state;
    playbook_t *pb = load("decide_core");
    contact_t c;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    const char *faq = "\"props\":{\"page_type\":\"faq\"}";

    run_quiet(pb, &c, "e1", "page_view", T0, faq);
    run_quiet(pb, &c, "e2", "page_view", T0 + DAY_MS, faq);
    assert_int_equal(c.mind.count, 0);
    assert_int_equal(c.history_count, 2);

    decision_t d;
    assert_int_equal(run(pb, &c, "e3", "page_view", T0 + 2 * DAY_MS, faq, &d), 1);
    assert_int_equal(d.error_count, 0);

    /* The mind state and its evidence. */
    const mind_state_t *anxiety = mind_find(&c.mind, "anxiety");
    assert_non_null(anxiety);
    assert_true(anxiety->value == 0.6);
    assert_true(anxiety->updated_ms == T0 + 2 * DAY_MS);
    assert_int_equal(anxiety->evidence_count, 1);
    assert_string_equal(anxiety->evidence[0].event_id, "e3");
    assert_string_equal(anxiety->evidence[0].rule, "faq_loop_means_worry");
    assert_true(anxiety->evidence[0].delta == 0.6);

    /* The action: due an hour after the touchpoint, on the content's channel. */
    const action_t *a = &d.actions[0];
    assert_id(a, "e3", "reassure_the_worried", "case_study");
    assert_int_equal(a->kind, ACTION_CONTENT);
    assert_string_equal(a->contact, "c-1");
    assert_string_equal(a->rule, "reassure_the_worried");
    assert_string_equal(a->channel, "email");
    assert_true(a->due_ms == T0 + 2 * DAY_MS + HOUR_MS);
    assert_json_equal(a->target, "{\"id\":\"case_study\",\"title\":\"How Acme cut churn\","
                                 "\"url\":\"https://example.com/case\"}");
    assert_reason_equal(a, NULL,
                      "{\"rule\":\"reassure_the_worried\","
                      "\"because\":\"Worried, not uninterested: a customer story eases the worry\","
                      "\"event\":\"e3\",\"stage\":\"unaware\",\"touchpoints\":[\"e3\"],"
                      "\"states\":{\"anxiety\":0.6},\"facts\":{},"
                      "\"evidence\":[{\"state\":\"anxiety\",\"rule\":\"faq_loop_means_worry\","
                      "\"because\":\"Reads the FAQ again and again but never asks\","
                      "\"event\":\"e3\",\"delta\":0.6}]}");
    /* The delivery is remembered for cooldowns, at its due time. */
    assert_true(contact_last_sent(&c, "case_study") == T0 + 2 * DAY_MS + HOUR_MS);
    decision_close(&d);
    assert_int_equal(d.action_count, 0);

    /* A fourth FAQ view raises anxiety again (clamped to 1) but the content is cooling down. */
    run_quiet(pb, &c, "e4", "page_view", T0 + 3 * DAY_MS, faq);
    assert_true(anxiety->value == 1.0);
    assert_int_equal(anxiety->evidence_count, 2);
    assert_true(contact_last_sent(&c, "case_study") == T0 + 2 * DAY_MS + HOUR_MS);

    /* A webinar an hour later: the call task's reason reads the decayed state and cites both
     * touchpoints that raised it. */
    assert_int_equal(run(pb, &c, "w1", "webinar_attended", T0 + 3 * DAY_MS + HOUR_MS, "", &d), 1);
    a = &d.actions[0];
    assert_id(a, "w1", "offer_call", "task:offer_call");
    assert_int_equal(a->kind, ACTION_TASK);
    assert_string_equal(a->channel, "task");
    assert_true(a->due_ms == T0 + 3 * DAY_MS + HOUR_MS + 30 * MINUTE_MS);
    assert_json_equal(a->target, "{\"role\":\"inside_sales\",\"title\":\"Offer a short call\"}");
    assert_reason_equal(a, NULL,
                      "{\"rule\":\"offer_call\",\"because\":\"Still worried after the webinar\","
                      "\"event\":\"w1\",\"stage\":\"unaware\","
                      "\"touchpoints\":[\"w1\",\"e3\",\"e4\"],"
                      "\"states\":{\"anxiety\":0.996},\"facts\":{},"
                      "\"evidence\":[{\"state\":\"anxiety\",\"rule\":\"faq_loop_means_worry\","
                      "\"because\":\"Reads the FAQ again and again but never asks\","
                      "\"event\":\"e3\",\"delta\":0.6},"
                      "{\"state\":\"anxiety\",\"rule\":\"faq_loop_means_worry\","
                      "\"because\":\"Reads the FAQ again and again but never asks\","
                      "\"event\":\"e4\",\"delta\":0.6}]}");
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

static void test_same_input_same_actions(void **state) {
    (void)state;
    /* Replaying the same events on a fresh contact gives the same ids and JSON. */
    playbook_t *pb = load("decide_core");
    char *first = NULL;
    for (int round = 0; round < 2; round++) {
        contact_t c;
        decision_t d;
        assert_int_equal(contact_init(&c, "c-1", NULL), 0);
        assert_int_equal(
            run(pb, &c, "p1", "page_view", T0, "\"props\":{\"page_type\":\"pricing\"}", &d), 2);
        char *json = action_to_json(&d.actions[0], playbook_version(pb), T0);
        if (round == 0) {
            first = json;
        } else {
            assert_string_equal(first, json);
            free(json);
        }
        decision_close(&d);
        contact_close(&c);
    }
    free(first);
    playbook_free(pb);
}

static void test_count_filter_and_window(void **state) {
    (void)state;
    playbook_t *pb = load("decide_core");
    const char *faq = "\"props\":{\"page_type\":\"faq\"}";
    const char *docs = "\"props\":{\"page_type\":\"docs\"}";
    contact_t c;

    /* Filter: three page views, only two of them FAQ pages. */
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    run_quiet(pb, &c, "e1", "page_view", T0, faq);
    run_quiet(pb, &c, "d1", "page_view", T0 + HOUR_MS, docs);
    run_quiet(pb, &c, "e2", "page_view", T0 + 2 * HOUR_MS, faq);
    assert_int_equal(c.mind.count, 0);
    contact_close(&c);

    /* Window: the third FAQ view a millisecond more than seven days after the first. */
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    run_quiet(pb, &c, "e1", "page_view", T0, faq);
    run_quiet(pb, &c, "e2", "page_view", T0 + 6 * DAY_MS, faq);
    run_quiet(pb, &c, "e3", "page_view", T0 + 7 * DAY_MS + 1, faq);
    assert_int_equal(c.mind.count, 0);
    contact_close(&c);

    /* Exactly seven days: the window includes its start. */
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    run_quiet(pb, &c, "e1", "page_view", T0, faq);
    run_quiet(pb, &c, "e2", "page_view", T0 + 6 * DAY_MS, faq);
    decision_t d;
    assert_int_equal(run(pb, &c, "e3", "page_view", T0 + 7 * DAY_MS, faq, &d), 1);
    assert_true(mind_value(&c.mind, "anxiety", T0 + 7 * DAY_MS, 0) == 0.6);
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

/* ---- stages, priorities, cooldowns ------------------------------------------------------ */

static void test_advance_then_act_by_priority(void **state) {
    (void)state;
    playbook_t *pb = load("decide_core");
    const char *pricing = "\"props\":{\"page_type\":\"pricing\"}";
    contact_t c;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_null(c.stage);

    /* The stage rule runs before the action rules, so the evaluating-only rule already fires
     * on the touchpoint that moved the contact; it has the higher priority and comes first. */
    assert_int_equal(run(pb, &c, "p1", "page_view", T0, pricing, &d), 2);
    assert_string_equal(c.stage, "evaluating");
    assert_string_equal(d.actions[0].rule, "roi_for_evaluators");
    assert_true(d.actions[0].due_ms == T0 + 2 * HOUR_MS);
    assert_json_equal(d.actions[0].target,
                      "{\"id\":\"roi_calculator\",\"title\":\"ROI calculator\","
                      "\"url\":\"https://example.com/roi\"}");
    assert_reason_equal(&d.actions[0], "stage", "\"evaluating\"");
    assert_string_equal(d.actions[1].rule, "pricing_guide_once_a_fortnight");
    assert_true(d.actions[1].due_ms == T0);
    assert_string_equal(d.actions[1].channel, "email");
    decision_close(&d);

    /* A stage outside the rule's 'from' list is left alone. */
    assert_int_equal(contact_set_stage(&c, "purchasing", NULL), 0);
    assert_int_equal(run(pb, &c, "p2", "page_view", T0 + DAY_MS, pricing, &d), 0);
    assert_string_equal(c.stage, "purchasing");
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

static void test_cooldown(void **state) {
    (void)state;
    playbook_t *pb = load("decide_core");
    const char *pricing = "\"props\":{\"page_type\":\"pricing\"}";
    contact_t c;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_int_equal(run(pb, &c, "p1", "page_view", T0, pricing, &d), 2);
    decision_close(&d);

    /* 13 days on: the pricing guide (14d) is cooling; the ROI calculator (7d default) is not. */
    assert_int_equal(run(pb, &c, "p2", "page_view", T0 + 13 * DAY_MS, pricing, &d), 1);
    assert_string_equal(d.actions[0].rule, "roi_for_evaluators");
    decision_close(&d);

    /* 14 days on: the guide may go again; the calculator sent a day ago may not. */
    assert_int_equal(run(pb, &c, "p3", "page_view", T0 + 14 * DAY_MS, pricing, &d), 1);
    assert_string_equal(d.actions[0].rule, "pricing_guide_once_a_fortnight");
    assert_id(&d.actions[0], "p3", "pricing_guide_once_a_fortnight", "pricing_guide");
    decision_close(&d);

    /* The same touchpoint a second time does not send twice either. */
    assert_int_equal(run(pb, &c, "p3", "page_view", T0 + 14 * DAY_MS, pricing, &d), 0);
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

/* Once the repeat of a delivery is recorded, a rule of a fixed content that could only
 * repeat it again within the cooldown is not run: its failing condition reports nothing until
 * the cooldown is over. */
static void test_recorded_repeat_is_not_run_again(void **state) {
    (void)state;
    playbook_t *pb = load("decide_repeat");
    contact_t c;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_int_equal(run(pb, &c, "v1", "visit", T0, "", &d), 1);
    decision_close(&d);
    assert_int_equal(run(pb, &c, "v2", "visit", T0 + DAY_MS, "", &d), 0);
    assert_int_equal(d.held_count, 1); /* the repeat, recorded */
    decision_close(&d);
    assert_int_equal(run(pb, &c, "k1", "click", T0 + 2 * DAY_MS, "", &d), 0);
    decision_close(&d);
    assert_int_equal(run(pb, &c, "v3", "visit", T0 + 3 * DAY_MS, "", &d), 0);
    assert_int_equal(d.error_count, 0);
    assert_int_equal(d.held_count, 0);
    decision_close(&d);
    /* Past the cooldown it runs, and fails. */
    assert_int_equal(run(pb, &c, "v4", "visit", T0 + 31 * DAY_MS, "", &d), 0);
    assert_int_equal(d.error_count, 1);
    assert_non_null(strstr(d.errors[0].msg, "the condition ran"));
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

static void test_max_actions_and_priority_order(void **state) {
    (void)state;
    playbook_t *pb = load("decide_limits");
    contact_t c;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    /* Five rules are true; the three with the highest priority win, ties in file order. */
    assert_int_equal(run(pb, &c, "e1", "anything", T0, "", &d), DECIDE_MAX_ACTIONS);
    assert_int_equal(DECIDE_MAX_ACTIONS, 3);
    assert_string_equal(d.actions[0].rule, "top");
    assert_string_equal(d.actions[1].rule, "tie_a");
    assert_string_equal(d.actions[2].rule, "tie_b");
    assert_id(&d.actions[1], "e1", "tie_a", "task:tie_a");
    decision_close(&d);
    /* An hour later the winners are cooling (7 days by default), so the others get through. */
    assert_int_equal(run(pb, &c, "e2", "anything", T0 + HOUR_MS, "", &d), 2);
    assert_string_equal(d.actions[0].rule, "mid");
    assert_string_equal(d.actions[1].rule, "low");
    decision_close(&d);
    assert_int_equal(run(pb, &c, "e3", "anything", T0 + 2 * HOUR_MS, "", &d), 0);
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

/* ---- rule errors ------------------------------------------------------------------------ */

static int ends_with(const char *text, const char *suffix) {
    size_t n = strlen(text), k = strlen(suffix);
    return n >= k && strcmp(text + n - k, suffix) == 0;
}

static void assert_error(const nerr_t *err, const char *suffix) {
    if (!ends_with(err->msg, suffix))
        print_error("message:  %s\nexpected: ...%s\n", err->msg, suffix);
    assert_int_equal(err->code, NERR_RULE);
    assert_true(ends_with(err->msg, suffix));
}

static void test_rule_errors_are_isolated(void **state) {
    (void)state;
    playbook_t *pb = load("decide_errors");
    contact_t c;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_int_equal(
        run(pb, &c, "e1", "page_view", T0, "\"props\":{\"wanted\":\"case_study\"}", &d), 1);
    assert_int_equal(d.error_count, 3);
    assert_error(&d.errors[0], "decide_errors/rules.lua:4: infer went wrong (rule broken_infer)");
    assert_error(
        &d.errors[1],
        "decide_errors/rules.lua:12: attempt to compare number with nil (rule broken_act)");
    assert_error(&d.errors[2], "decide_errors/rules.lua:19: content function of rule bad_choice "
                               "chose unknown content 'no_such_content'");
    /* The inference after the broken one still ran, and so did the last action rule. */
    assert_true(mind_value(&c.mind, "interest", T0, 0) == 0.2);
    assert_null(mind_find(&c.mind, "anxiety"));
    assert_string_equal(d.actions[0].rule, "still_runs");
    assert_json_equal(d.actions[0].target,
                      "{\"id\":\"case_study\",\"title\":\"How Acme cut churn\"}");
    assert_id(&d.actions[0], "e1", "still_runs", "case_study");
    decision_close(&d);

    /* A content function that chooses nothing is no error and no action. */
    assert_int_equal(run(pb, &c, "e2", "page_view", T0 + DAY_MS, "", &d), 0);
    assert_int_equal(d.error_count, 3);
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

static void test_error_count_past_the_kept_errors(void **state) {
    (void)state;
    playbook_t *pb = load("decide_many_errors");
    contact_t c;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_int_equal(run(pb, &c, "e1", "page_view", T0, "", &d), 1);
    assert_int_equal(d.error_count, 10);
    for (int i = 0; i < DECIDE_MAX_ERRORS; i++) {
        char suffix[128];
        snprintf(suffix, sizeof suffix, "rules.lua:2: boom %d (rule fails_%d)", i + 1, i + 1);
        assert_error(&d.errors[i], suffix);
    }
    assert_string_equal(d.actions[0].rule, "survivor");
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

/* ---- `on` lists, `where`, an inference rule's `stage` and `facts` ------------------------- */

/* Decides one touchpoint of 'type' with 'extra' members for a fresh contact (of a fresh
 * account "acme" when 'with_account') and returns which of the states 'markers' (NULL-ended)
 * it raised, in that order, as "faq offer ...": a fixture's rule raises a marker of its own.
 * No rule may fail. */
static void raised_by(playbook_t *pb, const char *const *markers, const char *type,
                      const char *extra, int with_account, char *out, size_t size) {
    contact_t c;
    account_t a;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_int_equal(account_init(&a, "acme", NULL), 0);
    run_in_account(pb, &c, with_account ? &a : NULL, "e1", type, T0, extra, &d);
    if (d.error_count > 0)
        print_error("%s %s: %s\n", type, extra, d.errors[0].msg);
    assert_int_equal(d.error_count, 0);
    out[0] = '\0';
    for (int i = 0; markers[i] != NULL; i++)
        if (mind_value(&c.mind, markers[i], T0, DAY_MS) > 0)
            snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "", markers[i]);
    decision_close(&d);
    account_close(&a);
    contact_close(&c);
}

static void test_on_where_stage_and_facts(void **state) {
    (void)state;
    static const struct {
        const char *type, *extra, *raised;
    } cases[] = {
        /* `worried` is raised by a rule whose `mind` reads the state `faq` raised before it. */
        {"page_view", "\"props\":{\"page_type\":\"faq\"}", "faq worried"},
        {"page_view", "\"props\":{\"page_type\":\"blog\"}", ""},
        /* One of a list; every condition must hold; a top-level field. */
        {"page_view", "\"channel\":\"web\",\"props\":{\"page_type\":\"pricing\"}", "offer web"},
        {"page_view", "\"props\":{\"page_type\":\"pricing\",\"device\":\"mobile\"}", "offer phone"},
        /* A `where` on another type's field does not make the rule run on other types. */
        {"email_open", "\"props\":{\"page_type\":\"faq\"}", ""},
        /* Numbers and booleans compare as == does in Lua: "10" is not 10. */
        {"form_submit", "\"props\":{\"seats\":10,\"trial\":true}", "ten asked"},
        {"form_submit", "\"props\":{\"seats\":\"10\",\"trial\":true}", "asked"},
        {"form_submit", "\"props\":{\"seats\":10,\"trial\":false}", "asked"},
        {"form_submit", "\"props\":{\"seats\":10}", "asked"},
        /* An `on` list: each type of it, and no other. */
        {"meeting_booked", "", "asked"},
        {"webinar_attended", "", ""},
        /* `where` first, then `when`. */
        {"page_view", "\"props\":{\"page_type\":\"docs\",\"dwell_s\":90}", "docs"},
        {"page_view", "\"props\":{\"page_type\":\"docs\",\"dwell_s\":30}", ""},
        /* An inference rule's `stage`: the stage as the rules before it left it. */
        {"demo", "", "weighing"},
        /* `facts`: one value, one of a list, every condition, compared as == does. */
        {"identify", "\"props\":{\"segment\":\"smb\"}", "small not_large"},
        {"identify", "\"props\":{\"segment\":\"mid_market\"}", "not_large"},
        {"identify", "\"props\":{\"segment\":\"enterprise\"}", ""},
        {"identify", "\"props\":{\"seats\":10,\"runs_ma\":true}", "tooled"},
        {"identify", "\"props\":{\"seats\":\"10\",\"runs_ma\":true}", ""},
        {"identify", "\"props\":{\"seats\":10}", ""},
    };
    static const char *const markers[] = {"faq",     "offer",    "phone", "web",
                                          "ten",     "asked",    "docs",  "checkout",
                                          "weighing", "small",   "not_large", "tooled",
                                          "worried", NULL};
    playbook_t *pb = load("decide_where");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char raised[128];
        raised_by(pb, markers, cases[i].type, cases[i].extra, 0, raised, sizeof raised);
        if (strcmp(raised, cases[i].raised) != 0)
            print_error("%s %s raised \"%s\"\n", cases[i].type, cases[i].extra, raised);
        assert_string_equal(raised, cases[i].raised);
    }
    /* The rule whose `where` holds runs: its error shows that the others were skipped. */
    contact_t c;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    run(pb, &c, "e1", "page_view", T0, "\"props\":{\"page_type\":\"checkout\"}", &d);
    assert_int_equal(d.error_count, 1);
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

/* ---- `mind` and `account_mind` ---------------------------------------------------------- */

static void test_mind_bounds(void **state) {
    (void)state;
    static const struct {
        const char *props;
        int with_account;
        const char *raised;
    } cases[] = {
        /* A state never raised is 0; without an account, so is every account state. */
        {"{}", 0, "at_most below quiet_account"},
        /* Each bound, inclusive or not, at 0.3, 0.5 and 0.7; a number alone is at least. */
        {"{\"worry\":0.3}", 0, "at_most below quiet_account"},
        {"{\"worry\":0.5}", 0, "at_least at_most number between quiet_account"},
        {"{\"worry\":0.7}", 0, "at_least above number quiet_account"},
        /* Every state's bounds must hold; bounds first, then `when`. */
        {"{\"worry\":0.7,\"calm\":0.5}", 0, "at_least above number both when quiet_account"},
        /* The account's states, read through account_mind. */
        {"{}", 1, "at_most below quiet_account"},
        {"{\"buzz\":0.6}", 1, "at_most below busy_account"},
        {"{\"buzz\":0.6}", 0, "at_most below quiet_account"},
    };
    static const char *const markers[] = {"at_least",      "above",        "at_most", "below",
                                          "number",        "between",      "both",    "when",
                                          "quiet_account", "busy_account", "never",   NULL};
    playbook_t *pb = load("decide_mind");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char extra[128], raised[256];
        snprintf(extra, sizeof extra, "\"props\":%s", cases[i].props);
        raised_by(pb, markers, "visit", extra, cases[i].with_account, raised, sizeof raised);
        if (strcmp(raised, cases[i].raised) != 0)
            print_error("%s (account: %d) raised \"%s\"\n", cases[i].props, cases[i].with_account,
                        raised);
        assert_string_equal(raised, cases[i].raised);
    }
    /* The rule whose bounds hold runs: its error shows that it was skipped above. */
    contact_t c;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    run(pb, &c, "e1", "visit", T0, "\"props\":{\"worry\":0.95}", &d);
    assert_int_equal(d.error_count, 1);
    assert_non_null(strstr(d.errors[0].msg, "never_below_these_bounds"));
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

/* An action whose bounds and facts hold cites the states and facts they read, of the contact
 * and the account; a suppression on a fact holds it back. */
static void test_mind_bounds_in_the_reason(void **state) {
    (void)state;
    playbook_t *pb = load("decide_mind");
    contact_t c;
    account_t a;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_int_equal(account_init(&a, "acme", NULL), 0);
    /* Not on a "check": the rule's `on` keeps it out. */
    assert_int_equal(run_in_account(pb, &c, &a, "e1", "visit", T0,
                                    "\"props\":{\"worry\":0.7,\"calm\":0.5,\"buzz\":0.6}", &d),
                     0);
    decision_close(&d);
    /* The bounds hold, not the facts. */
    assert_int_equal(run_in_account(pb, &c, &a, "e2", "check", T0, "", &d), 0);
    decision_close(&d);
    assert_int_equal(run_in_account(pb, &c, &a, "e3", "identify", T0,
                                    "\"props\":{\"tier\":\"gold\"}", &d),
                     0);
    decision_close(&d);
    /* Now both hold. */
    assert_int_equal(run_in_account(pb, &c, &a, "e4", "check", T0, "", &d), 1);
    assert_string_equal(d.actions[0].rule, "reassure");
    assert_reason_equal(&d.actions[0], "states", "{\"calm\":0.5,\"worry\":0.7}");
    assert_reason_equal(&d.actions[0], "account_states", "{\"buzz\":0.6}");
    assert_reason_equal(&d.actions[0], "facts", "{\"tier\":\"gold\"}");
    /* Member for member in the order the actions stream has always had. */
    assert_string_equal(
        d.actions[0].reason,
        "{\"rule\":\"reassure\",\"because\":\"Worried, calm enough to read, and the account is "
        "busy\",\"event\":\"e4\",\"stage\":\"unaware\",\"states\":{\"calm\":0.5,\"worry\":0.7},"
        "\"facts\":{\"tier\":\"gold\"},\"evidence\":[{\"state\":\"calm\",\"delta\":0.5,\"rule\":"
        "\"calm_0.5\",\"event\":\"e1\"},{\"state\":\"worry\",\"delta\":0.7,\"rule\":\"worry_0.7\","
        "\"event\":\"e1\"},{\"state\":\"buzz\",\"delta\":0.6,\"rule\":\"buzz_0.6\",\"event\":"
        "\"e1\",\"of\":\"account\"}],\"touchpoints\":[\"e4\",\"e1\"],\"account_states\":"
        "{\"buzz\":0.6}}");
    decision_close(&d);
    /* Paused: the suppression, on a fact alone, holds the story back. */
    assert_int_equal(run_in_account(pb, &c, &a, "e5", "identify", T0 + DAY_MS,
                                    "\"props\":{\"paused\":true}", &d),
                     0);
    decision_close(&d);
    /* A month on, past the cooldown, the states raised again. */
    assert_int_equal(run_in_account(pb, &c, &a, "e6", "visit", T0 + 30 * DAY_MS,
                                    "\"props\":{\"worry\":0.7,\"calm\":0.5,\"buzz\":0.6}", &d),
                     0);
    decision_close(&d);
    assert_int_equal(run_in_account(pb, &c, &a, "e7", "check", T0 + 30 * DAY_MS, "", &d), 0);
    assert_int_equal(d.held_count, 1);
    assert_string_equal(d.held[0].policy, "paused");
    decision_close(&d);
    /* For a contact of another account, whose buzz is 0, it is not run. */
    account_close(&a);
    assert_int_equal(account_init(&a, "globex", NULL), 0);
    assert_int_equal(run_in_account(pb, &c, &a, "e8", "check", T0, "", &d), 0);
    assert_int_equal(d.held_count, 0); /* not held back either: not run at all */
    decision_close(&d);
    account_close(&a);
    contact_close(&c);
    playbook_free(pb);
}

/* ---- identify and facts ----------------------------------------------------------------- */

static void test_identify_merges_facts(void **state) {
    (void)state;
    playbook_t *pb = load("decide_core");
    contact_t c;
    decision_t d;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_int_equal(run(pb, &c, "i1", "identify", T0,
                         "\"props\":{\"industry\":\"manufacturing\",\"employees\":40}", &d),
                     0);
    assert_json_equal(c.facts, "{\"industry\":\"manufacturing\",\"employees\":40}");
    decision_close(&d);

    /* Other touchpoints' props are not facts. */
    run_quiet(pb, &c, "v1", "page_view", T0 + 1, "\"props\":{\"industry\":\"retail\"}");
    assert_json_equal(c.facts, "{\"industry\":\"manufacturing\",\"employees\":40}");

    /* A later identify replaces and adds; the rule now sees a large manufacturer. */
    assert_int_equal(run(pb, &c, "i2", "identify", T0 + HOUR_MS,
                         "\"account\":\"acme\",\"props\":{\"employees\":250,\"role\":\"cto\"}", &d),
                     1);
    assert_json_equal(c.facts,
                      "{\"industry\":\"manufacturing\",\"employees\":250,\"role\":\"cto\"}");
    assert_string_equal(c.account, "acme");
    const action_t *a = &d.actions[0];
    assert_string_equal(a->rule, "industry_followup");
    assert_true(a->due_ms == T0 + HOUR_MS);
    assert_json_equal(a->target, "{\"role\":\"field_sales\",\"title\":\"Visit the plant\"}");
    assert_reason_equal(a, NULL,
                      "{\"rule\":\"industry_followup\",\"because\":\"A large manufacturer\","
                      "\"event\":\"i2\",\"stage\":\"unaware\",\"touchpoints\":[\"i2\"],"
                      "\"states\":{},\"facts\":{\"industry\":\"manufacturing\",\"employees\":250},"
                      "\"evidence\":[]}");
    decision_close(&d);
    contact_close(&c);
    playbook_free(pb);
}

/* ---- the contact and event seen by rules ------------------------------------------------ */

/* Evaluates query rule 'name' against a probe event carrying '"expect": <expect>'. */
static int probe(playbook_t *pb, contact_t *c, const char *name, const char *expect) {
    const rule_t *rule = NULL;
    for (int i = 0; i < playbook_rule_count(pb); i++)
        if (strcmp(playbook_rule(pb, i)->name, name) == 0)
            rule = playbook_rule(pb, i);
    assert_non_null(rule);
    char extra[128];
    snprintf(extra, sizeof extra, "\"props\":{\"expect\":%s}", expect);
    event_t event;
    make_event(&event, "probe-1", "probe", T0 + 10 * DAY_MS, extra);
    int is_true = -1;
    nerr_t err = {0, ""};
    int rc = playbook_eval_when(pb, rule, c, &event, &is_true, NULL, &err);
    if (rc != 0)
        print_error("rule %s: %s\n", name, err.msg);
    assert_int_equal(rc, 0);
    event_close(&event);
    return is_true;
}

static void touch(contact_t *c, const char *id, const char *type, int64_t at_ms,
                  const char *extra) {
    event_t event;
    make_event(&event, id, type, at_ms, extra);
    assert_int_equal(contact_record_touch(c, &event, NULL), 0);
    event_close(&event);
}

static void test_queries_seen_by_rules(void **state) {
    (void)state;
    playbook_t *pb = load("decide_queries");
    contact_t c;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    touch(&c, "f1", "page_view", T0, "\"props\":{\"page_type\":\"faq\",\"lang\":\"ja\"}");
    touch(&c, "f2", "page_view", T0 + 2 * DAY_MS,
          "\"props\":{\"page_type\":\"faq\",\"lang\":\"en\"}");
    touch(&c, "pr", "page_view", T0 + 3 * DAY_MS, "\"props\":{\"page_type\":\"pricing\"}");
    touch(&c, "fs", "form_submit", T0 + 4 * DAY_MS,
          "\"account\":\"acme\",\"props\":{\"demo\":true}");
    touch(&c, "f3", "page_view", T0 + 9 * DAY_MS,
          "\"props\":{\"page_type\":\"faq\",\"lang\":\"ja\"}");
    /* The probe is at T0 + 10d: "7d" reaches back to T0 + 3d. */
    assert_int_equal(probe(pb, &c, "count_faq_7d", "1"), 1);
    assert_int_equal(probe(pb, &c, "count_faq_7d", "3"), 0);
    assert_int_equal(probe(pb, &c, "count_page_views", "4"), 1);
    assert_int_equal(probe(pb, &c, "count_page_views", "5"), 0);
    assert_int_equal(probe(pb, &c, "count_window_only", "1"), 1);
    assert_int_equal(probe(pb, &c, "count_bool_filter", "1"), 1);
    assert_int_equal(probe(pb, &c, "count_two_keys", "2"), 1);
    assert_int_equal(probe(pb, &c, "did_form_7d", "true"), 1);
    assert_int_equal(probe(pb, &c, "did_form_5d", "false"), 1);
    assert_int_equal(probe(pb, &c, "did_form_5d", "true"), 0);
    assert_int_equal(probe(pb, &c, "since_faq", "86400000"), 1);
    assert_int_equal(probe(pb, &c, "since_webinar", "null"), 1);
    assert_int_equal(probe(pb, &c, "since_webinar", "0"), 0);
    assert_int_equal(probe(pb, &c, "contact_fields", "1796288400000"), 1);
    assert_int_equal(probe(pb, &c, "contact_fields", "1796288400001"), 0);
    assert_int_equal(probe(pb, &c, "event_fields", "7"), 1);
    assert_int_equal(probe(pb, &c, "event_fields", "8"), 0);

    /* Misuse is a rule error with the rule's place, not a crash. */
    event_t event;
    make_event(&event, "probe-1", "probe", T0 + 10 * DAY_MS, "");
    static const struct {
        const char *rule, *suffix;
    } misuse[] = {
        {"bad_window", "rules.lua:20: 'a week' is not a duration (a whole number and one of s, "
                       "m, h, d, w: \"90s\", \"1h\", \"14d\") (rule bad_window)"},
        {"unknown_contact_field",
         "rules.lua:21: a contact has no field 'industry' (facts are under c.facts) (rule "
         "unknown_contact_field)"},
    };
    for (size_t i = 0; i < sizeof misuse / sizeof misuse[0]; i++) {
        const rule_t *rule = NULL;
        for (int k = 0; k < playbook_rule_count(pb); k++)
            if (strcmp(playbook_rule(pb, k)->name, misuse[i].rule) == 0)
                rule = playbook_rule(pb, k);
        int is_true;
        nerr_t err = {0, ""};
        assert_int_equal(playbook_eval_when(pb, rule, &c, &event, &is_true, NULL, &err), NERR_RULE);
        assert_error(&err, misuse[i].suffix);
    }
    event_close(&event);
    contact_close(&c);
    playbook_free(pb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_infer_then_act_with_reason),
        cmocka_unit_test(test_same_input_same_actions),
        cmocka_unit_test(test_count_filter_and_window),
        cmocka_unit_test(test_advance_then_act_by_priority),
        cmocka_unit_test(test_cooldown),
        cmocka_unit_test(test_recorded_repeat_is_not_run_again),
        cmocka_unit_test(test_max_actions_and_priority_order),
        cmocka_unit_test(test_rule_errors_are_isolated),
        cmocka_unit_test(test_error_count_past_the_kept_errors),
        cmocka_unit_test(test_on_where_stage_and_facts),
        cmocka_unit_test(test_mind_bounds),
        cmocka_unit_test(test_mind_bounds_in_the_reason),
        cmocka_unit_test(test_identify_merges_facts),
        cmocka_unit_test(test_queries_seen_by_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
