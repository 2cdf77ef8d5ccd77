/* Tests of batch: which account each entry of a batch goes to. An event that names no
 * account takes the one its contact has by then (stored, or named by an earlier event of the
 * batch), else the domain of a company e-mail address; the contact's state must be in the
 * batch first, so the consumer places accounts per contact as states arrive. A contact's
 * commit writes every account its decided events went to. */
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

/* The ids of the accounts contact 'id''s commit writes, joined with ",". */
static const char *committed_accounts(const batch_t *batch, const char *id) {
    static char joined[256];
    const batch_contact_t *c = &batch->contacts[contact_index(batch, id)];
    joined[0] = '\0';
    for (int i = 0; i < c->account_count; i++) {
        size_t used = strlen(joined);
        snprintf(joined + used, sizeof joined - used, "%s%s", i ? "," : "",
                 batch->accounts[c->account_indexes[i]].id);
    }
    return joined;
}

static void test_a_contact_commits_every_account_its_events_went_to(void **state) {
    (void)state;
    batch_t batch;
    batch_init(&batch);
    add(&batch, "1-0", EVENT("e1", "bo@mail.example", ",\"account\":\"initech\""));
    add(&batch, "2-0", EVENT("e2", "cy@mail.example", ",\"account\":\"globex\""));
    add(&batch, "3-0", EVENT("e3", "bo@mail.example", ",\"account\":\"globex\""));
    add(&batch, "4-0", EVENT("e4", "bo@mail.example", "")); /* globex's, known by then */
    add(&batch, "5-0", EVENT("e5", "bo@mail.example", ",\"account\":\"initech\""));
    place_and_decide(&batch);
    assert_string_equal(account_of(&batch, 3), "globex");
    assert_string_equal(committed_accounts(&batch, "bo@mail.example"), "initech,globex");
    assert_string_equal(committed_accounts(&batch, "cy@mail.example"), "globex");
    assert_int_equal(batch.contacts[contact_index(&batch, "bo@mail.example")].decided_count, 4);
    for (int i = 0; i < batch.account_count; i++) /* both get their decided states */
        assert_non_null(batch.accounts[i].state_json);
    batch_close(&batch);
}

static void test_a_contact_without_account_commits_none(void **state) {
    (void)state;
    batch_t batch;
    batch_init(&batch);
    add(&batch, "1-0", EVENT("e1", "dee@gmail.com", "")); /* no company to go to */
    add(&batch, "2-0", EVENT("e2", "eve@gmail.com", ""));
    add(&batch, "3-0", EVENT("e3", "eve@gmail.com", ",\"account\":\"acme\""));
    place_and_decide(&batch);
    assert_string_equal(committed_accounts(&batch, "dee@gmail.com"), "");
    assert_string_equal(committed_accounts(&batch, "eve@gmail.com"), "acme");
    batch_close(&batch);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_account_wins_over_the_domain),
        cmocka_unit_test(test_named_account_carries_to_later_events),
        cmocka_unit_test(test_contacts_are_placed_once_ready),
        cmocka_unit_test(test_a_contact_commits_every_account_its_events_went_to),
        cmocka_unit_test(test_a_contact_without_account_commits_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
