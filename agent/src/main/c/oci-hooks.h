/*
 * OCI hooks that nsexec runs inside the container: createContainer hooks once the root is in place and
 * before "ready", startContainer hooks after the start byte and right before the program is executed.
 */
#ifndef OCI_HOOKS_H
#define OCI_HOOKS_H

#include <stddef.h>

#define HOOK_MAX_ITEMS 256
#define HOOK_MAX 64

struct oci_hook {
	char name[48];  /* e.g. createContainer[0], for messages */
	int timeout;    /* seconds; 0: none */
	char *path;
	char *argv[HOOK_MAX_ITEMS + 1];
	char *envp[HOOK_MAX_ITEMS + 1];
};

/*
 * Fills h from a config record's value of len bytes: NUL-separated fields
 * "TIMEOUT PATH ARGC ARG... ENVC ENV..." (each its own field). Returns 0, or -1 when malformed.
 */
int oci_hook_parse(struct oci_hook *h, const char *kind, int index, char *value, size_t len);

/*
 * Runs h with the state (a JSON object's members but status and pid, and the closing brace left out) and
 * those two on stdin, waits for it (SIGKILL after its timeout). Returns 0, or -1 with why in msg, the end
 * of the hook's output included.
 */
int oci_hook_run(const struct oci_hook *h, const char *state_prefix, const char *status, char *msg, size_t size);

#endif
