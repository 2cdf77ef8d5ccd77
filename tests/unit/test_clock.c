/* test_clock: RFC 3339 parsing (offsets, fractions, leap days, invalid dates), ISO formatting
 * and its round trip, and durations. Depends on clock only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "engine/core/clock.h"

#define SENTINEL_MS ((int64_t)-424242)
#define DAY_MS (86400LL * 1000)

/* Parses 'text', which must be valid, and returns its milliseconds. */
static int64_t parse_ok(const char *text) {
    int64_t ms = SENTINEL_MS;
    nerr_t err = {0, ""};
    int rc = clock_parse_rfc3339(text, &ms, &err);
    if (rc != 0)
        print_error("'%s' was refused: %s\n", text, err.msg);
    assert_int_equal(rc, 0);
    return ms;
}

/* Checks that 'text' is refused with the standard message and '*out_ms' is left alone. */
static void parse_bad(const char *text) {
    int64_t ms = SENTINEL_MS;
    nerr_t err = {0, ""};
    char expected[160];
    int rc = clock_parse_rfc3339(text, &ms, &err);
    if (rc == 0)
        print_error("'%s' was accepted as %lld\n", text, (long long)ms);
    assert_int_equal(rc, NERR_INVALID);
    assert_int_equal(err.code, NERR_INVALID);
    assert_true(ms == SENTINEL_MS);
    snprintf(expected, sizeof expected, "'%s' is not an RFC 3339 date-time", text);
    assert_string_equal(err.msg, expected);
}

static void test_parse_utc(void **state) {
    (void)state;
    assert_true(parse_ok("1970-01-01T00:00:00Z") == 0);
    assert_true(parse_ok("2026-11-23T09:00:00Z") == 1795424400000LL);
    assert_true(parse_ok("2000-01-01T00:00:00Z") == 946684800000LL);
    assert_true(parse_ok("1969-12-31T23:59:59Z") == -1000);
    assert_true(parse_ok("0001-01-01T00:00:00Z") == -62135596800000LL);
    assert_true(parse_ok("9999-12-31T23:59:59Z") == 253402300799000LL);
    /* RFC 3339 allows a lower-case t and z, and a space for the T. */
    assert_true(parse_ok("2026-11-23t09:00:00z") == 1795424400000LL);
    assert_true(parse_ok("2026-11-23 09:00:00Z") == 1795424400000LL);
}

static void test_parse_offsets(void **state) {
    (void)state;
    const int64_t nine_utc = 1795424400000LL; /* 2026-11-23T09:00:00Z */
    assert_true(parse_ok("2026-11-23T18:00:00+09:00") == nine_utc);
    assert_true(parse_ok("2026-11-23T04:00:00-05:00") == nine_utc);
    assert_true(parse_ok("2026-11-23T14:30:00+05:30") == nine_utc);
    assert_true(parse_ok("2026-11-23T09:00:00+00:00") == nine_utc);
    assert_true(parse_ok("2026-11-23T09:00:00-00:00") == nine_utc);
    /* An offset can move the instant to another day. */
    assert_true(parse_ok("2026-11-24T08:00:00+23:00") == nine_utc);
    assert_true(parse_ok("2026-11-22T23:00:00-10:00") == nine_utc);
}

static void test_parse_fractions(void **state) {
    (void)state;
    const int64_t nine_utc = 1795424400000LL;
    assert_true(parse_ok("2026-11-23T09:00:00.5Z") == nine_utc + 500);
    assert_true(parse_ok("2026-11-23T09:00:00.25Z") == nine_utc + 250);
    assert_true(parse_ok("2026-11-23T09:00:00.250Z") == nine_utc + 250);
    assert_true(parse_ok("2026-11-23T09:00:00.007Z") == nine_utc + 7);
    /* Digits past the millisecond are dropped, not rounded. */
    assert_true(parse_ok("2026-11-23T09:00:00.999999Z") == nine_utc + 999);
    assert_true(parse_ok("2026-11-23T18:00:00.250+09:00") == nine_utc + 250);
    assert_true(parse_ok("1969-12-31T23:59:59.500Z") == -500);
    parse_bad("2026-11-23T09:00:00.Z");
    parse_bad("2026-11-23T09:00:00,5Z");
}

static void test_parse_leap_days(void **state) {
    (void)state;
    assert_true(parse_ok("2024-02-29T12:00:00Z") == 1709208000000LL);
    assert_true(parse_ok("2000-02-29T00:00:00Z") == 951782400000LL); /* divisible by 400 */
    assert_true(parse_ok("2024-03-01T00:00:00Z") - parse_ok("2024-02-28T00:00:00Z") == 2 * DAY_MS);
    assert_true(parse_ok("2023-03-01T00:00:00Z") - parse_ok("2023-02-28T00:00:00Z") == DAY_MS);
    parse_bad("2023-02-29T00:00:00Z");
    parse_bad("1900-02-29T00:00:00Z"); /* divisible by 100, not by 400 */
    parse_bad("2100-02-29T00:00:00Z");
    /* A leap second is accepted and counted as the second before it. */
    assert_true(parse_ok("2016-12-31T23:59:60Z") == parse_ok("2016-12-31T23:59:59Z"));
}

static void test_parse_invalid(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",
        "2026",
        "2026-11-23",
        "2026-11-23T09:00",
        "2026-11-23T09:00:00", /* no offset */
        "2026-11-23T09:00:00Y",
        "2026-11-23T09:00:00Z ", /* trailing space */
        "2026-11-23T09:00:00Zjunk",
        " 2026-11-23T09:00:00Z",
        "2026-11-23X09:00:00Z",
        "2026/11/23T09:00:00Z",
        "26-11-23T09:00:00Z",
        "2026-1-23T09:00:00Z",
        "2026-11-23T9:00:00Z",
        "0000-01-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-00T00:00:00Z",
        "2026-01-32T00:00:00Z",
        "2026-11-23T24:00:00Z",
        "2026-11-23T23:60:00Z",
        "2026-11-23T23:59:61Z",
        "2026-11-23T09:00:00+24:00",
        "2026-11-23T09:00:00+09:60",
        "2026-11-23T09:00:00+0900",
        "2026-11-23T09:00:00+09",
        "2026-11-23T09:00:00+9:00",
        "yesterday",
        "1795424400000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_bad(bad[i]);
}

static void test_parse_long_input_message_is_cut(void **state) {
    (void)state;
    char text[200];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    nerr_t err;
    int64_t ms = SENTINEL_MS;
    assert_int_equal(clock_parse_rfc3339(text, &ms, &err), NERR_INVALID);
    /* The text is quoted up to 64 bytes, so a huge input cannot flood the message. */
    char expected[128];
    snprintf(expected, sizeof expected, "'%.64s' is not an RFC 3339 date-time", text);
    assert_string_equal(err.msg, expected);
    assert_int_equal(clock_parse_rfc3339("nope", &ms, NULL), NERR_INVALID);
}

static void expect_format(int64_t ms, const char *expected) {
    char buf[CLOCK_ISO_MAX];
    clock_format_iso(ms, buf, sizeof buf);
    assert_string_equal(buf, expected);
}

static void test_format_iso(void **state) {
    (void)state;
    expect_format(0, "1970-01-01T00:00:00.000Z");
    expect_format(1795424400250LL, "2026-11-23T09:00:00.250Z");
    expect_format(1709208000001LL, "2024-02-29T12:00:00.001Z");
    expect_format(-1, "1969-12-31T23:59:59.999Z");
    expect_format(-DAY_MS, "1969-12-31T00:00:00.000Z");
    expect_format(-62135596800000LL, "0001-01-01T00:00:00.000Z");
    expect_format(253402300799999LL, "9999-12-31T23:59:59.999Z");
    expect_format(253402300800000LL, "10000-01-01T00:00:00.000Z"); /* past four digits */
}

static void test_format_parse_round_trip(void **state) {
    (void)state;
    /* Every day for 8 years around a leap day and the epoch, at an odd time of day. */
    static const int64_t starts[] = {-3 * 365 * DAY_MS, 1700000000000LL,
                                     946684800000LL - 400 * DAY_MS};
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        for (int64_t day = 0; day < 8 * 366; day++) {
            int64_t ms = starts[s] + day * DAY_MS + 45296789; /* 12:34:56.789 */
            char buf[CLOCK_ISO_MAX];
            clock_format_iso(ms, buf, sizeof buf);
            assert_int_equal(strlen(buf), 24);
            int64_t back = SENTINEL_MS;
            assert_int_equal(clock_parse_rfc3339(buf, &back, NULL), 0);
            if (back != ms)
                print_error("%s parsed back as %lld, not %lld\n", buf, (long long)back,
                            (long long)ms);
            assert_true(back == ms);
        }
    }
}

static void expect_duration(const char *text, int64_t expected_ms) {
    int64_t ms = SENTINEL_MS;
    nerr_t err = {0, ""};
    int rc = clock_parse_duration(text, &ms, &err);
    if (rc != 0)
        print_error("'%s' was refused: %s\n", text, err.msg);
    assert_int_equal(rc, 0);
    if (ms != expected_ms)
        print_error("'%s' is %lld ms, expected %lld\n", text, (long long)ms,
                    (long long)expected_ms);
    assert_true(ms == expected_ms);
}

static void test_duration_good(void **state) {
    (void)state;
    expect_duration("0", 0);
    expect_duration("0s", 0);
    expect_duration("0d", 0);
    expect_duration("90s", 90 * 1000);
    expect_duration("1m", 60 * 1000);
    expect_duration("45m", 45 * 60 * 1000);
    expect_duration("1h", 3600 * 1000);
    expect_duration("36h", 36LL * 3600 * 1000);
    expect_duration("1d", DAY_MS);
    expect_duration("14d", 14 * DAY_MS);
    expect_duration("2w", 14 * DAY_MS);
    expect_duration("007d", 7 * DAY_MS);
    expect_duration("1000000000s", 1000000000LL * 1000);
}

static void test_duration_bad(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",    "h",  "1",  "7",   "-1h", "+1h",  "1.5h", "1 h",  " 1h",          "1h ",
        "1hh", "1H", "1y", "1ms", "d1",  "1d2h", "one",  "1e3s", "99999999999d",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = SENTINEL_MS;
        nerr_t err = {0, ""};
        int rc = clock_parse_duration(bad[i], &ms, &err);
        if (rc == 0)
            print_error("'%s' was accepted as %lld ms\n", bad[i], (long long)ms);
        assert_int_equal(rc, NERR_INVALID);
        assert_int_equal(err.code, NERR_INVALID);
        assert_true(ms == SENTINEL_MS);
        char expected[200];
        snprintf(expected, sizeof expected,
                 "'%s' is not a duration (a whole number and one of s, m, h, d, w: \"90s\", "
                 "\"1h\", \"14d\")",
                 bad[i]);
        assert_string_equal(err.msg, expected);
    }
}

static void test_now_is_recent(void **state) {
    (void)state;
    /* Not a decision input, but the shell relies on it being epoch milliseconds. */
    int64_t now = clock_now_ms();
    assert_true(now > 1700000000000LL);
    assert_true(now < 4102444800000LL); /* 2100-01-01 */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_utc),
        cmocka_unit_test(test_parse_offsets),
        cmocka_unit_test(test_parse_fractions),
        cmocka_unit_test(test_parse_leap_days),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_parse_long_input_message_is_cut),
        cmocka_unit_test(test_format_iso),
        cmocka_unit_test(test_format_parse_round_trip),
        cmocka_unit_test(test_duration_good),
        cmocka_unit_test(test_duration_bad),
        cmocka_unit_test(test_now_is_recent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
