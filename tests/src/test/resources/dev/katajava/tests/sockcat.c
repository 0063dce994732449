/*
 * sockcat PATH: connects to the Unix stream socket PATH and copies stdin to it and it to stdout. End of
 * stdin half-closes the socket (shutdown SHUT_WR); the program ends when the socket reaches end of stream
 * and everything it sent has been written out. Exit 2 when the connect fails, 3 on a read or write error.
 * Built static by the end-to-end tests, because the busybox image's nc has no Unix socket support.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, (size_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	if (argc != 2) {
		fprintf(stderr, "usage: sockcat PATH\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) {
		fprintf(stderr, "sockcat: connect %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	int in_open = 1;
	for (;;) {
		struct pollfd p[2] = {{.fd = s, .events = POLLIN}, {.fd = in_open ? 0 : -1, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 3;
		}
		if (p[0].revents) {
			ssize_t n = read(s, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				fprintf(stderr, "sockcat: read: %s\n", strerror(errno));
				return 3;
			}
			if (n == 0)
				return 0;
			if (write_all(1, buf, n) != 0)
				return 3;
		}
		if (in_open && p[1].revents) {
			ssize_t n = read(0, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				shutdown(s, SHUT_WR);
				in_open = 0;
			} else if (write_all(s, buf, n) != 0) {
				fprintf(stderr, "sockcat: write: %s\n", strerror(errno));
				return 3;
			}
		}
	}
}
