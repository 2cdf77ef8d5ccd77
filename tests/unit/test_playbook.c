/* test_playbook: loading playbook folders (tests/unit/playbooks/<name>/), their errors as
 * "file:line: message", the sandbox, the instruction budget, the memory cap and the version
 * hash. Depends on playbook (playbook_lua.c), contact and event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/core/playbook.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)

static playbook_t *load(const char *name, nerr_t *err) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", FIXTURES_DIR, name);
    return playbook_load(dir, err);
}

static playbook_t *load_ok(const char *name) {
    nerr_t err = {0, ""};
    playbook_t *pb = load(name, &err);
    if (pb == NULL)
        print_error("playbook %s failed to load: %s\n", name, err.msg);
    assert_non_null(pb);
    return pb;
}

static int ends_with(const char *text, const char *suffix) {
    size_t n = strlen(text), k = strlen(suffix);
    return n >= k && strcmp(text + n - k, suffix) == 0;
}

/* Loads fixture 'name', expects it to fail with 'code', and checks that the message reads
 * ".../<name>/<file>:<line>: <message>". Lua shortens long chunk names from the left, so
 * only the end of the path is compared. */
static void expect_load_error(const char *name, int code, const char *file, int line,
                              const char *message) {
    nerr_t err = {0, ""};
    playbook_t *pb = load(name, &err);
    if (pb != NULL) {
        playbook_free(pb);
        fail_msg("playbook %s loaded but should not have", name);
    }
    char suffix[512];
    snprintf(suffix, sizeof suffix, "%s/%s:%d: %s", name, file, line, message);
    if (!ends_with(err.msg, suffix))
        print_error("message:  %s\nexpected: ...%s\n", err.msg, suffix);
    assert_int_equal(err.code, code);
    assert_true(ends_with(err.msg, suffix));
}

static const rule_t *find_rule(const playbook_t *pb, const char *name) {
    for (int i = 0; i < playbook_rule_count(pb); i++)
        if (strcmp(playbook_rule(pb, i)->name, name) == 0)
            return playbook_rule(pb, i);
    fail_msg("no rule %s", name);
    return NULL;
}

/* ---- a good playbook -------------------------------------------------------------------- */

static void test_good_catalogue(void **state) {
    (void)state;
    playbook_t *pb = load_ok("good");
    static const char *const stages[] = {"unaware",     "problem_aware", "interested",
                                         "researching", "evaluating",    "purchasing",
                                         "onboarding",  "retained",      "advocate"};
    assert_int_equal(playbook_stage_count(pb), 9);
    for (int i = 0; i < 9; i++)
        assert_string_equal(playbook_stage(pb, i), stages[i]);
    assert_true(playbook_half_life_ms(pb, "anxiety") == 7 * DAY_MS);
    assert_true(playbook_half_life_ms(pb, "price_worry") == 14 * DAY_MS);
    assert_true(playbook_half_life_ms(pb, "undeclared") == 14 * DAY_MS);

    const content_t *cs = playbook_content(pb, "case_study");
    assert_non_null(cs);
    assert_string_equal(cs->id, "case_study");
    assert_string_equal(cs->title, "How Acme cut churn");
    assert_string_equal(cs->url, "https://example.com/case");
    assert_string_equal(cs->channel, "email");
    const content_t *pg = playbook_content(pb, "pricing_guide");
    assert_string_equal(pg->title, "\xe6\x96\x99\xe9\x87\x91\xe3\x82\xac\xe3\x82\xa4\xe3\x83\x89");
    assert_null(pg->url);
    assert_null(pg->channel);
    assert_null(playbook_content(pb, "nope"));

    const char *version = playbook_version(pb);
    assert_int_equal(strlen(version), 16);
    assert_int_equal(strspn(version, "0123456789abcdef"), 16);
    playbook_free(pb);
}

static void test_good_rule_order(void **state) {
    (void)state;
    playbook_t *pb = load_ok("good");
    /* Infer and advance in file order, then act by descending priority, ties in file order. */
    static const char *const order[] = {"faq_loop_means_worry",
                                        "pricing_means_evaluating",
                                        "reassure",
                                        "tie_first",
                                        "tie_second",
                                        "low"};
    assert_int_equal(playbook_rule_count(pb), 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(playbook_rule(pb, i)->name, order[i]);
    playbook_free(pb);
}

static void test_good_rule_fields(void **state) {
    (void)state;
    playbook_t *pb = load_ok("good");
    const rule_t *infer = find_rule(pb, "faq_loop_means_worry");
    assert_int_equal(infer->kind, RULE_INFER);
    assert_true(ends_with(infer->file, "/good/20_rules.lua"));
    assert_int_equal(infer->line, 1);
    assert_int_equal(infer->on_count, 1);
    assert_string_equal(infer->on[0], "page_view");
    assert_int_equal(infer->effect_count, 2);
    assert_string_equal(infer->effects[0].state, "anxiety");
    assert_true(infer->effects[0].delta == 0.6);
    assert_string_equal(infer->effects[1].state, "price_worry");
    assert_true(infer->effects[1].delta == -0.25);
    assert_string_equal(infer->because, "Reads the FAQ again and again");

    const rule_t *advance = find_rule(pb, "pricing_means_evaluating");
    assert_int_equal(advance->kind, RULE_ADVANCE);
    assert_int_equal(advance->line, 16);
    assert_int_equal(advance->stage_count, 2);
    assert_string_equal(advance->stages[0], "researching");
    assert_string_equal(advance->stages[1], "interested");
    assert_string_equal(advance->to_stage, "evaluating");

    const rule_t *reassure = find_rule(pb, "reassure");
    assert_int_equal(reassure->kind, RULE_ACT);
    assert_int_equal(reassure->line, 23);
    assert_int_equal(reassure->action_kind, ACTION_CONTENT);
    assert_string_equal(reassure->content, "case_study");
    assert_string_equal(reassure->channel, "sms");
    assert_true(reassure->after_ms == HOUR_MS);
    assert_true(reassure->cooldown_ms == 14 * DAY_MS);
    assert_int_equal(reassure->priority, 10);
    assert_int_equal(reassure->stage_count, 2);

    const rule_t *tie_first = find_rule(pb, "tie_first");
    assert_int_equal(tie_first->stage_count, 1); /* a single string is a list of one */
    assert_string_equal(tie_first->stages[0], "evaluating");
    assert_true(tie_first->after_ms == 0);
    assert_true(tie_first->cooldown_ms == 7 * DAY_MS); /* the default cooldown */

    const rule_t *tie_second = find_rule(pb, "tie_second");
    assert_null(tie_second->content); /* chosen by a function */
    assert_null(tie_second->channel);
    assert_int_equal(tie_second->stage_count, 0);

    const rule_t *low = find_rule(pb, "low");
    assert_int_equal(low->action_kind, ACTION_TASK);
    assert_string_equal(low->task_role, "inside_sales");
    assert_string_equal(low->task_title, "Call them");
    assert_string_equal(low->channel, "task");
    assert_true(low->after_ms == 2 * HOUR_MS);
    assert_int_equal(low->on_count, 0);
    playbook_free(pb);
}

static void test_custom_stages(void **state) {
    (void)state;
    playbook_t *pb = load_ok("custom_stages");
    assert_int_equal(playbook_stage_count(pb), 4);
    assert_string_equal(playbook_stage(pb, 0), "lead");
    assert_string_equal(playbook_stage(pb, 3), "opportunity");
    const rule_t *rule = find_rule(pb, "qualified");
    assert_int_equal(rule->stage_count, 1);
    assert_string_equal(rule->to_stage, "mql");
    playbook_free(pb);
}

/* ---- load errors ------------------------------------------------------------------------ */

static void test_syntax_error(void **state) {
    (void)state;
    expect_load_error("syntax_error", NERR_INVALID, "main.lua", 5,
                      "'}' expected (to close '{' at line 3) near 'raise'");
}

static void test_unknown_stage(void **state) {
    (void)state;
    expect_load_error("unknown_stage", NERR_INVALID, "main.lua", 3,
                      "reassure: unknown stage 'nowhere'");
    expect_load_error("unknown_to_stage", NERR_INVALID, "main.lua", 2,
                      "skip_ahead: unknown stage 'closed_won'");
}

static void test_unknown_content(void **state) {
    (void)state;
    expect_load_error("unknown_content", NERR_INVALID, "main.lua", 4,
                      "reassure: unknown content 'case_stuyd'");
}

static void test_bad_duration(void **state) {
    (void)state;
    expect_load_error("bad_duration", NERR_INVALID, "main.lua", 2,
                      "reassure: 'after': '1 hour' is not a duration (a whole number and one of "
                      "s, m, h, d, w: \"90s\", \"1h\", \"14d\")");
}

static void test_duplicate_rule(void **state) {
    (void)state;
    char message[1024];
    snprintf(message, sizeof message,
             "duplicate rule name 'faq_loop' (first declared at %s/duplicate_rule/a.lua:1)",
             FIXTURES_DIR);
    expect_load_error("duplicate_rule", NERR_INVALID, "b.lua", 3, message);
}

static void test_unknown_field(void **state) {
    (void)state;
    expect_load_error("unknown_field", NERR_INVALID, "main.lua", 3,
                      "reassure: unknown field 'cooldwon'");
}

static void test_bad_stage_list(void **state) {
    (void)state;
    expect_load_error("bad_stage_list", NERR_INVALID, "main.lua", 2,
                      "reassure: 'stage' must list strings");
}

static void test_bad_where(void **state) {
    (void)state;
    expect_load_error("bad_where", NERR_INVALID, "main.lua", 1,
                      "worry: 'where' compares touchpoint fields with strings, numbers or booleans");
}

static void test_missing_or_empty_folder(void **state) {
    (void)state;
    nerr_t err = {0, ""};
    assert_null(load("does_not_exist", &err));
    assert_int_equal(err.code, NERR_IO);
    assert_true(ends_with(err.msg, "/does_not_exist: No such file or directory"));
    assert_null(load("empty", &err));
    assert_int_equal(err.code, NERR_INVALID);
    assert_true(ends_with(err.msg, "/empty: no .lua files in the playbook"));
    playbook_free(NULL);
}

/* ---- sandbox ---------------------------------------------------------------------------- */

static void test_sandbox_globals(void **state) {
    (void)state;
    /* The fixture asserts at load time that every forbidden global is nil. */
    playbook_t *pb = load_ok("sandbox_globals");
    assert_int_equal(playbook_rule_count(pb), 1);
    playbook_free(pb);
}

static void test_gc_metatable_refused(void **state) {
    (void)state;
    expect_load_error("gc_metatable", NERR_INVALID, "main.lua", 3,
                      "metatables with __gc are not allowed in playbooks");
}

static void test_endless_loop_at_load(void **state) {
    (void)state;
    nerr_t err = {0, ""};
    assert_null(load("endless_load", &err));
    assert_int_equal(err.code, NERR_INVALID);
    assert_non_null(strstr(err.msg, "endless_load/main.lua:"));
    assert_true(ends_with(err.msg, ": instruction budget of 1000000 exceeded"));
}

static void test_memory_bomb_at_load(void **state) {
    (void)state;
    nerr_t err = {0, ""};
    assert_null(load("memory_bomb_load", &err));
    assert_int_equal(err.code, NERR_INVALID);
    assert_string_equal(err.msg, "not enough memory");
}

/* A contact and an event for evaluating rules directly. */
typedef struct {
    contact_t contact;
    event_t event;
} subject_t;

static void subject_init(subject_t *s) {
    const char *text = "{\"id\":\"e1\",\"contact\":\"c-1\",\"type\":\"page_view\","
                       "\"at\":\"2026-11-23T09:00:00Z\",\"props\":{\"page_type\":\"faq\"}}";
    assert_int_equal(event_parse(text, strlen(text), &s->event, NULL), 0);
    assert_int_equal(contact_init(&s->contact, "c-1", NULL), 0);
}

static void subject_close(subject_t *s) {
    event_close(&s->event);
    contact_close(&s->contact);
}

/* Runs rule 'name' and returns its code; the message goes to 'err'. */
static int eval(playbook_t *pb, subject_t *s, const char *name, int *is_true, nerr_t *err) {
    *is_true = -1;
    return playbook_eval_when(pb, find_rule(pb, name), &s->contact, &s->event, is_true, NULL, err);
}

static void expect_rule_error(playbook_t *pb, subject_t *s, const char *name,
                              const char *message_end) {
    int is_true;
    nerr_t err = {0, ""};
    assert_int_equal(eval(pb, s, name, &is_true, &err), NERR_RULE);
    assert_int_equal(err.code, NERR_RULE);
    if (!ends_with(err.msg, message_end))
        print_error("message:  %s\nexpected: ...%s\n", err.msg, message_end);
    assert_true(ends_with(err.msg, message_end));
    /* The state survives: a good rule still runs right after. */
    assert_int_equal(eval(pb, s, "ok", &is_true, &err), 0);
    assert_int_equal(is_true, 1);
}

static void test_sandbox_at_run_time(void **state) {
    (void)state;
    playbook_t *pb = load_ok("sandbox_runtime");
    subject_t s;
    subject_init(&s);
    int is_true;
    nerr_t err = {0, ""};
    assert_int_equal(eval(pb, &s, "ok", &is_true, &err), 0);
    assert_int_equal(is_true, 1);

    expect_rule_error(pb, &s, "endless",
                      "main.lua:2: instruction budget of 1000000 exceeded (rule endless)");
    /* The hook stays armed, so the rule's own pcall cannot swallow the budget error. */
    expect_rule_error(pb, &s, "endless_pcall",
                      "main.lua:5: instruction budget of 1000000 exceeded (rule endless_pcall)");
    expect_rule_error(pb, &s, "memory_bomb", "main.lua:9: memory cap of 67108864 bytes reached (rule memory_bomb)");
    expect_rule_error(pb, &s, "table_bomb", "main.lua:10: memory cap of 67108864 bytes reached (rule table_bomb)");
    expect_rule_error(pb, &s, "gc",
                      "main.lua:18: metatables with __gc are not allowed in playbooks (rule gc)");
    expect_rule_error(pb, &s, "write_contact",
                      "main.lua:19: 'stage' is read-only in rules (rule write_contact)");
    expect_rule_error(pb, &s, "error_table", "(error object is a table value) (rule error_table)");
    /* Rules left the contact as it was. */
    assert_null(s.contact.stage);
    assert_int_equal(s.contact.mind.count, 0);
    subject_close(&s);
    playbook_free(pb);
}

/* ---- running a list of rules in one protected call ------------------------------------- */

#define RUN_MAX 16

/* What a visitor saw of a playbook_run_rules call. */
typedef struct {
    const char *names[RUN_MAX];
    int is_true[RUN_MAX];
    char errors[RUN_MAX][256]; /* "" when the rule did not fail */
    int count;
    const char *skip;    /* a rule 'wants' refuses */
    const char *stop_at; /* the rule whose outcome stops the run ... */
    int stop_code;       /* ... with this code */
} run_log_t;

static int log_wants(void *ctx, const rule_t *rule) {
    const run_log_t *log = ctx;
    return log->skip == NULL || strcmp(rule->name, log->skip) != 0;
}

static int log_take(void *ctx, const playbook_outcome_t *outcome) {
    run_log_t *log = ctx;
    assert_true(log->count < RUN_MAX);
    log->names[log->count] = outcome->rule->name;
    log->is_true[log->count] = outcome->error ? -1 : outcome->is_true;
    snprintf(log->errors[log->count], sizeof log->errors[0], "%s",
             outcome->error ? outcome->error->msg : "");
    log->count++;
    return log->stop_at && strcmp(outcome->rule->name, log->stop_at) == 0 ? log->stop_code : 0;
}

static int run_named(playbook_t *pb, subject_t *s, const char *const *names, int count,
                     run_log_t *log) {
    const rule_t *rules[RUN_MAX];
    for (int i = 0; i < count; i++)
        assert_non_null(rules[i] = find_rule(pb, names[i]));
    playbook_visitor_t visitor = {log_wants, log_take, log, 0, 0};
    return playbook_run_rules(pb, rules, count, &s->contact, &s->event, &visitor);
}

/* Failing rules inside one run report what playbook_eval_when reports for them alone, and the
 * run goes on with the next rule; the budget still stops a rule that catches errors itself. */
static void test_run_rules_errors(void **state) {
    (void)state;
    playbook_t *pb = load_ok("sandbox_runtime");
    subject_t s;
    subject_init(&s);
    static const char *const names[] = {"ok",         "endless",   "ok",          "endless_pcall",
                                        "memory_bomb", "table_bomb", "gc", "write_contact",
                                        "error_table", "ok"};
    int count = (int)(sizeof names / sizeof names[0]);
    run_log_t log = {0};
    assert_int_equal(run_named(pb, &s, names, count, &log), 0);
    assert_int_equal(log.count, count);
    for (int i = 0; i < count; i++) {
        int is_true;
        nerr_t alone = {0, ""};
        int rc = eval(pb, &s, names[i], &is_true, &alone);
        assert_string_equal(log.names[i], names[i]);
        assert_string_equal(log.errors[i], rc ? alone.msg : "");
        assert_int_equal(log.is_true[i], rc ? -1 : is_true);
    }
    assert_true(ends_with(log.errors[3],
                          "main.lua:5: instruction budget of 1000000 exceeded (rule endless_pcall)"));
    assert_null(s.contact.stage);
    subject_close(&s);
    playbook_free(pb);
}

/* 'wants' skips a rule; a visitor's code ends the run (PLAYBOOK_STOP as success). */
static void test_run_rules_visitor(void **state) {
    (void)state;
    playbook_t *pb = load_ok("sandbox_runtime");
    subject_t s;
    subject_init(&s);
    static const char *const names[] = {"ok", "error_table", "endless", "ok"};
    run_log_t log = {.skip = "endless"};
    assert_int_equal(run_named(pb, &s, names, 4, &log), 0);
    assert_int_equal(log.count, 3);
    assert_string_equal(log.names[2], "ok");
    assert_int_equal(log.is_true[2], 1);

    run_log_t stop = {.stop_at = "error_table", .stop_code = PLAYBOOK_STOP};
    assert_int_equal(run_named(pb, &s, names, 4, &stop), 0);
    assert_int_equal(stop.count, 2);
    assert_true(ends_with(stop.errors[1], "(error object is a table value) (rule error_table)"));

    run_log_t fail = {.stop_at = "ok", .stop_code = NERR_NOMEM};
    assert_int_equal(run_named(pb, &s, names, 4, &fail), NERR_NOMEM);
    assert_int_equal(fail.count, 1);
    assert_int_equal(run_named(pb, &s, names, 0, &fail), 0); /* an empty list runs nothing */
    assert_int_equal(fail.count, 1);
    subject_close(&s);
    playbook_free(pb);
}

static const rule_t *chosen_rule[1];

/* A list's choose: 'chosen_rule' once its log has seen a rule, else nothing. */
static const rule_t *const *choose_after(void *ctx, int *count) {
    const run_log_t *log = ctx;
    *count = log->count > 0 ? 1 : 0;
    return chosen_rule;
}

/* Lists run in one call: PLAYBOOK_STOP ends its own list only, a failing rule is reported in
 * its list and the run goes on, an error code ends the whole run; a list's choose runs when
 * the run reaches it. */
static void test_run_lists(void **state) {
    (void)state;
    playbook_t *pb = load_ok("sandbox_runtime");
    subject_t s;
    subject_init(&s);
    const rule_t *first[] = {find_rule(pb, "ok"), find_rule(pb, "error_table"),
                             find_rule(pb, "ok")};
    const rule_t *second[] = {find_rule(pb, "endless"), find_rule(pb, "ok")};
    run_log_t stop = {.stop_at = "ok", .stop_code = PLAYBOOK_STOP}, rest = {0};
    playbook_visitor_t stop_visitor = {NULL, log_take, &stop, 0, 0};
    playbook_visitor_t rest_visitor = {NULL, log_take, &rest, 0, 0};
    const playbook_list_t lists[] = {{first, 3, &stop_visitor, NULL},
                                     {NULL, 0, &stop_visitor, NULL},
                                     {second, 2, &rest_visitor, NULL}};
    assert_int_equal(playbook_run_lists(pb, lists, 3, &s.contact, &s.event), 0);
    assert_int_equal(stop.count, 1); /* stopped at its first rule */
    assert_int_equal(rest.count, 2);
    assert_true(ends_with(rest.errors[0], "instruction budget of 1000000 exceeded (rule endless)"));
    assert_string_equal(rest.names[1], "ok");

    run_log_t fail = {.stop_at = "error_table", .stop_code = NERR_NOMEM}, after = {0};
    playbook_visitor_t fail_visitor = {NULL, log_take, &fail, 0, 0};
    playbook_visitor_t after_visitor = {NULL, log_take, &after, 0, 0};
    const playbook_list_t failing[] = {{first, 3, &fail_visitor, NULL},
                                       {second, 2, &after_visitor, NULL}};
    assert_int_equal(playbook_run_lists(pb, failing, 2, &s.contact, &s.event), NERR_NOMEM);
    assert_int_equal(fail.count, 2);
    assert_int_equal(after.count, 0);

    /* The shared log saw the first list's rules when the second list's choose ran. */
    run_log_t shared = {0};
    playbook_visitor_t shared_visitor = {NULL, log_take, &shared, 0, 0};
    const playbook_list_t chosen[] = {{first, 1, &shared_visitor, NULL},
                                      {first, 3, &shared_visitor, choose_after}};
    chosen_rule[0] = find_rule(pb, "ok");
    assert_int_equal(playbook_run_lists(pb, chosen, 2, &s.contact, &s.event), 0);
    assert_int_equal(shared.count, 2); /* "ok" from the first list, the chosen "ok" */
    shared.count = 0;
    const playbook_list_t chosen_first[] = {{first, 3, &shared_visitor, choose_after}};
    assert_int_equal(playbook_run_lists(pb, chosen_first, 1, &s.contact, &s.event), 0);
    assert_int_equal(shared.count, 0); /* chosen before anything ran: nothing */
    subject_close(&s);
    playbook_free(pb);
}

/* ---- files written at run time: bytecode, version ---------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text, size_t size) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *dir, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(unlink(path), 0);
}

static void make_temp_dir(char *dir, size_t size) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, size, "%s/nurture-playbook-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
}

/* Each malformed `mind`, `account_mind` or `facts` is refused as file:line: message; so is a
 * suppression with neither `when` nor `facts`. */
static void test_bad_mind_and_facts(void **state) {
    (void)state;
    static const struct {
        const char *bounds, *message;
    } cases[] = {
        {"mind = { worry = { at_least = 0.5, above = 0.4 } }",
         "a: mind.worry: one lower bound (at_least or above) and one upper (at_most or below)"},
        {"mind = { worry = { below = 0.2, at_most = 0.4 } }",
         "a: mind.worry: one lower bound (at_least or above) and one upper (at_most or below)"},
        {"mind = { worry = { least = 0.5 } }", "a: mind.worry: unknown field 'least'"},
        {"mind = { worry = {} }", "a: mind.worry: no bound (at_least, above, at_most or below)"},
        {"mind = { worry = { below = \"0.5\" } }", "a: mind.worry: 'below' must be a number"},
        {"mind = { worry = \"high\" }",
         "a: mind.worry: a number (at least) or a table of at_least, above, at_most, below"},
        {"mind = { worry = 0/0 }",
         "a: mind.worry: a number (at least) or a table of at_least, above, at_most, below"},
        {"account_mind = { 0.5 }", "a: 'account_mind' maps state names to bounds"},
        {"mind = \"worry\"", "a: 'mind' maps state names to bounds"},
        /* Checked once every file has loaded, as the states may be declared after the rule. */
        {"mind = { wory = 0.5 }", "a: unknown mind state 'wory'"},
        {"facts = { tier = { \"gold\", {} } }",
         "a: 'facts' compares facts with strings, numbers or booleans"},
        {"facts = { \"gold\" }", "a: 'facts' maps facts to a value or a list of values"},
        {"facts = { tier = {} }", "a: 'facts' has an empty list of values"},
    };
    char dir[512];
    make_temp_dir(dir, sizeof dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512], suffix[512];
        snprintf(text, sizeof text,
                 "state \"worry\" {}\ninfer \"a\" { %s, raise = { worry = 1 } }\n",
                 cases[i].bounds);
        write_file(dir, "main.lua", text, strlen(text));
        nerr_t err = {0, ""};
        playbook_t *pb = playbook_load(dir, &err);
        if (pb != NULL)
            fail_msg("loaded: %s", cases[i].bounds);
        snprintf(suffix, sizeof suffix, "main.lua:2: %s", cases[i].message);
        if (!ends_with(err.msg, suffix))
            print_error("message:  %s\nexpected: ...%s\n", err.msg, suffix);
        assert_int_equal(err.code, NERR_INVALID);
        assert_true(ends_with(err.msg, suffix));
    }
    const char *bare = "suppress \"quiet\" { because = \"b\" }\n";
    write_file(dir, "main.lua", bare, strlen(bare));
    nerr_t err = {0, ""};
    assert_null(playbook_load(dir, &err));
    assert_true(ends_with(err.msg, "main.lua:1: quiet: a suppression needs 'when' or 'facts'"));
    remove_file(dir, "main.lua");
    assert_int_equal(rmdir(dir), 0);
}

static void version_of(const char *dir, char out[17]) {
    nerr_t err = {0, ""};
    playbook_t *pb = playbook_load(dir, &err);
    if (pb == NULL)
        print_error("%s\n", err.msg);
    assert_non_null(pb);
    snprintf(out, 17, "%s", playbook_version(pb));
    playbook_free(pb);
}

static void test_version_hash(void **state) {
    (void)state;
    char dir[512], v1[17], v1_again[17], v2[17], v3[17], v4[17];
    make_temp_dir(dir, sizeof dir);
    const char *rules = "infer \"a\" { raise = { anxiety = 0.5 } }\n";
    write_file(dir, "a.lua", rules, strlen(rules));
    version_of(dir, v1);
    version_of(dir, v1_again);
    assert_string_equal(v1, v1_again); /* the same files, the same version */

    const char *changed = "infer \"a\" { raise = { anxiety = 0.6 } }\n";
    write_file(dir, "a.lua", changed, strlen(changed));
    version_of(dir, v2);
    assert_string_not_equal(v1, v2);

    write_file(dir, "a.lua", rules, strlen(rules)); /* back to the first content */
    version_of(dir, v3);
    assert_string_equal(v1, v3);

    remove_file(dir, "a.lua"); /* the same content under another name */
    write_file(dir, "b.lua", rules, strlen(rules));
    version_of(dir, v4);
    assert_string_not_equal(v1, v4);
    write_file(dir, "notes.txt", "not a rule file", 15); /* ignored */
    version_of(dir, v3);
    assert_string_equal(v3, v4);
    remove_file(dir, "notes.txt");
    remove_file(dir, "b.lua");
    assert_int_equal(rmdir(dir), 0);
}

static void test_bytecode_refused(void **state) {
    (void)state;
    char dir[512];
    make_temp_dir(dir, sizeof dir);
    static const char chunk[] = "\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08";
    write_file(dir, "evil.lua", chunk, sizeof chunk - 1);
    nerr_t err = {0, ""};
    assert_null(playbook_load(dir, &err));
    assert_int_equal(err.code, NERR_INVALID);
    assert_true(ends_with(err.msg, "attempt to load a binary chunk (mode is 't')"));
    remove_file(dir, "evil.lua");
    assert_int_equal(rmdir(dir), 0);
}

/* ---- rules by touchpoint type ----------------------------------------------------------- */

/* Whether the rule's `on` names 'type' or is unset. */
static int listens_to(const rule_t *rule, const char *type) {
    for (int k = 0; k < rule->on_count; k++)
        if (strcmp(rule->on[k], type) == 0)
            return 1;
    return rule->on_count == 0;
}

/* playbook_rules_on must give, for a type, what filtering every rule by kind and `on` gives,
 * in the same order. */
static void expect_rules_on(const playbook_t *pb, unsigned kinds, const char *type) {
    int count;
    const rule_t *const *rules = playbook_rules_on(pb, kinds, type, &count);
    int k = 0;
    for (int i = 0; i < playbook_rule_count(pb); i++) {
        const rule_t *r = playbook_rule(pb, i);
        if (!(kinds & (1u << r->kind)) || !listens_to(r, type))
            continue;
        assert_true(k < count);
        assert_ptr_equal(rules[k++], r);
    }
    assert_int_equal(k, count);
    int slot_count;
    const rule_t *const *in_slot =
        playbook_rules_in_slot(pb, kinds, playbook_type_slot(pb, type), &slot_count);
    assert_int_equal(slot_count, count); /* the same list, through the type's slot */
    assert_ptr_equal(in_slot, rules);
}

/* playbook_act_rules_in_stage must give the act rules of the type's list that apply in the
 * stage, in the same order; for a stage the playbook lacks, the whole list. */
static void expect_act_rules_in_stage(const playbook_t *pb, const char *type, int stage_index) {
    int slot = playbook_type_slot(pb, type), all_count, count;
    const rule_t *const *all = playbook_rules_in_slot(pb, 1u << RULE_ACT, slot, &all_count);
    const rule_t *const *rules = playbook_act_rules_in_stage(pb, slot, stage_index, &count);
    const char *stage = stage_index >= 0 ? playbook_stage(pb, stage_index) : "no_such_stage";
    int k = 0;
    for (int i = 0; i < all_count; i++) {
        if (stage_index >= 0 && !playbook_rule_in_stage(all[i], stage_index, stage))
            continue;
        assert_true(k < count);
        assert_ptr_equal(rules[k++], all[i]);
    }
    assert_int_equal(k, count);
}

static void test_rules_by_type(void **state) {
    (void)state;
    static const char *const fixtures[] = {"good", "decide_core", "policies", "language"};
    static const char *const types[] = {"page_view", "form_submit", "identify",
                                        "meeting_booked", "no_rule_names_this", ""};
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        playbook_t *pb = load_ok(fixtures[f]);
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            for (int kind = 0; kind < RULE_KIND_COUNT; kind++)
                expect_rules_on(pb, 1u << kind, types[t]);
            expect_rules_on(pb, (1u << RULE_INFER) | (1u << RULE_ADVANCE), types[t]);
            for (int i = 0; i < playbook_rule_count(pb); i++)
                for (int k = 0; k < playbook_rule(pb, i)->on_count; k++)
                    expect_rules_on(pb, 1u << RULE_ACT, playbook_rule(pb, i)->on[k]);
            for (int stage = -1; stage < playbook_stage_count(pb); stage++)
                expect_act_rules_in_stage(pb, types[t], stage);
        }
        int count = -1;
        assert_null(playbook_rules_on(pb, (1u << RULE_ACT) | (1u << RULE_GOAL), "page_view", &count));
        assert_int_equal(count, 0);
        playbook_free(pb);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_catalogue),       cmocka_unit_test(test_good_rule_order),
        cmocka_unit_test(test_good_rule_fields),     cmocka_unit_test(test_custom_stages),
        cmocka_unit_test(test_syntax_error),         cmocka_unit_test(test_unknown_stage),
        cmocka_unit_test(test_unknown_content),      cmocka_unit_test(test_bad_duration),
        cmocka_unit_test(test_bad_where),            cmocka_unit_test(test_bad_mind_and_facts),
        cmocka_unit_test(test_duplicate_rule),       cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_bad_stage_list),       cmocka_unit_test(test_missing_or_empty_folder),
        cmocka_unit_test(test_sandbox_globals),      cmocka_unit_test(test_gc_metatable_refused),
        cmocka_unit_test(test_endless_loop_at_load), cmocka_unit_test(test_memory_bomb_at_load),
        cmocka_unit_test(test_sandbox_at_run_time),  cmocka_unit_test(test_version_hash),
        cmocka_unit_test(test_bytecode_refused),     cmocka_unit_test(test_rules_by_type),
        cmocka_unit_test(test_run_lists),
        cmocka_unit_test(test_run_rules_errors),     cmocka_unit_test(test_run_rules_visitor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
