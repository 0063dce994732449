/*
 * nsexec: the last step of starting a container process, which a JVM cannot do between fork and exec.
 *
 * Usage: nsexec CONFIG
 * CONFIG is a sequence of records "KEY LEN\n<LEN bytes>\n" (binary safe), written by the agent:
 *   ns pid|mount|uts|ipc   (repeatable)      rootfs PATH          nopivot 1        readonly 1
 *   hostname NAME          cwd PATH          uid N                gid N            gids N,N,...
 *   nonewprivs 1           rlimit RES SOFT HARD                   arg S (repeat)   env K=V (repeat)
 *   mount SRC\tDST\tTYPE\tFLAGS\tDATA (repeat, in order; DST inside the rootfs)
 *   sync FIFO      the agent reads "pid N", then "ready" or "error MSG" lines from it
 *   exec FIFO      the process waits here (reading one byte) until the agent starts it
 *   join PID       instead of creating namespaces and a root: enter those of process PID (an exec)
 *   console 1      stdio is a terminal: make it the controlling terminal of a new session
 *
 * Process shape: this process unshares the requested namespaces and forks; the child becomes PID 1 of the
 * new pid namespace, sets up its root filesystem and credentials, reports "ready", waits for the start
 * byte and execs. This process stays as the child's parent and exits with the child's status: its exit
 * code, or 128+signal, which is what the agent reports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ITEMS 1024

struct mnt {
	char *src, *dst, *type, *data;
	unsigned long flags;
};

struct config {
	int clone_flags;
	char *rootfs, *hostname, *cwd, *sync_path, *exec_path;
	int nopivot, readonly, nonewprivs, console;
	long join_pid;
	uid_t uid;
	gid_t gid;
	gid_t gids[256];
	int ngids;
	char *args[MAX_ITEMS + 1];
	int nargs;
	char *envs[MAX_ITEMS + 1];
	int nenvs;
	struct mnt mounts[MAX_ITEMS];
	int nmounts;
	struct { int res; rlim_t soft, hard; } rlimits[32];
	int nrlimits;
};

static int sync_fd = -1;

/* Reports a setup failure to the agent (one line) and to stderr, then exits. */
static void fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (sync_fd >= 0)
		dprintf(sync_fd, "error %s\n", msg);
	dprintf(2, "nsexec: %s\n", msg);
	_exit(1);
}

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open config %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0)
		fail("stat config: %s", strerror(errno));
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			fail("read config: %s", n == 0 ? "short file" : strerror(errno));
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

static char *field(char **cursor)
{
	char *tab = strchr(*cursor, '\t');
	char *value = *cursor;
	if (tab) {
		*tab = '\0';
		*cursor = tab + 1;
	} else {
		*cursor += strlen(*cursor);
	}
	return value;
}

static void parse(struct config *c, char *buf, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		char *key = buf + pos;
		char *space = memchr(key, ' ', len - pos);
		if (!space)
			fail("config: malformed record at byte %zu", pos);
		*space = '\0';
		char *end;
		unsigned long n = strtoul(space + 1, &end, 10);
		if (*end != '\n' || (size_t)(end + 1 - buf) + n + 1 > len)
			fail("config: bad length for %s", key);
		char *value = end + 1;
		value[n] = '\0'; /* replaces the record's trailing newline */
		pos = (size_t)(value - buf) + n + 1;

		if (!strcmp(key, "ns")) {
			if (!strcmp(value, "pid")) c->clone_flags |= CLONE_NEWPID;
			else if (!strcmp(value, "mount")) c->clone_flags |= CLONE_NEWNS;
			else if (!strcmp(value, "uts")) c->clone_flags |= CLONE_NEWUTS;
			else if (!strcmp(value, "ipc")) c->clone_flags |= CLONE_NEWIPC;
			else fail("unsupported namespace %s", value);
		} else if (!strcmp(key, "rootfs")) c->rootfs = value;
		else if (!strcmp(key, "nopivot")) c->nopivot = 1;
		else if (!strcmp(key, "readonly")) c->readonly = 1;
		else if (!strcmp(key, "nonewprivs")) c->nonewprivs = 1;
		else if (!strcmp(key, "console")) c->console = 1;
		else if (!strcmp(key, "hostname")) c->hostname = value;
		else if (!strcmp(key, "cwd")) c->cwd = value;
		else if (!strcmp(key, "uid")) c->uid = (uid_t)strtoul(value, NULL, 10);
		else if (!strcmp(key, "gid")) c->gid = (gid_t)strtoul(value, NULL, 10);
		else if (!strcmp(key, "gids")) {
			for (char *g = strtok(value, ","); g && c->ngids < 256; g = strtok(NULL, ","))
				c->gids[c->ngids++] = (gid_t)strtoul(g, NULL, 10);
		} else if (!strcmp(key, "arg") && c->nargs < MAX_ITEMS) c->args[c->nargs++] = value;
		else if (!strcmp(key, "env") && c->nenvs < MAX_ITEMS) c->envs[c->nenvs++] = value;
		else if (!strcmp(key, "sync")) c->sync_path = value;
		else if (!strcmp(key, "join")) c->join_pid = strtol(value, NULL, 10);
		else if (!strcmp(key, "exec")) c->exec_path = value;
		else if (!strcmp(key, "rlimit") && c->nrlimits < 32) {
			int i = c->nrlimits++;
			c->rlimits[i].res = (int)strtol(value, &end, 10);
			c->rlimits[i].soft = strtoull(end, &end, 10);
			c->rlimits[i].hard = strtoull(end, &end, 10);
		} else if (!strcmp(key, "mount") && c->nmounts < MAX_ITEMS) {
			struct mnt *m = &c->mounts[c->nmounts++];
			char *cur = value;
			m->src = field(&cur);
			m->dst = field(&cur);
			m->type = field(&cur);
			m->flags = strtoul(field(&cur), NULL, 10);
			m->data = field(&cur);
		} else
			fail("config: unknown key %s", key);
	}
	if ((!c->rootfs && !c->join_pid) || c->nargs == 0 || !c->sync_path || !c->exec_path)
		fail("config: rootfs (or join), arg, sync and exec are required");
	c->args[c->nargs] = NULL;
	c->envs[c->nenvs] = NULL;
}

static int open_beneath(int root, const char *path)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
}

/*
 * Opens DST inside the rootfs, creating what is missing (directories; a file for the last component when
 * the mount source is a file). Symlinks are followed only while they stay inside the rootfs: a path
 * that would leave it fails with EXDEV, reported as an escape.
 */
static int resolve_destination(int root, const char *dst, int want_file)
{
	char path[4096];
	const char *rel = dst;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		return dup(root);
	if (strlen(rel) >= sizeof path)
		fail("mount destination %s is too long", dst);
	strcpy(path, rel);
	for (char *slash = path;; slash++) {
		int last = (*slash == '\0');
		if (*slash != '/' && !last)
			continue;
		char saved = *slash;
		*slash = '\0';
		int fd = open_beneath(root, path);
		if (fd < 0 && errno == ENOENT) {
			int made = (last && want_file)
				? mknodat(root, path, S_IFREG | 0644, 0)
				: mkdirat(root, path, 0755);
			if (made != 0 && errno != EEXIST)
				fail("create mount destination %s (at %s): %s", dst, path, strerror(errno));
			fd = open_beneath(root, path);
		}
		if (fd < 0) {
			if (errno == EXDEV)
				fail("mount destination %s escapes the container root through a symlink at /%s", dst, path);
			fail("resolve mount destination %s (at /%s): %s", dst, path, strerror(errno));
		}
		if (last)
			return fd;
		close(fd);
		*slash = saved;
	}
}

static void do_mounts(struct config *c)
{
	int root = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		fail("open rootfs %s: %s", c->rootfs, strerror(errno));
	for (int i = 0; i < c->nmounts; i++) {
		struct mnt *m = &c->mounts[i];
		int want_file = 0;
		struct stat st;
		if ((m->flags & MS_BIND) && stat(m->src, &st) == 0 && !S_ISDIR(st.st_mode))
			want_file = 1;
		int fd = resolve_destination(root, m->dst, want_file);
		char target[64];
		snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
		unsigned long flags = m->flags;
		const char *type = *m->type ? m->type : NULL;
		const char *data = *m->data ? m->data : NULL;
		if (!(flags & MS_BIND)) {
			/* A new filesystem takes its flags, read-only included, when it is created. */
			if (mount(m->src, target, type, flags, data) != 0)
				fail("mount %s (%s) on %s: %s", m->src, m->type, m->dst, strerror(errno));
		} else {
			if (mount(m->src, target, NULL, flags & (MS_BIND | MS_REC), NULL) != 0)
				fail("bind %s on %s: %s", m->src, m->dst, strerror(errno));
			unsigned long extra = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
			if (extra) {
				/* The old descriptor names the directory under the new mount: resolve the mount itself. */
				int top = resolve_destination(root, m->dst, want_file);
				snprintf(target, sizeof target, "/proc/self/fd/%d", top);
				if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | extra, NULL) != 0)
					fail("remount %s with its options: %s", m->dst, strerror(errno));
				close(top);
			}
		}
		close(fd);
	}
	close(root);
}

/* The standard device nodes a container expects in a fresh /dev tmpfs. */
static void make_devices(const char *rootfs)
{
	static const struct { const char *name; int major, minor; } devs[] = {
		{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
	};
	char path[4096];
	snprintf(path, sizeof path, "%s/dev", rootfs);
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	mode_t old = umask(0);
	for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		snprintf(path, sizeof path, "%s/dev/%s", rootfs, devs[i].name);
		if (mknod(path, S_IFCHR | 0666, makedev(devs[i].major, devs[i].minor)) != 0 && errno != EEXIST)
			fail("mknod %s: %s", path, strerror(errno));
	}
	umask(old);
	static const struct { const char *name, *target; } links[] = {
		{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(path, sizeof path, "%s/dev/%s", rootfs, links[i].name);
		if (symlink(links[i].target, path) != 0 && errno != EEXIST)
			fail("symlink %s: %s", path, strerror(errno));
	}
}

static void enter_root(struct config *c)
{
	if (chdir(c->rootfs) != 0)
		fail("chdir %s: %s", c->rootfs, strerror(errno));
	if (!c->nopivot && syscall(SYS_pivot_root, ".", ".") == 0) {
		/* The old root is now stacked under the new one; detach it so nothing of it stays reachable. */
		if (umount2(".", MNT_DETACH) != 0)
			fail("detach old root: %s", strerror(errno));
	} else {
		/* pivot_root is refused while / is the initramfs: move the rootfs over / instead (no-pivot mode). */
		if (!c->nopivot && errno != EINVAL)
			fail("pivot_root %s: %s", c->rootfs, strerror(errno));
		if (mount(".", "/", NULL, MS_MOVE, NULL) != 0)
			fail("move rootfs %s to /: %s", c->rootfs, strerror(errno));
		if (chroot(".") != 0)
			fail("chroot: %s", strerror(errno));
	}
	if (chdir("/") != 0)
		fail("chdir /: %s", strerror(errno));
	if (c->readonly && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)
		fail("remount root read-only: %s", strerror(errno));
}

static const char *env_path(struct config *c)
{
	for (int i = 0; i < c->nenvs; i++)
		if (!strncmp(c->envs[i], "PATH=", 5))
			return c->envs[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* Like runc: without HOME in the environment, use the user's home from the container's /etc/passwd, else /. */
static void default_home(struct config *c)
{
	for (int i = 0; i < c->nenvs; i++)
		if (!strncmp(c->envs[i], "HOME=", 5))
			return;
	static char home[4096 + 6];
	snprintf(home, sizeof home, "HOME=/");
	FILE *pw = fopen("/etc/passwd", "re");
	if (pw) {
		char line[4096];
		while (fgets(line, sizeof line, pw)) {
			/* name:password:uid:gid:gecos:home:shell */
			char *fields[7] = {0};
			int n = 0;
			for (char *f = line, *end; n < 7 && f; f = end ? end + 1 : NULL, n++) {
				end = strchr(f, ':');
				if (end)
					*end = '\0';
				fields[n] = f;
			}
			if (n >= 6 && fields[2] && (uid_t)strtoul(fields[2], NULL, 10) == c->uid && *fields[5]) {
				snprintf(home, sizeof home, "HOME=%s", fields[5]);
				break;
			}
		}
		fclose(pw);
	}
	if (c->nenvs < MAX_ITEMS) {
		c->envs[c->nenvs++] = home;
		c->envs[c->nenvs] = NULL;
	}
}

/* Finds the program like execvp would, with the container's PATH, so a missing one fails create. */
static char *lookup(struct config *c, char *buf, size_t size)
{
	const char *prog = c->args[0];
	if (strchr(prog, '/')) {
		if (access(prog, X_OK) != 0)
			fail("exec %s: %s", prog, strerror(errno));
		return (char *)prog;
	}
	char *paths = strdup(env_path(c));
	for (char *dir = strtok(paths, ":"); dir; dir = strtok(NULL, ":")) {
		snprintf(buf, size, "%s/%s", *dir ? dir : ".", prog);
		struct stat st;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return buf;
	}
	fail("exec: \"%s\": executable file not found in $PATH", prog);
	return NULL;
}

static void setup_container(struct config *c)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		fail("make mounts private: %s", strerror(errno));
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0)
		fail("bind rootfs %s: %s", c->rootfs, strerror(errno));
	do_mounts(c);
	make_devices(c->rootfs);
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) != 0)
		fail("sethostname: %s", strerror(errno));
	enter_root(c);
}

/*
 * Enters the namespaces and the root of process PID. The root comes from /proc/PID/root, not from the
 * mount namespace's root: with the no-pivot mode the namespace's root is still the initramfs, hidden
 * under the container's rootfs, and must stay unreachable.
 */
static void join_container(long pid)
{
	static const struct { const char *name; int type; } order[] = {
		{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS},
	};
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/root", pid);
	int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		fail("open %s: %s", path, strerror(errno));
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		snprintf(path, sizeof path, "/proc/%ld/ns/%s", pid, order[i].name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("open %s: %s", path, strerror(errno));
		/* Joining a namespace we are already in is refused for some types; nothing to do then. */
		char self[64], a[64] = "", b[64] = "";
		snprintf(self, sizeof self, "/proc/self/ns/%s", order[i].name);
		if (readlink(path, a, sizeof a - 1) > 0 && readlink(self, b, sizeof b - 1) > 0 && !strcmp(a, b)) {
			close(fd);
			continue;
		}
		if (setns(fd, order[i].type) != 0)
			fail("setns %s of pid %ld: %s", order[i].name, pid, strerror(errno));
		close(fd);
	}
	if (fchdir(root) != 0 || chroot(".") != 0 || chdir("/") != 0)
		fail("enter the root of pid %ld: %s", pid, strerror(errno));
	close(root);
}

static void child(struct config *c, int exec_fd)
{
	if (!c->join_pid)
		setup_container(c);
	if (c->console) {
		if (setsid() < 0)
			fail("setsid: %s", strerror(errno));
		if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) != 0)
			fail("make the terminal the controlling terminal: %s", strerror(errno));
	}
	default_home(c);
	for (int i = 0; i < c->nrlimits; i++) {
		struct rlimit rl = {c->rlimits[i].soft, c->rlimits[i].hard};
		if (setrlimit(c->rlimits[i].res, &rl) != 0)
			fail("setrlimit %d: %s", c->rlimits[i].res, strerror(errno));
	}
	if (setgroups((size_t)c->ngids, c->gids) != 0)
		fail("setgroups: %s", strerror(errno));
	if (setresgid(c->gid, c->gid, c->gid) != 0)
		fail("setgid %u: %s", c->gid, strerror(errno));
	if (setresuid(c->uid, c->uid, c->uid) != 0)
		fail("setuid %u: %s", c->uid, strerror(errno));
	if (c->cwd && chdir(c->cwd) != 0)
		fail("chdir to cwd %s: %s", c->cwd, strerror(errno));
	if (c->nonewprivs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fail("no_new_privs: %s", strerror(errno));
	char found[4096];
	char *program = lookup(c, found, sizeof found);

	dprintf(sync_fd, "ready\n");
	close(sync_fd);
	sync_fd = -1;
	char go;
	ssize_t n;
	while ((n = read(exec_fd, &go, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		_exit(1);
	close(exec_fd);
	execve(program, c->args, c->envs);
	dprintf(2, "nsexec: exec %s: %s\n", program, strerror(errno));
	_exit(127);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		dprintf(2, "usage: nsexec CONFIG\n");
		return 2;
	}
	static struct config c;
	size_t len;
	char *buf = read_file(argv[1], &len);
	parse(&c, buf, len);
	/* The agent holds both FIFOs open read-write, so these opens never block. */
	sync_fd = open(c.sync_path, O_WRONLY | O_CLOEXEC);
	if (sync_fd < 0)
		fail("open sync fifo %s: %s", c.sync_path, strerror(errno));
	int exec_fd = open(c.exec_path, O_RDWR | O_CLOEXEC);
	if (exec_fd < 0)
		fail("open exec fifo %s: %s", c.exec_path, strerror(errno));
	if (c.join_pid)
		join_container(c.join_pid);
	else if (c.clone_flags && unshare(c.clone_flags) != 0)
		fail("unshare: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0)
		child(&c, exec_fd);

	dprintf(sync_fd, "pid %d\n", pid);
	close(sync_fd);
	close(exec_fd);
	/* Stay out of the way: signals are sent to the child directly; only its end matters here. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			signal(sig, SIG_IGN);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 255;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
