/*
 * kata-init: PID 1 of the guest.
 *
 * Mounts the pseudo filesystems, loads the kernel modules listed in /etc/kata-modules (one path per
 * line, in dependency order), starts the agent with the argv in /etc/kata-agent.args (one argument per
 * line) and reaps every process that ends up as its child. When the agent exits the VM powers off, so a
 * dead agent never leaves a VM that nobody can talk to.
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
#include <unistd.h>

#define MAX_ARGS 128
#define MAX_FILE (64 * 1024)

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

static void load_modules(void)
{
	char *list = slurp("/etc/kata-modules");
	if (!list)
		return;
	for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
		if (*line == '\0' || *line == '#')
			continue;
		int fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			dprintf(2, "kata-init: module %s: %s\n", line, strerror(errno));
			continue;
		}
		if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
			dprintf(2, "kata-init: load %s: %s\n", line, strerror(errno));
		close(fd);
	}
	free(list);
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

static pid_t start_agent(void)
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
			"LANG=C.UTF-8", "MALLOC_ARENA_MAX=1", NULL};
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
	stack_root();
	mount_or_warn("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_warn("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_warn("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount_or_warn("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666");
	mount_or_warn("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mount_or_warn("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mount_or_warn("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mount_or_warn("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	load_modules();
	loopback_up();

	pid_t agent = start_agent();
	if (agent < 0)
		power_off();
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
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
