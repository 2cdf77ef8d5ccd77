/* replay: runs the decision core over a JSON Lines file of events with contacts kept in
 * memory and a virtual clock taken from the events, printing every action the live engine
 * would emit for the same events, with the same ids. No Redis. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/commands.h"
#include "engine/core/decide.h"
#include "engine/core/strmap.h"

static const char USAGE[] =
    "usage: nurture replay --rules DIR --events FILE\n"
    "\n"
    "Runs the playbook in DIR over the events in FILE (JSON Lines, in file order) without Redis,\n"
    "as the live engine would: the same actions, ids and reasons. Prints each action as one JSON\n"
    "line (emitted_at is its due time on the virtual clock); a summary goes to stderr.\n"
    "Malformed lines are reported as FILE:LINE: reason and skipped, as the engine dead-letters them.\n";

typedef struct {
    playbook_t *playbook;
    strmap_t contacts; /* id -> contact_t* */
    strmap_t seen;     /* event id -> (void *)1 */
    long events, duplicates, malformed, actions, rule_errors;
} replay_t;

static void free_contact(void *value) {
    contact_close(value);
    free(value);
}

static contact_t *contact_for(replay_t *r, const char *id, nerr_t *err) {
    contact_t *contact = strmap_get(&r->contacts, id);
    if (contact != NULL)
        return contact;
    contact = malloc(sizeof *contact);
    if (contact == NULL || contact_init(contact, id, err) != 0) {
        free(contact);
        return NULL;
    }
    if (strmap_put(&r->contacts, id, contact) != 0) {
        free_contact(contact);
        return NULL;
    }
    return contact;
}

static int print_decision(replay_t *r, const decision_t *decision, const event_t *event) {
    for (int i = 0; i < decision->action_count; i++) {
        const action_t *a = &decision->actions[i];
        char *json = action_to_json(a, playbook_version(r->playbook), a->due_ms);
        if (json == NULL)
            return -1;
        puts(json);
        free(json);
        r->actions++;
    }
    int shown = decision->error_count < DECIDE_MAX_ERRORS ? decision->error_count : DECIDE_MAX_ERRORS;
    for (int i = 0; i < shown; i++)
        fprintf(stderr, "rule error: %s (contact %s, event %s)\n", decision->errors[i].msg,
                event->contact, event->id);
    r->rule_errors += decision->error_count;
    return 0;
}

/* Applies one line; returns 0, or -1 on a fatal error (out of memory). */
static int replay_line(replay_t *r, const char *path, long line_number, const char *line,
                       size_t size) {
    event_t event;
    nerr_t err;
    if (event_parse(line, size, &event, &err) != 0) {
        fprintf(stderr, "%s:%ld: %s\n", path, line_number, err.msg);
        r->malformed++;
        return 0;
    }
    int rc = -1;
    r->events++;
    if (strmap_get(&r->seen, event.id) != NULL) {
        r->duplicates++;
        rc = 0;
        goto done;
    }
    contact_t *contact = contact_for(r, event.contact, &err);
    if (contact == NULL || strmap_put(&r->seen, event.id, (void *)1) != 0)
        goto done;
    decision_t decision;
    if (decide(r->playbook, contact, &event, &decision, &err) == 0)
        rc = print_decision(r, &decision, &event);
    decision_close(&decision);
done:
    event_close(&event);
    return rc;
}

static int replay_file(replay_t *r, const char *path) {
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (in == NULL) {
        perror(path);
        return -1;
    }
    char *line = NULL;
    size_t room = 0;
    ssize_t size;
    long line_number = 0;
    int rc = 0;
    while (rc == 0 && (size = getline(&line, &room, in)) >= 0) {
        line_number++;
        while (size > 0 && (line[size - 1] == '\n' || line[size - 1] == '\r'))
            line[--size] = '\0';
        if (size > 0)
            rc = replay_line(r, path, line_number, line, (size_t)size);
    }
    free(line);
    if (in != stdin)
        fclose(in);
    if (rc != 0)
        fprintf(stderr, "%s:%ld: out of memory\n", path, line_number);
    return rc;
}

int cmd_replay(int argc, char **argv) {
    static const struct option options[] = {
        {"rules", required_argument, NULL, 'r'},
        {"events", required_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    const char *rules = NULL, *events = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'r')
            rules = optarg;
        else if (opt == 'e')
            events = optarg;
        else
            return fputs(USAGE, stderr), 2;
    }
    if (rules == NULL || events == NULL || optind != argc)
        return fputs(USAGE, stderr), 2;

    replay_t r = {0};
    nerr_t err;
    strmap_init(&r.contacts);
    strmap_init(&r.seen);
    r.playbook = playbook_load(rules, &err);
    if (r.playbook == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int rc = replay_file(&r, events);
    fflush(stdout);
    fprintf(stderr,
            "replay: %ld events, %ld duplicates, %ld malformed, %zu contacts, %ld actions, "
            "%ld rule errors (playbook %s)\n",
            r.events, r.duplicates, r.malformed, r.contacts.count, r.actions, r.rule_errors,
            playbook_version(r.playbook));
    strmap_close(&r.contacts, free_contact);
    strmap_close(&r.seen, NULL);
    playbook_free(r.playbook);
    return rc == 0 ? 0 : 1;
}
