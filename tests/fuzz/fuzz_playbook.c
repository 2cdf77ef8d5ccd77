/* fuzz_playbook: writes the input as the one rule file of a private folder, loads it as a
 * playbook and, when it loads, decides two fixed touchpoints through it. Whatever the rules
 * say, this must not crash, leak or outrun the instruction budget. Built as a libFuzzer target
 * (NURTURE_FUZZ) and as a replay (replay_main.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/core/contact.h"
#include "engine/core/decide.h"
#include "engine/core/event.h"
#include "engine/core/playbook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const EVENTS[] = {
    "{\"id\":\"ev-1\",\"contact\":\"c-1\",\"type\":\"page_view\","
    "\"at\":\"2026-02-03T10:05:00Z\",\"account\":\"acme\","
    "\"props\":{\"page_type\":\"faq\",\"url\":\"/faq/security\",\"dwell_s\":140}}",
    "{\"id\":\"ev-2\",\"contact\":\"c-1\",\"type\":\"identify\",\"at\":\"2026-02-04T09:00:00Z\","
    "\"props\":{\"industry\":\"manufacturing\",\"company_size\":300}}",
};

static char dir[512];
static char path[600];

static void remove_dir(void) {
    unlink(path);
    rmdir(dir);
}

/* The folder is made once per process and removed at exit. */
static const char *rule_path(void) {
    if (dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/nurture-fuzz-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
            perror(dir);
            abort();
        }
        snprintf(path, sizeof path, "%s/rules.lua", dir);
        atexit(remove_dir);
    }
    return path;
}

static void write_rules(const uint8_t *data, size_t size) {
    FILE *f = fopen(rule_path(), "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

static void decide_all(playbook_t *pb) {
    contact_t contact;
    nerr_t err = {0, ""};
    if (contact_init(&contact, "c-1", &err) != 0)
        return;
    for (size_t i = 0; i < sizeof EVENTS / sizeof EVENTS[0]; i++) {
        event_t event;
        if (event_parse(EVENTS[i], strlen(EVENTS[i]), &event, &err) != 0)
            abort(); /* the fixed events are valid */
        decision_t decision;
        memset(&decision, 0, sizeof decision);
        int rc = decide(pb, &contact, &event, &decision, &err);
        decision_close(&decision);
        event_close(&event);
        if (rc != 0)
            break; /* out of memory: the contact must be discarded */
    }
    contact_close(&contact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_rules(data, size);
    nerr_t err = {0, ""};
    playbook_t *pb = playbook_load(dir, &err);
    if (pb == NULL)
        return 0;
    decide_all(pb);
    playbook_free(pb);
    return 0;
}
