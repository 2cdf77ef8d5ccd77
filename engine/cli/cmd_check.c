/* check: loads a playbook the way the engine does and reports the first error as
 * "file:line: message". Exit 0 when it loads, 1 when it does not, 2 on bad usage. */
#include <stdio.h>

#include "engine/cli/commands.h"
#include "engine/core/playbook.h"

static const char USAGE[] =
    "usage: nurture check DIR\n"
    "\n"
    "Loads every .lua file of the playbook folder DIR in a sandbox and validates it: syntax,\n"
    "unknown stages or content ids, bad durations, duplicate rule names, unknown fields.\n"
    "Prints \"file:line: message\" and exits 1 on an error; prints a summary and exits 0.\n";

int cmd_check(int argc, char **argv) {
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    if (argc != 2) {
        fputs(USAGE, stderr);
        return 2;
    }
    nerr_t err;
    playbook_t *playbook = playbook_load(argv[1], &err);
    if (playbook == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int counts[RULE_KIND_COUNT] = {0};
    for (int i = 0; i < playbook_rule_count(playbook); i++)
        counts[playbook_rule(playbook, i)->kind]++;
    printf("%s: ok (version %s): %d stages, %d inference rules, %d stage rules, %d action rules, "
           "%d policies, %d goals, %d tests\n",
           argv[1], playbook_version(playbook), playbook_stage_count(playbook), counts[RULE_INFER],
           counts[RULE_ADVANCE], counts[RULE_ACT], counts[RULE_SUPPRESS] + counts[RULE_CAP],
           counts[RULE_GOAL], playbook_test_count(playbook));
    playbook_free(playbook);
    return 0;
}
