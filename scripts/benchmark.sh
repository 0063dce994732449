#!/usr/bin/env bash
# Start-time figures, measured side by side in one run on this machine:
#   bare QEMU boot of our kernel (same command line as a sandbox) to a trivial /init, and
#   `ctr run --rm --runtime io.containerd.kata.v2` to its first output line, and the same under runc;
#   then the agent channel per transport (RPC round trip, one stream's bulk throughput).
# Needs a finished build (./mvnw -B install); uses a private containerd and the staged install in
# tests/target/stage (made by ./mvnw verify) or installs one there.   Usage: sudo scripts/benchmark.sh [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. scripts/deps.sh
kata_require_root
kata_find_jdk
runs=${1:-5}
stage=$here/tests/target/stage
[ -x "$stage/bin/containerd-shim-kata-v2" ] || scripts/install.sh --prefix "$stage" >/dev/null
work=$(mktemp -d)
cleanup() {
    [ -n "${ctd_pid:-}" ] && kill "$ctd_pid" 2>/dev/null && wait "$ctd_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
config=$stage/share/defaults/kata-containers/configuration.toml
kernel=$stage/share/kata-containers/vmlinux.container
machine=$(awk -F'"' '/^machine_type/ {print $2}' "$config")
vcpus=$(awk -F'= *' '/^default_vcpus/ {print $2}' "$config")
memory=$(awk -F'= *' '/^default_memory/ {print $2}' "$config")

# --- bare boot -----------------------------------------------------------------------------------
mkdir -p "$work/tiny/bin" "$work/tiny/proc" "$work/tiny/dev"
mknod "$work/tiny/dev/console" c 5 1
cp /bin/busybox "$work/tiny/bin/busybox"
ln -s busybox "$work/tiny/bin/sh"
printf '#!/bin/sh\n/bin/busybox echo bare-boot-init-reached\n/bin/busybox poweroff -f\n' > "$work/tiny/init"
chmod +x "$work/tiny/init"
(cd "$work/tiny" && find . | cpio -o -H newc --quiet -R 0:0) > "$work/tiny.cpio"
# The shim's runtime classpath holds the QEMU driver and everything it needs.
bare=$("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "shim-kata/target/lib/*" \
    dev.katajava.qemu.bench.BareBoot /usr/bin/qemu-system-x86_64 \
    "$kernel" "$work/tiny.cpio" "$machine" "$vcpus" "$memory" "$runs")
bare_ms=$(echo "$bare" | sed -n 's/^bare_boot_ms_median=\([0-9]*\).*/\1/p')

# --- ctr run ---------------------------------------------------------------------------------------
cat > "$work/containerd.toml" <<TOML
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$work/containerd.sock"
[ttrpc]
  address = "$work/containerd.sock.ttrpc"
TOML
PATH=$stage/bin:$PATH KATA_CONF_FILE=$config containerd --config "$work/containerd.toml" > "$work/containerd.log" 2>&1 &
ctd_pid=$!
ctr=(ctr --address "$work/containerd.sock" --namespace bench)
for _ in $(seq 100); do "${ctr[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done
scripts/busybox-image.sh "$work/bb.tar" docker.io/library/busybox:bench >/dev/null
"${ctr[@]}" images import "$work/bb.tar" >/dev/null

first_line_ms() { # runtime id -> ms from launching ctr to its first stdout line
    local start line
    start=$(date +%s%N)
    "${ctr[@]}" run --rm --runtime "$1" docker.io/library/busybox:bench "$2" echo first-line </dev/null |
        { read -r line; echo $(( ($(date +%s%N) - start) / 1000000 )); cat >/dev/null; }
}
: > "$work/kata" ; : > "$work/runc"
for i in $(seq "$runs"); do
    first_line_ms io.containerd.kata.v2 "bench-kata-$i" >> "$work/kata"
    first_line_ms io.containerd.runc.v2 "bench-runc-$i" >> "$work/runc"
done
kata_ms=$(median < "$work/kata")
runc_ms=$(median < "$work/runc")

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), accelerator: TCG"
echo "bare QEMU boot to /init ($machine, $vcpus vCPU, $memory MiB), median of $runs: ${bare_ms} ms  [$bare]"
echo "ctr run to first output, kata (VM), median of $runs: ${kata_ms} ms  [$(paste -sd' ' "$work/kata")]"
echo "ctr run to first output, runc, median of $runs: ${runc_ms} ms  [$(paste -sd' ' "$work/runc")]"
echo "ratio kata / bare boot: $(awk -v a="$kata_ms" -v b="$bare_ms" 'BEGIN {printf "%.2f", a / b}')"

# --- agent channel per transport (vhost-vsock needs /dev/vhost-vsock, which not every host has) ----------
transports="vhost-user-vsock virtio-serial"
[ -w /dev/vhost-vsock ] && transports="vhost-vsock $transports"
for t in $transports; do
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "shim-kata/target/lib/*" \
        dev.katajava.qemu.bench.AgentTransportBench "$config" "$t" 2000 256
done
