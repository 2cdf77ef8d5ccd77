/* Tests of slotcache: take gives back what put kept and forgets it; a put of the same id
 * replaces its value; a pair of slots keeps two ids and a third evicts the one put longer
 * ago; a cache of size 0 keeps nothing; clear frees everything; a budget of bytes is kept
 * by evicting what the clock finds, sparing values put since it last passed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/slotcache.h"

static int freed;
static int last_freed; /* the number the value freed last held */

static void count_free(void *value) {
    freed++;
    last_freed = *(int *)value;
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
    assert_int_equal(slotcache_init(&cache, 64, 0, count_free), 0);
    slotcache_put(&cache, "ana", number(1), 1);
    assert_null(slotcache_take(&cache, "bo"));
    int *value = slotcache_take(&cache, "ana");
    assert_non_null(value);
    assert_int_equal(*value, 1);
    free(value);
    assert_null(slotcache_take(&cache, "ana"));
    slotcache_put(&cache, "ana", number(2), 1);
    slotcache_put(&cache, "ana", number(3), 1); /* replaces, freeing the earlier one */
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
    assert_int_equal(slotcache_init(&cache, 1, 0, count_free), 0);
    slotcache_put(&cache, "ana", number(1), 1);
    slotcache_put(&cache, "bo", number(2), 1);
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
    assert_int_equal(slotcache_init(&cache, 2, 0, count_free), 0);
    slotcache_put(&cache, "ana", number(1), 1);
    slotcache_put(&cache, "bo", number(2), 1);
    assert_int_equal(freed, 0);
    slotcache_put(&cache, "ana", number(3), 1); /* replaces ana's value; ana is now the newer */
    assert_int_equal(freed, 1);
    slotcache_put(&cache, "cy", number(4), 1); /* evicts the older, bo */
    assert_int_equal(freed, 2);
    assert_null(slotcache_take(&cache, "bo"));
    int *value = slotcache_take(&cache, "ana");
    assert_int_equal(*value, 3);
    free(value);
    slotcache_put(&cache, "dee", number(5), 1); /* into ana's empty slot: nothing evicted */
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
    assert_int_equal(slotcache_init(&cache, 0, 0, count_free), 0);
    slotcache_put(&cache, "ana", number(1), 1);
    assert_int_equal(freed, 1);
    assert_null(slotcache_take(&cache, "ana"));
    slotcache_close(&cache);
    assert_int_equal(slotcache_init(&cache, 16, 0, count_free), 0);
    char id[8];
    for (int i = 0; i < 10; i++) {
        id[0] = (char)('a' + i);
        id[1] = '\0';
        slotcache_put(&cache, id, number(i), 1);
    }
    int kept = 10 - (freed - 1);
    slotcache_clear(&cache);
    assert_int_equal(freed - 1, 10); /* every value put was freed exactly once */
    assert_true(kept > 0);
    assert_null(slotcache_take(&cache, "a"));
    slotcache_close(&cache);
}

/* The sum of the sizes held never passes the budget after a put, and the clock evicts a
 * value no one put again since its hand last passed before those put again (the engine puts
 * a state back at every commit). */
static void test_budget_evicts_by_clock(void **state) {
    (void)state;
    slotcache_t cache;
    freed = 0;
    assert_int_equal(slotcache_init(&cache, 64, 300, count_free), 0);
    const char *ids[] = {"ana", "bo", "cy", "dee"};
    for (int i = 0; i < 4; i++)
        slotcache_put(&cache, ids[i], number(i), 100);
    /* The fourth put went over: the hand spared all four once, then evicted one. The other
     * three are unspared now. */
    assert_int_equal(freed, 1);
    assert_int_equal(cache.bytes, 300);
    int gone = last_freed, first = gone == 0 ? 1 : 0;
    /* The survivors but the first are used again: taken and put back. */
    for (int i = first + 1; i < 4; i++)
        if (i != gone)
            slotcache_put(&cache, ids[i], slotcache_take(&cache, ids[i]), 100);
    assert_int_equal(cache.bytes, 300);
    slotcache_put(&cache, "eve", number(4), 100);
    assert_int_equal(freed, 2);
    assert_int_equal(last_freed, first);
    assert_int_equal(cache.bytes, 300);
    for (int i = first + 1; i < 4; i++) {
        if (i == gone)
            continue;
        int *value = slotcache_take(&cache, ids[i]);
        assert_non_null(value);
        assert_int_equal(*value, i);
        free(value);
    }
    assert_int_equal(cache.bytes, 100); /* eve */
    slotcache_close(&cache);
    assert_int_equal(cache.bytes, 0);
}

/* A value larger than the whole budget is not kept, and takes nothing else with it when the
 * cache is empty; a replaced value's size leaves with it. */
static void test_budget_edges(void **state) {
    (void)state;
    slotcache_t cache;
    freed = 0;
    assert_int_equal(slotcache_init(&cache, 8, 100, count_free), 0);
    slotcache_put(&cache, "big", number(1), 500);
    assert_int_equal(freed, 1);
    assert_int_equal(cache.bytes, 0);
    assert_null(slotcache_take(&cache, "big"));
    slotcache_put(&cache, "ana", number(2), 60);
    slotcache_put(&cache, "ana", number(3), 30); /* replaces: 30 held, not 90 */
    assert_int_equal(freed, 2);
    assert_int_equal(cache.bytes, 30);
    slotcache_put(&cache, "bo", number(4), 70);
    assert_int_equal(freed, 2);
    assert_int_equal(cache.bytes, 100);
    slotcache_clear(&cache);
    assert_int_equal(freed, 4);
    assert_int_equal(cache.bytes, 0);
    slotcache_close(&cache);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_returns_and_forgets),
        cmocka_unit_test(test_collision_evicts),
        cmocka_unit_test(test_pair_keeps_two),
        cmocka_unit_test(test_off_and_clear),
        cmocka_unit_test(test_budget_evicts_by_clock),
        cmocka_unit_test(test_budget_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
