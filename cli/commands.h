/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damonctl subcommands.  Each one is called with argv[0] set to its own
 * name and returns the process exit status (see common.h).
 */
#ifndef DAMONCTL_COMMANDS_H
#define DAMONCTL_COMMANDS_H

int cmd_record(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_debug(int argc, char **argv);

#endif /* DAMONCTL_COMMANDS_H */
