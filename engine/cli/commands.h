/* commands: the subcommands of the nurture binary. Each takes the arguments after its name
 * (argv[0] is the subcommand) and returns the process exit status. */
#ifndef NURTURE_COMMANDS_H
#define NURTURE_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_scheduled(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_replay(int argc, char **argv);

/* Returns 1 when argv holds -h or --help (and prints 'usage' to stdout). */
int cli_wants_help(int argc, char **argv, const char *usage);

#endif
