#!/usr/bin/env bash
# Figures measured side by side in one run on this machine, through one private containerd:
#   start time: bare QEMU boot of our kernel (same command line as a sandbox) to a trivial /init, and
#     `ctr run --rm --runtime io.containerd.kata.v2` to its first output line, and the same under runc;
#   memory with a container running: shim and QEMU PSS, shim RSS, the agent's RSS in the guest;
#   `ctr task exec` latency, kata and runc;  stdout throughput of 256 MiB through ctr (dd and head -c), kata
#     and runc, with the guest's own dd-to-/dev/null rate as the ceiling;
#   how many sandboxes run at once;  8 sandbox starts one after another against all at once;  the agent channel per transport (RPC round trip, one stream's throughput);
#   TCP throughput between a peer namespace and a container in the pod's network namespace, kata and runc;
#   CRI pod start to container running (containerd's CRI plugin, CNI), kata and runc;
#   VM templating: start from the template, QEMU and shim PSS with 1 and 16 clones, clones at once;
#   VM cache: start from the cache, QEMU and shim PSS with 1 and 16 sandboxes from it;
# then a summary table against the targets. The steps live in scripts/bench/.
# Needs a finished build (./mvnw -B package); uses a private containerd and the staged install in
# tests/target/stage, or installs one there.
#   Usage: scripts/benchmark.sh [RUNS]      RUNS: start-time runs (default 5)
#   BENCH_EXEC_RUNS       exec latency runs per runtime (default 10)
#   BENCH_MAX_SANDBOXES   cap on concurrent sandboxes (default 16; 0 skips that step)
#   BENCH_SANDBOX_TIMEOUT seconds one sandbox may take to start in that step (default 600)
#   BENCH_PARALLEL        sandboxes in the sequential/parallel start step (default 8; 0 skips it)
#   BENCH_CRI_RUNS        CRI pod starts per handler (default: RUNS; 0 skips that step)
#   BENCH_STEPS           which steps to run, of: boot memory stdio sandboxes parallel cri network transports
#                         template cache (default all; the bare boot runs with boot, template or cache)
#   BENCH_TEMPLATE_MAX    cap on sandboxes from the template at once (default 48)
#   BENCH_CACHE_SIZE      vm_cache_number in the cache step (default 3, at least RUNS)
#   BENCH_CACHE_MAX       sandboxes from the cache running at once for the PSS figure (default 16)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. scripts/deps.sh
kata_require_root
kata_find_jdk
runs=${1:-5}
stage=$here/tests/target/stage
[ -x "$stage/bin/containerd-shim-kata-v2" ] || scripts/install.sh --prefix "$stage" >/dev/null
exec_runs=${BENCH_EXEC_RUNS:-10}
cri_runs=${BENCH_CRI_RUNS:-$runs}
all_steps="boot memory stdio sandboxes parallel cri network transports template cache"
steps=${BENCH_STEPS:-$all_steps}
for s in $steps; do
    case " $all_steps " in *" $s "*) ;;
        *) echo "error: BENCH_STEPS: unknown step '$s'" >&2; exit 2 ;; esac
done
step() { case " $steps " in *" $1 "*) return 0 ;; esac; return 1; }
for n in "$runs" "$exec_runs" "${BENCH_MAX_SANDBOXES:-16}" "${BENCH_SANDBOX_TIMEOUT:-600}" "${BENCH_PARALLEL:-8}" "$cri_runs" \
    "${BENCH_TEMPLATE_MAX:-48}" "${BENCH_CACHE_SIZE:-3}" "${BENCH_CACHE_MAX:-16}"; do
    case "$n" in ''|*[!0-9]*) echo "error: counts must be whole numbers, got '$n'" >&2; exit 2 ;; esac
done
work=$(mktemp -d)
ctr=(ctr --address "$work/containerd.sock" --namespace bench)
image=docker.io/library/busybox:bench
. scripts/bench/lib.sh
. scripts/bench/memory.sh
. scripts/bench/exec.sh
. scripts/bench/throughput.sh
. scripts/bench/sandboxes.sh
. scripts/bench/parallel.sh
. scripts/bench/network.sh
. scripts/bench/cri.sh
. scripts/bench/template.sh
. scripts/bench/cache.sh
# Containers go before containerd: their shims and QEMUs outlive it otherwise.
cleanup() {
    bench_cleanup
    bench_cache_stop
    bench_template_stop
    bench_net_teardown
    if [ -n "${ctd_pid:-}" ]; then kill "$ctd_pid" 2>/dev/null && wait "$ctd_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
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
# RUNS bare boots, appending each one's ms to $work/bare. The shim's runtime classpath holds the QEMU driver
# and everything it needs.
bare_boots() {
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "shim-kata/target/lib/*" \
        dev.katajava.qemu.bench.BareBoot /usr/bin/qemu-system-x86_64 \
        "$kernel" "$work/tiny.cpio" "$machine" "$vcpus" "$memory" "$runs" |
        sed -n 's/^bare_boot_ms_median=[0-9]* runs=\[\(.*\)\]$/\1/p' | tr -d ' ' | tr ',' '\n' >> "$work/bare"
}
: > "$work/bare"
{ step boot || step template || step cache; } && bare_boots && bare_ms=$(median < "$work/bare")

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
for _ in $(seq 100); do "${ctr[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done
scripts/busybox-image.sh "$work/bb.tar" "$image" >/dev/null
"${ctr[@]}" images import "$work/bb.tar" >/dev/null

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), accelerator: TCG"
if step boot; then
: > "$work/kata" ; : > "$work/runc"
for i in $(seq "$runs"); do
    first_line_ms io.containerd.kata.v2 "bench-kata-$i" >> "$work/kata"
    first_line_ms io.containerd.runc.v2 "bench-runc-$i" >> "$work/runc"
done
# As many bare boots again after the ctr runs: this host's speed drifts by 10-20 % over minutes, and the
# ratio should not hang on which block ran in the faster minutes.
bare_boots
bare_ms=$(median < "$work/bare")
fi
if { step boot || step template || step cache; }; then
    echo "bare QEMU boot to /init ($machine, $vcpus vCPU, $memory MiB), median of $(wc -l < "$work/bare")" \
        "$(step boot && echo "(half before, half after the ctr runs)"): ${bare_ms} ms  [$(paste -sd' ' "$work/bare")]"
    summary_add "bare QEMU boot (ms)" "$bare_ms" "-" "-"
fi
if step boot; then
kata_ms=$(median < "$work/kata")
runc_ms=$(median < "$work/runc")

echo "ctr run to first output, kata (VM), median of $runs: ${kata_ms} ms  [$(paste -sd' ' "$work/kata")]"
echo "ctr run to first output, runc, median of $runs: ${runc_ms} ms  [$(paste -sd' ' "$work/runc")]"
ratio=$(awk -v a="$kata_ms" -v b="$bare_ms" 'BEGIN {printf "%.2f", a / b}')
echo "ratio kata / bare boot: $ratio (target <= 1.5)"
summary_add "ctr run to first output, kata (ms)" "$kata_ms" "-" "-"
summary_add "ctr run to first output, runc (ms)" "$runc_ms" "-" "-"
summary_add "ratio kata / bare boot" "$ratio" "<= 1.5" "$(verdict "$ratio" "<=" 1.5)"
fi

# --- memory and exec latency, with one long-running container per runtime ----------------------------
if step memory; then
"${ctr[@]}" run -d --runtime io.containerd.kata.v2 "$image" bench-mem sleep 3600 </dev/null >/dev/null
"${ctr[@]}" run -d --runtime io.containerd.runc.v2 "$image" bench-runc-mem sleep 3600 </dev/null >/dev/null
bench_memory
bench_agent_rss
bench_exec bench-mem "$exec_runs" kata
bench_exec bench-runc-mem "$exec_runs" runc
bench_remove bench-mem bench-runc-mem
fi

# --- stdout throughput, then sandboxes at once -------------------------------------------------------
step stdio && bench_stdio
step sandboxes && bench_sandboxes
step parallel && bench_parallel
step cri && [ "$cri_runs" -ne 0 ] && bench_cri "$cri_runs"

# --- TCP through the pod's network, peer namespace to container and back ---------------------------------
step network && bench_network

# --- agent channel per transport (vhost-vsock needs /dev/vhost-vsock, which not every host has) ----------
transports="vhost-user-vsock virtio-serial"
[ -w /dev/vhost-vsock ] && transports="vhost-vsock $transports"
step transports || transports=
for t in $transports; do
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "shim-kata/target/lib/*" \
        dev.katajava.qemu.bench.AgentTransportBench "$config" "$t" 2000 256
done

step template && bench_template
step cache && bench_cache

bench_summary
