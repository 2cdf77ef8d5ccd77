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

static void round_trip(const contact_t *contact) {
    char *json = contact_to_json(contact);
    check(json != NULL, "contact_to_json failed", NULL);
    contact_t back;
    nerr_t err = {0, ""};
    int rc = contact_from_json(&back, contact->id, json, strlen(json), 7, &err);
    check(rc == 0, "contact_from_json refused its own storage form", err.msg);
    char *again = contact_to_json(&back);
    check(again != NULL && strcmp(json, again) == 0, "round trip changed the contact", json);
    free(again);
    free(json);
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
