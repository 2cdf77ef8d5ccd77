/* test_redis_url: the Redis URL parser: accepted forms and defaults, credentials and the
 * environment password, rejected forms, and that no error sentence ever holds the password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/shell/redis_url.h"

#define SECRET "hunter2"

static void parses_ok(const char *text, const char *env_password, redis_url_t *out) {
    nerr_t err = {0};
    int rc = redis_url_parse(text, env_password, out, &err);
    if (rc != 0)
        fail_msg("'%s' was rejected: %s", text, err.msg);
}

static void test_defaults(void **state) {
    (void)state;
    redis_url_t url;
    parses_ok("redis://localhost", NULL, &url);
    assert_string_equal(url.host, "localhost");
    assert_int_equal(url.port, 6379);
    assert_int_equal(url.db, 0);
    assert_string_equal(url.user, "");
    assert_string_equal(url.password, "");

    parses_ok("redis://127.0.0.1/", NULL, &url);
    assert_string_equal(url.host, "127.0.0.1");
    assert_int_equal(url.port, 6379);
    assert_int_equal(url.db, 0);
}

static void test_host_port_db(void **state) {
    (void)state;
    redis_url_t url;
    parses_ok("redis://redis-1.internal_net:6380/3", NULL, &url);
    assert_string_equal(url.host, "redis-1.internal_net");
    assert_int_equal(url.port, 6380);
    assert_int_equal(url.db, 3);

    parses_ok("redis://h:1/15", NULL, &url);
    assert_int_equal(url.port, 1);
    assert_int_equal(url.db, 15);

    parses_ok("redis://h:65535", NULL, &url);
    assert_int_equal(url.port, 65535);

    parses_ok("redis://[::1]:7000/2", NULL, &url);
    assert_string_equal(url.host, "::1");
    assert_int_equal(url.port, 7000);
    assert_int_equal(url.db, 2);
}

static void test_credentials(void **state) {
    (void)state;
    redis_url_t url;
    parses_ok("redis://alice:" SECRET "@h:6379/1", NULL, &url);
    assert_string_equal(url.user, "alice");
    assert_string_equal(url.password, SECRET);
    assert_string_equal(url.host, "h");
    assert_int_equal(url.db, 1);

    parses_ok("redis://:" SECRET "@h", NULL, &url);
    assert_string_equal(url.user, "");
    assert_string_equal(url.password, SECRET);

    /* The last '@' ends the credentials; the first ':' splits user from password. */
    parses_ok("redis://bob:p@ss:w/rd@h:1", NULL, &url);
    assert_string_equal(url.user, "bob");
    assert_string_equal(url.password, "p@ss:w/rd");
    assert_string_equal(url.host, "h");
    assert_int_equal(url.port, 1);
}

static void test_percent_decoding(void **state) {
    (void)state;
    redis_url_t url;
    parses_ok("redis://us%65r%3a1:a%40b%2Fc%25@h", NULL, &url);
    assert_string_equal(url.user, "user:1");
    assert_string_equal(url.password, "a@b/c%");
}

static void test_env_password(void **state) {
    (void)state;
    redis_url_t url;
    parses_ok("redis://h", SECRET, &url);
    assert_string_equal(url.password, SECRET);
    assert_string_equal(url.user, "");

    parses_ok("redis://carol@h", SECRET, &url);
    assert_string_equal(url.user, "carol");
    assert_string_equal(url.password, SECRET);

    /* A password in the URL wins over the environment. */
    parses_ok("redis://:inurl@h", SECRET, &url);
    assert_string_equal(url.password, "inurl");

    parses_ok("redis://h", "", &url);
    assert_string_equal(url.password, "");
}

/* Each bad URL carries the password somewhere, so a message that echoes input shows it. */
static const char *const BAD_URLS[] = {
    NULL,
    "",
    "http://u:" SECRET "@h",
    "rediss://u:" SECRET "@h",
    "redis:/" SECRET,
    "redis://u:" SECRET "@",
    "redis://u:" SECRET "@:6379",
    "redis://u:" SECRET "@h:",
    "redis://u:" SECRET "@h:0",
    "redis://u:" SECRET "@h:65536",
    "redis://u:" SECRET "@h:123456",
    "redis://u:" SECRET "@h:-1",
    "redis://u:" SECRET "@h:63x9",
    "redis://u:" SECRET "@h/x",
    "redis://u:" SECRET "@h/-1",
    "redis://u:" SECRET "@h/1234567890",
    "redis://u:" SECRET "@h/1/2",
    "redis://u:" SECRET "@h?db=1",
    "redis://u:" SECRET "@h#frag",
    "redis://u:" SECRET "@h st",
    "redis://u:" SECRET "@[::1",
    "redis://u:" SECRET "@[zz]:1",
    "redis://u:" SECRET "@[]:1",
    "redis://u:" SECRET "%4@h",
    "redis://u:" SECRET "%@h",
    "redis://u:" SECRET "%00@h",
    "redis://u%zz:" SECRET "@h",
    "redis://user:" SECRET "/h", /* forgot the '@': the password looks like a port */
    "redis://" SECRET ":6379x",
    "redis://only-user@h", /* a user and no password anywhere */
};

static void test_rejects(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof BAD_URLS / sizeof BAD_URLS[0]; i++) {
        redis_url_t url;
        memset(&url, 0x55, sizeof url);
        nerr_t err = {0};
        int rc = redis_url_parse(BAD_URLS[i], NULL, &url, &err);
        if (rc != NERR_INVALID)
            fail_msg("'%s' was accepted (rc %d)", BAD_URLS[i] ? BAD_URLS[i] : "(null)", rc);
        assert_int_equal(err.code, NERR_INVALID);
        assert_non_null(strstr(err.msg, "invalid Redis URL: "));
        assert_true(strlen(err.msg) > strlen("invalid Redis URL: "));
        if (strstr(err.msg, SECRET) != NULL)
            fail_msg("the message for URL #%zu shows the password: %s", i, err.msg);
        /* Nothing of a half-parsed password is left behind in 'out'. */
        assert_null(strstr(url.password, SECRET));
        assert_int_equal(url.password[0], '\0');
    }
}

static void test_too_long(void **state) {
    (void)state;
    char text[700];
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    redis_url_t url;
    nerr_t err = {0};

    snprintf(text, sizeof text, "redis://:%s@h", big);
    assert_int_equal(redis_url_parse(text, NULL, &url, &err), NERR_INVALID);
    assert_non_null(strstr(err.msg, "password is too long"));
    assert_null(strstr(err.msg, "aaaa"));

    snprintf(text, sizeof text, "redis://%s", big);
    assert_int_equal(redis_url_parse(text, NULL, &url, &err), NERR_INVALID);
    assert_non_null(strstr(err.msg, "host is too long"));

    snprintf(text, sizeof text, "redis://%.200s:x@h", big);
    assert_int_equal(redis_url_parse(text, NULL, &url, &err), NERR_INVALID);
    assert_non_null(strstr(err.msg, "user name is too long"));

    /* 255 bytes fit the password exactly; 256 from the environment do not. */
    big[255] = '\0';
    snprintf(text, sizeof text, "redis://:%s@h", big);
    parses_ok(text, NULL, &url);
    assert_int_equal(strlen(url.password), 255);
    big[255] = 'a';
    big[256] = '\0';
    assert_int_equal(redis_url_parse("redis://h", big, &url, &err), NERR_INVALID);
    assert_non_null(strstr(err.msg, "environment"));
    assert_null(strstr(err.msg, "aaaa"));
}

static void test_specific_messages(void **state) {
    (void)state;
    redis_url_t url;
    nerr_t err = {0};
    assert_int_equal(redis_url_parse("redis://h:99999", NULL, &url, &err), NERR_INVALID);
    assert_non_null(strstr(err.msg, "port"));
    assert_int_equal(redis_url_parse("redis://h/abc", NULL, &url, &err), NERR_INVALID);
    assert_non_null(strstr(err.msg, "database"));
    assert_int_equal(redis_url_parse("rediss://h", NULL, &url, &err), NERR_INVALID);
    assert_non_null(strstr(err.msg, "TLS"));
    assert_int_equal(redis_url_parse("redis://u@h", NULL, &url, &err), NERR_INVALID);
    assert_non_null(strstr(err.msg, "no password"));
    /* A NULL error sink is allowed. */
    assert_int_equal(redis_url_parse("nope", NULL, &url, NULL), NERR_INVALID);
}

static void test_describe(void **state) {
    (void)state;
    redis_url_t url;
    char buf[300];
    parses_ok("redis://alice:" SECRET "@cache.local:6380/4", NULL, &url);
    redis_url_describe(&url, buf, sizeof buf);
    assert_string_equal(buf, "cache.local:6380/4");

    parses_ok("redis://[::1]", SECRET, &url);
    redis_url_describe(&url, buf, sizeof buf);
    assert_string_equal(buf, "[::1]:6379/0");

    /* Truncates, always terminated; a zero size writes nothing. */
    char small[6];
    redis_url_describe(&url, small, sizeof small);
    assert_string_equal(small, "[::1]");
    small[0] = 'x';
    redis_url_describe(&url, small, 0);
    assert_int_equal(small[0], 'x');
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_host_port_db),
        cmocka_unit_test(test_credentials),  cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_env_password), cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_too_long),     cmocka_unit_test(test_specific_messages),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
