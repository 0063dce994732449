/*
 * The pod sandbox's "pause" process: holds the pod's namespaces open, reaps the zombies handed to it as the
 * pid namespace's init, and exits on SIGINT or SIGTERM. Built static, so its image needs nothing else.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) {
    _exit(128 + sig);
}

static void reap(int sig) {
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

static int on(int sig, void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = sig == SIGCHLD ? SA_NOCLDSTOP | SA_RESTART : SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        perror("pause: sigaction");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "pause: takes no arguments\n");
        return 2;
    }
    if (on(SIGINT, stop) || on(SIGTERM, stop) || on(SIGCHLD, reap)) {
        return 1;
    }
    for (;;) {
        pause();
    }
}
