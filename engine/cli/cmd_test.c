/* test: runs a playbook's own tests and reports each failure with what was expected and
 * what happened, ending with "N passed, N failed". Exit 0 only when all pass. */
#include <stdio.h>

#include "engine/cli/commands.h"
#include "engine/core/selftest.h"

static const char USAGE[] =
    "usage: nurture test DIR\n"
    "\n"
    "Loads the playbook in DIR and runs its tests (the `test \"name\" { ... }` declarations):\n"
    "each feeds a fresh contact a sequence of timed touchpoints through the same core as the\n"
    "engine, then checks the actions, stage and mind it expects. Prints each failure with what\n"
    "was expected and what happened, then \"N passed, N failed\".\n";

typedef struct {
    int passed, failed;
    int is_verbose;
} tally_t;

static void report(const selftest_result_t *r, void *ud) {
    tally_t *tally = ud;
    if (r->is_passed) {
        tally->passed++;
        if (tally->is_verbose)
            printf("ok    %s:%d: %s\n", r->test->file, r->test->line, r->test->name);
        return;
    }
    tally->failed++;
    printf("FAIL  %s:%d: %s\n", r->test->file, r->test->line, r->test->name);
    for (const char *line = r->detail; *line;) {
        const char *end = line;
        while (*end && *end != '\n')
            end++;
        printf("      %.*s\n", (int)(end - line), line);
        line = *end ? end + 1 : end;
    }
}

int cmd_test(int argc, char **argv) {
    if (cli_wants_help(argc, argv, USAGE))
        return 0;
    int is_verbose = argc == 3 && (argv[1][0] == '-' && argv[1][1] == 'v');
    if (argc != 2 + is_verbose) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *dir = argv[argc - 1];
    nerr_t err;
    playbook_t *playbook = playbook_load(dir, &err);
    if (playbook == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    tally_t tally = {.is_verbose = is_verbose};
    int failed = selftest_run(playbook, report, &tally, &err);
    playbook_free(playbook);
    if (failed < 0) {
        fprintf(stderr, "nurture test: %s\n", err.msg);
        return 1;
    }
    printf("%d passed, %d failed\n", tally.passed, tally.failed);
    return tally.failed == 0 ? 0 : 1;
}
