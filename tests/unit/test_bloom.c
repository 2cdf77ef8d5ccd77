/* Tests of bloom: every string added is a "maybe"; an empty filter says "never"; strings
 * never added are "never" about as often as 10 bits per string promise; a filter that is
 * off says "maybe" to everything; clear forgets; sizes round down to a power of two. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/bloom.h"

/* Keys shaped like the engine's, numbered: "nurture:{0}:contact:c<n>" or "...:account:a<n>". */
static size_t key(char *buf, size_t size, const char *kind, int n) {
    return (size_t)snprintf(buf, size, "nurture:{0}:%s:%c%d", kind, kind[0], n);
}

static void test_added_are_maybe(void **state) {
    (void)state;
    bloom_t bloom;
    assert_int_equal(bloom_init(&bloom, 12500), 0); /* 8 KiB: 65,536 bits */
    char buf[64];
    for (int i = 0; i < 6000; i++)
        bloom_add(&bloom, buf, key(buf, sizeof buf, "contact", i));
    assert_int_equal(bloom.added, 6000);
    for (int i = 0; i < 6000; i++)
        assert_true(bloom_may_contain(&bloom, buf, key(buf, sizeof buf, "contact", i)));
    bloom_free(&bloom);
}

static void test_empty_says_never(void **state) {
    (void)state;
    bloom_t bloom;
    assert_int_equal(bloom_init(&bloom, 1024), 0);
    char buf[64];
    for (int i = 0; i < 1000; i++)
        assert_false(bloom_may_contain(&bloom, buf, key(buf, sizeof buf, "contact", i)));
    assert_false(bloom_may_contain(&bloom, "", 0));
    bloom_free(&bloom);
}

/* 6,000 strings in 65,536 bits is about 11 bits each: theory says 0.5% of the strings never
 * added answer "maybe". Contacts and accounts of the same number must not collide either. */
static void test_never_added_are_mostly_never(void **state) {
    (void)state;
    bloom_t bloom;
    assert_int_equal(bloom_init(&bloom, 8192), 0);
    char buf[64];
    for (int i = 0; i < 6000; i++)
        bloom_add(&bloom, buf, key(buf, sizeof buf, "contact", i));
    int maybe = 0;
    for (int i = 6000; i < 26000; i++)
        maybe += bloom_may_contain(&bloom, buf, key(buf, sizeof buf, "contact", i));
    for (int i = 0; i < 20000; i++)
        maybe += bloom_may_contain(&bloom, buf, key(buf, sizeof buf, "account", i));
    print_message("false maybe: %d of 40000\n", maybe);
    assert_true(maybe < 40000 / 100); /* under 1% */
    bloom_free(&bloom);
}

static void test_off_says_maybe(void **state) {
    (void)state;
    bloom_t bloom;
    assert_int_equal(bloom_init(&bloom, 7), 0);
    assert_null(bloom.words);
    assert_int_equal(bloom_bytes(&bloom), 0);
    bloom_add(&bloom, "a", 1);
    assert_int_equal(bloom.added, 0);
    assert_true(bloom_may_contain(&bloom, "b", 1));
    bloom_clear(&bloom);
    bloom_free(&bloom);
}

static void test_clear_and_sizes(void **state) {
    (void)state;
    bloom_t bloom;
    assert_int_equal(bloom_init(&bloom, 1000), 0);
    assert_int_equal(bloom_bytes(&bloom), 512);
    assert_int_equal(bloom.mask, 4095);
    bloom_add(&bloom, "nurture:{0}:contact:ana", 23);
    assert_true(bloom_may_contain(&bloom, "nurture:{0}:contact:ana", 23));
    bloom_clear(&bloom);
    assert_int_equal(bloom.added, 0);
    assert_false(bloom_may_contain(&bloom, "nurture:{0}:contact:ana", 23));
    bloom_free(&bloom);
    assert_int_equal(bloom_init(&bloom, 8), 0);
    assert_int_equal(bloom_bytes(&bloom), 8);
    bloom_free(&bloom);
    assert_int_equal(bloom_init(&bloom, 16), 0);
    assert_int_equal(bloom_bytes(&bloom), 16);
    bloom_free(&bloom);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_added_are_maybe),
        cmocka_unit_test(test_empty_says_never),
        cmocka_unit_test(test_never_added_are_mostly_never),
        cmocka_unit_test(test_off_says_maybe),
        cmocka_unit_test(test_clear_and_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
