/* Tests of footprint and of mind_footprint: a block counts its bytes and the allocator's
 * share, a string its terminator, a cJSON tree every item and string once; a mind grows with
 * its states and evidence, and stops growing once a state's evidence is full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/core/footprint.h"
#include "engine/core/mind.h"

static void test_blocks_and_strings(void **state) {
    (void)state;
    assert_int_equal(footprint_block(100), 100 + FOOTPRINT_BLOCK_EXTRA);
    assert_int_equal(footprint_string(NULL), 0);
    assert_int_equal(footprint_string("abc"), footprint_block(4));
    assert_true(footprint_row(200) >= footprint_block(200));
}

static void test_json_counts_each_item_once(void **state) {
    (void)state;
    assert_int_equal(footprint_json(NULL), 0);
    cJSON *facts = cJSON_Parse("{\"a\":\"bc\",\"n\":1,\"o\":{\"x\":true}}");
    assert_non_null(facts);
    /* Five items (the object, a, n, o, x), four keys and one string value. */
    size_t item = footprint_block(sizeof(cJSON));
    size_t expected = 5 * item + 4 * footprint_string("a") + footprint_string("bc");
    assert_int_equal(footprint_json(facts), expected);
    cJSON_Delete(facts);
}

static void test_mind_grows_with_what_it_holds(void **state) {
    (void)state;
    mind_t mind;
    mind_init(&mind);
    assert_int_equal(mind_footprint(&mind), 0);
    const int64_t t0 = 1795424400000LL;
    assert_int_equal(mind_adjust(&mind, "anxiety", 0.1, t0, 0, "e1", "r", NULL), 0);
    size_t one = mind_footprint(&mind);
    assert_true(one > strlen("anxiety"));
    assert_int_equal(mind_adjust(&mind, "anxiety", 0.1, t0, 0, "e2", "r", NULL), 0);
    size_t two = mind_footprint(&mind);
    assert_true(two > one);
    char id[16];
    for (int i = 3; i <= MIND_EVIDENCE_MAX + 3; i++) {
        snprintf(id, sizeof id, "e%d", i);
        assert_int_equal(mind_adjust(&mind, "anxiety", 0.1, t0, 0, id, "r", NULL), 0);
    }
    size_t full = mind_footprint(&mind);
    assert_int_equal(mind_adjust(&mind, "anxiety", 0.1, t0, 0, "e99", "r", NULL), 0);
    assert_int_equal(mind_footprint(&mind), full); /* the oldest evidence made room */
    assert_int_equal(mind_adjust(&mind, "distrust", 0.1, t0, 0, "e100", "r", NULL), 0);
    assert_true(mind_footprint(&mind) > full);
    mind_close(&mind);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_and_strings),
        cmocka_unit_test(test_json_counts_each_item_once),
        cmocka_unit_test(test_mind_grows_with_what_it_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
