/* Tests of the policies the engine enforces whatever the act rules say: cooldowns, caps,
 * suppression, at most DECIDE_MAX_ACTIONS per touchpoint, quiet hours and business hours in
 * the contact's time zone, and goals cancelling pending actions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/clock.h"
#include "engine/core/decide.h"

typedef struct {
    playbook_t *pb;
    contact_t contact;
    decision_t decision;
    int n;
} fixture_t;

static int setup(void **state) {
    static fixture_t f;
    char dir[512];
    nerr_t err = {0, ""};
    memset(&f, 0, sizeof f);
    snprintf(dir, sizeof dir, "%s/policies", FIXTURES_DIR);
    f.pb = playbook_load(dir, &err);
    if (f.pb == NULL)
        print_error("%s\n", err.msg);
    assert_non_null(f.pb);
    assert_int_equal(contact_init(&f.contact, "p1", NULL), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    decision_close(&f->decision);
    contact_close(&f->contact);
    playbook_free(f->pb);
    return 0;
}

/* Decides one touchpoint of 'type' at 'at' with raw JSON 'props' (or NULL). */
static void touch(fixture_t *f, const char *type, const char *at, const char *props) {
    char text[512];
    snprintf(text, sizeof text, "{\"id\":\"e%d\",\"contact\":\"p1\",\"type\":\"%s\",\"at\":\"%s\"%s%s}",
             ++f->n, type, at, props ? ",\"props\":" : "", props ? props : "");
    event_t event;
    nerr_t err;
    assert_int_equal(event_parse(text, strlen(text), &event, &err), 0);
    decision_close(&f->decision);
    assert_int_equal(decide(f->pb, &f->contact, &event, &f->decision, &err), 0);
    assert_int_equal(f->decision.error_count, 0);
    event_close(&event);
}

static const char *due(const action_t *a) {
    static char buf[CLOCK_ISO_MAX];
    clock_format_iso(a->due_ms, buf, sizeof buf);
    return buf;
}

static void test_cap_max_actions_and_priority(void **state) {
    fixture_t *f = *state;
    touch(f, "page_view", "2026-03-02T09:00:00Z", NULL);
    /* guide and story fill the email cap; the offer is held by it, with the winner named; the
     * call task goes out (another channel). */
    assert_int_equal(f->decision.action_count, 3);
    assert_string_equal(f->decision.actions[0].rule, "send_guide");
    assert_string_equal(f->decision.actions[1].rule, "send_story");
    assert_string_equal(f->decision.actions[2].rule, "call");
    assert_int_equal(f->decision.held_count, 1);
    assert_string_equal(f->decision.held[0].rule->name, "send_offer");
    assert_string_equal(f->decision.held[0].policy, "two_mails_a_week");
    /* The offer (due in 3 days) would be the third mail in the 7 days ending then. */
    assert_string_equal(f->decision.held[0].winner, f->decision.actions[1].id);
}

static void test_cooldown_is_recorded(void **state) {
    fixture_t *f = *state;
    touch(f, "page_view", "2026-03-02T09:00:00Z", NULL);
    char guide_id[ACTION_ID_MAX];
    strcpy(guide_id, f->decision.actions[0].id);
    touch(f, "page_view", "2026-03-03T09:00:00Z", NULL);
    /* Everything is cooling down (7 days by default); the call task too. */
    assert_int_equal(f->decision.action_count, 0);
    assert_int_equal(f->decision.held_count, 4);
    assert_string_equal(f->decision.held[0].policy, "cooldown");
    assert_string_equal(f->decision.held[0].winner, guide_id);
}

/* Stores the contact and reads it back; with 'other_member', in a form only the general
 * reader takes. */
static void store_and_restore(fixture_t *f, int other_member) {
    char *json = contact_to_json(&f->contact);
    assert_non_null(json);
    size_t size = strlen(json);
    char *text = malloc(size + 16);
    memcpy(text, json, size - 1);
    strcpy(text + size - 1, other_member ? ",\"note\":1}" : "}");
    contact_t back;
    nerr_t err;
    assert_int_equal(contact_from_json(&back, "p1", text, strlen(text), 1, &err), 0);
    contact_close(&f->contact);
    f->contact = back;
    free(text);
    free(json);
}

/* A repeat within the cooldown is recorded once per delivery it repeats, and the contact's
 * stored state remembers it; a hold by another policy is recorded every time. */
static void test_cooldown_repeat_is_recorded_once(void **state) {
    fixture_t *f = *state;
    touch(f, "page_view", "2026-03-02T09:00:00Z", NULL);
    touch(f, "page_view", "2026-03-03T09:00:00Z", NULL);
    assert_int_equal(f->decision.held_count, 4); /* the three deliveries' cooldowns, the cap */
    touch(f, "page_view", "2026-03-04T09:00:00Z", NULL);
    assert_int_equal(f->decision.action_count, 0);
    assert_int_equal(f->decision.held_count, 1);
    assert_string_equal(f->decision.held[0].policy, "two_mails_a_week");
    for (int other_member = 0; other_member <= 1; other_member++) {
        store_and_restore(f, other_member);
        touch(f, "page_view", "2026-03-05T09:00:00Z", NULL);
        assert_int_equal(f->decision.held_count, 1);
    }
    /* Past the cooldown the guide, the story and the call go again, and the first repeats of
     * these deliveries are recorded, naming them. */
    touch(f, "page_view", "2026-03-10T09:00:00Z", NULL);
    assert_int_equal(f->decision.action_count, 3);
    char guide_id[ACTION_ID_MAX];
    strcpy(guide_id, f->decision.actions[0].id);
    touch(f, "page_view", "2026-03-11T09:00:00Z", NULL);
    assert_int_equal(f->decision.held_count, 4);
    assert_string_equal(f->decision.held[0].policy, "cooldown");
    assert_string_equal(f->decision.held[0].winner, guide_id);
}

static void test_suppression_holds_content_not_tasks(void **state) {
    fixture_t *f = *state;
    touch(f, "unsubscribe", "2026-03-01T09:00:00Z", NULL);
    assert_non_null(f->decision.suppressed_by);
    touch(f, "page_view", "2026-03-02T09:00:00Z", NULL);
    assert_non_null(f->decision.suppressed_by);
    assert_string_equal(f->decision.suppressed_by->name, "unsubscribed");
    assert_int_equal(f->decision.action_count, 1);
    assert_string_equal(f->decision.actions[0].rule, "call");
    assert_int_equal(f->decision.held_count, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(f->decision.held[i].policy, "unsubscribed");
}

static void test_quiet_hours_in_the_contact_zone(void **state) {
    fixture_t *f = *state;
    touch(f, "identify", "2026-03-01T00:00:00Z", "{\"timezone\":\"Asia/Tokyo\"}");
    /* 10:30 UTC is 19:30 in Tokyo: the guide (+1h) falls at 20:30, in quiet hours, and waits
     * for 08:00 Tokyo (23:00 UTC); the call task is not held by quiet hours. */
    touch(f, "page_view", "2026-03-02T10:30:00Z", NULL);
    assert_string_equal(f->decision.actions[0].rule, "send_guide");
    assert_string_equal(due(&f->decision.actions[0]), "2026-03-02T23:00:00.000Z");
    assert_string_equal(f->decision.actions[2].rule, "call");
    assert_string_equal(due(&f->decision.actions[2]), "2026-03-02T11:30:00.000Z");
}

static void test_business_hours_across_dst(void **state) {
    fixture_t *f = *state;
    touch(f, "identify", "2026-03-01T00:00:00Z", "{\"timezone\":\"America/New_York\"}");
    /* Saturday 2026-03-07 12:00 UTC: the next business morning is Monday 09:00 in New York,
     * which after the DST change of Sunday 03-08 is 13:00 UTC (not 14:00). */
    touch(f, "webinar_attended", "2026-03-07T12:00:00Z", NULL);
    assert_int_equal(f->decision.action_count, 1);
    assert_string_equal(due(&f->decision.actions[0]), "2026-03-09T13:00:00.000Z");
}

static void test_goal_cancels_pending_content(void **state) {
    fixture_t *f = *state;
    touch(f, "page_view", "2026-03-02T09:00:00Z", NULL);
    char story_id[ACTION_ID_MAX];
    strcpy(story_id, f->decision.actions[1].id);
    /* At 10:30 the guide (due 10:00) has gone out; the story (due 11:00) is still pending. */
    touch(f, "meeting_booked", "2026-03-02T10:30:00Z", NULL);
    assert_int_equal(f->decision.cancelled_count, 1);
    assert_string_equal(f->decision.cancelled[0].id, story_id);
    assert_string_equal(f->decision.cancelled[0].goal->name, "meeting_booked");
    assert_string_equal(f->decision.cancelled[0].target, "story");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cap_max_actions_and_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cooldown_is_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cooldown_repeat_is_recorded_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suppression_holds_content_not_tasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiet_hours_in_the_contact_zone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_business_hours_across_dst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_goal_cancels_pending_content, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
