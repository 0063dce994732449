/*
 * kata-init: PID 1 of the guest.
 *
 * Mounts the pseudo filesystems, loads the kernel modules listed in /etc/kata-modules (one path per
 * line, in dependency order), starts the agent with the argv in /etc/kata-agent.args (one argument per
 * line) and reaps every process that ends up as its child. When the agent exits the VM powers off, so a
 * dead agent never leaves a VM that nobody can talk to.
 *
 * Two layouts: everything in the initramfs, or (kernel parameter root=DEVICE) a small initramfs holding
 * only this program and the modules, which mounts the read-only root image on DEVICE and switches to it.
 * There /etc/kata-modules lists only what mounting the image takes; the modules in /etc/kata-modules-late
 * load in a child process while the agent's JVM starts, on another vCPU when the VM has one. The agent
 * learns of them from MODULES_READY_ENV and waits for that file before it opens its channels.
 *
 * PID 1 must never exit (the kernel panics), so every failure here is reported and then leads to power-off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 128
#define MAX_FILE (64 * 1024)
#define MAX_WORD 256
/*
 * How long the root device may take to appear, and then to open, once its drivers are loaded (they probe
 * asynchronously).
 */
#define ROOT_WAIT_MS 10000
#define MAX_MODULES 64
/* Created once the late modules are loaded (or their loader ended): the agent waits for it. */
#define MODULES_READY_DIR "/run/kata-init"
#define MODULES_READY MODULES_READY_DIR "/modules-ready"
#define MODULES_READY_ENV "KATA_MODULES_READY=" MODULES_READY

static void say(const char *fmt, const char *arg)
{
	dprintf(2, "kata-init: ");
	dprintf(2, fmt, arg);
	dprintf(2, "\n");
}

/*
 * The first console line, written before any work. The runtime's KVM probe takes it as the proof that the
 * guest kernel runs under an accelerator: firmware prints under any of them, even where the kernel then hangs.
 */
static void greet(void)
{
	struct utsname u;
	dprintf(2, "kata-init: guest kernel %s up\n", uname(&u) == 0 ? u.release : "(unknown release)");
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void mount_or_warn(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) != 0 && errno != EBUSY)
		dprintf(2, "kata-init: mount %s on %s: %s\n", type, dst, strerror(errno));
}

/* Reads a whole small file into a NUL-terminated buffer; returns NULL when it is missing. */
static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = calloc(1, MAX_FILE + 1);
	size_t len = 0;
	ssize_t n;
	while (buf && len < MAX_FILE && (n = read(fd, buf + len, MAX_FILE - len)) > 0)
		len += (size_t)n;
	close(fd);
	return buf;
}

/*
 * pivot_root refuses a root mount that has no parent, and the initramfs is exactly that. Stacking a bind
 * of it over / (switch_root's move and chroot, without copying anything) gives the agent, and every mount
 * namespace copied from it, a root that pivot_root accepts: containers then get a real pivot_root and no
 * way back into the guest's own files. Runs before anything else is mounted, so nothing is left below.
 */
static void stack_root(void)
{
	mkdir("/mnt", 0755);
	if (mount("/", "/mnt", NULL, MS_BIND, NULL) != 0) {
		dprintf(2, "kata-init: bind / on /mnt: %s\n", strerror(errno));
		return;
	}
	if (chdir("/mnt") != 0 || mount(".", "/", NULL, MS_MOVE, NULL) != 0 || chroot(".") != 0 || chdir("/") != 0)
		dprintf(2, "kata-init: move the root bind onto /: %s\n", strerror(errno));
}

/*
 * The value of kernel parameter NAME (e.g. "root") from /proc/cmdline into out; false when absent. Values
 * with spaces or quotes are not needed here and not supported.
 */
static int kernel_param(const char *name, char *out, size_t size)
{
	char *cmdline = slurp("/proc/cmdline");
	if (!cmdline)
		return 0;
	size_t len = strlen(name);
	int found = 0;
	for (char *word = strtok(cmdline, " \n"); word; word = strtok(NULL, " \n")) {
		if (strncmp(word, name, len) == 0 && word[len] == '=') {
			snprintf(out, size, "%s", word + len + 1);
			found = 1;
		}
	}
	free(cmdline);
	return found;
}

static int wait_for(const char *path)
{
	struct stat st;
	struct timespec step = {0, 10 * 1000 * 1000};
	for (int waited = 0; waited < ROOT_WAIT_MS; waited += 10) {
		if (stat(path, &st) == 0)
			return 1;
		nanosleep(&step, NULL);
	}
	return stat(path, &st) == 0;
}

/*
 * Mounts DEVICE on /sysroot. Its node appears when the pmem driver adds the disk, which it does while still
 * probing (asynchronously), and until the probe is done opening the disk fails with ENXIO: that error is
 * retried for as long as the device itself is waited for. Returns mount's result, errno set on failure.
 */
static int mount_root(const char *device, const char *type, unsigned long flags, const char *data)
{
	struct timespec step = {0, 10 * 1000 * 1000};
	for (int waited = 0;; waited += 10) {
		if (mount(device, "/sysroot", type, flags, data) == 0)
			return 0;
		if (errno != ENXIO || waited >= ROOT_WAIT_MS)
			return -1;
		nanosleep(&step, NULL);
	}
}

/*
 * Mounts the root image read-only on /sysroot and makes it the root: the mounts made so far move along,
 * then the image's mount moves onto / and becomes the root with chroot (switch_root's way; the initramfs
 * stays below, holding only this program and the modules). The image's mount has a parent, so pivot_root
 * works for containers as after stack_root. DAX (rootflags=dax) maps the image's pages straight from the
 * device instead of copying them into the guest's page cache; a device that cannot do DAX is mounted
 * without it. Returns 0 on success; on failure the caller powers off.
 */
static int switch_to_image(const char *device)
{
	char type[MAX_WORD] = "erofs", flags[MAX_WORD] = "";
	kernel_param("rootfstype", type, sizeof(type));
	kernel_param("rootflags", flags, sizeof(flags));
	if (!wait_for(device)) {
		say("root device %s did not appear", device);
		return -1;
	}
	mkdir("/sysroot", 0755);
	unsigned long ro = MS_RDONLY | MS_NODEV;
	if (mount_root(device, type, ro, flags) != 0) {
		int first = errno;
		/* The retry without flags is for a device that refuses DAX; one that never opened would not open now. */
		if (flags[0] == '\0' || first == ENXIO || mount_root(device, type, ro, NULL) != 0) {
			dprintf(2, "kata-init: mount %s (%s) on /sysroot: %s\n", device, type, strerror(first));
			return -1;
		}
		dprintf(2, "kata-init: %s mounted without %s (%s)\n", device, flags, strerror(first));
	}
	const char *moved[] = {"/dev", "/proc", "/sys"};
	for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
		char target[64];
		snprintf(target, sizeof(target), "/sysroot%s", moved[i]);
		if (mount(moved[i], target, NULL, MS_MOVE, NULL) != 0) {
			dprintf(2, "kata-init: move %s to the root image: %s\n", moved[i], strerror(errno));
			return -1;
		}
	}
	if (chdir("/sysroot") != 0 || mount(".", "/", NULL, MS_MOVE, NULL) != 0 || chroot(".") != 0 || chdir("/") != 0) {
		dprintf(2, "kata-init: switch to the root image: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

struct module {
	int fd;
	char *path;
};

/*
 * Opens the modules listed in LIST into mods (at most MAX_MODULES), returning how many. With drop set (the
 * loader, whose initramfs stays in guest RAM below the root image) each file is unlinked once open: the open
 * file is all that loading it needs, and the kernel keeps a copy of its own.
 */
static int open_modules(const char *list, int drop, struct module *mods)
{
	char *text = slurp(list);
	if (!text)
		return 0;
	int n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (*line == '\0' || *line == '#')
			continue;
		if (n == MAX_MODULES) {
			dprintf(2, "kata-init: %s: more than %d modules; %s and later ones not loaded\n", list,
				MAX_MODULES, line);
			break;
		}
		int fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			dprintf(2, "kata-init: module %s: %s\n", line, strerror(errno));
			continue;
		}
		if (drop)
			unlink(line);
		mods[n].fd = fd;
		mods[n].path = strdup(line);
		n++;
	}
	free(text);
	return n;
}

static void close_modules(struct module *mods, int n)
{
	for (int i = 0; i < n; i++) {
		close(mods[i].fd);
		free(mods[i].path);
	}
}

/* Loads opened modules in order, then closes them. */
static void load_opened(struct module *mods, int n)
{
	for (int i = 0; i < n; i++) {
		if (syscall(SYS_finit_module, mods[i].fd, "", 0) != 0 && errno != EEXIST)
			dprintf(2, "kata-init: load %s: %s\n", mods[i].path ? mods[i].path : "module", strerror(errno));
	}
	close_modules(mods, n);
}

static void load_modules(const char *list, int drop)
{
	struct module mods[MAX_MODULES];
	load_opened(mods, open_modules(list, drop, mods));
}

/*
 * Loads opened modules in a child process and returns its pid; PID 1 creates MODULES_READY when it reaps
 * it. Where no child can be made they load here, and 0 is returned: nothing to wait for.
 */
static pid_t load_in_background(struct module *mods, int n)
{
	if (n == 0)
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		load_opened(mods, n);
		_exit(0);
	}
	if (pid < 0) {
		dprintf(2, "kata-init: fork for the late modules: %s; loading them first\n", strerror(errno));
		load_opened(mods, n);
		return 0;
	}
	close_modules(mods, n);
	return pid;
}

static void mark_modules_ready(int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		dprintf(2, "kata-init: the late module loader ended with status %d\n", status);
	mkdir(MODULES_READY_DIR, 0755);
	int fd = open(MODULES_READY, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		dprintf(2, "kata-init: create %s: %s\n", MODULES_READY, strerror(errno));
	else
		close(fd);
}

/*
 * Containers share the guest's network namespace, and runc brings lo up in every new one: so must we,
 * before the agent starts. Up is enough; the kernel adds 127.0.0.1/8 and ::1 itself.
 */
static void loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dprintf(2, "kata-init: socket for lo: %s\n", strerror(errno));
		return;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		dprintf(2, "kata-init: get flags of lo: %s\n", strerror(errno));
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
			dprintf(2, "kata-init: bring lo up: %s\n", strerror(errno));
	}
	close(fd);
}

/* Starts the agent; with modules_loading set it is told to wait for MODULES_READY. */
static pid_t start_agent(int modules_loading)
{
	char *args = slurp("/etc/kata-agent.args");
	if (!args) {
		say("%s", "no /etc/kata-agent.args");
		return -1;
	}
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	for (char *line = strtok(args, "\n"); line && argc < MAX_ARGS; line = strtok(NULL, "\n"))
		if (*line != '\0')
			argv[argc++] = line;
	argv[argc] = NULL;
	if (argc == 0) {
		say("%s", "empty /etc/kata-agent.args");
		return -1;
	}
	/*
	 * One malloc arena: the JDK mallocs a buffer per large pipe read, and with an arena per thread each
	 * reader would keep one of its own. (A fixed mmap threshold would return them, but mapping and
	 * faulting in 1 MiB per read halves bulk output under emulation.) Containers get their own
	 * environment from the spec.
	 */
	char *envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
			"LANG=C.UTF-8", "MALLOC_ARENA_MAX=1", modules_loading ? MODULES_READY_ENV : NULL, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/*
		 * No setsid(): as a session leader without a terminal the agent would acquire the first pty it
		 * opens for a container as its own controlling terminal, and the container could not take it.
		 */
		execve(argv[0], argv, envp);
		dprintf(2, "kata-init: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		dprintf(2, "kata-init: fork: %s\n", strerror(errno));
	else
		say("%s", "starting agent");
	return pid;
}

int main(void)
{
	if (getpid() != 1) {
		dprintf(2, "kata-init: must run as PID 1\n");
		return 1;
	}
	greet();
	/* Read root= with a short-lived /proc: stack_root must find nothing mounted yet. */
	char root[MAX_WORD] = "";
	struct module late[MAX_MODULES];
	int late_count = 0;
	mount_or_warn("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	int image = kernel_param("root", root, sizeof(root));
	if (image) {
		mount_or_warn("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		mount_or_warn("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
		load_modules("/etc/kata-modules", 1);
		late_count = open_modules("/etc/kata-modules-late", 1, late);
		if (switch_to_image(root) != 0)
			power_off();
	} else {
		umount2("/proc", MNT_DETACH);
		stack_root();
		mount_or_warn("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		mount_or_warn("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		mount_or_warn("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	}
	mount_or_warn("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666");
	mount_or_warn("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mount_or_warn("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mount_or_warn("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mount_or_warn("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (!image)
		load_modules("/etc/kata-modules", 0);
	loopback_up();

	pid_t loader = load_in_background(late, late_count);
	pid_t agent = start_agent(loader > 0);
	if (agent < 0)
		power_off();
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid == loader && loader > 0)
			mark_modules_ready(status);
		if (pid == agent) {
			if (WIFEXITED(status))
				dprintf(2, "kata-init: agent exited with code %d; powering off\n", WEXITSTATUS(status));
			else
				dprintf(2, "kata-init: agent killed by signal %d; powering off\n", WTERMSIG(status));
			power_off();
		}
		if (pid < 0 && errno == ECHILD)
			power_off();
	}
}
