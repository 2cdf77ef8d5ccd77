/* bench-codec: the contact storage codec on realistic states. Decides the events of a JSON
 * Lines file with a playbook (as replay does, contacts in memory), then writes every contact's
 * state 'rounds' times (contact_to_json) and reads every state back 'rounds' times
 * (contact_from_json), and prints the time of each phase. Under callgrind, the inclusive costs
 * of codec_write and codec_read are the figures to compare.
 *   bench-codec RULES_DIR EVENTS.jsonl [ROUNDS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/core/contact.h"
#include "engine/core/decide.h"
#include "engine/core/strmap.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static contact_t *contact_for(strmap_t *contacts, const char *id) {
    contact_t *c = strmap_get(contacts, id);
    if (c == NULL) {
        c = malloc(sizeof *c);
        if (c == NULL || contact_init(c, id, NULL) != 0 || strmap_put(contacts, id, c) != 0) {
            fprintf(stderr, "bench-codec: out of memory\n");
            exit(1);
        }
    }
    return c;
}

static long load(playbook_t *pb, const char *path, strmap_t *contacts) {
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        perror(path);
        exit(1);
    }
    char *line = NULL;
    size_t room = 0;
    ssize_t size;
    long events = 0;
    while ((size = getline(&line, &room, in)) > 0) {
        event_t event;
        nerr_t err;
        if (event_parse(line, (size_t)size, &event, &err) != 0)
            continue;
        decision_t decision;
        if (decide(pb, contact_for(contacts, event.contact), &event, &decision, &err) == 0)
            events++;
        decision_close(&decision);
        event_close(&event);
    }
    free(line);
    fclose(in);
    return events;
}

/* Writes every contact 'rounds' times; keeps the last texts in 'texts'. */
static size_t codec_write(const strmap_t *contacts, char **texts, int rounds) {
    size_t bytes = 0;
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < contacts->capacity; i++) {
            if (contacts->keys[i] == NULL)
                continue;
            free(texts[i]);
            texts[i] = contact_to_json(contacts->values[i]);
            bytes += strlen(texts[i]);
        }
    }
    return bytes;
}

static long codec_read(const strmap_t *contacts, char **texts, int rounds) {
    long failed = 0;
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < contacts->capacity; i++) {
            if (texts[i] == NULL)
                continue;
            contact_t back;
            nerr_t err;
            if (contact_from_json(&back, contacts->keys[i], texts[i], strlen(texts[i]), 1, &err))
                failed++;
            else
                contact_close(&back);
        }
    }
    return failed;
}

/* Every contact read back must write the same text. */
static long check_canonical(const strmap_t *contacts, char **texts) {
    long differ = 0;
    for (size_t i = 0; i < contacts->capacity; i++) {
        if (texts[i] == NULL)
            continue;
        contact_t back;
        nerr_t err;
        if (contact_from_json(&back, contacts->keys[i], texts[i], strlen(texts[i]), 1, &err)) {
            differ++;
            continue;
        }
        char *again = contact_to_json(&back);
        differ += again == NULL || strcmp(again, texts[i]) != 0;
        free(again);
        contact_close(&back);
    }
    return differ;
}

static void free_contact(void *value) {
    contact_close(value);
    free(value);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench-codec RULES_DIR EVENTS.jsonl [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    nerr_t err;
    playbook_t *pb = playbook_load(argv[1], &err);
    if (pb == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    strmap_t contacts;
    strmap_init(&contacts);
    long events = load(pb, argv[2], &contacts);
    char **texts = calloc(contacts.capacity, sizeof *texts);
    double t0 = now_s();
    size_t bytes = codec_write(&contacts, texts, rounds);
    double t1 = now_s();
    long failed = codec_read(&contacts, texts, rounds);
    double t2 = now_s();
    long differ = check_canonical(&contacts, texts);
    const char *dump = getenv("BENCH_CODEC_DUMP"); /* a file to write the states to, one a line */
    FILE *out = dump ? fopen(dump, "w") : NULL;
    for (size_t i = 0; out && i < contacts.capacity; i++)
        if (texts[i])
            fprintf(out, "%s %s\n", contacts.keys[i], texts[i]);
    if (out)
        fclose(out);
    long states = (long)contacts.count * rounds;
    printf("bench-codec: %ld events, %zu contacts, %d rounds, mean state %.0f bytes\n", events,
           contacts.count, rounds, (double)bytes / (double)states);
    printf("  to_json   %.3f s  %.2f us/state\n", t1 - t0, (t1 - t0) * 1e6 / (double)states);
    printf("  from_json %.3f s  %.2f us/state  (%ld failed)\n", t2 - t1,
           (t2 - t1) * 1e6 / (double)states, failed);
    printf("  restored states writing different text: %ld\n", differ);
    for (size_t i = 0; i < contacts.capacity; i++)
        free(texts[i]);
    free(texts);
    strmap_close(&contacts, free_contact);
    playbook_free(pb);
    return failed || differ ? 1 : 0;
}
