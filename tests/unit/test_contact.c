/* test_contact: the storage form round trip (state and history rows, mind evidence
 * included), the rows a commit must append, the form of older states, the history and
 * delivery caps, and the history queries rules use. Depends on contact, event, mind and
 * rowlog. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/contact.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)
#define T0 1795424400000LL /* 2026-11-23T09:00:00Z */

/* Records a touchpoint built from its parts; 'extra' is raw JSON members or "". */
static void touch(contact_t *c, const char *id, const char *type, int64_t at_ms,
                  const char *extra) {
    char text[1024];
    snprintf(
        text, sizeof text,
        "{\"id\":\"%s\",\"contact\":\"%s\",\"type\":\"%s\",\"at\":\"2026-01-01T00:00:00Z\"%s%s}",
        id, c->id, type, extra[0] ? "," : "", extra);
    event_t event;
    nerr_t err = {0, ""};
    if (event_parse(text, strlen(text), &event, &err) != 0)
        print_error("fixture event refused: %s\n", err.msg);
    assert_int_equal(err.code, 0);
    event.at_ms = at_ms; /* the tests speak in milliseconds */
    assert_int_equal(contact_record_touch(c, &event, NULL), 0);
    event_close(&event);
}

static void test_init(void **state) {
    (void)state;
    contact_t c;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_string_equal(c.id, "c-1");
    assert_null(c.stage);
    assert_null(c.account);
    assert_true(c.version == 0);
    assert_true(cJSON_IsObject(c.facts));
    assert_int_equal(cJSON_GetArraySize(c.facts), 0);
    assert_int_equal(c.history_count, 0);
    assert_int_equal(c.sent_count, 0);
    char *json = contact_to_json(&c);
    assert_string_equal(json, "{\"facts\":{},\"mind\":{},\"sent\":[]}");
    free(json);
    /* Nothing is known of stored rows: the first commit replaces them. */
    assert_int_equal(c.history_log.replace, 1);
    contact_close(&c);
    assert_null(c.id);
    contact_close(&c); /* a closed (zeroed) contact can be closed again */
}

/* Fills 'c' with a bit of everything the storage form must keep. */
static void fill(contact_t *c) {
    assert_int_equal(contact_set_stage(c, "evaluating", NULL), 0);
    cJSON_AddStringToObject(c->facts, "industry", "manufacturing");
    cJSON_AddNumberToObject(c->facts, "employees", 1200);
    touch(c, "e1", "page_view", T0,
          "\"account\":\"acme\",\"props\":{\"page_type\":\"faq\",\"n\":1}");
    touch(c, "e2", "form_submit", T0 + HOUR_MS, "");
    touch(c, "e3", "identify", T0 + 2 * HOUR_MS,
          "\"props\":{\"title\":\"\xe9\x83\xa8\xe9\x95\xb7\"}");
    for (int i = 0; i < MIND_EVIDENCE_MAX + 1; i++) {
        char event_id[16];
        snprintf(event_id, sizeof event_id, "m%d", i);
        assert_int_equal(mind_adjust(&c->mind, "anxiety", 0.15, T0 + i * HOUR_MS, 7 * DAY_MS,
                                     event_id, "faq_loop", NULL),
                         0);
    }
    assert_int_equal(
        mind_adjust(&c->mind, "price_worry", -0.25, T0, 0, "e9", "discount_seen", NULL), 0);
    assert_int_equal(
        mind_adjust(&c->mind, "price_worry", 0.375, T0 + 1, 0, "e10", "pricing_loop", NULL), 0);
    assert_int_equal(contact_mark_sent(c, "case_study", "a-1", "email", 0, T0 + DAY_MS, NULL), 0);
    assert_int_equal(contact_mark_sent(c, "task:call", "a-2", "task", 1, T0 + 2 * DAY_MS, NULL), 0);
    c->sent[0].repeat_held = 1;
}

/* Both NULL, or equal strings. */
static void assert_same_string(const char *a, const char *b) {
    assert_int_equal(a == NULL, b == NULL);
    if (a != NULL)
        assert_string_equal(a, b);
}

static void assert_same_contact(const contact_t *a, const contact_t *b) {
    assert_same_string(a->stage, b->stage);
    assert_same_string(a->account, b->account);
    assert_true(cJSON_Compare(a->facts, b->facts, 1));
    assert_int_equal(a->mind.count, b->mind.count);
    for (int i = 0; i < a->mind.count; i++) {
        const mind_state_t *x = &a->mind.states[i];
        const mind_state_t *y = mind_find(&b->mind, x->name);
        assert_non_null(y);
        assert_true(x->value == y->value);
        assert_true(x->updated_ms == y->updated_ms);
        assert_int_equal(x->evidence_count, y->evidence_count);
        for (int k = 0; k < x->evidence_count; k++) {
            assert_string_equal(x->evidence[k].event_id, y->evidence[k].event_id);
            assert_string_equal(x->evidence[k].rule, y->evidence[k].rule);
            assert_true(x->evidence[k].delta == y->evidence[k].delta);
            assert_true(x->evidence[k].at_ms == y->evidence[k].at_ms);
        }
    }
    assert_int_equal(a->history_count, b->history_count);
    for (int i = 0; i < a->history_count; i++) {
        assert_string_equal(a->history[i].event_id, b->history[i].event_id);
        assert_string_equal(a->history[i].type, b->history[i].type);
        assert_true(a->history[i].at_ms == b->history[i].at_ms);
        assert_int_equal(a->history[i].props == NULL, b->history[i].props == NULL);
        assert_int_equal(a->history[i].props_size, b->history[i].props_size);
        if (a->history[i].props)
            assert_memory_equal(a->history[i].props, b->history[i].props, a->history[i].props_size);
        assert_string_equal(a->history[i].row, b->history[i].row);
    }
    assert_int_equal(a->sent_count, b->sent_count);
    for (int i = 0; i < a->sent_count; i++) {
        assert_string_equal(a->sent[i].content, b->sent[i].content);
        assert_true(a->sent[i].at_ms == b->sent[i].at_ms);
        assert_string_equal(a->sent[i].action_id, b->sent[i].action_id);
        assert_string_equal(a->sent[i].channel, b->sent[i].channel);
        assert_int_equal(a->sent[i].is_task, b->sent[i].is_task);
        assert_int_equal(a->sent[i].repeat_held, b->sent[i].repeat_held);
    }
}

/* The rows text 'c' writes at its next commit, as one string (empty for none). */
static char *rows_of(const contact_t *c, int *rewrite) {
    size_t size;
    char *text = contact_rows_text(c, rewrite, &size);
    if (text == NULL)
        return strdup("");
    assert_int_equal(strlen(text), size);
    return text;
}

/* Restores 'back' as the engine does: the state, then the stored rows, here all of 'c''s
 * history written afresh. Returns the state JSON (free it). */
static char *store_and_restore(contact_t *c, contact_t *back, int64_t version) {
    char *json = contact_to_json(c);
    assert_non_null(json);
    nerr_t err = {0, ""};
    assert_int_equal(contact_from_json(back, c->id, json, strlen(json), version, &err), 0);
    contact_t fresh = *c;
    fresh.history_log.replace = 1; /* all rows */
    int rewrite;
    char *rows = rows_of(&fresh, &rewrite);
    assert_int_equal(rewrite, 1);
    assert_int_equal(contact_restore_history(back, rows, strlen(rows), &err), 0);
    free(rows);
    /* The rows are what is stored: nothing to append or replace. */
    assert_int_equal(back->history_log.replace, 0);
    assert_int_equal(back->history_log.stored, c->history_count);
    assert_null(contact_rows_text(back, &rewrite, &(size_t){0}));
    assert_int_equal(rewrite, 0);
    return json;
}

static void test_json_round_trip(void **state) {
    (void)state;
    contact_t c, back;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    fill(&c);
    char *json = store_and_restore(&c, &back, 7);
    assert_null(strstr(json, "history")); /* the rows live in their own list */
    assert_string_equal(back.id, "c-1");
    assert_true(back.version == 7);
    assert_same_contact(&c, &back);

    /* Spot checks against values written above, so a symmetric bug cannot hide. */
    const mind_state_t *anxiety = mind_find(&back.mind, "anxiety");
    assert_int_equal(anxiety->evidence_count, MIND_EVIDENCE_MAX);
    assert_string_equal(anxiety->evidence[0].event_id, "m1");
    assert_string_equal(anxiety->evidence[MIND_EVIDENCE_MAX - 1].event_id, "m4");
    assert_string_equal(anxiety->evidence[0].rule, "faq_loop");
    assert_true(anxiety->updated_ms == T0 + 4 * HOUR_MS);
    const mind_state_t *price = mind_find(&back.mind, "price_worry");
    assert_true(price->value == 0.375);
    assert_true(price->evidence[0].delta == -0.25);
    assert_string_equal(price->evidence[1].rule, "pricing_loop");
    assert_string_equal(back.history[2].type, "identify");
    const char *title = "{\"title\":\"\xe9\x83\xa8\xe9\x95\xb7\"}";
    assert_int_equal(back.history[2].props_size, strlen(title));
    assert_memory_equal(back.history[2].props, title, strlen(title));
    assert_null(back.history[1].props);
    assert_string_equal(back.sent[1].content, "task:call");
    assert_true(back.sent[1].at_ms == T0 + 2 * DAY_MS);
    assert_int_equal(back.sent[0].repeat_held, 1);
    assert_int_equal(back.sent[1].repeat_held, 0);
    assert_non_null(strstr(json, "[\"case_study\",1795510800000,\"a-1\",\"email\",false,true]"));

    /* The storage form is canonical: a restored contact writes the same text. */
    char *again = contact_to_json(&back);
    assert_string_equal(json, again);
    free(again);
    free(json);
    contact_close(&back);
    contact_close(&c);
}

/* The rows a commit writes: all of a new contact's, then the touches recorded since the last
 * save, appended after a comma; once the stored rows would pass a quarter over the cap, the
 * whole history afresh. */
static void test_rows_to_write(void **state) {
    (void)state;
    contact_t c;
    int rewrite;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_null(contact_rows_text(&c, &rewrite, &(size_t){0})); /* nothing recorded yet */
    touch(&c, "e1", "page_view", T0, "");
    touch(&c, "e2", "page_view", T0 + 1, "");
    char *rows = rows_of(&c, &rewrite);
    assert_int_equal(rewrite, 1);
    assert_string_equal(rows, "[\"e1\",\"page_view\",1795424400000],"
                              "[\"e2\",\"page_view\",1795424400001]");
    free(rows);
    contact_history_saved(&c);
    assert_null(contact_rows_text(&c, &rewrite, &(size_t){0}));
    touch(&c, "e3", "email_open", T0 + 2, "");
    rows = rows_of(&c, &rewrite);
    assert_int_equal(rewrite, 0);
    assert_string_equal(rows, ",[\"e3\",\"email_open\",1795424400002]");
    free(rows);
    contact_history_saved(&c);
    assert_int_equal(c.history_log.stored, 3);
    /* Appends until the stored rows would pass CONTACT_HISTORY_MAX * 5 / 4. */
    int appends = 0;
    for (int i = 0;; i++) {
        char id[16];
        snprintf(id, sizeof id, "f%d", i);
        touch(&c, id, "page_view", T0 + 10 + i, "");
        rows = rows_of(&c, &rewrite);
        free(rows);
        contact_history_saved(&c);
        if (rewrite)
            break;
        appends++;
    }
    assert_int_equal(3 + appends, CONTACT_HISTORY_MAX + CONTACT_HISTORY_MAX / 4);
    assert_int_equal(c.history_log.stored, CONTACT_HISTORY_MAX);
    contact_close(&c);
}

/* Stored rows are read like rows inside a state; another spelling of the same JSON reads the
 * same; rows past the cap are counted as stored; a malformed row is reported with its place. */
static void test_restore_history_rows(void **state) {
    (void)state;
    contact_t c;
    nerr_t err = {0, ""};
    assert_int_equal(contact_from_json(&c, "c-1", "{}", 2, 1, &err), 0);
    const char *rows = "[\"e1\",\"page_view\",1795424400000,{\"page_type\":\"faq\"}],"
                       "[ \"e2\" , \"email_\\u006fpen\" , 1795424460000 ] ,[\"e3\",\"click\",1]";
    assert_int_equal(contact_restore_history(&c, rows, strlen(rows), &err), 0);
    assert_int_equal(c.history_count, 3);
    assert_string_equal(c.history[1].type, "email_open");
    assert_true(c.history[1].at_ms == 1795424460000LL);
    assert_string_equal(c.history[2].event_id, "e3");
    assert_int_equal(contact_count(&c, "page_view", NULL, INT64_MIN), 1);
    contact_filter_t faq = {.matches = {{"page_type", "faq", 0}}, .count = 1};
    assert_int_equal(contact_count(&c, NULL, &faq, INT64_MIN), 1);
    assert_int_equal(c.history_log.stored, 3);
    /* The rows share one block, the one written by cJSON too; it goes with the last of them. */
    assert_non_null(c.rows_block);
    assert_int_equal(c.block_touches, 3);
    for (int i = 0; i < 3; i++)
        assert_true(c.history[i].is_in_block);
    for (int i = 0; i < CONTACT_HISTORY_MAX - 1; i++) {
        char id[16];
        snprintf(id, sizeof id, "n%d", i);
        touch(&c, id, "click", T0 + i, "");
    }
    assert_int_equal(c.block_touches, 1);
    assert_string_equal(c.history[0].event_id, "e3");
    touch(&c, "last", "click", T0 + DAY_MS, "");
    assert_int_equal(c.block_touches, 0);
    assert_null(c.rows_block);
    assert_int_equal(contact_count(&c, "click", NULL, INT64_MIN), CONTACT_HISTORY_MAX);
    contact_close(&c);

    assert_int_equal(contact_from_json(&c, "c-1", "{}", 2, 1, &err), 0);
    char many[CONTACT_HISTORY_MAX * 2 * 32] = "";
    for (int i = 0; i < CONTACT_HISTORY_MAX + 10; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s[\"e%d\",\"click\",%d]",
                 i ? "," : "", i, i);
    assert_int_equal(contact_restore_history(&c, many, strlen(many), &err), 0);
    assert_int_equal(c.history_count, CONTACT_HISTORY_MAX);
    assert_string_equal(c.history[0].event_id, "e10");
    assert_int_equal(c.history_log.stored, CONTACT_HISTORY_MAX + 10);
    contact_close(&c);

    const char *bad[] = {"[\"e3\",\"page_view\"]", "[\"e4\",\"page_view\",1] x",
                         "[\"e4\",\"page_view\",1],", "[\"e4\",\"page_view\",1][\"e5\",\"a\",2]"};
    const int bad_row[] = {1, 2, 2, 2};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(contact_from_json(&c, "c-1", "{}", 2, 1, &err), 0);
        assert_int_equal(contact_restore_history(&c, bad[i], strlen(bad[i]), &err), NERR_INVALID);
        assert_int_equal(c.history_count, bad_row[i] - 1); /* the rows before it stay */
        char expected[80];
        snprintf(expected, sizeof expected, "stored history row %d of contact c-1 is malformed",
                 bad_row[i]);
        assert_string_equal(err.msg, expected);
        contact_close(&c);
    }
}

/* A state written before the rows had a text of their own carries them as "history": they
 * are read, and the next commit writes all of them afresh. */
static void test_from_json_documented_form(void **state) {
    (void)state;
    const char *text =
        "{\"stage\":\"researching\",\"account\":\"acme\",\"facts\":{\"tz\":\"Asia/Tokyo\"},"
        "\"mind\":{\"anxiety\":{\"v\":0.6,\"t\":1795424400000,"
        "\"ev\":[[\"e3\",\"faq_loop\",0.6,1795424400000]]}},"
        "\"history\":[[\"e1\",\"page_view\",1795424400000,{\"page_type\":\"faq\"}],"
        "[\"e2\",\"email_open\",1795424460000]],"
        "\"sent\":[[\"case_study\",1795428000000,\"a-1\",\"email\",false]]}";
    contact_t c;
    assert_int_equal(contact_from_json(&c, "c-9", text, strlen(text), 3, NULL), 0);
    assert_string_equal(c.stage, "researching");
    assert_string_equal(c.account, "acme");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(c.facts, "tz")->valuestring, "Asia/Tokyo");
    assert_int_equal(c.mind.count, 1);
    assert_true(c.mind.states[0].value == 0.6);
    assert_string_equal(c.mind.states[0].evidence[0].rule, "faq_loop");
    assert_int_equal(c.history_count, 2);
    assert_true(c.history[1].at_ms == 1795424460000LL);
    assert_int_equal(c.history_log.replace, 1);
    int rewrite;
    char *rows = rows_of(&c, &rewrite);
    assert_int_equal(rewrite, 1);
    assert_string_equal(rows, "[\"e1\",\"page_view\",1795424400000,{\"page_type\":\"faq\"}],"
                              "[\"e2\",\"email_open\",1795424460000]");
    free(rows);
    assert_int_equal(c.sent_count, 1);
    assert_true(contact_last_sent(&c, "case_study") == 1795428000000LL);
    /* Written back, it is the same document but for the rows (members may come in another
     * order). */
    char *json = contact_to_json(&c);
    cJSON *written = cJSON_Parse(json), *given = cJSON_Parse(text);
    cJSON_DeleteItemFromObjectCaseSensitive(given, "history");
    assert_true(cJSON_Compare(written, given, 1));
    cJSON_Delete(written);
    cJSON_Delete(given);
    free(json);
    contact_close(&c);

    /* Everything is optional: an empty object is an empty contact. */
    assert_int_equal(contact_from_json(&c, "c-0", "{}", 2, 0, NULL), 0);
    assert_null(c.stage);
    assert_int_equal(c.history_count, 0);
    assert_int_equal(c.history_log.replace, 0);
    assert_true(cJSON_IsObject(c.facts));
    contact_close(&c);
}

/* Facts are written back as they were read until they change. */
static void test_facts_written_as_read(void **state) {
    (void)state;
    const char *text = "{\"facts\":{\"tz\": \"Asia/Tokyo\",\"seats\":5},\"mind\":{},\"sent\":[]}";
    contact_t c;
    assert_int_equal(contact_from_json(&c, "c-1", text, strlen(text), 1, NULL), 0);
    char *json = contact_to_json(&c);
    assert_string_equal(json, text);
    free(json);
    contact_facts_changed(&c);
    cJSON_AddNumberToObject(c.facts, "rank", 2);
    json = contact_to_json(&c);
    assert_string_equal(
        json, "{\"facts\":{\"tz\":\"Asia/Tokyo\",\"seats\":5,\"rank\":2},\"mind\":{},\"sent\":[]}");
    free(json);
    contact_close(&c);
}

static void expect_from_json_error(const char *text, const char *message) {
    contact_t c;
    nerr_t err = {0, ""};
    assert_int_equal(contact_from_json(&c, "c-1", text, strlen(text), 1, &err), NERR_INVALID);
    assert_int_equal(err.code, NERR_INVALID);
    assert_string_equal(err.msg, message);
    assert_null(c.id); /* nothing to close */
}

static void test_from_json_errors(void **state) {
    (void)state;
    expect_from_json_error("nope", "stored state of contact c-1 is not a JSON object");
    expect_from_json_error("[]", "stored state of contact c-1 is not a JSON object");
    expect_from_json_error("{\"mind\":{\"a\":{\"v\":\"high\",\"t\":1}}}",
                           "stored mind state is malformed");
    expect_from_json_error("{\"mind\":{\"a\":{\"v\":0.5}}}", "stored mind state is malformed");
    expect_from_json_error("{\"mind\":{\"a\":{\"v\":0.5,\"t\":1,\"ev\":[[\"e\",\"r\",0.1]]}}}",
                           "stored evidence is malformed");
    expect_from_json_error("{\"mind\":{\"a\":{\"v\":0.5,\"t\":1,\"ev\":[[1,\"r\",0.1,1]]}}}",
                           "stored evidence is malformed");
    expect_from_json_error("{\"history\":[[\"e1\",\"page_view\"]]}", "stored history is malformed");
    expect_from_json_error("{\"history\":[[\"e1\",5,1]]}", "stored history is malformed");
    expect_from_json_error("{\"sent\":[[\"case_study\",\"soon\"]]}",
                           "stored deliveries are malformed");
    expect_from_json_error("{\"stage\":\"x\",\"sent\":[[7,1]]}", "stored deliveries are malformed");
    /* Numbers no state holds: a time past what int64_t converts exactly, an infinite value. */
    expect_from_json_error("{\"mind\":{\"a\":{\"v\":0.5,\"t\":1e300}}}",
                           "stored mind state is malformed");
    expect_from_json_error("{\"mind\":{\"a\":{\"v\":1e999,\"t\":1}}}",
                           "stored mind state is malformed");
    expect_from_json_error("{\"mind\":{\"a\":{\"v\":0.5,\"t\":1,\"ev\":[[\"e\",\"r\",0.1,-1e19]]}}}",
                           "stored evidence is malformed");
    expect_from_json_error("{\"history\":[[\"e1\",\"page_view\",1e19]]}",
                           "stored history is malformed");
    expect_from_json_error("{\"sent\":[[\"case_study\",9.3e18,\"a-1\",\"email\",false]]}",
                           "stored deliveries are malformed");
}

/* cJSON reads any byte below 0x20 as whitespace; facts holding one are written afresh as JSON. */
static void test_facts_with_control_bytes_written_afresh(void **state) {
    (void)state;
    const char text[] = "{\"facts\":{\"a\":1,\001\"b\":2},\"mind\":{},\"sent\":[]}";
    contact_t c;
    assert_int_equal(contact_from_json(&c, "c-1", text, sizeof text - 1, 1, NULL), 0);
    char *json = contact_to_json(&c);
    assert_string_equal(json, "{\"facts\":{\"a\":1,\"b\":2},\"mind\":{},\"sent\":[]}");
    free(json);
    contact_close(&c);
}

static void test_history_cap(void **state) {
    (void)state;
    contact_t c;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    const int total = CONTACT_HISTORY_MAX + 6;
    for (int i = 1; i <= total; i++) {
        char id[16];
        snprintf(id, sizeof id, "e%d", i);
        touch(&c, id, i == 2 ? "unsubscribe" : i % 2 ? "page_view" : "email_open",
              T0 + i * HOUR_MS, "\"props\":{\"page_type\":\"faq\"}");
        /* The count of each type's slot follows what the history holds: the unsubscribe is
         * found until it is dropped. */
        int kept = i >= 2 && i < 2 + CONTACT_HISTORY_MAX;
        assert_int_equal(contact_count(&c, "unsubscribe", NULL, INT64_MIN), kept);
        assert_true(contact_last(&c, "unsubscribe", NULL) == (kept ? T0 + 2 * HOUR_MS : -1));
    }
    assert_int_equal(contact_count(&c, "email_open", NULL, INT64_MIN), CONTACT_HISTORY_MAX / 2);
    assert_int_equal(c.history_count, CONTACT_HISTORY_MAX);
    assert_string_equal(c.history[0].event_id, "e7"); /* the six oldest dropped */
    assert_string_equal(c.history[CONTACT_HISTORY_MAX - 1].event_id, "e70");
    assert_int_equal(contact_count(&c, NULL, NULL, INT64_MIN), CONTACT_HISTORY_MAX);
    assert_int_equal(contact_count(&c, "page_view", NULL, INT64_MIN), CONTACT_HISTORY_MAX / 2);
    /* The cap survives the storage form. */
    contact_t back;
    char *json = store_and_restore(&c, &back, 1);
    assert_same_contact(&c, &back);
    assert_memory_equal(c.type_slots, back.type_slots, sizeof c.type_slots);
    free(json);
    contact_close(&back);
    contact_close(&c);
}

/* The footprint counts what the contact holds: it grows with the touches recorded, by at
 * least their rows, and stops growing once the oldest are dropped at the cap. */
static void test_footprint_follows_what_is_held(void **state) {
    (void)state;
    contact_t c;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    size_t empty = contact_footprint(&c);
    assert_true(empty >= sizeof c);
    char id[16];
    for (int i = 0; i < CONTACT_HISTORY_MAX; i++) {
        snprintf(id, sizeof id, "e%04d", i);
        touch(&c, id, "page_view", T0 + i * HOUR_MS, "\"props\":{\"page_type\":\"faq\"}");
    }
    size_t rows = 0;
    for (int i = 0; i < c.history_count; i++)
        rows += c.history[i].row_size;
    size_t full = contact_footprint(&c);
    assert_true(full >= empty + rows);
    assert_true(full <= empty + 3 * rows + CONTACT_HISTORY_MAX * sizeof(contact_touch_t));
    for (int i = CONTACT_HISTORY_MAX; i < 3 * CONTACT_HISTORY_MAX; i++) {
        snprintf(id, sizeof id, "e%04d", i);
        touch(&c, id, "page_view", T0 + i * HOUR_MS, "\"props\":{\"page_type\":\"faq\"}");
    }
    assert_int_equal(contact_footprint(&c), full); /* the same sizes, as many touches */
    contact_close(&c);
}

static void test_account_from_events(void **state) {
    (void)state;
    contact_t c;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    touch(&c, "e1", "page_view", T0, "");
    assert_null(c.account);
    touch(&c, "e2", "page_view", T0 + 1, "\"account\":\"acme\"");
    assert_string_equal(c.account, "acme");
    touch(&c, "e3", "page_view", T0 + 2, ""); /* an event without one keeps it */
    assert_string_equal(c.account, "acme");
    touch(&c, "e4", "page_view", T0 + 3, "\"account\":\"globex\"");
    assert_string_equal(c.account, "globex");
    assert_int_equal(contact_set_stage(&c, "evaluating", NULL), 0);
    assert_int_equal(contact_set_stage(&c, "purchasing", NULL), 0);
    assert_string_equal(c.stage, "purchasing");
    contact_close(&c);
}

/* A small history for the query tests, one touchpoint a day from T0 (e1) to T0 + 5d (e6). */
static void history_fixture(contact_t *c) {
    assert_int_equal(contact_init(c, "c-1", NULL), 0);
    touch(c, "e1", "page_view", T0, "\"props\":{\"page_type\":\"faq\",\"lang\":\"en\"}");
    touch(c, "e2", "page_view", T0 + DAY_MS, "\"props\":{\"page_type\":\"pricing\",\"seats\":25}");
    touch(c, "e3", "email_open", T0 + 2 * DAY_MS, "");
    touch(c, "e4", "page_view", T0 + 3 * DAY_MS,
          "\"props\":{\"page_type\":\"faq\",\"lang\":\"ja\"}");
    touch(c, "e5", "form_submit", T0 + 4 * DAY_MS, "\"props\":{\"demo\":true,\"seats\":25}");
    touch(c, "e6", "page_view", T0 + 5 * DAY_MS,
          "\"props\":{\"page_type\":\"faq\",\"lang\":\"en\"}");
}

static contact_filter_t one_text(const char *key, const char *text) {
    contact_filter_t f = {.count = 1};
    f.matches[0] = (contact_match_t){key, text, 0};
    return f;
}

static contact_filter_t one_number(const char *key, double number) {
    contact_filter_t f = {.count = 1};
    f.matches[0] = (contact_match_t){key, NULL, number};
    return f;
}

static void test_count_and_filters(void **state) {
    (void)state;
    contact_t c;
    history_fixture(&c);
    assert_int_equal(contact_count(&c, NULL, NULL, INT64_MIN), 6);
    assert_int_equal(contact_count(&c, "page_view", NULL, INT64_MIN), 4);
    assert_int_equal(contact_count(&c, "email_open", NULL, INT64_MIN), 1);
    assert_int_equal(contact_count(&c, "webinar", NULL, INT64_MIN), 0);

    contact_filter_t faq = one_text("page_type", "faq");
    assert_int_equal(contact_count(&c, "page_view", &faq, INT64_MIN), 3);
    assert_int_equal(contact_count(&c, "form_submit", &faq, INT64_MIN), 0);
    /* A filter never matches a touchpoint without props. */
    contact_filter_t missing = one_text("subject", "hello");
    assert_int_equal(contact_count(&c, "email_open", &missing, INT64_MIN), 0);
    /* Two keys: both must match. */
    contact_filter_t faq_en = faq;
    faq_en.matches[faq_en.count++] = (contact_match_t){"lang", "en", 0};
    assert_int_equal(contact_count(&c, "page_view", &faq_en, INT64_MIN), 2);
    /* An empty filter matches everything. */
    contact_filter_t none = {.count = 0};
    assert_int_equal(contact_count(&c, "page_view", &none, INT64_MIN), 4);

    /* Numbers match numbers, not their text; booleans match 1 and 0. */
    contact_filter_t seats = one_number("seats", 25);
    assert_int_equal(contact_count(&c, NULL, &seats, INT64_MIN), 2);
    contact_filter_t seats_text = one_text("seats", "25");
    assert_int_equal(contact_count(&c, NULL, &seats_text, INT64_MIN), 0);
    contact_filter_t seats_other = one_number("seats", 26);
    assert_int_equal(contact_count(&c, NULL, &seats_other, INT64_MIN), 0);
    contact_filter_t demo_true = one_number("demo", 1);
    assert_int_equal(contact_count(&c, "form_submit", &demo_true, INT64_MIN), 1);
    contact_filter_t demo_false = one_number("demo", 0);
    assert_int_equal(contact_count(&c, "form_submit", &demo_false, INT64_MIN), 0);
    /* A text filter does not match a number of the same spelling, and vice versa. */
    contact_filter_t faq_number = one_number("page_type", 0);
    assert_int_equal(contact_count(&c, "page_view", &faq_number, INT64_MIN), 0);
    contact_close(&c);
}

static void test_count_windows(void **state) {
    (void)state;
    contact_t c;
    history_fixture(&c);
    contact_filter_t faq = one_text("page_type", "faq");
    /* 'since' is inclusive: a touchpoint exactly at the bound counts. */
    assert_int_equal(contact_count(&c, "page_view", &faq, T0 + 3 * DAY_MS), 2);
    assert_int_equal(contact_count(&c, "page_view", &faq, T0 + 3 * DAY_MS + 1), 1);
    assert_int_equal(contact_count(&c, "page_view", NULL, T0 + DAY_MS), 3);
    assert_int_equal(contact_count(&c, NULL, NULL, T0 + 5 * DAY_MS), 1);
    assert_int_equal(contact_count(&c, NULL, NULL, T0 + 5 * DAY_MS + 1), 0);
    assert_int_equal(contact_count(&c, NULL, NULL, T0 - 1000 * DAY_MS), 6);
    contact_close(&c);
}

static void test_last(void **state) {
    (void)state;
    contact_t c;
    history_fixture(&c);
    contact_filter_t faq = one_text("page_type", "faq");
    contact_filter_t pricing = one_text("page_type", "pricing");
    contact_filter_t ja = one_text("lang", "ja");
    assert_true(contact_last(&c, "page_view", NULL) == T0 + 5 * DAY_MS);
    assert_true(contact_last(&c, "page_view", &pricing) == T0 + DAY_MS);
    assert_true(contact_last(&c, "page_view", &ja) == T0 + 3 * DAY_MS);
    assert_true(contact_last(&c, "email_open", NULL) == T0 + 2 * DAY_MS);
    assert_true(contact_last(&c, NULL, NULL) == T0 + 5 * DAY_MS);
    assert_true(contact_last(&c, "webinar", NULL) == -1);
    assert_true(contact_last(&c, "email_open", &faq) == -1);
    /* The newest by time, not by position: an out-of-order event does not win. */
    touch(&c, "e0", "email_open", T0 - DAY_MS, "");
    assert_true(contact_last(&c, "email_open", NULL) == T0 + 2 * DAY_MS);
    contact_close(&c);
}

static void test_last_sent_and_cap(void **state) {
    (void)state;
    contact_t c;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    assert_true(contact_last_sent(&c, "case_study") == -1);
    assert_int_equal(contact_mark_sent(&c, "case_study", "a-1", "email", 0, T0 + 100, NULL), 0);
    assert_int_equal(contact_mark_sent(&c, "pricing", "a-2", "email", 0, T0 + 200, NULL), 0);
    assert_int_equal(contact_mark_sent(&c, "case_study", "a-3", "email", 0, T0 + 50, NULL), 0);
    assert_true(contact_last_sent(&c, "case_study") == T0 + 100); /* the latest, not the last */
    assert_true(contact_last_sent(&c, "pricing") == T0 + 200);
    assert_true(contact_last_sent(&c, "case") == -1);

    for (int i = 0; i < CONTACT_SENT_MAX; i++) {
        char content[16];
        snprintf(content, sizeof content, "c%d", i);
        assert_int_equal(contact_mark_sent(&c, content, "a", "email", 0, T0 + 1000 + i, NULL), 0);
    }
    assert_int_equal(c.sent_count, CONTACT_SENT_MAX);
    /* The three oldest deliveries were dropped to make room. */
    assert_true(contact_last_sent(&c, "case_study") == -1);
    assert_true(contact_last_sent(&c, "pricing") == -1);
    assert_string_equal(c.sent[0].content, "c0");
    assert_true(contact_last_sent(&c, "c63") == T0 + 1063);
    contact_close(&c);
}

/* Props are matched on their stored text: escapes are undone before comparing, the first of
 * duplicate keys wins (as cJSON reads them), nested values and keys inside them match
 * nothing, and white space does not matter. */
static void test_props_text_matching(void **state) {
    (void)state;
    const char *props = "{ \"n\\u00e9\" : \"caf\\u00e9\", \"tag\":\"\\ud83d\\ude00\","
                        "\"page_type\":\"faq\",\"page_type\":\"pricing\","
                        "\"deep\":{\"seats\":25},\"list\":[\"a\",{\"b\":1}],\"seats\" : 2.5e1,"
                        "\"q\":\"say \\\"hi\\\"\"}";
    size_t size = strlen(props);
    contact_filter_t f = one_text("n\xc3\xa9", "caf\xc3\xa9");
    assert_true(contact_props_match(props, size, &f));
    f = one_text("tag", "\xf0\x9f\x98\x80");
    assert_true(contact_props_match(props, size, &f));
    f = one_text("page_type", "faq");
    assert_true(contact_props_match(props, size, &f));
    f = one_text("page_type", "pricing");
    assert_false(contact_props_match(props, size, &f));
    f = one_number("seats", 25);
    assert_true(contact_props_match(props, size, &f));
    f = one_number("b", 1);
    assert_false(contact_props_match(props, size, &f));
    f = one_text("q", "say \"hi\"");
    assert_true(contact_props_match(props, size, &f));
    f = one_text("deep", "x");
    assert_false(contact_props_match(props, size, &f));
    assert_false(contact_props_match(NULL, 0, &f));
    assert_true(contact_props_match(NULL, 0, NULL));
    /* Text that is not an object, or is cut short, matches nothing and reads nothing past it. */
    f = one_text("a", "b");
    assert_false(contact_props_match("[\"a\",\"b\"]", 9, &f));
    assert_false(contact_props_match("{\"a\":\"b", 8, &f));
}

/* A touch's row takes the event's props as the event spelled them (not written again), and
 * queries and a store-and-restore read them as before. */
static void test_row_keeps_the_event_props(void **state) {
    (void)state;
    contact_t c, back;
    int rewrite;
    assert_int_equal(contact_init(&c, "c-1", NULL), 0);
    touch(&c, "e1", "page_view", T0, "\"props\":{ \"page_type\" : \"faq\", \"dwell_s\":30 }");
    char *rows = rows_of(&c, &rewrite);
    assert_string_equal(rows, "[\"e1\",\"page_view\",1795424400000,"
                              "{ \"page_type\" : \"faq\", \"dwell_s\":30 }]");
    free(rows);
    contact_filter_t f = one_text("page_type", "faq");
    assert_int_equal(contact_count(&c, "page_view", &f, INT64_MIN), 1);
    assert_true(contact_dwell(&c, "page_view", &f, INT64_MIN) == 30);
    /* A row with an escape in its id is read by cJSON, and keeps its props as stored too. */
    touch(&c, "e\\\\2", "page_view", T0 + 1, "\"props\":{\"page_type\":\"faq\",\"dwell_s\":0.5e2}");
    free(store_and_restore(&c, &back, 1));
    assert_int_equal(contact_count(&back, "page_view", &f, INT64_MIN), 2);
    assert_true(contact_dwell(&back, "page_view", &f, INT64_MIN) == 80);
    back.history_log.replace = 1; /* all its rows, written again */
    char *again = rows_of(&back, &rewrite);
    rows = rows_of(&c, &rewrite);
    assert_string_equal(again, rows);
    assert_non_null(strstr(again, "\"dwell_s\":0.5e2"));
    free(again);
    free(rows);
    contact_close(&back);
    contact_close(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_rows_to_write),
        cmocka_unit_test(test_restore_history_rows),
        cmocka_unit_test(test_from_json_documented_form),
        cmocka_unit_test(test_facts_written_as_read),
        cmocka_unit_test(test_from_json_errors),
        cmocka_unit_test(test_facts_with_control_bytes_written_afresh),
        cmocka_unit_test(test_history_cap),
        cmocka_unit_test(test_footprint_follows_what_is_held),
        cmocka_unit_test(test_account_from_events),
        cmocka_unit_test(test_count_and_filters),
        cmocka_unit_test(test_props_text_matching),
        cmocka_unit_test(test_row_keeps_the_event_props),
        cmocka_unit_test(test_count_windows),
        cmocka_unit_test(test_last),
        cmocka_unit_test(test_last_sent_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
