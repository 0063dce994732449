/*
 * libkata-fdcopy: the copy loop of the agent's direct stdio streams, in C.
 *
 * The guest's JVM runs interpreted only (no JIT under emulation). A loop of read and write downcalls
 * would pay the interpreter's price of a foreign call twice per chunk, and a pipe hands out what its
 * writer has put in so far, often far less than the buffer: with the loop here, a whole stream costs the
 * agent one downcall.
 */
#include <errno.h>
#include <unistd.h>

/* What kata_fd_copy reports besides the byte count. */
struct kata_fd_copy_status {
	int error;      /* 0 at end of input, else the errno of the call that failed */
	int in_write;   /* 1 when that call was the write, 0 when the read */
};

/*
 * Copies in to out through buf (size bytes) until read returns 0 or a call fails; a write that takes part
 * of a chunk is repeated for the rest. Returns the bytes written; status says how the copy ended.
 */
long kata_fd_copy(int in, int out, char *buf, long size, struct kata_fd_copy_status *status)
{
	long total = 0;

	status->error = 0;
	status->in_write = 0;
	for (;;) {
		ssize_t n = read(in, buf, (size_t)size);
		if (n == 0)
			return total;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			status->error = errno;
			return total;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				status->error = errno;
				status->in_write = 1;
				return total;
			}
			done += w;
			total += w;
		}
	}
}
