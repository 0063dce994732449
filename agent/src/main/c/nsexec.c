/*
 * nsexec: the last step of starting a container process, which a JVM cannot do between fork and exec.
 *
 * Usage: nsexec CONFIG, or nsexec - to be started ahead as a spare: the path of CONFIG then arrives as the
 * first line on stdin, read byte by byte so that what follows stays for the container.
 * CONFIG is a sequence of records "KEY LEN\n<LEN bytes>\n" (binary safe), written by the agent:
 *   ns pid|mount|uts|ipc   (repeatable)      rootfs PATH          nopivot 1        readonly 1
 *   hostname NAME          cwd PATH          uid N                gid N            gids N,N,...
 *   nonewprivs 1           rlimit RES SOFT HARD                   arg S (repeat)   env K=V (repeat)
 *   mount SRC\tDST\tTYPE\tFLAGS\tDATA\tPROPAGATION (repeat, in order; DST inside the rootfs)
 *   sync FIFO      the agent reads "pid N", then "ready" or "error MSG" lines from it
 *   exec FIFO      the process waits here (reading one byte) until the agent starts it
 *   join PID       instead of creating namespaces and a root: enter those of process PID (an exec)
 *   console 1      stdio is a new pty from the container's devpts, its controlling terminal
 *   caps B E P I A five capability masks (hex, bit n = capability n): bounding, effective, permitted,
 *                  inheritable, ambient; without this record the process keeps what it has
 *   mask PATH      (repeat) hide PATH inside the container: /dev/null over a file, a read-only tmpfs over a dir
 *   rdonly PATH    (repeat) make PATH inside the container read-only
 *   sysctl K=V     (repeat) write V to /proc/sys/K (dots become slashes) inside the new namespaces
 *   oomscore N     the process's oom_score_adj
 *   rootprop F     propagation flags for the container's / once it is the root
 *   seccomp BYTES  a BPF program (struct sock_filter array) to install before exec; seccompflags F its flags
 *   cchook H / schook H  (repeat) a createContainer / startContainer hook (fields: see oci-hooks.h)
 *   hookstate JSON the state hooks read on stdin, less its status, pid and closing brace
 *   device PATH\tTYPE\tMAJOR\tMINOR\tMODE\tUID\tGID  (repeat) a node to create after the standard ones
 *                  (TYPE c, b or p; MODE octal permission bits)
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
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
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
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci-hooks.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define MAX_ITEMS 1024

struct mnt {
	char *src, *dst, *type, *data;
	unsigned long flags, propagation;
};

struct config {
	int clone_flags, cgroupns;
	char *cgroup_dir;
	struct { int type; long pid; } joins[4];
	int njoins;
	char *rootfs, *hostname, *cwd, *sync_path, *exec_path;
	int nopivot, readonly, nonewprivs, console, has_caps, has_oom;
	unsigned long root_propagation;
	struct sock_filter *seccomp;
	unsigned short seccomp_len;
	unsigned int seccomp_flags;
	unsigned long long caps[5];
	int oom_score;
	char *masked[MAX_ITEMS];
	int nmasked;
	char *rdonly[MAX_ITEMS];
	int nrdonly;
	char *sysctls[MAX_ITEMS];
	int nsysctls;
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
	struct oci_hook create_hooks[HOOK_MAX], start_hooks[HOOK_MAX];
	int ncreate_hooks, nstart_hooks;
	char *hook_state;
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

static void parse_hook(struct config *c, const char *key, char *value, size_t len)
{
	int create = !strcmp(key, "cchook");
	int *count = create ? &c->ncreate_hooks : &c->nstart_hooks;
	if (*count == HOOK_MAX)
		fail("config: more than %d %s hooks", HOOK_MAX, create ? "createContainer" : "startContainer");
	struct oci_hook *h = create ? &c->create_hooks[*count] : &c->start_hooks[*count];
	if (oci_hook_parse(h, create ? "createContainer" : "startContainer", *count, value, len) != 0)
		fail("config: malformed %s record", key);
	(*count)++;
}

/* linux.devices: kept apart from struct config, they are only used by make_spec_devices. */
struct spec_device {
	char *path;
	mode_t type, mode;
	unsigned int major, minor;
	uid_t uid;
	gid_t gid;
};
static struct spec_device spec_devices[MAX_ITEMS];
static int nspec_devices;

static void add_spec_device(char *value)
{
	if (nspec_devices >= MAX_ITEMS)
		fail("config: more than %d devices", MAX_ITEMS);
	struct spec_device *d = &spec_devices[nspec_devices++];
	char *cur = value;
	d->path = field(&cur);
	const char *type = field(&cur);
	d->type = !strcmp(type, "b") ? S_IFBLK : !strcmp(type, "p") ? S_IFIFO : S_IFCHR;
	d->major = (unsigned int)strtoul(field(&cur), NULL, 10);
	d->minor = (unsigned int)strtoul(field(&cur), NULL, 10);
	d->mode = (mode_t)strtoul(field(&cur), NULL, 8) & 07777;
	d->uid = (uid_t)strtoul(field(&cur), NULL, 10);
	d->gid = (gid_t)strtoul(field(&cur), NULL, 10);
	if (d->path[0] != '/')
		fail("config: device path %s is not absolute", d->path);
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
		else if (!strcmp(key, "cgroup")) c->cgroup_dir = value;
		else if (!strcmp(key, "nsjoin") && c->njoins < 4) {
			char *pid = strchr(value, ' ');
			if (!pid)
				fail("nsjoin %s: no pid", value);
			*pid++ = '\0';
			int type = !strcmp(value, "ipc") ? CLONE_NEWIPC : !strcmp(value, "uts") ? CLONE_NEWUTS : 0;
			if (!type)
				fail("nsjoin: namespace %s cannot be joined", value);
			c->joins[c->njoins].type = type;
			c->joins[c->njoins++].pid = strtol(pid, NULL, 10);
		}
		else if (!strcmp(key, "cgroupns")) c->cgroupns = 1;
		else if (!strcmp(key, "nopivot")) c->nopivot = 1;
		else if (!strcmp(key, "readonly")) c->readonly = 1;
		else if (!strcmp(key, "nonewprivs")) c->nonewprivs = 1;
		else if (!strcmp(key, "console")) c->console = 1;
		else if (!strcmp(key, "caps")) {
			char *cur = value;
			for (int i = 0; i < 5; i++)
				c->caps[i] = strtoull(cur, &cur, 16);
			c->has_caps = 1;
		} else if (!strcmp(key, "mask") && c->nmasked < MAX_ITEMS) c->masked[c->nmasked++] = value;
		else if (!strcmp(key, "rdonly") && c->nrdonly < MAX_ITEMS) c->rdonly[c->nrdonly++] = value;
		else if (!strcmp(key, "sysctl") && c->nsysctls < MAX_ITEMS) c->sysctls[c->nsysctls++] = value;
		else if (!strcmp(key, "oomscore")) {
			c->oom_score = (int)strtol(value, NULL, 10);
			c->has_oom = 1;
		}
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
			m->propagation = strtoul(field(&cur), NULL, 10);
		} else if (!strcmp(key, "rootprop")) c->root_propagation = strtoul(value, NULL, 10);
		else if (!strcmp(key, "seccomp")) {
			if (n == 0 || n % sizeof(struct sock_filter) != 0 || n / sizeof(struct sock_filter) > BPF_MAXINSNS)
				fail("config: seccomp program of %lu bytes is not a whole BPF program", n);
			/* The record is at an arbitrary offset: copy it to storage aligned for sock_filter. */
			c->seccomp = malloc(n);
			if (!c->seccomp)
				fail("config: out of memory");
			memcpy(c->seccomp, value, n);
			c->seccomp_len = (unsigned short)(n / sizeof(struct sock_filter));
		} else if (!strcmp(key, "seccompflags")) c->seccomp_flags = strtoul(value, NULL, 10);
		else if (!strcmp(key, "cchook") || !strcmp(key, "schook"))
			parse_hook(c, key, value, n);
		else if (!strcmp(key, "hookstate")) c->hook_state = value;
		else if (!strcmp(key, "device")) add_spec_device(value);
		else
			fail("config: unknown key %s", key);
	}
	if ((!c->rootfs && !c->join_pid) || c->nargs == 0 || !c->sync_path || !c->exec_path)
		fail("config: rootfs (or join), arg, sync and exec are required");
	c->args[c->nargs] = NULL;
	c->envs[c->nenvs] = NULL;
}

static int open_in_root(int root, const char *path)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
}

#define MAX_SYMLINKS 40

/*
 * One pass of resolve_destination over PATH (relative to the rootfs, modified in place). Returns the
 * opened destination, or -1 after rewriting PATH when it met a symlink whose target does not exist yet:
 * the target is then spliced into PATH (read relative to the rootfs) for the next pass, so that what is
 * missing gets created inside the rootfs, where the container will look for it.
 */
static int walk(int root, const char *dst, char *path, size_t size, int want_file)
{
	while (*path == '/')
		memmove(path, path + 1, strlen(path));
	if (*path == '\0')
		return dup(root);
	int parent = dup(root);
	if (parent < 0)
		fail("dup: %s", strerror(errno));
	char *name = path;
	for (char *slash = path;; slash++) {
		int last = (*slash == '\0');
		if (*slash != '/' && !last)
			continue;
		*slash = '\0';
		if (*name == '\0') { /* "//" in the path */
			if (last)
				return parent;
			*slash = '/';
			name = slash + 1;
			continue;
		}
		int fd = open_in_root(root, path);
		if (fd < 0 && errno == ENOENT) {
			int made = (last && want_file) ? mknodat(parent, name, S_IFREG | 0644, 0)
						       : mkdirat(parent, name, 0755);
			int made_errno = made == 0 ? 0 : errno;
			char target[4096];
			ssize_t n;
			if (made_errno == EEXIST && (n = readlinkat(parent, name, target, sizeof target - 1)) > 0) {
				target[n] = '\0';
				const char *rest = last ? "" : slash + 1;
				char next[4096];
				int len = target[0] == '/'
					? snprintf(next, sizeof next, "%s/%s", target, rest)
					: snprintf(next, sizeof next, "%.*s%s/%s", (int)(name - path), path, target, rest);
				if (len < 0 || (size_t)len >= size)
					fail("mount destination %s: path too long after following /%s", dst, path);
				memcpy(path, next, (size_t)len + 1);
				close(parent);
				return -1;
			}
			if (made_errno != 0 && made_errno != EEXIST)
				fail("create mount destination %s (at /%s): %s", dst, path, strerror(made_errno));
			fd = open_in_root(root, path);
		}
		if (fd < 0)
			fail("resolve mount destination %s (at /%s): %s", dst, path, strerror(errno));
		close(parent);
		if (last)
			return fd;
		struct stat st;
		if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode))
			fail("mount destination %s: /%s is not a directory", dst, path);
		parent = fd;
		*slash = '/';
		name = slash + 1;
	}
}

/*
 * Opens DST inside the rootfs, creating what is missing (directories; a file for the last component when
 * the mount source is a file). Paths are resolved as the container will see them, as runc does: the
 * rootfs is the root, so an absolute symlink (/var/run -> /run) or a ".." can never lead out of it.
 * Missing components are created relative to their already resolved parent, never through a path the
 * kernel would resolve again from outside.
 */
static int resolve_destination(int root, const char *dst, int want_file)
{
	char path[4096];
	if (strlen(dst) >= sizeof path)
		fail("mount destination %s is too long", dst);
	strcpy(path, dst);
	for (int links = 0; links <= MAX_SYMLINKS; links++) {
		int fd = walk(root, dst, path, sizeof path, want_file);
		if (fd >= 0)
			return fd;
	}
	fail("mount destination %s: too many levels of symbolic links", dst);
	return -1;
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
		} else if (mount(m->src, target, NULL, flags & (MS_BIND | MS_REC), NULL) != 0) {
			fail("bind %s on %s: %s", m->src, m->dst, strerror(errno));
		}
		unsigned long extra = (flags & MS_BIND) ? flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) : 0;
		if (extra || m->propagation) {
			/* The old descriptor names the directory under the new mount: resolve the mount itself. */
			int top = resolve_destination(root, m->dst, want_file);
			snprintf(target, sizeof target, "/proc/self/fd/%d", top);
			/* A bind ignores all flags but MS_REC when it is made; the others take a remount. */
			if (extra && mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | extra, NULL) != 0)
				fail("remount %s with its options: %s", m->dst, strerror(errno));
			/* Propagation cannot be set in the call that makes a mount. */
			if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) != 0)
				fail("set propagation of %s: %s", m->dst, strerror(errno));
			close(top);
		}
		close(fd);
	}
	close(root);
}

/* The standard device nodes a container expects in a fresh /dev tmpfs, made under /dev as the container sees it. */
static void make_devices(const char *rootfs)
{
	static const struct { const char *name; int major, minor; } devs[] = {
		{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
	};
	static const struct { const char *name, *target; } links[] = {
		{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
	};
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		fail("open rootfs %s: %s", rootfs, strerror(errno));
	int dev = open_in_root(root, "dev");
	close(root);
	struct stat st;
	if (dev < 0 || fstat(dev, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (dev >= 0)
			close(dev);
		return;
	}
	mode_t old = umask(0);
	for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++)
		if (mknodat(dev, devs[i].name, S_IFCHR | 0666, makedev(devs[i].major, devs[i].minor)) != 0
		    && errno != EEXIST)
			fail("mknod /dev/%s: %s", devs[i].name, strerror(errno));
	umask(old);
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (symlinkat(links[i].target, dev, links[i].name) != 0 && errno != EEXIST)
			fail("symlink /dev/%s: %s", links[i].name, strerror(errno));
	close(dev);
}

/*
 * The spec's device nodes (linux.devices), after the standard ones: missing parent directories are made
 * inside the rootfs as for mount destinations; a node already there is left as it is, as runc leaves it.
 */
static void make_spec_devices(const char *rootfs)
{
	if (nspec_devices == 0)
		return;
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		fail("open rootfs %s: %s", rootfs, strerror(errno));
	mode_t old = umask(0);
	for (int i = 0; i < nspec_devices; i++) {
		struct spec_device *d = &spec_devices[i];
		char dir[4096];
		if (strlen(d->path) >= sizeof dir)
			fail("device %s: path too long", d->path);
		strcpy(dir, d->path);
		char *slash = strrchr(dir, '/');
		const char *name = d->path + (slash - dir) + 1;
		*slash = '\0';
		if (*name == '\0')
			fail("device %s: no file name", d->path);
		int parent = resolve_destination(root, *dir ? dir : "/", 0);
		if (mknodat(parent, name, d->type | d->mode, makedev(d->major, d->minor)) != 0) {
			if (errno != EEXIST)
				fail("mknod device %s (%u:%u): %s", d->path, d->major, d->minor, strerror(errno));
		} else if (fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) != 0) {
			fail("chown device %s to %u:%u: %s", d->path, d->uid, d->gid, strerror(errno));
		}
		close(parent);
	}
	umask(old);
	close(root);
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
		if (!c->nopivot)
			dprintf(sync_fd, "note pivot_root refused (EINVAL): moving the rootfs onto / and chroot\n");
		if (mount(".", "/", NULL, MS_MOVE, NULL) != 0)
			fail("move rootfs %s to /: %s", c->rootfs, strerror(errno));
		if (chroot(".") != 0)
			fail("chroot: %s", strerror(errno));
	}
	if (chdir("/") != 0)
		fail("chdir /: %s", strerror(errno));
	if (c->readonly && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)
		fail("remount root read-only: %s", strerror(errno));
	/* linux.rootfsPropagation, applied to the new root as runc does once the root is in place. */
	if (c->root_propagation && mount(NULL, "/", NULL, c->root_propagation, NULL) != 0)
		fail("set rootfs propagation: %s", strerror(errno));
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

/* Hides PATH (after the root switch, so inside the container): a missing path needs no hiding. */
static void mask_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		/* No size option: runc mounts it bare, and the options show in the container's mountinfo. */
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) != 0)
			fail("mask %s: %s", path, strerror(errno));
	} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) != 0) {
		fail("mask %s: %s", path, strerror(errno));
	}
}

/* As runc: a bind of PATH remounted read-only, keeping the nosuid/nodev/noexec of the mount it came from. */
static void readonly_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0)
		fail("bind %s to make it read-only: %s", path, strerror(errno));
	struct statvfs vfs;
	if (statvfs(path, &vfs) != 0)
		fail("statvfs %s: %s", path, strerror(errno));
	unsigned long keep = (vfs.f_flag & ST_NOSUID ? MS_NOSUID : 0) | (vfs.f_flag & ST_NODEV ? MS_NODEV : 0)
			     | (vfs.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) != 0)
		fail("make %s read-only: %s", path, strerror(errno));
}

static void write_sysctl(char *kv)
{
	char *eq = strchr(kv, '=');
	if (!eq)
		fail("sysctl %s: expected KEY=VALUE", kv);
	*eq = '\0';
	char path[512];
	int n = snprintf(path, sizeof path, "/proc/sys/%s", kv);
	for (char *p = path + 10; p < path + n; p++)
		if (*p == '.')
			*p = '/';
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, eq + 1, strlen(eq + 1)) < 0)
		fail("sysctl %s=%s: %s", kv, eq + 1, strerror(errno));
	close(fd);
	*eq = '=';
}

/*
 * Joins the container's cgroup (the agent made it) and, when asked, makes a cgroup namespace rooted there,
 * so a cgroup2 mount and /proc/self/cgroup show the container's own group as "/". The launcher, this
 * process's parent, stays outside: nothing in the group but the container's processes.
 */
static void join_cgroup(struct config *c)
{
	if (!c->cgroup_dir)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/cgroup.procs", c->cgroup_dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	if (write(fd, "0", 1) != 1)
		fail("join cgroup %s: %s", c->cgroup_dir, strerror(errno));
	close(fd);
	if (c->cgroupns && unshare(CLONE_NEWCGROUP) != 0)
		fail("unshare cgroup namespace: %s", strerror(errno));
}

static void setup_container(struct config *c)
{
	join_cgroup(c);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		fail("make mounts private: %s", strerror(errno));
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0)
		fail("bind rootfs %s: %s", c->rootfs, strerror(errno));
	do_mounts(c);
	make_devices(c->rootfs);
	make_spec_devices(c->rootfs);
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) != 0)
		fail("sethostname: %s", strerror(errno));
	enter_root(c);
	for (int i = 0; i < c->nsysctls; i++)
		write_sysctl(c->sysctls[i]);
	/* runc's order, which shows in the container's mountinfo: read-only paths, then masked ones. */
	for (int i = 0; i < c->nrdonly; i++)
		readonly_path(c->rdonly[i]);
	for (int i = 0; i < c->nmasked; i++)
		mask_path(c->masked[i]);
}

/*
 * Enters the namespaces and the root of process PID. The root comes from /proc/PID/root, not from the
 * mount namespace's root: with the no-pivot mode the namespace's root is still the initramfs, hidden
 * under the container's rootfs, and must stay unreachable.
 */
static void join_container(long pid)
{
	static const struct { const char *name; int type; } order[] = {
		{"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"pid", CLONE_NEWPID},
		{"mnt", CLONE_NEWNS},
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

struct cap_header { unsigned int version; int pid; };
struct cap_data { unsigned int effective, permitted, inheritable; };
#define CAP_VERSION_3 0x20080522
#define CAP_LAST 63

/*
 * runc's order: drop the bounding set while still privileged, keep capabilities across the uid change,
 * then (after setuid) set effective/permitted/inheritable and raise the ambient ones.
 */
static void drop_bounding(struct config *c)
{
	if (!c->has_caps)
		return;
	for (int cap = 0; cap <= CAP_LAST; cap++) {
		if (c->caps[0] & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
			fail("drop capability %d from the bounding set: %s", cap, strerror(errno));
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
		fail("keep capabilities across setuid: %s", strerror(errno));
}

static void apply_caps(struct config *c)
{
	if (!c->has_caps)
		return;
	struct cap_header h = {CAP_VERSION_3, 0};
	struct cap_data d[2];
	for (int i = 0; i < 2; i++) {
		d[i].effective = (unsigned int)(c->caps[1] >> (32 * i));
		d[i].permitted = (unsigned int)(c->caps[2] >> (32 * i));
		d[i].inheritable = (unsigned int)(c->caps[3] >> (32 * i));
	}
	if (syscall(SYS_capset, &h, d) != 0)
		fail("set capabilities: %s", strerror(errno));
	for (int cap = 0; cap <= CAP_LAST; cap++)
		if ((c->caps[4] & (1ULL << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0 && errno != EINVAL)
			fail("raise ambient capability %d: %s", cap, strerror(errno));
}

static void set_oom_score(struct config *c)
{
	if (!c->has_oom)
		return;
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || dprintf(fd, "%d", c->oom_score) < 0)
		fail("oom_score_adj %d: %s", c->oom_score, strerror(errno));
	close(fd);
}

/*
 * The terminal comes from the container's own devpts (as runc's console socket gives it), so ttyname()
 * and /dev/pts inside the container agree. The master is left open, close-on-exec, and its number
 * reported: the agent copies it with pidfd_getfd before it opens the start gate.
 */
static void open_console(void)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		fail("terminal requested, but /dev/ptmx in the container cannot be opened (is devpts mounted on /dev/pts?): %s",
		     strerror(errno));
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) != 0)
		fail("unlock pty: %s", strerror(errno));
	/* TIOCGPTPEER opens the slave through the master, not by a path a hostile image could redirect. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		fail("open pty slave: %s", strerror(errno));
	if (setsid() < 0)
		fail("setsid: %s", strerror(errno));
	if (ioctl(slave, TIOCSCTTY, 0) != 0)
		fail("make the terminal the controlling terminal: %s", strerror(errno));
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(slave, fd) < 0)
			fail("dup2 pty slave to %d: %s", fd, strerror(errno));
	if (slave > 2)
		close(slave);
	dprintf(sync_fd, "ptmx %d\n", master);
}

/* Installs the container's seccomp filter; from here on every system call of the process is filtered. */
static void install_seccomp(struct config *c)
{
	if (!c->seccomp)
		return;
	struct sock_fprog prog = {.len = c->seccomp_len, .filter = c->seccomp};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, c->seccomp_flags, &prog) != 0)
		fail("install seccomp filter: %s", strerror(errno));
}

/*
 * Runs hooks in the container's namespaces and root. A hook's program must be there: the guest cannot run
 * the host's, so a missing one is an error that names it.
 */
static int run_hooks(struct config *c, struct oci_hook *hooks, int n, const char *status, char *msg, size_t size)
{
	for (int i = 0; i < n; i++) {
		if (access(hooks[i].path, X_OK) != 0) {
			snprintf(msg, size, "%s %s: not found in the container (%s)", hooks[i].name, hooks[i].path,
				 strerror(errno));
			return -1;
		}
		if (status && oci_hook_run(&hooks[i], c->hook_state ? c->hook_state : "{", status, msg, size) != 0)
			return -1;
	}
	return 0;
}

static void child(struct config *c, int exec_fd)
{
	char hook_error[1024];
	if (!c->join_pid)
		setup_container(c);
	/* createContainer hooks run now; startContainer ones are only checked, so a missing one fails create. */
	if (run_hooks(c, c->create_hooks, c->ncreate_hooks, "creating", hook_error, sizeof hook_error) != 0 ||
	    run_hooks(c, c->start_hooks, c->nstart_hooks, NULL, hook_error, sizeof hook_error) != 0)
		fail("%s", hook_error);
	if (c->console)
		open_console();
	default_home(c);
	for (int i = 0; i < c->nrlimits; i++) {
		struct rlimit rl = {c->rlimits[i].soft, c->rlimits[i].hard};
		if (setrlimit(c->rlimits[i].res, &rl) != 0)
			fail("setrlimit %d: %s", c->rlimits[i].res, strerror(errno));
	}
	set_oom_score(c);
	/* Without no_new_privs the filter needs CAP_SYS_ADMIN, so it goes in before capabilities drop (as runc). */
	if (!c->nonewprivs)
		install_seccomp(c);
	drop_bounding(c);
	if (setgroups((size_t)c->ngids, c->gids) != 0)
		fail("setgroups: %s", strerror(errno));
	if (setresgid(c->gid, c->gid, c->gid) != 0)
		fail("setgid %u: %s", c->gid, strerror(errno));
	if (setresuid(c->uid, c->uid, c->uid) != 0)
		fail("setuid %u: %s", c->uid, strerror(errno));
	apply_caps(c);
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
	/* With no_new_privs, as late as possible: the profile then only has to allow execve itself. */
	if (c->nonewprivs)
		install_seccomp(c);
	/* As runc: with the process's own credentials and filter, right before it is executed. */
	if (run_hooks(c, c->start_hooks, c->nstart_hooks, "created", hook_error, sizeof hook_error) != 0) {
		dprintf(2, "nsexec: %s\n", hook_error);
		_exit(1);
	}
	execve(program, c->args, c->envs);
	dprintf(2, "nsexec: exec %s: %s\n", program, strerror(errno));
	_exit(127);
}

#define OUTPUT_PIPE_SIZE (1 << 20)

/* A pod member's IPC and UTS namespaces are the pod sandbox's (its init's), not new ones. */
static void join_pod_namespaces(struct config *c)
{
	for (int i = 0; i < c->njoins; i++) {
		const char *name = c->joins[i].type == CLONE_NEWIPC ? "ipc" : "uts";
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/ns/%s", c->joins[i].pid, name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("open %s: %s", path, strerror(errno));
		if (setns(fd, c->joins[i].type) != 0)
			fail("setns %s of the pod sandbox (pid %ld): %s", name, c->joins[i].pid, strerror(errno));
		close(fd);
		c->clone_flags &= ~c->joins[i].type;
	}
}

static void grow_pipe(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, OUTPUT_PIPE_SIZE);
}

/* The config path a spare launcher is given: one line on stdin. NULL at end of input (the agent went away). */
static char *config_path_from_stdin(void)
{
	static char path[4096];
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t r = read(0, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("read the config path from stdin: %s", strerror(errno));
		if (r == 0)
			return NULL;
		if (ch == '\n')
			break;
		if (n + 1 >= sizeof path)
			fail("the config path on stdin is longer than %zu bytes", sizeof path - 1);
		path[n++] = ch;
	}
	path[n] = '\0';
	return path;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		dprintf(2, "usage: nsexec CONFIG | nsexec -\n");
		return 2;
	}
	static struct config c;
	size_t len;
	/*
	 * Output pipes to the agent: each ReadStdout/ReadStderr round trip takes what the pipe holds, and the
	 * kernel's 64 KiB default makes bulk output crawl under emulation. A terminal is not a pipe and fails
	 * here harmlessly.
	 */
	grow_pipe(1);
	grow_pipe(2);
	const char *config_path = argv[1];
	if (strcmp(config_path, "-") == 0) {
		config_path = config_path_from_stdin();
		if (!config_path)
			return 0;
	}
	char *buf = read_file(config_path, &len);
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
	else {
		join_pod_namespaces(&c);
		if (c.clone_flags && unshare(c.clone_flags) != 0)
			fail("unshare: %s", strerror(errno));
	}
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
