/* test_event: the event contract — every field validated, every refusal with its reason, the
 * whole object kept. Depends on event (and cJSON to inspect what it kept). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/event.h"

#define VALID_EVENT                                                                                \
    "{\"id\":\"ev-1\",\"contact\":\"c-42\",\"type\":\"page_view\","                                \
    "\"at\":\"2026-11-23T18:00:00.250+09:00\",\"account\":\"acme\",\"channel\":\"web\","           \
    "\"source\":\"ma\",\"props\":{\"page_type\":\"faq\",\"visits\":3},"                            \
    "\"campaign\":{\"name\":\"autumn\",\"tags\":[\"a\",\"b\"]},\"score\":7}"

static int parse(const char *text, event_t *event, nerr_t *err) {
    return event_parse(text, strlen(text), event, err);
}

/* Checks that 'text' is refused with exactly 'message' and leaves a zeroed event. */
static void expect_refused(const char *text, size_t size, const char *message) {
    event_t event;
    nerr_t err = {0, ""};
    memset(&event, 0x5a, sizeof event);
    int rc = event_parse(text, size, &event, &err);
    if (rc == 0)
        print_error("accepted: %.*s\n", (int)(size < 200 ? size : 200), text);
    assert_int_equal(rc, NERR_INVALID);
    assert_int_equal(err.code, NERR_INVALID);
    assert_string_equal(err.msg, message);
    assert_null(event.json);
    assert_null(event.id);
    assert_null(event.props);
    event_close(&event); /* harmless on a refused event */
}

static void expect_refused_str(const char *text, const char *message) {
    expect_refused(text, strlen(text), message);
}

static void test_valid_event(void **state) {
    (void)state;
    event_t event;
    nerr_t err = {0, ""};
    assert_int_equal(parse(VALID_EVENT, &event, &err), 0);
    assert_string_equal(event.id, "ev-1");
    assert_string_equal(event.contact, "c-42");
    assert_string_equal(event.type, "page_view");
    assert_string_equal(event.account, "acme");
    assert_string_equal(event.channel, "web");
    assert_string_equal(event.source, "ma");
    assert_true(event.at_ms == 1795424400250LL);
    assert_non_null(event.props);
    const cJSON *page = cJSON_GetObjectItemCaseSensitive(event.props, "page_type");
    assert_true(cJSON_IsString(page));
    assert_string_equal(page->valuestring, "faq");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(event.props, "visits")->valueint, 3);
    event_close(&event);
    assert_null(event.json);
    assert_null(event.id);
    event_close(&event); /* closing twice is harmless: close zeroes */
}

static void test_extra_keys_kept(void **state) {
    (void)state;
    event_t event;
    assert_int_equal(parse(VALID_EVENT, &event, NULL), 0);
    const cJSON *campaign = cJSON_GetObjectItemCaseSensitive(event.json, "campaign");
    assert_true(cJSON_IsObject(campaign));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(campaign, "name")->valuestring, "autumn");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(campaign, "tags");
    assert_int_equal(cJSON_GetArraySize(tags), 2);
    assert_string_equal(cJSON_GetArrayItem(tags, 1)->valuestring, "b");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(event.json, "score")->valueint, 7);
    /* The field pointers point into the kept object. */
    assert_ptr_equal(event.id, cJSON_GetObjectItemCaseSensitive(event.json, "id")->valuestring);
    assert_ptr_equal(event.props, cJSON_GetObjectItemCaseSensitive(event.json, "props"));
    assert_int_equal(cJSON_GetArraySize(event.json), 10);
    event_close(&event);
}

static void test_optional_fields_absent(void **state) {
    (void)state;
    event_t event;
    const char *text =
        "{\"id\":\"e\",\"contact\":\"c\",\"type\":\"t\",\"at\":\"2001-09-09T01:46:41Z\"}";
    assert_int_equal(parse(text, &event, NULL), 0);
    assert_null(event.account);
    assert_null(event.channel);
    assert_null(event.source);
    assert_null(event.props);
    assert_true(event.at_ms == 1000000001000LL);
    event_close(&event);

    /* null counts as absent for optional fields and for props. */
    text = "{\"id\":\"e\",\"contact\":\"c\",\"type\":\"t\",\"at\":\"2001-09-09T01:46:41Z\","
           "\"account\":null,\"props\":null}";
    assert_int_equal(parse(text, &event, NULL), 0);
    assert_null(event.account);
    assert_null(event.props);
    event_close(&event);

    /* An empty optional string is kept as given. */
    text = "{\"id\":\"e\",\"contact\":\"c\",\"type\":\"t\",\"at\":\"2001-09-09T01:46:41Z\","
           "\"channel\":\"\",\"props\":{}}";
    assert_int_equal(parse(text, &event, NULL), 0);
    assert_string_equal(event.channel, "");
    assert_non_null(event.props);
    assert_int_equal(cJSON_GetArraySize(event.props), 0);
    event_close(&event);
}

/* Builds the minimal valid event with field 'name' replaced by 'raw' (raw JSON), or dropped
 * when 'raw' is NULL. */
static void event_with(char *buf, size_t size, const char *name, const char *raw) {
    static const char *const fields[] = {"id", "contact", "type", "at"};
    static const char *const values[] = {"\"e1\"", "\"c1\"", "\"page_view\"",
                                         "\"2026-11-23T09:00:00Z\""};
    size_t used = (size_t)snprintf(buf, size, "{");
    for (int i = 0; i < 4; i++) {
        const char *value = strcmp(fields[i], name) == 0 ? raw : values[i];
        if (value == NULL)
            continue;
        used += (size_t)snprintf(buf + used, size - used, "%s\"%s\":%s", used > 1 ? "," : "",
                                 fields[i], value);
    }
    snprintf(buf + used, size - used, "}");
}

static void test_required_fields(void **state) {
    (void)state;
    static const char *const required[] = {"id", "contact", "type", "at"};
    for (int i = 0; i < 4; i++) {
        char text[256], message[128];
        event_with(text, sizeof text, required[i], NULL);
        snprintf(message, sizeof message, "missing required field \"%s\"", required[i]);
        expect_refused_str(text, message);

        event_with(text, sizeof text, required[i], "null");
        expect_refused_str(text, message);

        event_with(text, sizeof text, required[i], "\"\"");
        snprintf(message, sizeof message, "field \"%s\" must not be empty", required[i]);
        expect_refused_str(text, message);

        snprintf(message, sizeof message, "field \"%s\" must be a string", required[i]);
        event_with(text, sizeof text, required[i], "42");
        expect_refused_str(text, message);
        event_with(text, sizeof text, required[i], "[\"e1\"]");
        expect_refused_str(text, message);
        event_with(text, sizeof text, required[i], "{\"id\":\"e1\"}");
        expect_refused_str(text, message);
        event_with(text, sizeof text, required[i], "true");
        expect_refused_str(text, message);
    }
    /* The minimal event itself is fine, so the refusals above are about the one field. */
    char text[256];
    event_t event;
    event_with(text, sizeof text, "none", NULL);
    assert_int_equal(parse(text, &event, NULL), 0);
    event_close(&event);
}

static void test_optional_wrong_types(void **state) {
    (void)state;
    const char *base =
        "{\"id\":\"e1\",\"contact\":\"c1\",\"type\":\"t\",\"at\":\"2026-11-23T09:00:00Z\",";
    static const char *const optional[] = {"account", "channel", "source"};
    for (int i = 0; i < 3; i++) {
        char text[256], message[128];
        snprintf(text, sizeof text, "%s\"%s\":12}", base, optional[i]);
        snprintf(message, sizeof message, "field \"%s\" must be a string", optional[i]);
        expect_refused_str(text, message);
    }
}

static void test_at_not_a_time(void **state) {
    (void)state;
    char text[256];
    event_with(text, sizeof text, "at", "\"yesterday\"");
    expect_refused_str(text, "field \"at\": 'yesterday' is not an RFC 3339 date-time");
    event_with(text, sizeof text, "at", "\"2026-02-30T09:00:00Z\"");
    expect_refused_str(text, "field \"at\": '2026-02-30T09:00:00Z' is not an RFC 3339 date-time");
    event_with(text, sizeof text, "at", "\"2026-11-23T09:00:00\"");
    expect_refused_str(text, "field \"at\": '2026-11-23T09:00:00' is not an RFC 3339 date-time");
    event_with(text, sizeof text, "at", "1795424400000");
    expect_refused_str(text, "field \"at\" must be a string");
}

static void test_at_out_of_range(void **state) {
    (void)state;
    char text[256];
    event_with(text, sizeof text, "at", "\"1999-12-31T23:59:59Z\"");
    expect_refused_str(text, "field \"at\": 1999-12-31T23:59:59Z is outside the accepted years 2000 to 2099");
    event_with(text, sizeof text, "at", "\"2100-01-01T00:00:00Z\"");
    expect_refused_str(text, "field \"at\": 2100-01-01T00:00:00Z is outside the accepted years 2000 to 2099");
    event_with(text, sizeof text, "at", "\"2000-01-01T00:00:00Z\"");
    event_t event;
    nerr_t err;
    assert_int_equal(event_parse(text, strlen(text), &event, &err), 0);
    assert_int_equal(event.at_ms, 946684800000LL);
    event_close(&event);
}

static void test_not_json(void **state) {
    (void)state;
    expect_refused_str("{", "event is not valid JSON");
    expect_refused_str("", "event is not valid JSON");
    expect_refused_str("id=e1", "event is not valid JSON");
    expect_refused_str("{\"id\":\"e1\",}", "event is not valid JSON");
    expect_refused_str("{'id':'e1'}", "event is not valid JSON");
}

static void test_trailing_garbage_refused(void **state) {
    (void)state;
    char text[512];
    event_with(text, sizeof text, "none", NULL);
    size_t n = strlen(text);
    /* Two events glued on one line must not pass as the first one. */
    snprintf(text + n, sizeof text - n, "%s", "{\"id\":\"e2\"}");
    expect_refused_str(text, "event is not valid JSON");
    snprintf(text + n, sizeof text - n, "%s", " junk");
    expect_refused_str(text, "event is not valid JSON");
    /* Surrounding white space is fine (a JSON Lines reader may leave the newline). */
    snprintf(text + n, sizeof text - n, "%s", " \r\n");
    event_t event;
    assert_int_equal(parse(text, &event, NULL), 0);
    event_close(&event);
}

static void test_size_bounds_the_text(void **state) {
    (void)state;
    /* Only 'size' bytes are read: the rest of the buffer may be anything. */
    char text[512];
    event_with(text, sizeof text, "none", NULL);
    size_t n = strlen(text);
    memcpy(text + n, "XXXX", 5);
    event_t event;
    assert_int_equal(event_parse(text, n, &event, NULL), 0);
    assert_string_equal(event.id, "e1");
    event_close(&event);
    expect_refused(text, n - 1, "event is not valid JSON");
}

static void test_not_an_object(void **state) {
    (void)state;
    expect_refused_str("[1,2]", "event must be a JSON object");
    expect_refused_str("\"page_view\"", "event must be a JSON object");
    expect_refused_str("42", "event must be a JSON object");
    expect_refused_str("null", "event must be a JSON object");
    expect_refused_str(
        "[{\"id\":\"e1\",\"contact\":\"c1\",\"type\":\"t\",\"at\":\"2026-11-23T09:00:00Z\"}]",
        "event must be a JSON object");
}

static void test_props_not_an_object(void **state) {
    (void)state;
    static const char *const props[] = {"[1,2]", "\"faq\"", "3", "true"};
    for (int i = 0; i < 4; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "{\"id\":\"e1\",\"contact\":\"c1\",\"type\":\"t\",\"at\":\"2026-11-23T09:00:00Z\","
                 "\"props\":%s}",
                 props[i]);
        expect_refused_str(text, "field \"props\" must be an object");
    }
}

static void test_invalid_utf8(void **state) {
    (void)state;
    static const char *const bad[] = {
        "\xff",             /* never valid */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong, three bytes */
        "\xed\xa0\x80",     /* a UTF-16 surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xe3\x81",         /* cut short */
        "\x80",             /* a lone continuation byte */
        "\xe3\x41\x82",     /* a continuation byte missing */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "{\"id\":\"e1\",\"contact\":\"c1\",\"type\":\"t\",\"at\":\"2026-11-23T09:00:00Z\","
                 "\"props\":{\"title\":\"%s\"}}",
                 bad[i]);
        assert_int_equal(event_is_utf8(bad[i], strlen(bad[i])), 0);
        expect_refused_str(text, "event is not valid UTF-8");
    }
}

static void test_valid_utf8(void **state) {
    (void)state;
    static const char *const good[] = {
        "",
        "plain ascii",
        "\xc3\xa9t\xc3\xa9",                                            /* été */
        "\xe3\x81\x82\xe3\x82\x8a\xe3\x81\x8c\xe3\x81\xa8\xe3\x81\x86", /* ありがとう */
        "\xf0\x9f\x98\x80",                                             /* U+1F600 */
        "\xf4\x8f\xbf\xbf",                                             /* U+10FFFF */
        "\xef\xbf\xbd",                                                 /* U+FFFD */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(event_is_utf8(good[i], strlen(good[i])), 1);

    const char *text =
        "{\"id\":\"\xe3\x81\x82-1\",\"contact\":\"c1\",\"type\":\"t\","
        "\"at\":\"2026-11-23T09:00:00Z\",\"props\":{\"title\":\"\xe6\x97\xa5\xe6\x9c\xac\"}}";
    event_t event;
    assert_int_equal(parse(text, &event, NULL), 0);
    assert_string_equal(event.id, "\xe3\x81\x82-1");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(event.props, "title")->valuestring,
                        "\xe6\x97\xa5\xe6\x9c\xac");
    event_close(&event);
}

/* Builds a valid event of exactly 'size' bytes by padding a property. */
static char *event_of_size(size_t size) {
    const char *head = "{\"id\":\"e1\",\"contact\":\"c1\",\"type\":\"t\","
                       "\"at\":\"2026-11-23T09:00:00Z\",\"props\":{\"pad\":\"";
    const char *tail = "\"}}";
    size_t fixed = strlen(head) + strlen(tail);
    char *text = malloc(size + 1);
    assert_non_null(text);
    memcpy(text, head, strlen(head));
    memset(text + strlen(head), 'x', size - fixed);
    memcpy(text + size - strlen(tail), tail, strlen(tail) + 1);
    assert_int_equal(strlen(text), size);
    return text;
}

static void test_oversize(void **state) {
    (void)state;
    char *text = event_of_size(EVENT_MAX_BYTES);
    event_t event;
    assert_int_equal(event_parse(text, EVENT_MAX_BYTES, &event, NULL), 0);
    event_close(&event);
    free(text);

    text = event_of_size(EVENT_MAX_BYTES + 1);
    char message[128];
    snprintf(message, sizeof message, "event of %d bytes exceeds the limit of %d bytes",
             EVENT_MAX_BYTES + 1, EVENT_MAX_BYTES);
    expect_refused(text, EVENT_MAX_BYTES + 1, message);
    free(text);
}

static void test_long_ids(void **state) {
    (void)state;
    char id[EVENT_MAX_ID_BYTES + 4], raw[EVENT_MAX_ID_BYTES + 8], text[1024], message[128];
    memset(id, 'i', EVENT_MAX_ID_BYTES);
    id[EVENT_MAX_ID_BYTES] = '\0';
    snprintf(raw, sizeof raw, "\"%s\"", id);
    event_with(text, sizeof text, "contact", raw);
    event_t event;
    assert_int_equal(parse(text, &event, NULL), 0);
    assert_int_equal(strlen(event.contact), EVENT_MAX_ID_BYTES);
    event_close(&event);

    strcat(id, "i");
    snprintf(raw, sizeof raw, "\"%s\"", id);
    event_with(text, sizeof text, "contact", raw);
    snprintf(message, sizeof message, "field \"contact\" is longer than %d bytes",
             EVENT_MAX_ID_BYTES);
    expect_refused_str(text, message);
}

/* ---- the event reader against cJSON ------------------------------------------------------
 * event_parse reads plain events with its own reader and gives up on the rest; either way the
 * tree must be the one cJSON builds, and an event is refused exactly when cJSON refuses it. */

/* 1 when the two trees are the same to the bit: types, keys and their order, strings,
 * numbers (valuedouble compared as bits, valueint), children. */
static int same_tree(const cJSON *a, const cJSON *b) {
    for (; a != NULL && b != NULL; a = a->next, b = b->next) {
        if ((a->type & 0xff) != (b->type & 0xff) || a->valueint != b->valueint ||
            memcmp(&a->valuedouble, &b->valuedouble, sizeof a->valuedouble) != 0 ||
            (a->string == NULL) != (b->string == NULL) ||
            (a->string && strcmp(a->string, b->string) != 0) ||
            (a->valuestring == NULL) != (b->valuestring == NULL) ||
            (a->valuestring && strcmp(a->valuestring, b->valuestring) != 0) ||
            !same_tree(a->child, b->child))
            return 0;
        if (a->child && a->child->prev != NULL && b->child->prev != NULL &&
            !same_tree(a->child->prev, b->child->prev)) /* the last child, kept at prev */
            return 0;
    }
    return a == NULL && b == NULL;
}

/* Checks 'props' (a JSON text) inside an otherwise valid event against cJSON. */
static void expect_as_cjson(const char *props) {
    char text[2048];
    snprintf(text, sizeof text,
             "{\"id\":\"e1\",\"contact\":\"c1\",\"type\":\"t\",\"at\":\"2026-11-23T09:00:00Z\","
             "\"props\":%s}",
             props);
    const char *end = NULL;
    cJSON *reference = cJSON_ParseWithLengthOpts(text, strlen(text), &end, 0);
    int is_valid = reference != NULL && end[strspn(end, " \t\r\n")] == '\0';
    event_t event;
    int rc = event_parse(text, strlen(text), &event, NULL);
    if (is_valid) {
        if (rc != 0 || !same_tree(event.json, reference))
            print_error("differs from cJSON: %s\n", props);
        assert_int_equal(rc, 0);
        assert_true(same_tree(event.json, reference));
        if (event.props_text != NULL) { /* kept as spelled, and reads as the same props */
            const char *spelled = props + strspn(props, " \t\r\n");
            assert_int_equal(event.props_text_size, strlen(event.props_text));
            assert_memory_equal(event.props_text, spelled, event.props_text_size);
            cJSON *again = cJSON_Parse(event.props_text);
            assert_non_null(again);
            assert_true(same_tree(again->child, event.props->child));
            cJSON_Delete(again);
        }
        event_close(&event);
    } else if (rc == 0) {
        print_error("cJSON refuses, accepted: %s\n", props);
        fail();
    }
    cJSON_Delete(reference);
}

static void test_reader_matches_cjson(void **state) {
    (void)state;
    static const char *const props[] = {
        "{}", "{ }", " {\"a\":1} ", "{\"a\":[]}", "{\"a\":[ ]}", "{\"a\":{}}",
        "{\"a\":true,\"b\":false,\"c\":null}", "{\"a\":tru}", "{\"a\":nul}",
        "{\"a\":0,\"b\":-0,\"c\":1.5,\"d\":-2.25e3,\"e\":1E+2,\"f\":0.1,\"g\":123456789012345}",
        "{\"a\":1234567890123456,\"b\":12345678901234567890,\"c\":1e400,\"d\":-1e-400}",
        "{\"a\":2147483648,\"b\":-2147483649,\"c\":3000000000.5}",
        "{\"a\":01,\"b\":1.}", "{\"a\":-}", "{\"a\":1-}", "{\"a\":+1}", "{\"a\":.5}", "{\"a\":1e}",
        "{\"a\":0000000000000000000000000000000000000000000000000000000000000000000001}",
        "{\"a\":\"\"}", "{\"\":\"x\"}", "{\"a\":\"12345678\"}", "{\"a\":\"1234567\\\"\"}",
        "{\"a\":\"escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t at the end\\n\"}",
        "{\"a\":\"\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"}", "{\"a\":\"x\\u00e9y\"}", "{\"a\":\"\\x\"}",
        "{\"a\":\"tab\there\"}", "{\"a\":\"a long string that crosses several words, twice over\"}",
        "{\"a\":\"\xc3\xa9t\xc3\xa9 \xe3\x81\x82\xe3\x82\x8a\xe3\x81\x8c\xe3\x81\xa8\xe3\x81\x86\"}",
        "{\"a\":[1,[2,[3,{\"b\":[]}]],\"c\",{\"d\":{\"e\":null}}]}", "{\"a\":[1,2,]}",
        "{\"a\":1,}", "{\"a\" : 1 , \"b\"\t:\n[ 1 ,\r2 ] }", "{\"a\":1,\"a\":2}", "{\"a\"}",
        "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
        "{\"a\":\"unterminated}", "{\"a\":1", "{\"a\":\x01 1}", "{\"a\":1}\x0b",
    };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        expect_as_cjson(props[i]);
}

/* The props text, which touch rows copy instead of writing the props again, is the props
 * object as the event spelled it, or NULL where there is none to copy. */
static void test_props_text_as_spelled(void **state) {
    (void)state;
    event_t event;
    assert_int_equal(parse(VALID_EVENT, &event, NULL), 0);
    assert_string_equal(event.props_text, "{\"page_type\":\"faq\",\"visits\":3}");
    assert_int_equal(event.props_text_size, strlen(event.props_text));
    event_close(&event);
    static const char *const cases[][2] = {
        {"\"props\": { \"a\" : [1, 2] } ,\"x\":{\"props\":{}}", "{ \"a\" : [1, 2] }"},
        {"\"props\":{\"a\":1},\"props\":{\"b\":2}", "{\"a\":1}"}, /* the first, as props */
        {"\"props\":null", NULL},
        {"\"x\":{\"props\":{\"a\":1}}", NULL}, /* not the event's own props */
        {"\"props\":{\"a\":\"\\u00e9\"}", NULL}, /* read by cJSON: no text kept */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"id\":\"e1\",\"contact\":\"c1\",\"type\":\"t\","
                 "\"at\":\"2026-11-23T09:00:00Z\",%s}",
                 cases[i][0]);
        assert_int_equal(parse(text, &event, NULL), 0);
        if (cases[i][1] == NULL) {
            assert_null(event.props_text);
            assert_int_equal(event.props_text_size, 0);
        } else {
            assert_string_equal(event.props_text, cases[i][1]);
        }
        event_close(&event);
    }
}

/* Strings of every length up to 40 with a special character at every position, so that each
 * lands at each place of the reader's eight-byte words. */
static void test_reader_string_positions(void **state) {
    (void)state;
    static const char *const specials[] = {"\\\"", "\\\\", "\\n", "\\u0041", "\\q", "\x01", "\xc3\xa9"};
    for (size_t s = 0; s < sizeof specials / sizeof specials[0]; s++)
        for (int length = 0; length <= 40; length++)
            for (int at = 0; at <= length; at++) {
                char value[128], props[256];
                memset(value, 'v', (size_t)length);
                value[length] = '\0';
                snprintf(props, sizeof props, "{\"k\":\"%.*s%s%s\",\"n\":1}", at, value, specials[s],
                         value + at);
                expect_as_cjson(props);
            }
}

/* Events parsed one after the other into the block the one before left (replay's way) read
 * as event_parse reads them, through refusals and sizes that do not fit the kept block. */
static void test_parse_reusing_block(void **state) {
    (void)state;
    static const char *const lines[] = {
        "{\"id\":\"a\",\"contact\":\"c\",\"type\":\"t\",\"at\":\"2026-01-05T09:00:00Z\"}",
        VALID_EVENT,
        "{\"id\":\"\",\"contact\":\"c\",\"type\":\"t\",\"at\":\"2026-01-05T09:00:00Z\"}",
        "{\"id\":\"b\",\"contact\":\"c\"} {}",
        "{\"id\":\"c\",\"contact\":\"d\",\"type\":\"u\",\"at\":\"2026-01-05T10:00:00Z\","
        "\"props\":{\"x\":[1,2,{\"y\":\"z\"}]}}",
        VALID_EVENT,
    };
    event_spare_t spare = {NULL, 0};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        event_t reused, fresh;
        nerr_t reused_err = {0, ""}, fresh_err = {0, ""};
        int rc = event_parse_reusing(lines[i], strlen(lines[i]), &reused, &spare, &reused_err);
        assert_int_equal(rc, parse(lines[i], &fresh, &fresh_err));
        assert_string_equal(reused_err.msg, fresh_err.msg);
        if (rc == 0) {
            assert_string_equal(reused.id, fresh.id);
            assert_string_equal(reused.contact, fresh.contact);
            assert_true(reused.at_ms == fresh.at_ms);
            char *a = cJSON_PrintUnformatted(reused.json), *b = cJSON_PrintUnformatted(fresh.json);
            assert_string_equal(a, b);
            free(a);
            free(b);
        }
        event_close_keeping(&reused, &spare);
        event_close(&fresh);
        assert_null(reused.json);
    }
    assert_non_null(spare.block); /* the largest block is kept for the next event */
    event_spare_free(&spare);
    assert_null(spare.block);
    event_spare_free(&spare); /* harmless on an empty one */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_event),
        cmocka_unit_test(test_extra_keys_kept),
        cmocka_unit_test(test_optional_fields_absent),
        cmocka_unit_test(test_required_fields),
        cmocka_unit_test(test_optional_wrong_types),
        cmocka_unit_test(test_at_not_a_time),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_trailing_garbage_refused),
        cmocka_unit_test(test_size_bounds_the_text),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_props_not_an_object),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_valid_utf8),
        cmocka_unit_test(test_at_out_of_range),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_long_ids),
        cmocka_unit_test(test_reader_matches_cjson),
        cmocka_unit_test(test_reader_string_positions),
        cmocka_unit_test(test_props_text_as_spelled),
        cmocka_unit_test(test_parse_reusing_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
