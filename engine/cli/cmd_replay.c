/* replay: runs the decision core over a JSON Lines file of events with contacts kept in
 * memory and a virtual clock taken from the events, printing every action the live engine
 * would emit for the same events, with the same ids. No Redis. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/commands.h"
#include "engine/cli/offline.h"
#include "engine/core/jsonw.h"
#include "engine/core/strmap.h"

static const char USAGE[] =
    "usage: nurture replay --rules DIR --events FILE [--facts FILE] [--all]\n"
    "\n"
    "Runs the playbook in DIR over the events in FILE (JSON Lines, in file order) without Redis,\n"
    "as the live engine would: the same actions, ids and reasons. Prints each action as one JSON\n"
    "line (emitted_at is its due time on the virtual clock). A summary goes to stderr: events,\n"
    "contacts, actions by rule and by content, held back by policy, cancelled.\n"
    "  --facts FILE  JSON Lines of {\"contact\": ID, ...facts}: what each contact starts with\n"
    "  --all         also print the actions held back by a policy and those cancelled by a\n"
    "                goal, marked \"status\": \"held\" or \"cancelled\"\n"
    "Malformed lines are reported as FILE:LINE: reason and skipped, as the engine dead-letters them.\n";

typedef struct {
    playbook_t *playbook;
    int is_all;
    strmap_t by_rule, by_content, by_policy; /* name -> count */
    long held, cancelled;
    jsonw_t out; /* one action line, reused */
} replay_t;

static void tally(strmap_t *map, const char *key) {
    void **count = strmap_slot(map, key);
    if (count == NULL) {
        fprintf(stderr, "nurture replay: out of memory\n");
        exit(1);
    }
    *count = (void *)((intptr_t)*count + 1);
}

static void emit(char *json) {
    if (json == NULL) {
        fprintf(stderr, "nurture replay: out of memory\n");
        exit(1);
    }
    puts(json);
    free(json);
}

/* Prints 'a' as it would be released: emitted at its due time on the virtual clock. */
static void print_action(jsonw_t *w, const action_t *a, const char *version) {
    w->length = 0;
    action_write(w, a, version, a->due_ms);
    jsonw_char(w, '\n');
    if (w->is_failed) {
        fprintf(stderr, "nurture replay: out of memory\n");
        exit(1);
    }
    fwrite(w->data, 1, w->length, stdout);
}

static void print_decision(const event_t *event, const contact_t *contact,
                           const decision_t *decision, void *ud) {
    (void)contact;
    replay_t *r = ud;
    const char *version = playbook_version(r->playbook);
    for (int i = 0; i < decision->action_count; i++) {
        const action_t *a = &decision->actions[i];
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(a->target, "id");
        tally(&r->by_rule, a->rule);
        tally(&r->by_content, cJSON_IsString(id) ? id->valuestring : "(task)");
        print_action(&r->out, a, version);
    }
    int held = decision->held_count < DECIDE_MAX_HELD ? decision->held_count : DECIDE_MAX_HELD;
    for (int i = 0; i < held; i++) {
        tally(&r->by_policy, decision->held[i].policy);
        if (r->is_all)
            emit(decision_held_json(decision, i, event, version));
    }
    for (int i = 0; r->is_all && i < decision->cancelled_count; i++)
        emit(decision_cancelled_json(decision, i, event, version));
    r->held += decision->held_count;
    r->cancelled += decision->cancelled_count;
}

typedef struct {
    const char *name;
    long count;
} tally_row_t;

/* Most first, then by name: the table's own order would change with its hash. */
static int by_count_then_name(const void *a, const void *b) {
    const tally_row_t *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void print_tally(const char *title, const strmap_t *map) {
    tally_row_t *rows = malloc((map->count ? map->count : 1) * sizeof *rows);
    if (rows == NULL)
        return; /* out of memory at the very end: the summary goes without this line */
    size_t count = 0;
    for (size_t i = 0; i < map->capacity; i++)
        if (map->keys[i])
            rows[count++] = (tally_row_t){map->keys[i], (long)(intptr_t)map->values[i]};
    qsort(rows, count, sizeof *rows, by_count_then_name);
    fprintf(stderr, "  %s:", title);
    for (size_t i = 0; i < count; i++)
        fprintf(stderr, " %s=%ld", rows[i].name, rows[i].count);
    fprintf(stderr, "\n");
    free(rows);
}

int cmd_replay(int argc, char **argv) {
    static const struct option options[] = {
        {"rules", required_argument, NULL, 'r'}, {"events", required_argument, NULL, 'e'},
        {"facts", required_argument, NULL, 'f'}, {"all", no_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    const char *rules = NULL, *events = NULL, *facts = NULL;
    replay_t r = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'r': rules = optarg; break;
        case 'e': events = optarg; break;
        case 'f': facts = optarg; break;
        case 'a': r.is_all = 1; break;
        default: return fputs(USAGE, stderr), 2;
        }
    }
    if (rules == NULL || events == NULL || optind != argc)
        return fputs(USAGE, stderr), 2;

    nerr_t err;
    r.playbook = playbook_load(rules, &err);
    if (r.playbook == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    strmap_init(&r.by_rule);
    strmap_init(&r.by_content);
    strmap_init(&r.by_policy);
    jsonw_init(&r.out, 4096);
    offline_hooks_t hooks = {.after = print_decision, .ud = &r, .facts_path = facts, .is_last = 1};
    offline_stats_t s;
    int rc = offline_run(r.playbook, events, &hooks, &s);
    fflush(stdout);
    fprintf(stderr,
            "replay: %ld events, %ld duplicates, %ld malformed, %ld contacts, %ld actions, "
            "%ld held back, %ld cancelled, %ld rule errors (playbook %s)\n",
            s.events, s.duplicates, s.malformed, s.contacts, s.actions, r.held, r.cancelled,
            s.rule_errors, playbook_version(r.playbook));
    print_tally("actions by rule", &r.by_rule);
    print_tally("actions by content", &r.by_content);
    print_tally("held back by policy", &r.by_policy);
    strmap_close(&r.by_rule, NULL);
    strmap_close(&r.by_content, NULL);
    strmap_close(&r.by_policy, NULL);
    jsonw_close(&r.out);
    playbook_free(r.playbook);
    return rc == 0 ? 0 : 1;
}
