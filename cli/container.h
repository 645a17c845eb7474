/* SPDX-License-Identifier: MIT */
#ifndef REEF_CLI_CONTAINER_H
#define REEF_CLI_CONTAINER_H

#include "cli.h"

int cmd_launch(struct cli_context *ctx, int argc, char **argv);
int cmd_list(struct cli_context *ctx, int argc, char **argv);
int cmd_info(struct cli_context *ctx, int argc, char **argv);
int cmd_start(struct cli_context *ctx, int argc, char **argv);
int cmd_stop(struct cli_context *ctx, int argc, char **argv);
int cmd_restart(struct cli_context *ctx, int argc, char **argv);
int cmd_delete(struct cli_context *ctx, int argc, char **argv);
int cmd_exec(struct cli_context *ctx, int argc, char **argv);
int cmd_logs(struct cli_context *ctx, int argc, char **argv);

/* The entries of the container commands in the command table. */
#define CONTAINER_COMMANDS                                                                         \
	{ "launch", "start a new container from an image or a rootfs directory", cmd_launch },     \
		{ "list", "list containers with their state and addresses", cmd_list },            \
		{ "info", "show a container's configuration and state as JSON", cmd_info },        \
		{ "start", "start a stopped container", cmd_start },                               \
		{ "stop", "stop a container (SIGTERM, then SIGKILL after -t seconds)", cmd_stop }, \
		{ "restart", "stop and start a container", cmd_restart },                          \
		{ "delete", "delete a stopped container (a running one with --force)",             \
		  cmd_delete },                                                                    \
		{ "exec", "run a command inside a running container", cmd_exec },                  \
	{                                                                                          \
		"logs", "print a container's output (-f follows it)", cmd_logs                     \
	}

#endif
