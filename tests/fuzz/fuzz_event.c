/* fuzz_event: feeds bytes to event_parse and, for an event that parses, checks that the
 * contact it touches survives its storage form: to_json -> from_json -> to_json gives the
 * same text. Built as a libFuzzer target (NURTURE_FUZZ) and as a replay (replay_main.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/contact.h"
#include "engine/core/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken round trip is a bug: abort, so the fuzzer records the input (asserts may be off). */
static void check(int is_ok, const char *what, const char *detail) {
    if (!is_ok) {
        fprintf(stderr, "fuzz_event: %s: %s\n", what, detail ? detail : "");
        abort();
    }
}

/* The stored state and history rows of 'contact' (a new one: all its rows are written). */
static void store(contact_t *contact, char **json, char **rows, size_t *rows_size) {
    *json = contact_to_json(contact);
    check(*json != NULL, "contact_to_json failed", NULL);
    int rewrite;
    *rows = contact_rows_text(contact, &rewrite, rows_size);
    check(rewrite == 1, "a new contact's rows are not all written", NULL);
}

static void round_trip(contact_t *contact) {
    char *json, *rows, *json_again, *rows_again;
    size_t rows_size, rows_size_again;
    store(contact, &json, &rows, &rows_size);
    contact_t back;
    nerr_t err = {0, ""};
    int rc = contact_from_json(&back, contact->id, json, strlen(json), 7, &err);
    check(rc == 0, "contact_from_json refused its own storage form", err.msg);
    rc = contact_restore_history(&back, rows ? rows : "", rows_size, &err);
    check(rc == 0, "contact_restore_history refused its own rows", err.msg);
    back.history_log.replace = 1; /* to write all its rows again */
    store(&back, &json_again, &rows_again, &rows_size_again);
    check(strcmp(json, json_again) == 0, "round trip changed the state", json);
    check(rows_size == rows_size_again && (rows_size == 0 || memcmp(rows, rows_again, rows_size) == 0),
          "round trip changed the history rows", rows);
    free(json_again);
    free(rows_again);
    free(json);
    free(rows);
    contact_close(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    event_t event;
    nerr_t err = {0, ""};
    if (event_parse((const char *)data, size, &event, &err) != 0)
        return 0;
    contact_t contact;
    check(contact_init(&contact, event.contact, &err) == 0, "contact_init", err.msg);
    /* Twice: a second touch from the same event exercises the history list. */
    check(contact_record_touch(&contact, &event, &err) == 0, "contact_record_touch", err.msg);
    check(contact_record_touch(&contact, &event, &err) == 0, "contact_record_touch", err.msg);
    round_trip(&contact);
    contact_close(&contact);
    event_close(&event);
    return 0;
}
