/* test_sandbox: escape attempts against the playbook sandbox (fixtures: the folders
 * playbooks/sandbox_<what>). Each must be refused with a known message, and promptly: a refusal
 * that takes more than REFUSAL_MAX_S means something ran unhooked. test_playbook.c covers the
 * basic globals, the budget, the memory cap, __gc and bytecode files; this extends it.
 * Depends on playbook (playbook_lua.c), contact and event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/core/playbook.h"

#define REFUSAL_MAX_S 2.0 /* generous: catches hangs, not slowness */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ends_with(const char *text, const char *suffix) {
    size_t n = strlen(text), k = strlen(suffix);
    return n >= k && strcmp(text + n - k, suffix) == 0;
}

static void expect_fragment(const char *message, const char *fragment) {
    if (strstr(message, fragment) == NULL)
        print_error("message:  %s\nexpected: ...%s...\n", message, fragment);
    assert_non_null(strstr(message, fragment));
}

static playbook_t *load(const char *name, nerr_t *err) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", FIXTURES_DIR, name);
    return playbook_load(dir, err);
}

/* Loads fixture 'name', expecting it to be refused within REFUSAL_MAX_S with 'fragment'. */
static void expect_load_refused(const char *name, const char *fragment) {
    nerr_t err = {0, ""};
    double start = now_s();
    playbook_t *pb = load(name, &err);
    double took = now_s() - start;
    if (pb != NULL) {
        playbook_free(pb);
        fail_msg("playbook %s loaded but should not have", name);
    }
    assert_int_equal(err.code, NERR_INVALID);
    expect_fragment(err.msg, "/main.lua:");
    expect_fragment(err.msg, fragment);
    assert_true(took < REFUSAL_MAX_S);
}

/* ---- refused while loading -------------------------------------------------------------- */

static void test_load_io(void **state) {
    (void)state;
    expect_load_refused("sandbox_load_io", "attempt to index a nil value (global 'io')");
}

static void test_load_pattern(void **state) {
    (void)state;
    expect_load_refused("sandbox_load_pattern",
                        "string.find: the pattern could take too long on a subject of 60000 "
                        "bytes (anchor it with '^', repeat fewer items or shorten the subject)");
}

static void test_load_string_metatable(void **state) {
    (void)state;
    expect_load_refused("sandbox_load_metatable", "attempt to index a boolean value");
}

/* ---- refused while running a rule ------------------------------------------------------- */

typedef struct {
    playbook_t *pb;
    contact_t contact;
    event_t event;
} fixture_t;

static int setup(void **state) {
    static fixture_t f;
    nerr_t err = {0, ""};
    f.pb = load("sandbox_escapes", &err);
    if (f.pb == NULL)
        print_error("sandbox_escapes failed to load: %s\n", err.msg);
    assert_non_null(f.pb);
    const char *text = "{\"id\":\"e1\",\"contact\":\"c-1\",\"type\":\"page_view\","
                       "\"at\":\"2026-11-23T09:00:00Z\"}";
    assert_int_equal(event_parse(text, strlen(text), &f.event, NULL), 0);
    assert_int_equal(contact_init(&f.contact, "c-1", NULL), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    event_close(&f->event);
    contact_close(&f->contact);
    playbook_free(f->pb);
    return 0;
}

static int run_rule(fixture_t *f, const char *name, int *is_true, nerr_t *err, double *took) {
    const rule_t *rule = playbook_find_rule(f->pb, name);
    if (rule == NULL)
        fail_msg("no rule %s", name);
    double start = now_s();
    int rc = playbook_eval_when(f->pb, rule, &f->contact, &f->event, is_true, NULL, err);
    *took = now_s() - start;
    return rc;
}

/* Runs rule 'name': it must fail within REFUSAL_MAX_S with 'fragment' in its message, and a
 * good rule must still run after it. */
static void expect_refused(void **state, const char *name, const char *fragment) {
    fixture_t *f = *state;
    int is_true;
    double took;
    nerr_t err = {0, ""};
    assert_int_equal(run_rule(f, name, &is_true, &err, &took), NERR_RULE);
    expect_fragment(err.msg, fragment);
    char suffix[128];
    snprintf(suffix, sizeof suffix, " (rule %s)", name);
    assert_true(ends_with(err.msg, suffix));
    if (took >= REFUSAL_MAX_S)
        print_error("rule %s took %.2f s to be refused\n", name, took);
    assert_true(took < REFUSAL_MAX_S);
    assert_int_equal(run_rule(f, "ok", &is_true, &err, &took), 0);
    assert_int_equal(is_true, 1);
}

static void expect_true(void **state, const char *name) {
    fixture_t *f = *state;
    int is_true;
    double took;
    nerr_t err = {0, ""};
    int rc = run_rule(f, name, &is_true, &err, &took);
    if (rc != 0)
        print_error("rule %s: %s\n", name, err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(is_true, 1);
    assert_true(took < REFUSAL_MAX_S);
}

static void test_no_files_processes_or_loaders(void **state) {
    expect_refused(state, "io_open", "main.lua:5: attempt to index a nil value (global 'io')");
    expect_refused(state, "os_execute", "main.lua:6: attempt to index a nil value (global 'os')");
    expect_refused(state, "io_popen", "main.lua:7: attempt to index a nil value (global 'io')");
    expect_refused(state, "require", "main.lua:8: attempt to call a nil value (global 'require')");
    expect_refused(state, "dofile", "main.lua:9: attempt to call a nil value (global 'dofile')");
    expect_refused(state, "load_bytecode",
                   "main.lua:11: attempt to call a nil value (global 'load')");
    expect_refused(state, "string_dump",
                   "main.lua:14: attempt to call a nil value (field 'dump')");
    expect_refused(state, "debug_sethook",
                   "main.lua:15: attempt to index a nil value (global 'debug')");
    expect_refused(state, "coroutine",
                   "main.lua:16: attempt to index a nil value (global 'coroutine')");
    expect_refused(state, "rawset_back",
                   "attempt to call a nil value (global 'load')");
}

/* The whole surface a rule reaches, so that anything added to it is a decision. */
static void test_surface(void **state) { expect_true(state, "surface"); }

static void test_budget_reaches_callbacks(void **state) {
    expect_refused(state, "loop_in_gsub", "instruction budget of 1000000 exceeded");
    expect_refused(state, "loop_in_sort", "instruction budget of 1000000 exceeded");
    /* A handler run inside the error raised by the hook would run with hooks off. */
    expect_refused(state, "loop_in_handler", "instruction budget of 1000000 exceeded");
    /* As a tail call, pcall would have ended the rule with a result. */
    expect_refused(state, "pcall_tail", "instruction budget of 1000000 exceeded");
}

static void test_memory(void **state) {
    expect_refused(state, "rep_cap",
                   "string.rep: a result of 1048577 bytes is over the limit of 1048576 in rules");
    expect_refused(state, "rep_separator",
                   "string.rep: a result of 1048579 bytes is over the limit of 1048576 in rules");
    expect_refused(state, "doubling", "memory cap of 67108864 bytes reached");
    expect_true(state, "rep_empty"); /* the real one loops 2^63 times over nothing */
}

static void test_patterns(void **state) {
    expect_refused(state, "pattern_find",
                   "string.find: the pattern could take too long on a subject of "
                   "60000 bytes");
    expect_refused(state, "pattern_method",
                   "string.match: the pattern could take too long on a subject of 20000 bytes");
    expect_refused(state, "pattern_gmatch",
                   "string.gmatch: the pattern could take too long on a subject of 20000 bytes");
    expect_refused(state, "pattern_gsub",
                   "string.gsub: the pattern could take too long on a subject of 20000 bytes");
    expect_refused(state, "long_subject",
                   "string.find: a subject of 65537 bytes is over the limit of 65536 in rules");
    expect_refused(state, "long_pattern",
                   "string.find: a pattern of 257 bytes is over the limit of 256 in rules");
    expect_true(state, "pattern_fine");
}

static void test_table_lengths(void **state) {
    expect_refused(state, "insert_len", "table.insert: more than 1048576 elements in rules");
    expect_refused(state, "remove_len", "table.remove: more than 1048576 elements in rules");
    expect_refused(state, "move_range", "table.move: more than 1048576 elements in rules");
}

static void test_metatables(void **state) {
    expect_refused(state, "string_meta_read", "attempt to index a boolean value");
    expect_refused(state, "string_meta_rawset",
                   "bad argument #1 to 'rawset' (table expected, got boolean)");
    expect_refused(state, "gc_behind_index", "metatables with __gc are not allowed in playbooks");
}

static void test_no_declarations_at_run_time(void **state) {
    expect_refused(state, "declare_late", "declarations are only allowed while the playbook loads");
    expect_refused(state, "declare_held", "declarations are only allowed while the playbook loads");
}

int main(void) {
    const struct CMUnitTest load_tests[] = {
        cmocka_unit_test(test_load_io),
        cmocka_unit_test(test_load_pattern),
        cmocka_unit_test(test_load_string_metatable),
    };
    const struct CMUnitTest run_tests[] = {
        cmocka_unit_test(test_no_files_processes_or_loaders),
        cmocka_unit_test(test_surface),
        cmocka_unit_test(test_budget_reaches_callbacks),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_table_lengths),
        cmocka_unit_test(test_metatables),
        cmocka_unit_test(test_no_declarations_at_run_time),
    };
    int failed = cmocka_run_group_tests(load_tests, NULL, NULL);
    return failed + cmocka_run_group_tests(run_tests, setup, teardown);
}
