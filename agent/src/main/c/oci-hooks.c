/* See oci-hooks.h. */
#define _GNU_SOURCE
#include "oci-hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEPT_OUTPUT 512

/* The next NUL-terminated field of [*pos, end); NULL past the end. */
static char *next_field(char **pos, char *end)
{
	if (*pos >= end)
		return NULL;
	char *f = *pos;
	char *nul = memchr(f, '\0', (size_t)(end - f));
	*pos = nul ? nul + 1 : end;
	return f;
}

static int parse_count(char **pos, char *end, int max)
{
	char *f = next_field(pos, end);
	if (!f)
		return -1;
	char *e;
	long n = strtol(f, &e, 10);
	return (*e != '\0' || n < 0 || n > max) ? -1 : (int)n;
}

int oci_hook_parse(struct oci_hook *h, const char *kind, int index, char *value, size_t len)
{
	char *pos = value, *end = value + len;
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s[%d]", kind, index);
	int timeout = parse_count(&pos, end, 86400 * 365);
	h->path = next_field(&pos, end);
	if (timeout < 0 || !h->path || h->path[0] != '/')
		return -1;
	h->timeout = timeout;
	int argc = parse_count(&pos, end, HOOK_MAX_ITEMS);
	if (argc < 0)
		return -1;
	for (int i = 0; i < argc; i++)
		if (!(h->argv[i] = next_field(&pos, end)))
			return -1;
	if (argc == 0)
		h->argv[0] = h->path;
	int envc = parse_count(&pos, end, HOOK_MAX_ITEMS);
	if (envc < 0)
		return -1;
	for (int i = 0; i < envc; i++)
		if (!(h->envp[i] = next_field(&pos, end)))
			return -1;
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Keeps the last KEPT_OUTPUT bytes of what the hook wrote. */
static void drain(int fd, char *kept, size_t *kept_len)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (*kept_len == KEPT_OUTPUT) {
				memmove(kept, kept + 1, KEPT_OUTPUT - 1);
				(*kept_len)--;
			}
			kept[(*kept_len)++] = buf[i];
		}
	}
}

int oci_hook_run(const struct oci_hook *h, const char *state_prefix, const char *status, char *msg, size_t size)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		snprintf(msg, size, "%s %s: pipe: %s", h->name, h->path, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(msg, size, "%s %s: fork: %s", h->name, h->path, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execve(h->path, h->argv, h->envp);
		dprintf(2, "exec: %s", strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* The state is small: it fits in the pipe, so this write does not wait for the hook to read. */
	dprintf(in[1], "%s,\"status\":\"%s\",\"pid\":%d}", state_prefix, status, getpid());
	close(in[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);

	char kept[KEPT_OUTPUT + 1];
	size_t kept_len = 0;
	long deadline = h->timeout > 0 ? now_ms() + h->timeout * 1000L : 0;
	int wstatus = 0, timed_out = 0;
	for (;;) {
		pid_t done = waitpid(pid, &wstatus, WNOHANG);
		if (done == pid)
			break;
		if (done < 0 && errno != EINTR) {
			snprintf(msg, size, "%s %s: wait: %s", h->name, h->path, strerror(errno));
			close(out[0]);
			return -1;
		}
		if (deadline && now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
				;
			timed_out = 1;
			break;
		}
		struct pollfd p = {out[0], POLLIN, 0};
		poll(&p, 1, 50);
		drain(out[0], kept, &kept_len);
	}
	drain(out[0], kept, &kept_len);
	close(out[0]);
	kept[kept_len] = '\0';
	for (size_t i = 0; i < kept_len; i++)
		if (kept[i] == '\n')
			kept[i] = ' ';
	if (timed_out) {
		snprintf(msg, size, "%s %s timed out after %d s: %s", h->name, h->path, h->timeout, kept);
		return -1;
	}
	if (WIFSIGNALED(wstatus)) {
		snprintf(msg, size, "%s %s was killed by signal %d: %s", h->name, h->path, WTERMSIG(wstatus), kept);
		return -1;
	}
	if (WEXITSTATUS(wstatus) != 0) {
		snprintf(msg, size, "%s %s exited with status %d: %s", h->name, h->path, WEXITSTATUS(wstatus), kept);
		return -1;
	}
	return 0;
}
