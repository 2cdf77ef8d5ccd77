/* main: dispatches `nurture <command> ...` to one file per subcommand. */
#include <stdio.h>
#include <string.h>

#include "engine/cli/commands.h"

static const struct {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} COMMANDS[] = {
    {"run", cmd_run, "run the engine against Redis (consumer group, scheduler)"},
    {"push", cmd_push, "send JSON Lines events into the events stream"},
    {"scheduled", cmd_scheduled, "print the actions scheduled but not yet due"},
    {"check", cmd_check, "load and validate a playbook; errors as file:line"},
    {"test", cmd_test, "run the playbook's own tests: N passed, N failed"},
    {"replay", cmd_replay, "run a playbook over JSON Lines events offline, no Redis"},
    {"explain", cmd_explain, "a contact's timeline: touchpoints -> mind -> stage -> actions"},
    {"map", cmd_map, "a journey map of the events as one HTML page: stages, flow, mind, actions"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: nurture <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "\n`nurture <command> --help` describes each command.\n");
}

int cli_wants_help(int argc, char **argv, const char *text) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(text, stdout);
            return 1;
        }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0)
            return COMMANDS[i].main(argc - 1, argv + 1);
    fprintf(stderr, "nurture: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
