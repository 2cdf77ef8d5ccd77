/* test_mind: inferred states decay by their half-life, stay in [0, 1], keep their newest
 * MIND_EVIDENCE_MAX pieces of evidence, and are written back as read until they change.
 * Depends on mind only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/mind.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)
#define T0 1795424400000LL /* 2026-11-23T09:00:00Z */

static void assert_near_at(double actual, double expected, const char *file, int line) {
    if (fabs(actual - expected) > 1e-9) {
        print_error("%s:%d: %.12f is not %.12f\n", file, line, actual, expected);
        fail();
    }
}
#define assert_near(actual, expected) assert_near_at((actual), (expected), __FILE__, __LINE__)

static void test_empty_mind(void **state) {
    (void)state;
    mind_t mind;
    mind_init(&mind);
    assert_int_equal(mind.count, 0);
    assert_null(mind_find(&mind, "anxiety"));
    assert_near(mind_value(&mind, "anxiety", T0, 7 * DAY_MS), 0.0);
    mind_close(&mind);
    mind_close(&mind); /* closing an empty mind again is harmless */
}

static void test_decay_by_half_life(void **state) {
    (void)state;
    mind_t mind;
    mind_init(&mind);
    assert_int_equal(mind_adjust(&mind, "anxiety", 0.6, T0, 7 * DAY_MS, "e1", "faq_loop", NULL), 0);
    assert_near(mind_value(&mind, "anxiety", T0, 7 * DAY_MS), 0.6);
    assert_near(mind_value(&mind, "anxiety", T0 + 7 * DAY_MS, 7 * DAY_MS), 0.3);
    assert_near(mind_value(&mind, "anxiety", T0 + 14 * DAY_MS, 7 * DAY_MS), 0.15);
    assert_near(mind_value(&mind, "anxiety", T0 + 1 * DAY_MS, 7 * DAY_MS), 0.6 * pow(2, -1.0 / 7));
    /* The half-life is the caller's: the same state read with another one decays otherwise. */
    assert_near(mind_value(&mind, "anxiety", T0 + 14 * DAY_MS, 14 * DAY_MS), 0.3);
    /* Zero means no decay; time before the update does not raise the value. */
    assert_near(mind_value(&mind, "anxiety", T0 + 365 * DAY_MS, 0), 0.6);
    assert_near(mind_value(&mind, "anxiety", T0 - 7 * DAY_MS, 7 * DAY_MS), 0.6);
    /* Reading does not change the stored value. */
    const mind_state_t *s = mind_find(&mind, "anxiety");
    assert_non_null(s);
    assert_near(s->value, 0.6);
    assert_true(s->updated_ms == T0);
    mind_close(&mind);
}

static void test_adjust_decays_first(void **state) {
    (void)state;
    mind_t mind;
    mind_init(&mind);
    assert_int_equal(mind_adjust(&mind, "anxiety", 0.6, T0, 7 * DAY_MS, "e1", "r", NULL), 0);
    /* A week later the 0.6 has halved to 0.3; +0.2 gives 0.5, stored as of that time. */
    assert_int_equal(
        mind_adjust(&mind, "anxiety", 0.2, T0 + 7 * DAY_MS, 7 * DAY_MS, "e2", "r", NULL), 0);
    const mind_state_t *s = mind_find(&mind, "anxiety");
    assert_near(s->value, 0.5);
    assert_true(s->updated_ms == T0 + 7 * DAY_MS);
    assert_near(mind_value(&mind, "anxiety", T0 + 14 * DAY_MS, 7 * DAY_MS), 0.25);

    /* An event older than the last update (out of order) adds without decay and keeps the
     * later time. */
    assert_int_equal(mind_adjust(&mind, "anxiety", 0.1, T0 + DAY_MS, 7 * DAY_MS, "e0", "r", NULL),
                     0);
    assert_near(s->value, 0.6);
    assert_true(s->updated_ms == T0 + 7 * DAY_MS);
    assert_true(s->evidence[2].at_ms == T0 + DAY_MS);
    mind_close(&mind);
}

static void test_clamp(void **state) {
    (void)state;
    mind_t mind;
    mind_init(&mind);
    assert_int_equal(mind_adjust(&mind, "urgency", 0.8, T0, 0, "e1", "r1", NULL), 0);
    assert_int_equal(mind_adjust(&mind, "urgency", 0.8, T0 + 1, 0, "e2", "r1", NULL), 0);
    assert_near(mind_value(&mind, "urgency", T0 + 2, 0), 1.0);
    assert_int_equal(mind_adjust(&mind, "urgency", -1.5, T0 + 2, 0, "e3", "r2", NULL), 0);
    assert_near(mind_value(&mind, "urgency", T0 + 3, 0), 0.0);
    /* Lowering a state never seen starts it at 0, not below. */
    assert_int_equal(mind_adjust(&mind, "distrust", -0.3, T0, 0, "e4", "r3", NULL), 0);
    const mind_state_t *d = mind_find(&mind, "distrust");
    assert_non_null(d);
    assert_near(d->value, 0.0);
    /* The evidence records the rule's delta as written, not the clamped change. */
    assert_int_equal(d->evidence_count, 1);
    assert_near(d->evidence[0].delta, -0.3);
    const mind_state_t *u = mind_find(&mind, "urgency");
    assert_near(u->evidence[1].delta, 0.8);
    assert_near(u->evidence[2].delta, -1.5);
    /* From 1.0, +0.5 then -0.5 lands at 0.5: the clamp happened at each step. */
    assert_int_equal(mind_adjust(&mind, "urgency", 1.0, T0 + 3, 0, "e5", "r1", NULL), 0);
    assert_int_equal(mind_adjust(&mind, "urgency", 0.5, T0 + 4, 0, "e6", "r1", NULL), 0);
    assert_int_equal(mind_adjust(&mind, "urgency", -0.5, T0 + 5, 0, "e7", "r2", NULL), 0);
    assert_near(u->value, 0.5);
    mind_close(&mind);
}

static void test_evidence_keeps_newest(void **state) {
    (void)state;
    mind_t mind;
    mind_init(&mind);
    const int total = MIND_EVIDENCE_MAX + 3;
    for (int i = 1; i <= total; i++) {
        char event_id[16], rule[16];
        snprintf(event_id, sizeof event_id, "e%d", i);
        snprintf(rule, sizeof rule, "rule%d", i);
        assert_int_equal(
            mind_adjust(&mind, "anxiety", 0.01 * i, T0 + i * HOUR_MS, 0, event_id, rule, NULL), 0);
        const mind_state_t *s = mind_find(&mind, "anxiety");
        assert_int_equal(s->evidence_count, i < MIND_EVIDENCE_MAX ? i : MIND_EVIDENCE_MAX);
    }
    const mind_state_t *s = mind_find(&mind, "anxiety");
    assert_int_equal(mind.count, 1);
    for (int k = 0; k < MIND_EVIDENCE_MAX; k++) {
        int i = total - MIND_EVIDENCE_MAX + 1 + k; /* oldest first */
        char event_id[16], rule[16];
        snprintf(event_id, sizeof event_id, "e%d", i);
        snprintf(rule, sizeof rule, "rule%d", i);
        assert_string_equal(s->evidence[k].event_id, event_id);
        assert_string_equal(s->evidence[k].rule, rule);
        assert_near(s->evidence[k].delta, 0.01 * i);
        assert_true(s->evidence[k].at_ms == T0 + i * HOUR_MS);
    }
    mind_close(&mind);
}

static void test_evidence_copies_its_strings(void **state) {
    (void)state;
    mind_t mind;
    mind_init(&mind);
    char event_id[] = "e1", rule[] = "faq_loop";
    assert_int_equal(mind_adjust(&mind, "anxiety", 0.5, T0, 0, event_id, rule, NULL), 0);
    event_id[0] = 'X';
    rule[0] = 'X';
    const mind_state_t *s = mind_find(&mind, "anxiety");
    assert_string_equal(s->evidence[0].event_id, "e1");
    assert_string_equal(s->evidence[0].rule, "faq_loop");
    assert_true(s->evidence[0].event_id != event_id);
    mind_close(&mind);
}

static void test_many_states_and_restore(void **state) {
    (void)state;
    mind_t mind;
    mind_init(&mind);
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "state%d", i);
        mind_state_t *s = mind_restore(&mind, name, i / 10.0, T0 + i, NULL);
        assert_non_null(s);
        for (int k = 0; k < i; k++)
            assert_int_equal(mind_push_evidence(s, "ev", name, 0.1, T0 + k, NULL), 0);
    }
    assert_int_equal(mind.count, 10);
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "state%d", i);
        const mind_state_t *s = mind_find(&mind, name);
        assert_non_null(s);
        assert_string_equal(s->name, name);
        assert_near(s->value, i / 10.0);
        assert_true(s->updated_ms == T0 + i);
        assert_int_equal(s->evidence_count, i < MIND_EVIDENCE_MAX ? i : MIND_EVIDENCE_MAX);
    }
    assert_null(mind_find(&mind, "state10"));
    assert_null(mind_find(&mind, "state"));
    /* Adjusting one state leaves the others alone. */
    assert_int_equal(mind_adjust(&mind, "state3", 0.5, T0 + 100, 0, "e", "r", NULL), 0);
    assert_near(mind_find(&mind, "state3")->value, 0.8);
    assert_near(mind_find(&mind, "state4")->value, 0.4);
    mind_close(&mind);
    assert_int_equal(mind.count, 0);
    assert_null(mind.states);
    /* A closed mind is an empty one and can be used again. */
    assert_int_equal(mind_adjust(&mind, "again", 0.2, T0, 0, "e", "r", NULL), 0);
    assert_near(mind_value(&mind, "again", T0, 0), 0.2);
    mind_close(&mind);
}

/* Writes 'mind' as mind_write_json does; the caller frees the text. */
static char *written(mind_t *mind) {
    jsonw_t w;
    jsonw_init(&w, 256);
    mind_write_json(&w, mind);
    return jsonw_finish(&w);
}

/* States read back are written back as they were read, until they change: then they are
 * written afresh, in the usual form. */
static void test_unchanged_states_written_as_read(void **state) {
    (void)state;
    const char *stored = "{\"a\":{\"ev\":[[\"e1\",\"r\",0.5,1000]],\"v\":0.5,\"t\":1000},"
                         "\"b\":{\"v\":0.25,\"t\":2000,\"ev\":[]}}";
    mind_t mind;
    mind_init(&mind);
    jsonr_t r = jsonr_over(stored, strlen(stored));
    assert_int_equal(mind_read_json(&r, &mind), 0);
    assert_true(jsonr_at_end(&r));
    char *text = written(&mind);
    assert_string_equal(text, stored); /* b keeps its order of members */
    free(text);
    assert_int_equal(mind_adjust(&mind, "b", 0.25, 2000, 0, "e2", "r2", NULL), 0);
    text = written(&mind);
    assert_string_equal(text, "{\"a\":{\"ev\":[[\"e1\",\"r\",0.5,1000]],\"v\":0.5,\"t\":1000},"
                              "\"b\":{\"ev\":[[\"e2\",\"r2\",0.25,2000]],\"v\":0.5,\"t\":2000}}");
    free(text);
    mind_close(&mind);

    /* Evidence strings are read in place, or undone of their escapes when they have some. */
    const char *escaped = "{\"a\":{\"ev\":[[\"e\\\"1\",\"r\",0.5,1000],[\"e2\",\"r\\\\2\",0.25,1500]],"
                          "\"v\":0.75,\"t\":1500}}";
    mind_init(&mind);
    r = jsonr_over(escaped, strlen(escaped));
    assert_int_equal(mind_read_json(&r, &mind), 0);
    const mind_state_t *a = mind_find(&mind, "a");
    assert_int_equal(a->evidence_count, 2);
    assert_string_equal(a->evidence[0].event_id, "e\"1");
    assert_string_equal(a->evidence[0].rule, "r");
    assert_string_equal(a->evidence[1].event_id, "e2");
    assert_string_equal(a->evidence[1].rule, "r\\2");
    assert_true(a->evidence[1].delta == 0.25 && a->evidence[1].at_ms == 1500);
    mind_close(&mind);
}

/* A mind's version changes with every change of its states, and no two minds share one:
 * caches of values read from a mind rely on (address, version) naming what it holds. */
static void test_version_changes(void **state) {
    (void)state;
    mind_t a, b;
    mind_init(&a);
    mind_init(&b);
    assert_true(a.version != b.version);
    uint64_t before = a.version;
    assert_int_equal(mind_adjust(&a, "anxiety", 0.5, T0, 7 * DAY_MS, "e1", "r1", NULL), 0);
    assert_true(a.version != before && a.version != b.version);
    before = a.version;
    assert_int_equal(mind_adjust(&a, "anxiety", 0.1, T0, 7 * DAY_MS, "e2", "r1", NULL), 0);
    assert_true(a.version != before);
    before = a.version;
    assert_non_null(mind_restore(&a, "curiosity", 0.3, T0, NULL));
    assert_true(a.version != before);
    before = a.version;
    mind_close(&a);
    assert_true(a.version != before && a.version != b.version);
    mind_close(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_mind),
        cmocka_unit_test(test_decay_by_half_life),
        cmocka_unit_test(test_adjust_decays_first),
        cmocka_unit_test(test_clamp),
        cmocka_unit_test(test_evidence_keeps_newest),
        cmocka_unit_test(test_evidence_copies_its_strings),
        cmocka_unit_test(test_many_states_and_restore),
        cmocka_unit_test(test_unchanged_states_written_as_read),
        cmocka_unit_test(test_version_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
