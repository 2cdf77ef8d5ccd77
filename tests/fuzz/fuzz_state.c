/* fuzz_state: feeds bytes to the readers of stored states, a contact's and an account's, as a
 * fetch from Redis hands them over: a state is read or refused with a reason, never a crash,
 * and a state read is written back and read again to the same text. Built as a libFuzzer
 * target (NURTURE_FUZZ) and as a replay (replay_main.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/account.h"
#include "engine/core/contact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken round trip is a bug: abort, so the fuzzer records the input (asserts may be off). */
static void check(int is_ok, const char *what, const char *detail) {
    if (!is_ok) {
        fprintf(stderr, "fuzz_state: %s: %s\n", what, detail ? detail : "");
        abort();
    }
}

static void read_as_contact(const char *text, size_t size) {
    contact_t contact, again;
    nerr_t err = {0, ""};
    int rc = contact_from_json(&contact, "ana", text, size, 1, &err);
    check(rc == 0 || rc == NERR_INVALID, "contact_from_json", err.msg);
    if (rc != 0)
        return;
    char *json = contact_to_json(&contact);
    check(json != NULL, "contact_to_json", NULL);
    rc = contact_from_json(&again, "ana", json, strlen(json), 1, &err);
    check(rc == 0, "contact_from_json refused its own storage form", json);
    char *json_again = contact_to_json(&again);
    check(json_again != NULL && strcmp(json, json_again) == 0, "round trip changed the state",
          json);
    free(json_again);
    free(json);
    contact_close(&again);
    contact_close(&contact);
}

static void read_as_account(const char *text, size_t size) {
    account_t account, again;
    nerr_t err = {0, ""};
    int rc = account_from_json(&account, "acme", text, size, 1, &err);
    check(rc == 0 || rc == NERR_INVALID, "account_from_json", err.msg);
    if (rc != 0)
        return;
    char *json = account_to_json(&account);
    check(json != NULL, "account_to_json", NULL);
    rc = account_from_json(&again, "acme", json, strlen(json), 1, &err);
    check(rc == 0, "account_from_json refused its own storage form", json);
    char *json_again = account_to_json(&again);
    check(json_again != NULL && strcmp(json, json_again) == 0, "round trip changed the state",
          json);
    free(json_again);
    free(json);
    account_close(&again);
    account_close(&account);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    read_as_contact((const char *)data, size);
    read_as_account((const char *)data, size);
    return 0;
}
