/* replay: runs the decision core over a JSON Lines file of events with contacts kept in
 * memory and a virtual clock taken from the events, printing every action the live engine
 * would emit for the same events, with the same ids. No Redis. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/cli/commands.h"
#include "engine/cli/offline.h"

static const char USAGE[] =
    "usage: nurture replay --rules DIR --events FILE\n"
    "\n"
    "Runs the playbook in DIR over the events in FILE (JSON Lines, in file order) without Redis,\n"
    "as the live engine would: the same actions, ids and reasons. Prints each action as one JSON\n"
    "line (emitted_at is its due time on the virtual clock); a summary goes to stderr.\n"
    "Malformed lines are reported as FILE:LINE: reason and skipped, as the engine dead-letters them.\n";

static void print_actions(const event_t *event, const contact_t *contact,
                          const decision_t *decision, void *ud) {
    (void)event;
    (void)contact;
    const char *version = playbook_version(ud);
    for (int i = 0; i < decision->action_count; i++) {
        const action_t *a = &decision->actions[i];
        char *json = action_to_json(a, version, a->due_ms);
        if (json == NULL) {
            fprintf(stderr, "nurture replay: out of memory\n");
            exit(1);
        }
        puts(json);
        free(json);
    }
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

    nerr_t err;
    playbook_t *playbook = playbook_load(rules, &err);
    if (playbook == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    offline_hooks_t hooks = {.after = print_actions, .ud = playbook};
    offline_stats_t s;
    int rc = offline_run(playbook, events, &hooks, &s);
    fflush(stdout);
    fprintf(stderr,
            "replay: %ld events, %ld duplicates, %ld malformed, %ld contacts, %ld actions, "
            "%ld rule errors (playbook %s)\n",
            s.events, s.duplicates, s.malformed, s.contacts, s.actions, s.rule_errors,
            playbook_version(playbook));
    playbook_free(playbook);
    return rc == 0 ? 0 : 1;
}
