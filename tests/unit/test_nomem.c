/* Tests of the out-of-memory paths: every allocation of an operation is made to fail in turn
 * (the first, then the second, ...) until the operation needs no more than it gets. Each
 * failure must be reported as NERR_NOMEM (or, inside a rule, as that rule's error), leave
 * what the contract promises, and leak nothing (the sanitizer build checks leaks). Covers
 * deciding a touchpoint whose rule reads the account's stored rows (c:committee), reading
 * those rows alone, and restoring a contact with its history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/account.h"
#include "engine/core/contact.h"
#include "engine/core/decide.h"
#include "failing_alloc.h"

#define SWEEP_MAX 200000 /* far more allocations than any of these operations makes */

/* Two colleagues of maria looked at the pricing page in the days before her (stored rows,
 * unread until a rule asks). */
static const char ROWS[] =
    "[\"ev-ole-1\",\"ole@fjordtech.example\",\"page_view\",1772442000000,"
    "{\"page_type\":\"pricing\"}],"
    "[\"ev-kari-1\",\"kari@fjordtech.example\",\"page_view\",1772528400000,"
    "{\"page_type\":\"pricing\"}]";
static const char EVENT[] =
    "{\"id\":\"ev-maria-1\",\"contact\":\"maria@fjordtech.example\",\"account\":\"fjordtech\","
    "\"type\":\"page_view\",\"at\":\"2026-03-04T09:00:00Z\",\"props\":{\"page_type\":\"pricing\"}}";

static void make_account(account_t *account) {
    nerr_t err = {0, ""};
    assert_int_equal(account_init(account, "fjordtech", &err), 0);
    assert_int_equal(account_restore_touches(account, ROWS, sizeof ROWS - 1, &err), 0);
}

static int has_committee_task(const decision_t *d) {
    for (int i = 0; i < d->action_count; i++)
        if (strcmp(d->actions[i].rule, "engage_the_buying_committee") == 0)
            return 1;
    return 0;
}

/* Decides maria's pricing page view with the reference playbook under every failure point:
 * the committee rule reads the account's stored rows on the way. */
static void test_decide_with_committee(void **state) {
    (void)state;
    nerr_t err = {0, ""};
    playbook_t *pb = playbook_load(RULES_DIR, &err);
    assert_non_null(pb);
    event_t event;
    assert_int_equal(event_parse(EVENT, sizeof EVENT - 1, &event, &err), 0);
    long allowed = 0, refused = 0, rule_errors = 0;
    for (;; allowed++) {
        assert_true(allowed < SWEEP_MAX);
        contact_t contact;
        account_t account;
        decision_t d = {0};
        assert_int_equal(contact_init(&contact, "maria@fjordtech.example", &err), 0);
        make_account(&account);
        failing_alloc_arm(allowed);
        int rc = decide_account(pb, &contact, &account, &event, &d, &err);
        long failed = failing_alloc_disarm();
        if (rc != 0) {
            assert_int_equal(rc, NERR_NOMEM);
            assert_int_equal(err.code, NERR_NOMEM);
            refused++;
        } else if (failed > 0) {
            rule_errors += d.error_count > 0;
        }
        int complete = rc == 0 && failed == 0;
        if (complete) {
            assert_int_equal(d.error_count, 0);
            assert_true(has_committee_task(&d));
        }
        decision_close(&d);
        contact_close(&contact);
        account_close(&account);
        if (complete)
            break;
    }
    print_message("%ld failure points: %ld refused with NERR_NOMEM, %ld decided with a rule "
                  "error\n", allowed, refused, rule_errors);
    assert_true(refused > 0);
    event_close(&event);
    playbook_free(pb);
}

/* Counting the committee reads the stored rows first: a failure leaves the account as it
 * was, and the next count, with memory, is the full one. */
static void test_committee_rows(void **state) {
    (void)state;
    nerr_t err = {0, ""};
    contact_filter_t any = {0};
    long allowed = 0;
    for (;; allowed++) {
        assert_true(allowed < SWEEP_MAX);
        account_t account;
        make_account(&account);
        failing_alloc_arm(allowed);
        int count = account_committee(&account, "page_view", &any, 0, &err);
        long failed = failing_alloc_disarm();
        if (failed == 0) {
            assert_int_equal(count, 2);
            account_close(&account);
            break;
        }
        if (count < 0) {
            assert_int_equal(count, -1);
            assert_int_equal(err.code, NERR_NOMEM);
        }
        assert_int_equal(account_committee(&account, "page_view", &any, 0, &err), 2);
        account_close(&account);
    }
    assert_true(allowed > 0);
}

/* A contact restored from its state and history rows, under every failure point. */
static void test_contact_restore(void **state) {
    (void)state;
    static const char STATE[] =
        "{\"stage\":\"researching\",\"facts\":{\"industry\":\"retail\",\"timezone\":"
        "\"Europe/Oslo\"},\"mind\":{}}";
    static const char HISTORY[] =
        "[\"ev-1\",\"page_view\",1772442000000,{\"page_type\":\"pricing\"}],"
        "[\"ev-2\",\"email_open\",1772528400000,{}]";
    nerr_t err = {0, ""};
    long allowed = 0;
    for (;; allowed++) {
        assert_true(allowed < SWEEP_MAX);
        contact_t contact;
        failing_alloc_arm(allowed);
        int rc = contact_from_json(&contact, "c-1", STATE, sizeof STATE - 1, 3, &err);
        int restored = rc == 0;
        if (restored)
            rc = contact_restore_history(&contact, HISTORY, sizeof HISTORY - 1, &err);
        long failed = failing_alloc_disarm();
        if (rc != 0)
            assert_int_equal(rc, NERR_NOMEM);
        if (restored) {
            if (failed == 0)
                assert_int_equal(contact.history_count, 2);
            contact_close(&contact);
        }
        if (failed == 0) {
            assert_int_equal(rc, 0);
            break;
        }
    }
    assert_true(allowed > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide_with_committee),
        cmocka_unit_test(test_committee_rows),
        cmocka_unit_test(test_contact_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
