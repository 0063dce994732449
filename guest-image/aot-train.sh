#!/usr/bin/env bash
# Trains the agent's AOT cache (JEP 483/514/515) in a chroot of the guest tree, so java.home and the
# classpath are the guest's own:  aot-train.sh ROOT CACHE CLASSPATH JVM_OPTION...
# CACHE is a path inside ROOT. The training (dev.katajava.agent.training.AgentTraining) runs the agent's
# real RPC server and drives it as the shim would; it runs in new mount, UTS, IPC, PID and network
# namespaces with tmpfs over the chroot's /dev, /tmp, /run and /sys, so nothing it does stays in the image.
# As root it also runs a real container there: the agent then gets a cgroup of its own, made for the
# training under the host's cgroup v2 hierarchy and removed after it, as its /sys/fs/cgroup, and the training
# tree read-only, as the guest has it. Fails (status 1) when no namespaces can be had or the training fails.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 ROOT CACHE CLASSPATH JVM_OPTION..." >&2; exit 2; }
root=$1 cache=$2 classpath=$3
shift 3

# The namespaces: as root directly, otherwise inside a user namespace that maps us to root.
namespaces=(--mount --uts --ipc --pid --net --fork)
cgroup=
if [ "$(id -u)" -eq 0 ] && unshare "${namespaces[@]}" true 2>/dev/null; then
    unshare=(unshare "${namespaces[@]}")
    # An empty cgroup directly under the cgroup v2 root (/sys/fs/cgroup, or beside the v1 hierarchies on a
    # hybrid host): it holds no process, so it may enable controllers for the training container's cgroup,
    # as the guest's root does. A hybrid host's v2 root may have no controllers; limits then fail alone.
    v2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
    if [ -n "$v2" ] && mkdir "$v2/kata-agent-training.$$" 2>/dev/null; then
        cgroup=$v2/kata-agent-training.$$
    fi
elif unshare -r "${namespaces[@]}" true 2>/dev/null; then
    unshare=(unshare -r "${namespaces[@]}")
else
    echo "aot-train: cannot create namespaces (not root, and user namespaces are disabled)" >&2
    exit 1
fi

# Runs inside the namespaces: private mounts over the chroot, then the JVM (not as PID 1, which would
# ignore an interrupt) that trains and, on exit, writes the cache. The tree is bound onto itself first so
# that its root is a mount point, as the guest's is: the container launcher changes the propagation of /.
inner='set -e
root=$1 cgroup=$2; shift 2
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
for d in dev tmp run sys; do mount -t tmpfs -o mode=0755 tmpfs "$root/$d"; done
chmod 1777 "$root/tmp"
for n in null zero random urandom; do : > "$root/dev/$n"; mount --bind "/dev/$n" "$root/dev/$n"; done
training=$root/opt/kata-agent/training-rootfs
mount --bind "$training" "$training" && mount -o remount,bind,ro "$training"
if [ -n "$cgroup" ]; then mkdir -p "$root/sys/fs/cgroup" && mount --bind "$cgroup" "$root/sys/fs/cgroup"; fi
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root chroot "$root" "$@"'
# Depth first: the training container's cgroups below it are gone once their processes are.
remove_cgroup() {
    [ -n "$cgroup" ] || return 0
    for _ in $(seq 50); do
        find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null && return 0
        sleep 0.1
    done
    echo "aot-train: could not remove the training cgroup $cgroup" >&2
}
trap remove_cgroup EXIT
trap 'exit 130' INT TERM
rm -f "$root$cache"
echo "==> training the agent's AOT cache" >&2
# -Xlog:aot=error: the JVM lists every class it leaves out (JFR events, ...), which says nothing useful here.
"${unshare[@]}" sh -c "$inner" aot-train "$root" "$cgroup" /opt/kata-agent/jre/bin/java "$@" \
    -XX:AOTCacheOutput="$cache" -Xlog:aot=error -cp "$classpath" \
    dev.katajava.agent.training.AgentTraining /tmp/kata-agent-training.sock >&2
[ -s "$root$cache" ] || { echo "aot-train: the training wrote no cache" >&2; exit 1; }
# The guest's exact command line with AOTMode=on refuses a cache it cannot map: check it here, once.
"${unshare[@]}" sh -c "$inner" aot-check "$root" "" /opt/kata-agent/jre/bin/java "$@" \
    -XX:AOTCache="$cache" -XX:AOTMode=on -cp "$classpath" -version >/dev/null 2>&1 ||
    { echo "aot-train: the JVM refuses the cache it just made" >&2; exit 1; }
echo "==> AOT cache $cache ($(du -h "$root$cache" | cut -f1))" >&2
