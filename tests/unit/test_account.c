/* Tests of account: how a contact's account is found, idempotent recording, the committee
 * count, deliveries for the account, and the storage round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/account.h"
#include "engine/core/jsonw.h"

static event_t parse(const char *text) {
    event_t event;
    nerr_t err = {0, ""};
    if (event_parse(text, strlen(text), &event, &err) != 0)
        print_error("fixture refused: %s\n", err.msg);
    assert_int_equal(err.code, 0);
    return event;
}

static void test_account_id(void **state) {
    (void)state;
    char id[64];
    event_t e = parse("{\"id\":\"e\",\"contact\":\"ana@acme.example\",\"type\":\"t\",\"at\":\"2026-01-01T00:00:00Z\"}");
    assert_int_equal(account_id_for(&e, NULL, id, sizeof id), 1);
    assert_string_equal(id, "acme.example");
    assert_int_equal(account_id_for(&e, "acme-inc", id, sizeof id), 1);
    assert_string_equal(id, "acme-inc");
    event_close(&e);
    e = parse("{\"id\":\"e\",\"contact\":\"ana@gmail.com\",\"type\":\"t\",\"at\":\"2026-01-01T00:00:00Z\"}");
    assert_int_equal(account_id_for(&e, NULL, id, sizeof id), 0);
    event_close(&e);
    e = parse("{\"id\":\"e\",\"contact\":\"c-42\",\"account\":\"globex\",\"type\":\"t\",\"at\":\"2026-01-01T00:00:00Z\"}");
    assert_int_equal(account_id_for(&e, NULL, id, sizeof id), 1);
    assert_string_equal(id, "globex");
    event_close(&e);
    e = parse("{\"id\":\"e\",\"contact\":\"c-42\",\"type\":\"t\",\"at\":\"2026-01-01T00:00:00Z\"}");
    assert_int_equal(account_id_for(&e, NULL, id, sizeof id), 0);
    event_close(&e);
}

static void record(account_t *a, const char *id, const char *contact, const char *day,
                   const char *page) {
    char text[512];
    snprintf(text, sizeof text,
             "{\"id\":\"%s\",\"contact\":\"%s\",\"type\":\"page_view\",\"at\":\"2026-03-%sT09:00:00Z\","
             "\"props\":{\"page_type\":\"%s\"}}",
             id, contact, day, page);
    event_t e = parse(text);
    assert_int_equal(account_record_touch(a, &e, NULL), 0);
    event_close(&e);
}

static void test_committee_counts_people_once(void **state) {
    (void)state;
    account_t a;
    assert_int_equal(account_init(&a, "acme", NULL), 0);
    record(&a, "e1", "ana", "02", "pricing");
    record(&a, "e2", "ana", "03", "pricing");
    record(&a, "e2", "ana", "03", "pricing"); /* the same event again: ignored */
    record(&a, "e3", "bo", "04", "pricing");
    record(&a, "e4", "cy", "05", "faq");
    assert_int_equal(a.touch_count, 4);
    contact_filter_t pricing = {{{"page_type", "pricing", 0}}, 1};
    assert_int_equal(account_committee(&a, "page_view", &pricing, 0, NULL), 2);
    assert_int_equal(account_committee(&a, "page_view", NULL, 0, NULL), 3);
    int64_t march_4 = 1772614800000LL; /* 2026-03-04T09:00:00Z */
    assert_int_equal(account_committee(&a, "page_view", &pricing, march_4, NULL), 1);
    account_close(&a);
}

static void test_deliveries_and_round_trip(void **state) {
    (void)state;
    account_t a;
    assert_int_equal(account_init(&a, "acme", NULL), 0);
    record(&a, "e1", "ana", "02", "pricing");
    assert_int_equal(mind_adjust(&a.mind, "committee_forming", 0.8, 1000, 0, "e1", "r", NULL), 0);
    assert_int_equal(account_mark_sent(&a, "task:call", "a-1", "task", 1, 1000, NULL), 0);
    assert_int_equal(account_mark_sent(&a, "task:call", "a-1", "task", 1, 1000, NULL), 0);
    assert_int_equal(a.sent_count, 1);
    const contact_sent_t *newest = contact_sent_newest(a.sent, a.sent_count, "task:call");
    assert_non_null(newest);
    assert_true(newest->at_ms == 1000);
    assert_null(contact_sent_newest(a.sent, a.sent_count, "story"));
    char *json = account_to_json(&a);
    assert_non_null(json);
    assert_null(strstr(json, "touches")); /* the rows live in a text of their own */
    int rewrite;
    size_t size;
    char *rows = account_rows_text(&a, &rewrite, &size);
    assert_int_equal(rewrite, 1);
    account_t back;
    assert_int_equal(account_from_json(&back, "acme", json, strlen(json), 7, NULL), 0);
    assert_int_equal(account_restore_touches(&back, rows, size, NULL), 0);
    free(rows);
    assert_null(account_rows_text(&back, &rewrite, &size)); /* stored already */
    assert_true(back.version == 7);
    assert_int_equal(back.touch_count, 0); /* the rows are read when needed */
    assert_int_equal(account_read_rows(&back, NULL), 0);
    assert_null(back.unread_rows);
    assert_int_equal(back.touch_count, 1);
    assert_string_equal(back.touches[0].contact, "ana");
    assert_int_equal(back.sent_count, 1);
    assert_true(mind_value(&back.mind, "committee_forming", 1000, 0) == 0.8);
    assert_string_equal(back.mind.states[0].evidence[0].event_id, "e1");
    char *again = account_to_json(&back);
    assert_string_equal(json, again);
    free(again);
    free(json);
    account_close(&back);
    account_close(&a);
}

/* The rows a commit writes: all of a new account's, then those recorded since the last save;
 * an event recorded twice adds no row. */
static void test_rows_to_write(void **state) {
    (void)state;
    account_t a;
    assert_int_equal(account_init(&a, "acme", NULL), 0);
    record(&a, "e1", "ana", "02", "pricing");
    int rewrite;
    size_t size;
    char *rows = account_rows_text(&a, &rewrite, &size);
    assert_int_equal(rewrite, 1);
    assert_memory_equal(rows, a.touches[0].row, size);
    free(rows);
    account_touches_saved(&a);
    record(&a, "e2", "bo", "03", "faq");
    record(&a, "e2", "bo", "03", "faq");
    rows = account_rows_text(&a, &rewrite, &size);
    assert_int_equal(rewrite, 0);
    assert_int_equal(size, 1 + a.touches[1].row_size);
    assert_true(rows[0] == ',');
    assert_memory_equal(rows + 1, a.touches[1].row, a.touches[1].row_size);
    free(rows);
    nerr_t err;
    const char *bad = "[\"e3\",\"ana\",\"page_view\"]";
    assert_int_equal(account_restore_touches(&a, bad, strlen(bad), &err), NERR_INVALID);
    assert_string_equal(err.msg, "stored touchpoint row 1 of account acme is malformed");
    account_close(&a);
}

/* Stored rows, one of them spelled otherwise (read by cJSON), become touchpoints that share
 * one block, which goes with the last of them; a malformed row keeps the rows before it. */
static void test_restored_rows_share_a_block(void **state) {
    (void)state;
    const char *stored = "{\"facts\":{},\"mind\":{},\"sent\":[]}";
    const char *rows = "[\"e1\",\"ana\",\"page_view\",1772442000000,{\"page_type\":\"pricing\"}],"
                       "[ \"e2\" , \"b\\u006f\" , \"page_view\" , 1772528400000 ,"
                       " { \"page_type\" : \"pricing\" } ],[\"e3\",\"cy\",\"click\",1772614800000]";
    account_t a;
    assert_int_equal(account_from_json(&a, "acme", stored, strlen(stored), 2, NULL), 0);
    assert_int_equal(account_restore_touches(&a, rows, strlen(rows), NULL), 0);
    assert_int_equal(account_read_rows(&a, NULL), 0);
    assert_int_equal(a.touch_count, 3);
    assert_string_equal(a.touches[1].contact, "bo");
    assert_non_null(a.rows_block);
    assert_int_equal(a.block_touches, 3);
    for (int i = 0; i < 3; i++)
        assert_true(a.touches[i].is_in_block);
    contact_filter_t pricing = {{{"page_type", "pricing", 0}}, 1};
    assert_int_equal(account_committee(&a, "page_view", &pricing, 0, NULL), 2);
    record(&a, "e2", "bo", "03", "pricing"); /* read from the block: the same event, ignored */
    assert_int_equal(a.touch_count, 3);
    for (int i = 0; i < ACCOUNT_TOUCH_MAX; i++) {
        char id[16];
        snprintf(id, sizeof id, "n%d", i);
        record(&a, id, "dee", "10", "faq");
    }
    assert_int_equal(a.block_touches, 0);
    assert_null(a.rows_block);
    assert_int_equal(account_committee(&a, "page_view", &pricing, 0, NULL), 0);
    account_close(&a);

    const char *bad = "[\"e1\",\"ana\",\"page_view\",1],[\"e2\",\"ana\"]";
    assert_int_equal(account_from_json(&a, "acme", stored, strlen(stored), 2, NULL), 0);
    assert_int_equal(account_restore_touches(&a, bad, strlen(bad), NULL), 0);
    nerr_t err;
    assert_int_equal(account_read_rows(&a, &err), NERR_INVALID);
    assert_string_equal(err.msg, "stored touchpoint row 2 of account acme is malformed");
    assert_int_equal(a.malformed_row, 2);
    assert_int_equal(a.touch_count, 1);
    assert_true(a.touches[0].is_in_block);
    int rewrite;
    size_t size;
    char *text = account_rows_text(&a, &rewrite, &size); /* written afresh without it */
    assert_int_equal(rewrite, 1);
    assert_int_equal(size, strlen("[\"e1\",\"ana\",\"page_view\",1]"));
    assert_memory_equal(text, "[\"e1\",\"ana\",\"page_view\",1]", size);
    free(text);
    account_close(&a);
}

/* An account restored from Redis with rows 'rows' (none recorded since), state version 1. */
static void restore(account_t *a, const char *rows) {
    const char *stored = "{\"facts\":{},\"mind\":{},\"sent\":[]}";
    assert_int_equal(account_from_json(a, "acme", stored, strlen(stored), 1, NULL), 0);
    assert_int_equal(account_restore_touches(a, rows, strlen(rows), NULL), 0);
}

/* 'count' stored rows of page views by contacts p0, p1, ..., event ids s0, s1, ... */
static char *stored_rows(int count) {
    jsonw_t w;
    jsonw_init(&w, 64);
    for (int i = 0; i < count; i++) {
        char row[128];
        snprintf(row, sizeof row,
                 "%s[\"s%d\",\"p%d\",\"page_view\",%lld,{\"page_type\":\"pricing\"}]",
                 i ? "," : "", i, i, 1772442000000LL + i); /* 2026-03-02T09:00:00Z on */
        jsonw_raw(&w, row, strlen(row));
    }
    return jsonw_finish(&w);
}

/* The footprint counts the stored rows whether they are read or not, and more once read:
 * each is then a touchpoint of its own, its strings beside its row. */
static void test_footprint_counts_the_rows(void **state) {
    (void)state;
    char *rows = stored_rows(100);
    account_t a;
    assert_int_equal(account_init(&a, "acme", NULL), 0);
    size_t empty = account_footprint(&a);
    assert_true(empty >= sizeof a);
    account_close(&a);
    restore(&a, rows);
    size_t unread = account_footprint(&a);
    assert_true(unread >= empty + strlen(rows));
    assert_int_equal(account_read_rows(&a, NULL), 0);
    size_t read = account_footprint(&a);
    assert_true(read > unread);
    assert_true(read <= empty + 3 * strlen(rows) + 100 * sizeof(account_touch_t));
    account_close(&a);
    free(rows);
}

/* Most commits append a row and ask nothing of the stored ones: they stay unread. */
static void test_stored_rows_are_read_when_needed(void **state) {
    (void)state;
    char *rows = stored_rows(3);
    account_t a;
    restore(&a, rows);
    assert_non_null(a.unread_rows);
    record(&a, "e9", "ana", "09", "faq");
    assert_non_null(a.unread_rows); /* "e9" is in none of them */
    int rewrite;
    size_t size;
    char *text = account_rows_text(&a, &rewrite, &size);
    assert_int_equal(rewrite, 0);
    assert_int_equal(size, 1 + a.touches[0].row_size);
    assert_memory_equal(text + 1, a.touches[0].row, a.touches[0].row_size);
    free(text);
    account_touches_saved(&a);
    assert_non_null(a.unread_rows);
    /* A committee query reads them, ahead of the touchpoint recorded since. */
    contact_filter_t pricing = {{{"page_type", "pricing", 0}}, 1};
    assert_int_equal(account_committee(&a, "page_view", &pricing, 0, NULL), 3);
    assert_null(a.unread_rows);
    assert_int_equal(a.touch_count, 4);
    assert_string_equal(a.touches[0].event_id, "s0");
    assert_string_equal(a.touches[3].event_id, "e9");
    assert_int_equal(a.touches_log.stored, 4);
    account_close(&a);

    /* An event among the unread rows (by the hash of its id) has them read, and is not
     * recorded twice: another contact's commit may have stored its row already. */
    restore(&a, rows);
    record(&a, "e9", "ana", "09", "faq");
    record(&a, "e9", "ana", "09", "faq");
    assert_int_equal(a.touch_count, 1);
    assert_non_null(a.unread_rows);
    event_t again = parse("{\"id\":\"s1\",\"contact\":\"p1\",\"type\":\"page_view\","
                          "\"at\":\"2026-03-02T09:00:00.001Z\","
                          "\"props\":{\"page_type\":\"pricing\"}}");
    assert_int_equal(account_record_touch(&a, &again, NULL), 0);
    event_close(&again);
    assert_null(a.unread_rows);
    assert_int_equal(a.touch_count, 4);
    assert_int_equal(a.touches_log.unsaved, 1);
    account_close(&a);

    /* A row spelled otherwise leaves the ids unknown: any event has the rows read. */
    restore(&a, "[ \"s0\",\"p0\",\"page_view\",1772442000000]");
    assert_int_equal(a.unread_ids_unknown, 1);
    record(&a, "e9", "ana", "09", "faq");
    assert_null(a.unread_rows);
    assert_int_equal(a.touch_count, 2);
    account_close(&a);
    free(rows);
}

/* A text grown a quarter past the cap is written afresh at the next commit: the stored rows
 * are read for it, and the newest ACCOUNT_TOUCH_MAX written. */
static void test_rewrite_reads_the_stored_rows(void **state) {
    (void)state;
    int count = ACCOUNT_TOUCH_MAX + ACCOUNT_TOUCH_MAX / 4;
    char *rows = stored_rows(count);
    account_t a;
    restore(&a, rows);
    assert_int_equal(a.touches_log.stored, count);
    record(&a, "e-new", "ana", "09", "faq");
    assert_non_null(a.unread_rows);
    int rewrite;
    size_t size;
    char *text = account_rows_text(&a, &rewrite, &size);
    assert_int_equal(rewrite, 1);
    assert_null(a.unread_rows);
    assert_int_equal(a.touch_count, ACCOUNT_TOUCH_MAX);
    char first[32];
    snprintf(first, sizeof first, "[\"s%d\",", count - ACCOUNT_TOUCH_MAX + 1);
    assert_memory_equal(text, first, strlen(first));
    assert_non_null(strstr(text, "[\"e-new\","));
    free(text);
    account_touches_saved(&a);
    assert_int_equal(a.touches_log.stored, ACCOUNT_TOUCH_MAX);
    account_close(&a);
    free(rows);
}

/* The rows are counted unread by the "],[" between them, so a props value holding it counts
 * one too many (a rewrite comes sooner); reading them makes the count exact. */
static void test_unread_rows_are_counted(void **state) {
    (void)state;
    const char *rows = "[\"s0\",\"p0\",\"page_view\",1,{\"q\":\"],[\"}],"
                       "[\"s1\",\"p\\u0031\",\"page_view\",2]";
    account_t a;
    restore(&a, rows);
    assert_int_equal(a.touches_log.stored, 3);
    record(&a, "e1", "ana", "09", "faq");
    account_touches_saved(&a);
    assert_int_equal(a.touches_log.stored, 4);
    assert_int_equal(account_read_rows(&a, NULL), 0);
    assert_int_equal(a.touches_log.stored, 3);
    assert_int_equal(a.touch_count, 3);
    assert_string_equal(a.touches[1].contact, "p1");
    assert_string_equal(a.touches[2].event_id, "e1");
    account_close(&a);
}

static void test_state_changes(void **state) {
    (void)state;
    account_t a;
    assert_int_equal(account_init(&a, "acme", NULL), 0);
    char *json = account_to_json(&a);
    assert_int_equal(account_state_changes(&a, json), 1); /* nothing stored yet */
    assert_int_equal(account_state_changes(&a, json), 0);
    free(json);
    account_close(&a);

    const char *stored = "{\"facts\":{},\"mind\":{},\"sent\":[]}";
    assert_int_equal(account_from_json(&a, "acme", stored, strlen(stored), 3, NULL), 0);
    record(&a, "e1", "ana", "02", "pricing"); /* a row, not a change of state */
    json = account_to_json(&a);
    assert_int_equal(account_state_changes(&a, json), 0);
    free(json);
    assert_int_equal(account_mark_sent(&a, "task:call", "a-1", "task", 1, 1000, NULL), 0);
    json = account_to_json(&a);
    assert_int_equal(account_state_changes(&a, json), 1);
    assert_int_equal(account_state_changes(&a, json), 0);
    free(json);
    account_close(&a);
}

/* A state in another JSON form (spaces, members reordered, the old mind member order, \u
 * escapes, which only the cJSON reader reads) means the same as the compact form, down to a
 * delivery's mark that its repeat was recorded. Both are
 * states from before the rows had a text of their own: the rows are read, to be written
 * there. */
static void test_any_json_form_reads_the_same(void **state) {
    (void)state;
    const char *compact =
        "{\"facts\":{\"tier\":\"gold\"},\"mind\":{\"committee_forming\":{\"ev\":[[\"e1\",\"r\","
        "0.25,1000]],\"v\":0.5,\"t\":1000}},\"touches\":[[\"e1\",\"ana\",\"page_view\","
        "1000,{\"page_type\":\"caf\u00e9\"}]],\"sent\":[[\"task:call\",2000,\"a-1\",\"task\",true,true]]}";
    const char *loose =
        "{ \"sent\": [[\"task:call\", 2000, \"a-1\", \"task\", true, true]],\n"
        "  \"touches\": [[\"e1\", \"\\u0061na\", \"page_view\", 1000, {\"page_type\": \"caf\\u00e9\"}]],\n"
        "  \"mind\": {\"committee_forming\": {\"v\": 0.5, \"t\": 1000,\n"
        "               \"ev\": [[\"e1\", \"r\", 0.25, 1000]]}},\n"
        "  \"facts\": {\"tier\": \"gold\"} }";
    const char *written =
        "{\"facts\":{\"tier\":\"gold\"},\"mind\":{\"committee_forming\":{\"ev\":[[\"e1\",\"r\","
        "0.25,1000]],\"v\":0.5,\"t\":1000}},\"sent\":[[\"task:call\",2000,\"a-1\",\"task\",true,true]]}";
    const char *row = "[\"e1\",\"ana\",\"page_view\",1000,{\"page_type\":\"caf\u00e9\"}]";
    account_t a, b;
    assert_int_equal(account_from_json(&a, "acme", compact, strlen(compact), 1, NULL), 0);
    assert_int_equal(account_from_json(&b, "acme", loose, strlen(loose), 1, NULL), 0);
    char *from_compact = account_to_json(&a), *from_loose = account_to_json(&b);
    assert_string_equal(from_compact, written);
    assert_string_equal(from_loose, written);
    for (account_t *x = &a; x; x = x == &a ? &b : NULL) {
        assert_int_equal(x->touch_count, 1);
        assert_int_equal(x->touches_log.replace, 1);
        assert_string_equal(x->touches[0].contact, "ana");
    }
    assert_memory_equal(a.touches[0].row, row, strlen(row));
    free(from_compact);
    free(from_loose);
    account_close(&a);
    account_close(&b);
    nerr_t err;
    const char *bad = "{\"touches\":[[\"e1\",\"ana\"]]}";
    assert_int_equal(account_from_json(&a, "acme", bad, strlen(bad), 1, &err), NERR_INVALID);
    assert_non_null(strstr(err.msg, "touchpoints"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_account_id),
        cmocka_unit_test(test_committee_counts_people_once),
        cmocka_unit_test(test_deliveries_and_round_trip),
        cmocka_unit_test(test_rows_to_write),
        cmocka_unit_test(test_restored_rows_share_a_block),
        cmocka_unit_test(test_footprint_counts_the_rows),
        cmocka_unit_test(test_stored_rows_are_read_when_needed),
        cmocka_unit_test(test_rewrite_reads_the_stored_rows),
        cmocka_unit_test(test_unread_rows_are_counted),
        cmocka_unit_test(test_state_changes),
        cmocka_unit_test(test_any_json_form_reads_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
