/* test_keys: the names of the keys the engine writes, and how a name too long for its buffer
 * is cut (as snprintf would, never past the buffer). Depends on keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/shell/keys.h"

static void test_names(void **state) {
    (void)state;
    keys_t keys;
    keys_init(&keys, "nurture");
    char buf[KEYS_KEY_MAX];
    keys_contact(&keys, "ana@acme.example", buf, sizeof buf);
    assert_string_equal(buf, "nurture:{0}:contact:ana@acme.example");
    keys_history(&keys, "ana@acme.example", buf, sizeof buf);
    assert_string_equal(buf, "nurture:{0}:history:ana@acme.example");
    keys_account(&keys, "acme", buf, sizeof buf);
    assert_string_equal(buf, "nurture:{0}:account:acme");
    keys_account_touches(&keys, "acme", buf, sizeof buf);
    assert_string_equal(buf, "nurture:{0}:account_touches:acme");
    keys_seen(&keys, "ev-1", buf, sizeof buf);
    assert_string_equal(buf, "nurture:{0}:seen:ev-1");
    assert_string_equal(keys.due, "nurture:{0}:due");
    assert_string_equal(keys.events, "nurture:events");
}

static void test_cut_to_the_buffer(void **state) {
    (void)state;
    keys_t keys;
    keys_init(&keys, "p");
    char buf[16];
    memset(buf, 'x', sizeof buf);
    keys_contact(&keys, "a-very-long-contact-id", buf, sizeof buf);
    assert_string_equal(buf, "p:{0}:contact:a");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_cut_to_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
