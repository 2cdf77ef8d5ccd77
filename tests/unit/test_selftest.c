/* Tests of selftest and of the `test` declarations: events built from the test tables, each
 * kind of expectation passing and failing with a message that says what happened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/selftest.h"

typedef struct {
    int count;
    int is_passed[16];
    char detail[16][2048];
    char name[16][128];
} results_t;

static void collect(const selftest_result_t *r, void *ud) {
    results_t *results = ud;
    if (results->count == 16)
        return;
    results->is_passed[results->count] = r->is_passed;
    snprintf(results->detail[results->count], sizeof results->detail[0], "%s", r->detail);
    snprintf(results->name[results->count], sizeof results->name[0], "%s", r->test->name);
    results->count++;
}

static playbook_t *load(const char *name) {
    char dir[512];
    nerr_t err = {0, ""};
    snprintf(dir, sizeof dir, "%s/%s", FIXTURES_DIR, name);
    playbook_t *pb = playbook_load(dir, &err);
    if (pb == NULL)
        print_error("%s\n", err.msg);
    return pb;
}

static void test_events_built_from_tables(void **state) {
    (void)state;
    playbook_t *pb = load("selftest");
    assert_non_null(pb);
    assert_int_equal(playbook_test_count(pb), 4);
    const playbook_test_t *t = playbook_test(pb, 0);
    assert_string_equal(t->name, "two FAQ reads send the story an hour later");
    assert_int_equal(t->line, 1);
    char *json = cJSON_PrintUnformatted(t->events);
    assert_string_equal(
        json,
        "[{\"id\":\"t1\",\"contact\":\"test-contact\",\"type\":\"identify\",\"at\":\"2026-03-02T09:00:00.000Z\","
        "\"props\":{\"industry\":\"retail\"}},"
        "{\"id\":\"t2\",\"contact\":\"test-contact\",\"type\":\"page_view\",\"at\":\"2026-03-02T09:00:00.000Z\","
        "\"props\":{\"page_type\":\"faq\"}},"
        "{\"id\":\"t3\",\"contact\":\"test-contact\",\"type\":\"page_view\",\"at\":\"2026-03-02T09:10:00.000Z\","
        "\"props\":{\"page_type\":\"faq\"}}]");
    cJSON_free(json);
    playbook_free(pb);
}

static void test_results(void **state) {
    (void)state;
    playbook_t *pb = load("selftest");
    assert_non_null(pb);
    results_t r = {0};
    nerr_t err;
    assert_int_equal(selftest_run(pb, collect, &r, &err), 1);
    assert_int_equal(r.count, 4);
    assert_true(r.is_passed[0]);
    assert_string_equal(r.detail[0], "");
    assert_true(r.is_passed[1]);
    assert_false(r.is_passed[2]);
    assert_string_equal(r.detail[2], "expected content story; got no action\n"
                                     "expected stage evaluating; the contact is at researching");
    /* The third read reaches 0.9: the task fires at once, due at the touchpoint's time. */
    assert_true(r.is_passed[3]);
    assert_string_equal(r.name[3], "a third read calls for a person at once");
    playbook_free(pb);
}

static void test_unknown_stage_in_a_test_is_a_load_error(void **state) {
    (void)state;
    char dir[512];
    nerr_t err;
    snprintf(dir, sizeof dir, "%s/selftest_bad_stage", FIXTURES_DIR);
    assert_null(playbook_load(dir, &err));
    assert_non_null(strstr(err.msg, "selftest_bad_stage/rules.lua:3: test expects a stage that does "
                                    "not exist: unknown stage 'nirvana'"));
}

static void test_language_playbook_passes_its_tests(void **state) {
    (void)state;
    playbook_t *pb = load("language");
    assert_non_null(pb);
    results_t r = {0};
    nerr_t err;
    int failed = selftest_run(pb, collect, &r, &err);
    for (int i = 0; i < r.count; i++)
        if (!r.is_passed[i])
            print_error("%s: %s\n", r.name[i], r.detail[i]);
    assert_int_equal(failed, 0);
    assert_int_equal(r.count, 9);
    playbook_free(pb);
}

static void test_wrong_fact_expectation_fails(void **state) {
    (void)state;
    playbook_t *pb = load("language");
    assert_non_null(pb);
    /* Pretend the test expected another funnel: the run must say what it found. */
    playbook_test_t *t = (playbook_test_t *)playbook_test(pb, 4);
    cJSON_ReplaceItemInObjectCaseSensitive(t->expect_facts, "funnel", cJSON_CreateString("mql"));
    results_t r = {0};
    nerr_t err;
    assert_int_equal(selftest_run(pb, collect, &r, &err), 1);
    assert_string_equal(r.detail[4], "expected fact funnel = \"mql\"; it is \"sql\"");
    playbook_free(pb);
}

static void test_undeclared_state_is_refused(void **state) {
    (void)state;
    char dir[512];
    nerr_t err;
    snprintf(dir, sizeof dir, "%s/unknown_state", FIXTURES_DIR);
    assert_null(playbook_load(dir, &err));
    assert_non_null(strstr(err.msg, "unknown_state/rules.lua:3: typo: unknown mind state 'anxeity'"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_built_from_tables),
        cmocka_unit_test(test_results),
        cmocka_unit_test(test_unknown_stage_in_a_test_is_a_load_error),
        cmocka_unit_test(test_language_playbook_passes_its_tests),
        cmocka_unit_test(test_wrong_fact_expectation_fails),
        cmocka_unit_test(test_undeclared_state_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
