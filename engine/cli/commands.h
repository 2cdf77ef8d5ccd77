/* commands: the subcommands of the nurture binary. Each takes the arguments after its name
 * (argv[0] is the subcommand) and returns the process exit status. */
#ifndef NURTURE_COMMANDS_H
#define NURTURE_COMMANDS_H

#include <hiredis/hiredis.h>

#include "engine/shell/keys.h"

int cmd_run(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_scheduled(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_map(int argc, char **argv);

/* Prints the scheduled actions (of 'contact' only, unless NULL) as JSON lines; returns the
 * exit status. Shared by `scheduled` and `explain --redis`. */
int scheduled_print(redisContext *redis, const keys_t *keys, const char *contact);

/* Returns 1 when argv holds -h or --help (and prints 'usage' to stdout). */
int cli_wants_help(int argc, char **argv, const char *usage);

#endif
