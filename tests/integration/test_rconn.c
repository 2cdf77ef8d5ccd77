/* test_rconn: rconn against a real redis-server on loopback, whose port comes from
 * NURTURE_TEST_REDIS_PORT (the test is skipped, exit code 77, when it is unset). Covers
 * connect and commands, refused connects with backoff, a killed connection, the command
 * watchdog, the handshake timeout, AUTH/SELECT, and closing from inside a reply callback.
 * Every test ends with uv_loop_close() == 0, so a leaked handle fails it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "engine/shell/log.h"
#include "engine/shell/rconn.h"

#define KEY_PREFIX "nurture:test:rconn:"
#define ACL_USER "nurture_rconn_test"
#define ACL_PASSWORD "s3cret-Pw-4-rconn"
#define WRONG_PASSWORD "not-the-Pw-9-rconn"

static int g_port;

typedef struct {
    uv_loop_t loop;
    uv_timer_t tick; /* keeps UV_RUN_ONCE from sleeping forever between checks */
    uv_timer_t kill_timer;
    rconn_t *conn;
    int ups, downs, closed;
    int replies, nulls;
    int nulls_at_down; /* NULL replies seen when the down state was reported */
    long long client_id;
    int killed;
    char last[512]; /* the last non-NULL reply, as text */
    int last_type;
} fixture_t;

/* ------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------ */

static void on_tick(uv_timer_t *timer) { (void)timer; }

static void fixture_init(fixture_t *fx) {
    memset(fx, 0, sizeof *fx);
    assert_int_equal(uv_loop_init(&fx->loop), 0);
    assert_int_equal(uv_timer_init(&fx->loop, &fx->tick), 0);
    assert_int_equal(uv_timer_init(&fx->loop, &fx->kill_timer), 0);
    fx->tick.data = fx;
    fx->kill_timer.data = fx;
    assert_int_equal(uv_timer_start(&fx->tick, on_tick, 10, 10), 0);
}

/* Closes the fixture's own handles and checks that nothing else is left on the loop. */
static void fixture_finish(fixture_t *fx) {
    uv_close((uv_handle_t *)&fx->tick, NULL);
    uv_close((uv_handle_t *)&fx->kill_timer, NULL);
    assert_int_equal(uv_run(&fx->loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
}

/* Runs the loop until '*counter' reaches 'target' or 'max_ms' passed; returns 1 if reached. */
static int run_until(fixture_t *fx, const int *counter, int target, uint64_t max_ms) {
    uv_update_time(&fx->loop);
    uint64_t end = uv_now(&fx->loop) + max_ms;
    while (*counter < target && uv_now(&fx->loop) < end)
        uv_run(&fx->loop, UV_RUN_ONCE);
    return *counter >= target;
}

static void run_for(fixture_t *fx, uint64_t ms) {
    static const int never = 0;
    run_until(fx, &never, 1, ms);
}

static void on_state(rconn_t *conn, int is_up, void *ud) {
    fixture_t *fx = ud;
    assert_ptr_equal(conn, fx->conn);
    if (is_up) {
        assert_true(rconn_is_up(conn));
        fx->ups++;
    } else {
        assert_false(rconn_is_up(conn));
        fx->downs++;
        fx->nulls_at_down = fx->nulls;
    }
}

static void on_closed(void *ud) {
    fixture_t *fx = ud;
    fx->closed++;
}

/* Records any reply (or its absence) into the fixture. */
static void on_reply(redisAsyncContext *ac, void *reply_ptr, void *privdata) {
    (void)ac;
    fixture_t *fx = privdata;
    const redisReply *reply = reply_ptr;
    if (reply == NULL) {
        fx->nulls++;
        return;
    }
    fx->replies++;
    fx->last_type = reply->type;
    if (reply->type == REDIS_REPLY_INTEGER)
        snprintf(fx->last, sizeof fx->last, "%lld", reply->integer);
    else if (reply->str)
        snprintf(fx->last, sizeof fx->last, "%.*s", (int)reply->len, reply->str);
    else
        fx->last[0] = '\0';
}

static void not_called(redisAsyncContext *ac, void *reply, void *privdata) {
    (void)ac;
    (void)reply;
    (void)privdata;
    fail_msg("a callback was called although its command was refused");
}

static redis_url_t url_for(const char *text) {
    redis_url_t url;
    nerr_t err = {0};
    if (redis_url_parse(text, NULL, &url, &err) != 0)
        fail_msg("%s", err.msg);
    return url;
}

static redis_url_t local_url(int port) {
    char text[64];
    snprintf(text, sizeof text, "redis://127.0.0.1:%d", port);
    return url_for(text);
}

static rconn_t *open_conn(fixture_t *fx, const redis_url_t *url, const rconn_options_t *options) {
    nerr_t err = {0};
    fx->conn = rconn_new(&fx->loop, url, "test", options, on_state, fx, &err);
    if (fx->conn == NULL)
        fail_msg("rconn_new: %s", err.msg);
    assert_int_equal(rconn_start(fx->conn, &err), 0);
    assert_int_not_equal(rconn_start(fx->conn, &err), 0); /* a second start is refused */
    return fx->conn;
}

/* Starts 'fx' with a connection to the test's Redis, with default options, and waits until it
 * is up. */
static void open_conn_up(fixture_t *fx) {
    fixture_init(fx);
    redis_url_t url = local_url(g_port);
    open_conn(fx, &url, NULL);
    assert_true(run_until(fx, &fx->ups, 1, 3000));
}

static void close_conn(fixture_t *fx) {
    int downs = fx->downs, ups = fx->ups;
    rconn_close(fx->conn, on_closed, fx);
    assert_true(run_until(fx, &fx->closed, 1, 2000));
    assert_int_equal(fx->closed, 1);
    /* No state report follows rconn_close. */
    assert_int_equal(fx->downs, downs);
    assert_int_equal(fx->ups, ups);
    fx->conn = NULL;
}

/* A loopback port with nothing listening on it (bound, then released). */
static int unused_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* Runs one command on a fresh synchronous connection; returns the reply (free it). */
static redisReply *sync_command(const char *format, ...) {
    redisContext *c = redisConnect("127.0.0.1", g_port);
    assert_non_null(c);
    if (c->err)
        fail_msg("sync connect: %s", c->errstr);
    va_list ap;
    va_start(ap, format);
    redisReply *reply = redisvCommand(c, format, ap);
    va_end(ap);
    assert_non_null(reply);
    redisFree(c);
    return reply;
}

/* ------------------------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------------------------ */

static void test_connect_and_commands(void **state) {
    (void)state;
    fixture_t fx;
    fixture_init(&fx);
    redis_url_t url = local_url(g_port);
    open_conn(&fx, &url, NULL);
    /* Not up yet: refused, and the callback is never called. */
    assert_false(rconn_is_up(fx.conn));
    assert_int_equal(rconn_command(fx.conn, not_called, NULL, "PING"), -1);

    assert_true(run_until(&fx, &fx.ups, 1, 3000));
    assert_int_equal(fx.downs, 0);
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "PING"), 0);
    assert_true(run_until(&fx, &fx.replies, 1, 2000));
    assert_int_equal(fx.last_type, REDIS_REPLY_STATUS);
    assert_string_equal(fx.last, "PONG");

    const char *set[] = {"SET", KEY_PREFIX "k", "v\0w"};
    const size_t setlen[] = {3, strlen(KEY_PREFIX "k"), 3};
    assert_int_equal(rconn_command_argv(fx.conn, on_reply, &fx, 3, set, setlen), 0);
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "STRLEN %s", KEY_PREFIX "k"), 0);
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "DEL %s", KEY_PREFIX "k"), 0);
    assert_true(run_until(&fx, &fx.replies, 4, 2000));
    assert_string_equal(fx.last, "1");
    assert_int_equal(fx.nulls, 0);
    assert_int_equal(rconn_reconnects(fx.conn), 0);

    close_conn(&fx);
    assert_int_equal(fx.ups, 1);
    assert_int_equal(fx.downs, 0);
    fixture_finish(&fx);
}

/* A command larger than the socket takes at once: the rest is written as the socket drains
 * (the write that the loop turn started waits for the poll), and the replies keep order. */
static void test_write_larger_than_the_socket_takes(void **state) {
    (void)state;
    fixture_t fx;
    open_conn_up(&fx);
    size_t size = 32u << 20; /* far past a loopback socket's send buffer */
    char *value = malloc(size);
    assert_non_null(value);
    memset(value, 'x', size);
    const char *set[] = {"SET", KEY_PREFIX "big", value};
    const size_t setlen[] = {3, strlen(KEY_PREFIX "big"), size};
    assert_int_equal(rconn_command_argv(fx.conn, on_reply, &fx, 3, set, setlen), 0);
    free(value); /* the command is formatted into hiredis's buffer */
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "STRLEN %s", KEY_PREFIX "big"), 0);
    assert_true(run_until(&fx, &fx.replies, 2, 10000));
    assert_string_equal(fx.last, "33554432");
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "DEL %s", KEY_PREFIX "big"), 0);
    assert_true(run_until(&fx, &fx.replies, 3, 2000));
    assert_string_equal(fx.last, "1");
    assert_int_equal(fx.nulls, 0);
    close_conn(&fx);
    fixture_finish(&fx);
}

static void test_refused_connect_backs_off(void **state) {
    (void)state;
    fixture_t fx;
    fixture_init(&fx);
    redis_url_t url = local_url(unused_port());
    rconn_options_t options = {
        .connect_timeout_ms = 500, .backoff_min_ms = 20, .backoff_max_ms = 80};
    open_conn(&fx, &url, &options);
    run_for(&fx, 700);
    /* Down reported once, not once per attempt; never up. */
    assert_int_equal(fx.downs, 1);
    assert_int_equal(fx.ups, 0);
    assert_false(rconn_is_up(fx.conn));
    assert_int_equal(rconn_command(fx.conn, not_called, NULL, "PING"), -1);
    /* Retried, but with delays of 10..80 ms, not in a tight loop. */
    uint64_t reconnects = rconn_reconnects(fx.conn);
    print_message("refused: %llu reconnects in 700 ms\n", (unsigned long long)reconnects);
    assert_true(reconnects >= 4);
    assert_true(reconnects <= 30);
    close_conn(&fx);
    fixture_finish(&fx);
}

static void on_client_id(redisAsyncContext *ac, void *reply_ptr, void *privdata) {
    (void)ac;
    fixture_t *fx = privdata;
    const redisReply *reply = reply_ptr;
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    fx->client_id = reply->integer;
}

static void on_kill_timer(uv_timer_t *timer) {
    fixture_t *fx = timer->data;
    redisReply *reply = sync_command("CLIENT KILL ID %lld", fx->client_id);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    fx->killed = (int)reply->integer;
    freeReplyObject(reply);
}

static void test_killed_connection_reconnects(void **state) {
    (void)state;
    fixture_t fx;
    fixture_init(&fx);
    redis_url_t url = local_url(g_port);
    rconn_options_t options = {
        .backoff_min_ms = 20, .backoff_max_ms = 50, .command_timeout_ms = 5000};
    open_conn(&fx, &url, &options);
    assert_true(run_until(&fx, &fx.ups, 1, 3000));

    assert_int_equal(rconn_command(fx.conn, on_client_id, &fx, "CLIENT ID"), 0);
    /* Two commands left pending: a blocked pop and a PING queued behind it. */
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "BLPOP %s 3", KEY_PREFIX "none"), 0);
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "PING"), 0);
    assert_int_equal(uv_timer_start(&fx.kill_timer, on_kill_timer, 150, 0), 0);

    assert_true(run_until(&fx, &fx.downs, 1, 2000));
    assert_int_equal(fx.killed, 1);
    assert_true(fx.client_id > 0);
    /* Both pending callbacks got NULL before the down report, none got a reply. */
    assert_int_equal(fx.nulls_at_down, 2);
    assert_int_equal(fx.replies, 0);

    assert_true(run_until(&fx, &fx.ups, 2, 3000));
    assert_int_equal(rconn_reconnects(fx.conn), 1);
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "PING"), 0);
    assert_true(run_until(&fx, &fx.replies, 1, 2000));
    assert_string_equal(fx.last, "PONG");
    assert_int_equal(fx.downs, 1);
    close_conn(&fx);
    fixture_finish(&fx);
}

static void test_watchdog_drops_stuck_command(void **state) {
    (void)state;
    fixture_t fx;
    fixture_init(&fx);
    redis_url_t url = local_url(g_port);
    rconn_options_t options = {
        .command_timeout_ms = 200, .backoff_min_ms = 20, .backoff_max_ms = 50};
    open_conn(&fx, &url, &options);
    assert_true(run_until(&fx, &fx.ups, 1, 3000));
    uv_update_time(&fx.loop);
    uint64_t started = uv_now(&fx.loop);
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "BLPOP %s 3", KEY_PREFIX "none"), 0);
    assert_true(run_until(&fx, &fx.downs, 1, 2000));
    uint64_t waited = uv_now(&fx.loop) - started;
    print_message("watchdog fired after %llu ms\n", (unsigned long long)waited);
    assert_true(waited >= 190 && waited < 1000);
    assert_int_equal(fx.nulls, 1);
    assert_true(run_until(&fx, &fx.ups, 2, 3000));
    close_conn(&fx);
    fixture_finish(&fx);
}

static void test_handshake_timeout(void **state) {
    (void)state;
    /* A listener that never accepts nor answers: TCP connects, the PING never returns. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 8), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);

    fixture_t fx;
    fixture_init(&fx);
    redis_url_t url = local_url(ntohs(sa.sin_port));
    rconn_options_t options = {
        .connect_timeout_ms = 100, .backoff_min_ms = 10, .backoff_max_ms = 20};
    open_conn(&fx, &url, &options);
    assert_true(run_until(&fx, &fx.downs, 1, 1000));
    run_for(&fx, 500);
    assert_int_equal(fx.ups, 0);
    assert_int_equal(fx.downs, 1);
    assert_true(rconn_reconnects(fx.conn) >= 2);
    close_conn(&fx);
    fixture_finish(&fx);
    close(fd);
}

static void test_auth_and_select(void **state) {
    (void)state;
    redisReply *reply =
        sync_command("ACL SETUSER %s reset on >%s ~* &* +@all", ACL_USER, ACL_PASSWORD);
    assert_int_equal(reply->type, REDIS_REPLY_STATUS);
    freeReplyObject(reply);

    /* Capture the log to check it never shows a password. */
    fflush(stderr);
    FILE *log_file = tmpfile();
    assert_non_null(log_file);
    int saved_stderr = dup(STDERR_FILENO);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(fileno(log_file), STDERR_FILENO) >= 0);
    log_level_t saved_threshold = log_threshold;
    log_threshold = LOG_DEBUG;

    fixture_t fx;
    fixture_init(&fx);
    char text[160];
    snprintf(text, sizeof text, "redis://%s:%s@127.0.0.1:%d/3", ACL_USER, ACL_PASSWORD, g_port);
    redis_url_t url = url_for(text);
    open_conn(&fx, &url, NULL);
    int is_up = run_until(&fx, &fx.ups, 1, 3000);
    if (is_up)
        rconn_command(fx.conn, on_reply, &fx, "CLIENT INFO");
    int has_info = run_until(&fx, &fx.replies, 1, 2000);
    char info[sizeof fx.last];
    memcpy(info, fx.last, sizeof info);
    close_conn(&fx);
    fixture_finish(&fx);

    /* The wrong password: reported down, retried, never up. */
    fixture_init(&fx);
    snprintf(text, sizeof text, "redis://%s:%s@127.0.0.1:%d", ACL_USER, WRONG_PASSWORD, g_port);
    url = url_for(text);
    rconn_options_t options = {.backoff_min_ms = 20, .backoff_max_ms = 40};
    open_conn(&fx, &url, &options);
    int is_down = run_until(&fx, &fx.downs, 1, 3000);
    run_for(&fx, 200);
    int bad_ups = fx.ups, bad_downs = fx.downs;
    uint64_t bad_reconnects = rconn_reconnects(fx.conn);
    close_conn(&fx);
    fixture_finish(&fx);

    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    log_threshold = saved_threshold;
    reply = sync_command("ACL DELUSER %s", ACL_USER);
    freeReplyObject(reply);

    char logged[16384];
    rewind(log_file);
    size_t n = fread(logged, 1, sizeof logged - 1, log_file);
    logged[n] = '\0';
    fclose(log_file);

    assert_true(is_up);
    assert_true(has_info);
    print_message("CLIENT INFO: %.80s...\n", info);
    assert_non_null(strstr(info, " db=3 "));
    assert_non_null(strstr(info, " user=" ACL_USER " "));
    assert_true(is_down);
    assert_int_equal(bad_ups, 0);
    assert_int_equal(bad_downs, 1);
    assert_true(bad_reconnects >= 1);
    assert_non_null(strstr(logged, "AUTH"));
    assert_null(strstr(logged, ACL_PASSWORD));
    assert_null(strstr(logged, WRONG_PASSWORD));
}

static void on_reply_then_close(redisAsyncContext *ac, void *reply_ptr, void *privdata) {
    fixture_t *fx = privdata;
    assert_non_null(reply_ptr);
    on_reply(ac, reply_ptr, privdata);
    rconn_close(fx->conn, on_closed, fx);
    rconn_close(fx->conn, on_closed, fx); /* a second close is ignored */
    assert_false(rconn_is_up(fx->conn));
    assert_int_equal(rconn_command(fx->conn, not_called, NULL, "PING"), -1);
    assert_int_equal(fx->closed, 0); /* freed later, from the loop */
}

static void test_close_inside_reply_callback(void **state) {
    (void)state;
    fixture_t fx;
    open_conn_up(&fx);
    /* Both replies arrive in one read; the second must get NULL after the hard close. */
    assert_int_equal(rconn_command(fx.conn, on_reply_then_close, &fx, "PING"), 0);
    assert_int_equal(rconn_command(fx.conn, on_reply, &fx, "ECHO %s", "late"), 0);
    assert_true(run_until(&fx, &fx.closed, 1, 2000));
    assert_int_equal(fx.replies, 1);
    assert_string_equal(fx.last, "PONG");
    assert_int_equal(fx.nulls, 1);
    assert_int_equal(fx.downs, 0);
    fixture_finish(&fx);
    assert_int_equal(fx.closed, 1);
}

static void on_state_close_when_down(rconn_t *conn, int is_up, void *ud) {
    fixture_t *fx = ud;
    on_state(conn, is_up, ud);
    if (!is_up)
        rconn_close(conn, on_closed, fx);
}

static void test_close_inside_state_callback(void **state) {
    (void)state;
    fixture_t fx;
    fixture_init(&fx);
    redis_url_t url = local_url(unused_port());
    nerr_t err = {0};
    fx.conn = rconn_new(&fx.loop, &url, "test", NULL, on_state_close_when_down, &fx, &err);
    assert_non_null(fx.conn);
    assert_int_equal(rconn_start(fx.conn, &err), 0);
    assert_true(run_until(&fx, &fx.closed, 1, 3000));
    assert_int_equal(fx.downs, 1);
    fixture_finish(&fx);
}

static void test_close_before_start_and_bad_options(void **state) {
    (void)state;
    fixture_t fx;
    fixture_init(&fx);
    redis_url_t url = local_url(g_port);
    nerr_t err = {0};
    rconn_options_t bad = {.backoff_min_ms = 500, .backoff_max_ms = 100};
    assert_null(rconn_new(&fx.loop, &url, "test", &bad, on_state, &fx, &err));
    assert_int_equal(err.code, NERR_INVALID);
    rconn_options_t negative = {.connect_timeout_ms = -1};
    assert_null(rconn_new(&fx.loop, &url, "test", &negative, on_state, &fx, &err));
    fx.conn = rconn_new(&fx.loop, &url, "test", NULL, on_state, &fx, &err);
    assert_non_null(fx.conn);
    close_conn(&fx);
    assert_int_equal(fx.ups + fx.downs, 0);
    fixture_finish(&fx);
}

int main(void) {
    const char *port = getenv("NURTURE_TEST_REDIS_PORT");
    if (port == NULL || *port == '\0') {
        printf("test_rconn: skipped: set NURTURE_TEST_REDIS_PORT to the port of a "
               "redis-server on 127.0.0.1\n");
        return 77;
    }
    g_port = atoi(port);
    if (g_port <= 0 || g_port > 65535) {
        printf("test_rconn: NURTURE_TEST_REDIS_PORT is not a port: %s\n", port);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_and_commands),
        cmocka_unit_test(test_write_larger_than_the_socket_takes),
        cmocka_unit_test(test_refused_connect_backs_off),
        cmocka_unit_test(test_killed_connection_reconnects),
        cmocka_unit_test(test_watchdog_drops_stuck_command),
        cmocka_unit_test(test_handshake_timeout),
        cmocka_unit_test(test_auth_and_select),
        cmocka_unit_test(test_close_inside_reply_callback),
        cmocka_unit_test(test_close_inside_state_callback),
        cmocka_unit_test(test_close_before_start_and_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
