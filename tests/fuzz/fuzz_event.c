/* fuzz_event: feeds bytes to event_parse and, for an event that parses, checks that the
 * contact and the account it touches survive their storage form: to_json -> from_json ->
 * to_json gives the same text, and the rows written are the rows read back. The bytes are
 * also read as an account's stored rows, which must be refused cleanly when malformed.
 * Built as a libFuzzer target (NURTURE_FUZZ) and as a replay (replay_main.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/account.h"
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
    check(rows_size == rows_size_again &&
              (rows_size == 0 || memcmp(rows, rows_again, rows_size) == 0),
          "round trip changed the history rows", rows);
    free(json_again);
    free(rows_again);
    free(json);
    free(rows);
    contact_close(&back);
}

/* An account whose stored rows are 'rows' ('size' bytes, arbitrary), looked through for an
 * event and read as a committee query or a rewrite would read them: refused or read, never a
 * crash. */
static void read_as_account_rows(const char *rows, size_t size) {
    account_t account;
    nerr_t err = {0, ""};
    const char *state = "{\"facts\":{},\"mind\":{},\"sent\":[]}";
    check(account_from_json(&account, "acme", state, strlen(state), 1, &err) == 0,
          "account_from_json", err.msg);
    check(account_restore_touches(&account, rows, size, &err) == 0, "rows taken unread", err.msg);
    event_t event; /* an event to look for among the unread rows */
    const char *text = "{\"id\":\"e1\",\"contact\":\"ana\",\"type\":\"page_view\","
                       "\"at\":\"2026-03-02T09:00:00Z\"}";
    check(event_parse(text, strlen(text), &event, &err) == 0, "event_parse", err.msg);
    check(account_record_touch(&account, &event, &err) == 0, "account_record_touch", err.msg);
    event_close(&event);
    int rc = account_read_rows(&account, &err);
    check(rc == 0 || rc == NERR_INVALID, "account_read_rows", err.msg);
    check(rc == 0 || account.malformed_row > 0, "a malformed row without its number", err.msg);
    account_close(&account);
}

/* 'event' recorded for a new account, whose rows are then read back unread and read. */
static void account_round_trip(const event_t *event) {
    account_t account, back;
    nerr_t err = {0, ""};
    check(account_init(&account, "acme", &err) == 0, "account_init", err.msg);
    check(account_record_touch(&account, event, &err) == 0, "account_record_touch", err.msg);
    char *json = account_to_json(&account);
    int rewrite;
    size_t size;
    char *rows = account_rows_text(&account, &rewrite, &size);
    check(json != NULL && rows != NULL && rewrite == 1, "a new account's rows", NULL);
    check(account_from_json(&back, "acme", json, strlen(json), 3, &err) == 0,
          "account_from_json refused its own storage form", err.msg);
    check(account_restore_touches(&back, rows, size, &err) == 0, "rows taken unread", err.msg);
    check(account_read_rows(&back, &err) == 0, "account_read_rows refused its own rows", err.msg);
    check(back.touch_count == 1 && back.touches[0].row_size == account.touches[0].row_size &&
              memcmp(back.touches[0].row, account.touches[0].row, size) == 0,
          "round trip changed the account's row", rows);
    free(json);
    free(rows);
    account_close(&back);
    account_close(&account);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    read_as_account_rows((const char *)data, size);
    event_t event;
    nerr_t err = {0, ""};
    if (event_parse((const char *)data, size, &event, &err) != 0)
        return 0;
    account_round_trip(&event);
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
