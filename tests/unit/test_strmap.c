/* Tests of strmap: what is put is got back under the same key and no other, across the
 * growth of the table and keys of every length around the eight-byte steps of its hash; a
 * slot is found again rather than added twice; close frees every key and value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/strmap.h"

#define KEYS 5000

/* Key 'n': ids like the events' (a shared prefix, a counter), and every length up to 40. */
static void key_of(int n, char *out, size_t size) {
    if (n % 3 == 0)
        snprintf(out, size, "ev-%09d", n);
    else
        snprintf(out, size, "%.*s%d", n % 41, "u@acct.example/0123456789abcdefghijklmnop", n);
}

static void test_put_and_get_across_growth(void **state) {
    (void)state;
    strmap_t map;
    strmap_init(&map);
    assert_null(strmap_get(&map, "anything"));
    char key[64];
    for (intptr_t n = 0; n < KEYS; n++) {
        key_of((int)n, key, sizeof key);
        assert_int_equal(strmap_put(&map, key, (void *)(n + 1)), 0);
    }
    assert_int_equal(map.count, KEYS);
    assert_true(map.capacity >= 2 * KEYS);
    for (intptr_t n = 0; n < KEYS; n++) {
        key_of((int)n, key, sizeof key);
        assert_true(strmap_get(&map, key) == (void *)(n + 1));
    }
    /* Near misses are other keys. */
    assert_null(strmap_get(&map, "ev-00000000"));
    assert_null(strmap_get(&map, "ev-0000000000"));
    assert_null(strmap_get(&map, ""));
    strmap_close(&map, NULL);
    assert_int_equal(map.count, 0);
}

static void test_slot_is_found_again(void **state) {
    (void)state;
    strmap_t map;
    strmap_init(&map);
    void **first = strmap_slot(&map, "c-1");
    assert_non_null(first);
    assert_null(*first); /* new: NULL until written */
    *first = (void *)7;
    void **again = strmap_slot(&map, "c-1");
    assert_true(again == first);
    assert_true(*again == (void *)7);
    assert_int_equal(map.count, 1);
    /* The empty key and keys beyond ASCII are keys like any other. */
    assert_int_equal(strmap_put(&map, "", (void *)1), 0);
    assert_int_equal(strmap_put(&map, "\xe5\xb1\xb1\xe7\x94\xb0", (void *)2), 0);
    assert_true(strmap_get(&map, "") == (void *)1);
    assert_true(strmap_get(&map, "\xe5\xb1\xb1\xe7\x94\xb0") == (void *)2);
    /* Put replaces. */
    assert_int_equal(strmap_put(&map, "c-1", (void *)8), 0);
    assert_true(strmap_get(&map, "c-1") == (void *)8);
    assert_int_equal(map.count, 3);
    strmap_close(&map, NULL);
}

static int freed;

static void count_free(void *value) {
    freed++;
    free(value);
}

static void test_close_frees_values(void **state) {
    (void)state;
    strmap_t map;
    strmap_init(&map);
    char key[64];
    for (int n = 0; n < 100; n++) {
        key_of(n, key, sizeof key);
        assert_int_equal(strmap_put(&map, key, malloc(8)), 0);
    }
    freed = 0;
    strmap_close(&map, count_free);
    assert_int_equal(freed, 100);
    assert_null(strmap_get(&map, "ev-000000000"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_and_get_across_growth),
        cmocka_unit_test(test_slot_is_found_again),
        cmocka_unit_test(test_close_frees_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
