/* Tests of slotcache: take gives back what put kept and forgets it; a put of the same id
 * replaces its value; a pair of slots keeps two ids and a third evicts the one put longer
 * ago; a cache of size 0 keeps nothing; clear frees everything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/slotcache.h"

static int freed;

static void count_free(void *value) {
    freed++;
    free(value);
}

static int *number(int n) {
    int *value = malloc(sizeof *value);
    *value = n;
    return value;
}

static void test_take_returns_and_forgets(void **state) {
    (void)state;
    slotcache_t cache;
    freed = 0;
    assert_int_equal(slotcache_init(&cache, 64, count_free), 0);
    slotcache_put(&cache, "ana", number(1));
    assert_null(slotcache_take(&cache, "bo"));
    int *value = slotcache_take(&cache, "ana");
    assert_non_null(value);
    assert_int_equal(*value, 1);
    free(value);
    assert_null(slotcache_take(&cache, "ana"));
    slotcache_put(&cache, "ana", number(2));
    slotcache_put(&cache, "ana", number(3)); /* replaces, freeing the earlier one */
    assert_int_equal(freed, 1);
    value = slotcache_take(&cache, "ana");
    assert_int_equal(*value, 3);
    free(value);
    slotcache_close(&cache);
    assert_int_equal(freed, 1);
}

/* With one slot every id collides: the newest put wins and the older value is freed. */
static void test_collision_evicts(void **state) {
    (void)state;
    slotcache_t cache;
    freed = 0;
    assert_int_equal(slotcache_init(&cache, 1, count_free), 0);
    slotcache_put(&cache, "ana", number(1));
    slotcache_put(&cache, "bo", number(2));
    assert_int_equal(freed, 1);
    assert_null(slotcache_take(&cache, "ana"));
    int *value = slotcache_take(&cache, "bo");
    assert_int_equal(*value, 2);
    free(value);
    slotcache_close(&cache);
}

/* Two slots are one pair: two ids live side by side; a third evicts the one put longer ago;
 * an empty slot of the pair is filled before anything is evicted. */
static void test_pair_keeps_two(void **state) {
    (void)state;
    slotcache_t cache;
    freed = 0;
    assert_int_equal(slotcache_init(&cache, 2, count_free), 0);
    slotcache_put(&cache, "ana", number(1));
    slotcache_put(&cache, "bo", number(2));
    assert_int_equal(freed, 0);
    slotcache_put(&cache, "ana", number(3)); /* replaces ana's value; ana is now the newer */
    assert_int_equal(freed, 1);
    slotcache_put(&cache, "cy", number(4)); /* evicts the older, bo */
    assert_int_equal(freed, 2);
    assert_null(slotcache_take(&cache, "bo"));
    int *value = slotcache_take(&cache, "ana");
    assert_int_equal(*value, 3);
    free(value);
    slotcache_put(&cache, "dee", number(5)); /* into ana's empty slot: nothing evicted */
    assert_int_equal(freed, 2);
    value = slotcache_take(&cache, "cy");
    assert_int_equal(*value, 4);
    free(value);
    value = slotcache_take(&cache, "dee");
    assert_int_equal(*value, 5);
    free(value);
    slotcache_close(&cache);
    assert_int_equal(freed, 2);
}

static void test_off_and_clear(void **state) {
    (void)state;
    slotcache_t cache;
    freed = 0;
    assert_int_equal(slotcache_init(&cache, 0, count_free), 0);
    slotcache_put(&cache, "ana", number(1));
    assert_int_equal(freed, 1);
    assert_null(slotcache_take(&cache, "ana"));
    slotcache_close(&cache);
    assert_int_equal(slotcache_init(&cache, 16, count_free), 0);
    char id[8];
    for (int i = 0; i < 10; i++) {
        id[0] = (char)('a' + i);
        id[1] = '\0';
        slotcache_put(&cache, id, number(i));
    }
    int kept = 10 - (freed - 1);
    slotcache_clear(&cache);
    assert_int_equal(freed - 1, 10); /* every value put was freed exactly once */
    assert_true(kept > 0);
    assert_null(slotcache_take(&cache, "a"));
    slotcache_close(&cache);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_returns_and_forgets),
        cmocka_unit_test(test_collision_evicts),
        cmocka_unit_test(test_pair_keeps_two),
        cmocka_unit_test(test_off_and_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
