/* test_action: deterministic action ids and the JSON contract of the actions stream (open
 * form for the releasing side, full form with emitted_at), and jsonw's numbers, which must
 * read as cJSON prints them. Depends on action, jsonw and cJSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/action.h"
#include "engine/core/clock.h"
#include "engine/core/jsonw.h"

#define DUE_MS 1795428000000LL     /* 2026-11-23T10:00:00Z */
#define EMITTED_MS 1795428000123LL /* 2026-11-23T10:00:00.123Z */

static void test_id_format_and_stability(void **state) {
    (void)state;
    char id[ACTION_ID_MAX], again[ACTION_ID_MAX];
    action_make_id("e3", "reassure_the_worried", "case_study", id);
    assert_int_equal(strlen(id), 18);
    assert_memory_equal(id, "a-", 2);
    for (int i = 2; i < 18; i++)
        assert_non_null(strchr("0123456789abcdef", id[i]));
    /* FNV-1a over "e3\0reassure_the_worried\0case_study\0": the ids already handed to MA
     * systems depend on this exact value, so it must never change. */
    assert_string_equal(id, "a-00c05b45d395d416");
    action_make_id("e3", "reassure_the_worried", "case_study", again);
    assert_string_equal(id, again);
}

static void test_ids_differ(void **state) {
    (void)state;
    char base[ACTION_ID_MAX], other[ACTION_ID_MAX];
    action_make_id("e1", "rule", "target", base);
    action_make_id("e2", "rule", "target", other);
    assert_string_not_equal(base, other);
    action_make_id("e1", "rule2", "target", other);
    assert_string_not_equal(base, other);
    action_make_id("e1", "rule", "target2", other);
    assert_string_not_equal(base, other);
    /* The parts are separated, so moving a character across a boundary changes the id. */
    char a[ACTION_ID_MAX], b[ACTION_ID_MAX];
    action_make_id("e1", "ab", "c", a);
    action_make_id("e1", "a", "bc", b);
    assert_string_not_equal(a, b);
    action_make_id("e1r", "ule", "target", other);
    assert_string_not_equal(base, other);
}

/* A content action as decide would build it, owning its parts. */
static void content_action(action_t *a) {
    memset(a, 0, sizeof *a);
    action_make_id("e3", "reassure_the_worried", "case_study", a->id);
    a->kind = ACTION_CONTENT;
    a->contact = strdup("c-42");
    a->rule = strdup("reassure_the_worried");
    a->channel = strdup("email");
    a->due_ms = DUE_MS;
    a->target = cJSON_CreateObject();
    cJSON_AddStringToObject(a->target, "id", "case_study");
    cJSON_AddStringToObject(a->target, "title", "\xe5\xb0\x8e\xe5\x85\xa5\xe4\xba\x8b\xe4\xbe\x8b");
    cJSON_AddStringToObject(a->target, "url", "https://example.com/case");
    a->reason = strdup("{\"because\":\"worried, not uninterested\",\"anxiety\":0.6}");
}

static void task_action(action_t *a) {
    memset(a, 0, sizeof *a);
    action_make_id("e7", "offer_call", "task:offer_call", a->id);
    a->kind = ACTION_TASK;
    a->contact = strdup("c-42");
    a->rule = strdup("offer_call");
    a->channel = strdup("task");
    a->due_ms = DUE_MS + 3600 * 1000;
    a->target = cJSON_CreateObject();
    cJSON_AddStringToObject(a->target, "role", "inside_sales");
    cJSON_AddStringToObject(a->target, "title", "Offer a short call");
    a->reason = strdup("{}");
}

static int ends_with(const char *text, const char *suffix) {
    size_t n = strlen(text), k = strlen(suffix);
    return n >= k && strcmp(text + n - k, suffix) == 0;
}

static const char *string_member(const cJSON *object, const char *name) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (!cJSON_IsString(item))
        print_error("member \"%s\" is missing or not a string\n", name);
    assert_true(cJSON_IsString(item));
    return item->valuestring;
}

static void test_open_form(void **state) {
    (void)state;
    action_t a;
    content_action(&a);
    char *open = action_to_json_open(&a, "0123456789abcdef");
    assert_non_null(open);
    size_t n = strlen(open);
    assert_true(n > 2);
    assert_int_equal(open[0], '{');
    assert_null(strstr(open, "emitted_at"));
    /* Without its final brace the object is not yet JSON: the releasing side appends the
     * rest. The last character is the end of the reason object. */
    cJSON *unfinished = cJSON_Parse(open);
    assert_null(unfinished);
    assert_true(ends_with(open, "\"because\":\"worried, not uninterested\",\"anxiety\":0.6}"));

    char *closed = malloc(n + 2);
    memcpy(closed, open, n);
    memcpy(closed + n, "}", 2);
    cJSON *root = cJSON_Parse(closed);
    assert_non_null(root);
    assert_string_equal(string_member(root, "id"), a.id);
    assert_string_equal(string_member(root, "contact"), "c-42");
    assert_string_equal(string_member(root, "kind"), "content");
    assert_string_equal(string_member(root, "channel"), "email");
    assert_string_equal(string_member(root, "due_at"), "2026-11-23T10:00:00.000Z");
    assert_string_equal(string_member(root, "rule"), "reassure_the_worried");
    assert_string_equal(string_member(root, "playbook"), "0123456789abcdef");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(root, "content");
    assert_true(cJSON_IsObject(content));
    assert_true(cJSON_Compare(content, a.target, 1));
    assert_string_equal(string_member(content, "title"),
                        "\xe5\xb0\x8e\xe5\x85\xa5\xe4\xba\x8b\xe4\xbe\x8b");
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "task"));
    cJSON *reason = cJSON_Parse(a.reason);
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(root, "reason"), reason, 1));
    cJSON_Delete(reason);
    assert_int_equal(cJSON_GetArraySize(root), 9);
    cJSON_Delete(root);
    free(closed);
    free(open);
    action_close(&a);
}

static void test_full_form(void **state) {
    (void)state;
    action_t a;
    content_action(&a);
    char *open = action_to_json_open(&a, "0123456789abcdef");
    char *full = action_to_json(&a, "0123456789abcdef", EMITTED_MS);
    assert_non_null(full);
    /* The full form is the open form plus exactly what the releasing side appends. */
    char expected[4096];
    snprintf(expected, sizeof expected, "%s,\"emitted_at\":\"2026-11-23T10:00:00.123Z\"}", open);
    assert_string_equal(full, expected);
    cJSON *root = cJSON_Parse(full);
    assert_non_null(root);
    assert_string_equal(string_member(root, "emitted_at"), "2026-11-23T10:00:00.123Z");
    assert_string_equal(string_member(root, "id"), "a-00c05b45d395d416");
    assert_int_equal(cJSON_GetArraySize(root), 10);
    cJSON_Delete(root);
    free(full);
    free(open);
    action_close(&a);
}

/* The text is what cJSON prints for the same object, member for member, so that the lines
 * on the actions stream keep their form: built here as a tree and printed by cJSON. */
static void assert_text_is_cjsons(const action_t *a, const char *playbook) {
    char due[CLOCK_ISO_MAX], emitted[CLOCK_ISO_MAX];
    clock_format_iso(a->due_ms, due, sizeof due);
    clock_format_iso(EMITTED_MS, emitted, sizeof emitted);
    const char *kind = a->kind == ACTION_CONTENT ? "content" : "task";
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", a->id);
    cJSON_AddStringToObject(root, "contact", a->contact);
    cJSON_AddStringToObject(root, "kind", kind);
    cJSON_AddItemToObject(root, kind, cJSON_Duplicate(a->target, 1));
    if (a->account)
        cJSON_AddStringToObject(root, "account", a->account);
    cJSON_AddStringToObject(root, "channel", a->channel);
    cJSON_AddStringToObject(root, "due_at", due);
    cJSON_AddStringToObject(root, "rule", a->rule);
    cJSON_AddStringToObject(root, "playbook", playbook);
    cJSON_AddItemToObject(root, "reason", cJSON_Parse(a->reason));
    cJSON_AddStringToObject(root, "emitted_at", emitted);
    char *expected = cJSON_PrintUnformatted(root);
    char *actual = action_to_json(a, playbook, EMITTED_MS);
    assert_non_null(expected);
    assert_non_null(actual);
    assert_string_equal(actual, expected);
    free(actual);
    free(expected);
    cJSON_Delete(root);
}

static void test_text_is_cjsons(void **state) {
    (void)state;
    action_t a;
    content_action(&a);
    assert_text_is_cjsons(&a, "0123456789abcdef");
    action_close(&a);
    task_action(&a);
    a.account = strdup("acme \"north\"");
    assert_non_null(a.account);
    assert_text_is_cjsons(&a, "feedfacefeedface");
    action_close(&a);
}

static void test_task_form(void **state) {
    (void)state;
    action_t a;
    task_action(&a);
    char *full = action_to_json(&a, "feedfacefeedface", EMITTED_MS);
    cJSON *root = cJSON_Parse(full);
    assert_non_null(root);
    assert_string_equal(string_member(root, "kind"), "task");
    assert_string_equal(string_member(root, "channel"), "task");
    assert_string_equal(string_member(root, "due_at"), "2026-11-23T11:00:00.000Z");
    assert_string_equal(string_member(root, "playbook"), "feedfacefeedface");
    const cJSON *task = cJSON_GetObjectItemCaseSensitive(root, "task");
    assert_string_equal(string_member(task, "role"), "inside_sales");
    assert_string_equal(string_member(task, "title"), "Offer a short call");
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "content"));
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "reason")));
    cJSON_Delete(root);
    free(full);
    action_close(&a);
}

static void test_close(void **state) {
    (void)state;
    action_t a;
    content_action(&a);
    action_close(&a);
    assert_null(a.contact);
    assert_null(a.target);
    assert_null(a.reason);
    assert_int_equal(a.id[0], '\0');
    action_close(&a); /* a zeroed action closes again harmlessly */
}

/* ---- jsonw numbers: byte for byte what cJSON_PrintUnformatted writes ---------------------- */

static int same_as_cjson(double value) {
    cJSON *number = cJSON_CreateNumber(value);
    char *expected = cJSON_PrintUnformatted(number);
    jsonw_t w;
    jsonw_init(&w, 16);
    jsonw_double(&w, value);
    char *actual = jsonw_finish(&w);
    int same = expected && actual && strcmp(expected, actual) == 0;
    if (!same)
        print_error("%.17g: cJSON %s, jsonw %s\n", value, expected, actual);
    free(actual);
    cJSON_free(expected);
    cJSON_Delete(number);
    return same;
}

static void test_jsonw_numbers_listed(void **state) {
    (void)state;
    static const double values[] = {
        0.0, -0.0, 1, -1, 0.1, -0.1, 0.2, 0.3, 0.7, 1.005, -1.005, 123.456, -123.456, 0.125,
        2.5, 0.05, 0.001, 0.0001, 0.00012, 0.00001, -0.00001, 0.000001, 1e-7, 0.1 + 0.2,
        1.0 / 3, 2.0 / 3, -2.0 / 3, 3.14159265358979, 0.873, 0.999, 0.9995, 1e14 + 0.5,
        99999999999999.9, 999999999999999.0, 1e15, -1e15, 1e15 + 2, 1e15 - 1, 1e15 - 0.5,
        123456789012345.6, 12345678901234.56, 1234567890.123456, 1e16, 1e21, 1e300, 5e-324,
        4503599627370495.5, 9007199254740993.0, 0.30000000000000004, 1e-4 - 1e-20,
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        assert_true(same_as_cjson(values[i]));
}

/* Decimals of up to seven places over a wide range of magnitudes, both signs, and what
 * arithmetic leaves near them (a decayed state, a rounded reason value). */
static void test_jsonw_numbers_swept(void **state) {
    (void)state;
    static const double scales[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
    for (int k = 0; k < 8; k++)
        for (long long m = -2100; m <= 2100; m += 7) {
            double v = (double)m / scales[k];
            assert_true(same_as_cjson(v));
            assert_true(same_as_cjson(v * 1e9 + v));
            assert_true(same_as_cjson(v * 0.5));
            assert_true(same_as_cjson((double)(long long)(v * 1000 + 0.5) / 1000));
        }
    unsigned long long seed = 42;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        double fraction = (double)(seed >> 11) / 9007199254740992.0;
        int digits = (int)(seed % 7);
        double v = (fraction - 0.5) * scales[digits] * 2;
        assert_true(same_as_cjson(v));
        assert_true(same_as_cjson((double)llround(v * scales[digits]) / scales[digits]));
    }
}

/* Strings with escapes at every position of the eight-byte steps, control bytes, UTF-8. */
static void test_jsonw_strings(void **state) {
    (void)state;
    static const char *const specials[] = {"\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f",
                                           "\xc3\xa9", "/", " ", "\b\f\r"};
    for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++)
        for (int before = 0; before < 20; before++)
            for (int after = 0; after < 11; after += 5) {
                char text[64];
                snprintf(text, sizeof text, "%.*s%s%.*s", before, "abcdefghijklmnopqrstuvwxyz",
                         specials[k], after, "0123456789");
                cJSON *string = cJSON_CreateString(text);
                char *expected = cJSON_PrintUnformatted(string);
                jsonw_t w;
                jsonw_init(&w, 8);
                jsonw_string(&w, text);
                char *actual = jsonw_finish(&w);
                assert_string_equal(actual, expected);
                free(actual);
                cJSON_free(expected);
                cJSON_Delete(string);
            }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_format_and_stability),
        cmocka_unit_test(test_ids_differ),
        cmocka_unit_test(test_open_form),
        cmocka_unit_test(test_full_form),
        cmocka_unit_test(test_task_form),
        cmocka_unit_test(test_text_is_cjsons),
        cmocka_unit_test(test_close),
        cmocka_unit_test(test_jsonw_numbers_listed),
        cmocka_unit_test(test_jsonw_numbers_swept),
        cmocka_unit_test(test_jsonw_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
