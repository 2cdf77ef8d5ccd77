/* Tests of batch: which account each entry of a batch goes to. An event that names no
 * account takes the one its contact has by then (stored, or named by an earlier event of the
 * batch), else the domain of a company e-mail address; the contact's state must be in the
 * batch first, so the consumer places accounts per contact as states arrive. A contact's
 * commit carries one account: its entries for a second one wait for the next batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/batch.h"

static void add(batch_t *batch, const char *entry_id, const char *json) {
    nerr_t err = {0, ""};
    assert_int_equal(batch_add(batch, entry_id, json, strlen(json), &err), 0);
    assert_int_equal(batch->entries[batch->entry_count - 1].is_valid, 1);
}

static int contact_index(const batch_t *batch, const char *id) {
    for (int i = 0; i < batch->contact_count; i++)
        if (strcmp(batch->contacts[i].id, id) == 0)
            return i;
    fail_msg("no contact %s in the batch", id);
    return -1;
}

/* The account id entry 'index' goes to, or NULL for none. */
static const char *account_of(const batch_t *batch, int index) {
    int account = batch->entries[index].account_index;
    return account < 0 ? NULL : batch->accounts[account].id;
}

static void restore(batch_t *batch, const char *contact, const char *state) {
    nerr_t err = {0, ""};
    assert_int_equal(batch_restore(batch, contact_index(batch, contact), state, strlen(state), 3,
                                   NULL, 0, &err),
                     0);
}

static void place(batch_t *batch, const int *ready) {
    nerr_t err = {0, ""};
    assert_int_equal(batch_place_accounts(batch, ready, &err), 0);
}

#define EVENT(id, contact, account)                                                          \
    "{\"id\":\"" id "\",\"contact\":\"" contact "\"" account                               \
    ",\"type\":\"page_view\",\"at\":\"2026-01-01T00:00:00Z\"}"

static void test_stored_account_wins_over_the_domain(void **state) {
    (void)state;
    batch_t batch;
    batch_init(&batch);
    add(&batch, "1-0", EVENT("e1", "ana@lumen.example", ""));
    assert_null(account_of(&batch, 0)); /* not known before the state is */
    restore(&batch, "ana@lumen.example", "{\"account\":\"lumen-bank\"}");
    place(&batch, NULL);
    assert_string_equal(account_of(&batch, 0), "lumen-bank");
    assert_int_equal(batch.account_count, 1);
    batch_close(&batch);
}

static void test_named_account_carries_to_later_events(void **state) {
    (void)state;
    batch_t batch;
    batch_init(&batch);
    add(&batch, "1-0", EVENT("e1", "bo@lumen.example", ""));
    add(&batch, "2-0", EVENT("e2", "bo@lumen.example", ",\"account\":\"globex\""));
    add(&batch, "3-0", EVENT("e3", "bo@lumen.example", ""));
    add(&batch, "4-0", EVENT("e4", "cy@gmail.com", ""));
    assert_string_equal(account_of(&batch, 1), "globex"); /* named: known at once */
    place(&batch, NULL); /* new contacts: nothing stored */
    assert_string_equal(account_of(&batch, 0), "lumen.example");
    assert_string_equal(account_of(&batch, 1), "globex");
    assert_string_equal(account_of(&batch, 2), "globex");
    assert_null(account_of(&batch, 3)); /* a personal address has no company */
    batch_close(&batch);
}

static void test_contacts_are_placed_once_ready(void **state) {
    (void)state;
    batch_t batch;
    batch_init(&batch);
    add(&batch, "1-0", EVENT("e1", "ana@lumen.example", ""));
    add(&batch, "2-0", EVENT("e2", "dee@acme.example", ""));
    int ana = contact_index(&batch, "ana@lumen.example");
    int ready[2] = {0, 0};
    ready[1 - ana] = 1; /* dee's state is in hand (from the cache, say), ana's is not */
    restore(&batch, "dee@acme.example", "{\"account\":\"acme-inc\"}");
    place(&batch, ready);
    assert_string_equal(account_of(&batch, 1), "acme-inc");
    assert_null(account_of(&batch, 0));
    assert_int_equal(batch.account_count, 1);
    /* Ana's state arrives; placing the rest adds her account at the end, dee's stays. */
    restore(&batch, "ana@lumen.example", "{\"account\":\"lumen-bank\"}");
    place(&batch, NULL);
    assert_string_equal(account_of(&batch, 0), "lumen-bank");
    assert_string_equal(account_of(&batch, 1), "acme-inc");
    assert_int_equal(batch.account_count, 2);
    assert_string_equal(batch.accounts[1].id, "lumen-bank");
    batch_close(&batch);
}

/* Places and decides 'batch' under the fixture playbook "good". */
static void place_and_decide(batch_t *batch) {
    char dir[1024];
    nerr_t err = {0, ""};
    snprintf(dir, sizeof dir, "%s/good", FIXTURES_DIR);
    playbook_t *playbook = playbook_load(dir, &err);
    assert_non_null(playbook);
    place(batch, NULL);
    assert_int_equal(batch_decide(batch, playbook, NULL, NULL, &err), 0);
    playbook_free(playbook);
}

static void test_second_account_waits_for_the_next_batch(void **state) {
    (void)state;
    batch_t batch;
    batch_init(&batch);
    add(&batch, "1-0", EVENT("e1", "bo@mail.example", ",\"account\":\"initech\""));
    add(&batch, "2-0", EVENT("e2", "cy@mail.example", ",\"account\":\"globex\""));
    add(&batch, "3-0", EVENT("e3", "bo@mail.example", ",\"account\":\"globex\""));
    add(&batch, "4-0", EVENT("e4", "bo@mail.example", "")); /* globex's, known by then */
    add(&batch, "5-0", EVENT("e5", "bo@mail.example", ",\"account\":\"initech\""));
    place_and_decide(&batch);
    int bo = contact_index(&batch, "bo@mail.example");
    assert_true(batch_is_decided(&batch.entries[0]));
    assert_true(batch_is_decided(&batch.entries[1])); /* cy goes to globex alone */
    for (int i = 2; i < 5; i++) /* e5 is initech's again, but must not overtake e3 and e4 */
        assert_int_equal(batch.entries[i].is_deferred, 1);
    assert_int_equal(batch.contacts[bo].decided_count, 1);
    assert_string_equal(batch.accounts[batch.contacts[bo].account_index].id, "initech");
    assert_non_null(batch.contacts[bo].state_json);
    batch_close(&batch);

    /* The next batch starts with the deferred entries: globex's come first now. */
    batch_init(&batch);
    add(&batch, "3-0", EVENT("e3", "bo@mail.example", ",\"account\":\"globex\""));
    add(&batch, "4-0", EVENT("e4", "bo@mail.example", ""));
    add(&batch, "5-0", EVENT("e5", "bo@mail.example", ",\"account\":\"initech\""));
    restore(&batch, "bo@mail.example", "{\"account\":\"initech\"}");
    place_and_decide(&batch);
    assert_true(batch_is_decided(&batch.entries[0]));
    assert_true(batch_is_decided(&batch.entries[1]));
    assert_int_equal(batch.entries[2].is_deferred, 1);
    assert_string_equal(account_of(&batch, 1), "globex");
    assert_string_equal(batch.accounts[batch.contacts[0].account_index].id, "globex");
    batch_close(&batch);
}

static void test_events_without_account_before_the_first_one_are_decided(void **state) {
    (void)state;
    batch_t batch;
    batch_init(&batch);
    add(&batch, "1-0", EVENT("e1", "dee@gmail.com", "")); /* no company to go to */
    add(&batch, "2-0", EVENT("e2", "dee@gmail.com", ",\"account\":\"acme\""));
    place_and_decide(&batch);
    assert_true(batch_is_decided(&batch.entries[0]));
    assert_true(batch_is_decided(&batch.entries[1]));
    assert_string_equal(batch.accounts[batch.contacts[0].account_index].id, "acme");
    batch_close(&batch);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_account_wins_over_the_domain),
        cmocka_unit_test(test_named_account_carries_to_later_events),
        cmocka_unit_test(test_contacts_are_placed_once_ready),
        cmocka_unit_test(test_second_account_waits_for_the_next_batch),
        cmocka_unit_test(test_events_without_account_before_the_first_one_are_decided),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
