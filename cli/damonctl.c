// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl: record and inspect DAMON access snapshots.
 *
 *   damonctl [GLOBAL OPTIONS] COMMAND [ARGS]
 *
 * Commands may be abbreviated to any unique prefix; "damonctl help COMMAND"
 * prints a command's help.
 */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "damonrec.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "record", cmd_record, "Record DAMON snapshots of a workload or the system" },
	{ "show", cmd_show, "Print, summarise or plot a record" },
	{ "status", cmd_status, "Show the device and the DAMON kdamonds" },
	{ "stop", cmd_stop, "Stop the running recording" },
	{ "convert", cmd_convert, "Convert a record between formats" },
	{ "device", cmd_device, "Show or set the device's settings" },
	{ "debug", cmd_debug, "Control the driver's dynamic debug sites" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	const struct command *found = NULL;
	size_t i, len = strlen(name);
	int matches = 0;

	if (!len)
		return NULL;
	for (i = 0; i < NR_COMMANDS; i++) {
		if (!strcmp(commands[i].name, name))
			return &commands[i];
		if (!strncmp(commands[i].name, name, len)) {
			found = &commands[i];
			matches++;
		}
	}
	if (matches > 1) {
		char list[256] = "";

		for (i = 0; i < NR_COMMANDS; i++) {
			if (strncmp(commands[i].name, name, len))
				continue;
			strncat(list, " ", sizeof(list) - strlen(list) - 1);
			strncat(list, commands[i].name,
				sizeof(list) - strlen(list) - 1);
		}
		die_usage("'%s' is ambiguous: it could be%s", name, list);
	}
	return found;
}

static const struct argp_option top_options[] = {
	{ "V", 'V', NULL, OPTION_HIDDEN, NULL, -3 },
	{ 0 }
};

static error_t top_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	(void)state;
	switch (key) {
	case 'V':
		g.version = true;
		return 0;
	default:
		/*
		 * Including ARGP_KEY_ARG: refusing the command name stops
		 * argp there and parse_args() reports its index.
		 */
		return ARGP_ERR_UNKNOWN;
	}
}

static char *top_help_filter(int key, const char *text, void *input)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC)
		return (char *)text;
	f = open_memstream(&buf, &len);
	if (!f)
		return (char *)text;
	fputs("Commands:\n", f);
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("  help       Print a command's help: damonctl help COMMAND\n\n"
	      "Commands may be abbreviated to a unique prefix.  Exit status: 0 "
	      "success, 1 error, 2 usage error, 3 corrupt or truncated record, "
	      "4 device or DAMON unavailable or busy, 5 missing privileges.  "
	      "See damonctl(8).", f);
	fclose(f);
	return buf;
}

static const struct argp_child top_children[] = {
	{ &global_argp, 0, NULL, 1 },
	{ &help_argp, 0, NULL, 2 },
	{ 0 }
};

static const struct argp top_argp = {
	top_options, top_parse, "COMMAND [ARGS...]",
	"Record and inspect DAMON data access snapshots through /dev/damon_rec."
	"\vplaceholder",
	top_children, top_help_filter, NULL
};

int main(int argc, char **argv)
{
	const struct command *cmd;
	char name[64];
	int idx = argc;

	argv[0] = (char *)"damonctl";
	if (parse_args(&top_argp, argc, argv, NULL, &idx))
		return finish_stdout(EXIT_OK);
	if (idx >= argc)
		die_usage("no command given: try 'damonctl record -- CMD' or "
			  "'damonctl show'");

	if (!strcmp(argv[idx], "help")) {
		static char help_opt[] = "--help";
		char *hargv[3];

		/* "help", "help help", "help --help": damonctl's own help. */
		if (idx + 1 >= argc || !strcmp(argv[idx + 1], "help") ||
		    argv[idx + 1][0] == '-') {
			char *targv[] = { argv[0], help_opt, NULL };

			parse_args(&top_argp, 2, targv, NULL, NULL);
			return finish_stdout(EXIT_OK);
		}
		cmd = find_command(argv[idx + 1]);
		if (!cmd)
			die_usage("unknown command '%s'", argv[idx + 1]);
		snprintf(name, sizeof(name), "damonctl %s", cmd->name);
		g.cmd = cmd->name;
		hargv[0] = name;
		hargv[1] = help_opt;
		hargv[2] = NULL;
		return finish_stdout(cmd->fn(2, hargv));
	}

	cmd = find_command(argv[idx]);
	if (!cmd)
		die_usage("unknown command '%s'", argv[idx]);
	g.cmd = cmd->name;
	snprintf(name, sizeof(name), "damonctl %s", cmd->name);
	argv[idx] = name;
	return finish_stdout(cmd->fn(argc - idx, argv + idx));
}
