# Helpers for scripts/benchmark.sh and the steps in scripts/bench/, sourced after it set up $work, $ctr and $stage.
# Every container is named bench-*, lives in the private containerd's "bench" namespace and is removed by
# bench_cleanup, which benchmark.sh's EXIT trap calls.

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
first_line_ms() { # runtime id [config] -> ms from launching `ctr run --rm` to its first stdout line
    local start line
    start=$(now_ns)
    "${ctr[@]}" run --rm --runtime "$1" ${3:+--runtime-config-path "$3"} "$image" "$2" echo first-line </dev/null |
        { read -r line; echo $(( ($(now_ns) - start) / 1000000 )); cat >/dev/null; }
}
first_output_runs() { # config runs id-prefix out-file: first_line_ms of RUNS kata containers, one a line
    local config=$1 n=$2 prefix=$3 out=$4 i
    : > "$out"
    for i in $(seq "$n"); do
        first_line_ms io.containerd.kata.v2 "$prefix-$i" "$config" >> "$out"
    done
}
# Nearest-rank percentile (P in 1..100) of numbers on stdin, one per line.
percentile() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; print a[i]}'; }
kib_to_mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
mem_available_mib() { awk '/^MemAvailable:/ {printf "%d", $2 / 1024}' /proc/meminfo; }

# The summary table: one row per figure, printed by bench_summary. A figure without a target gets "-".
summary_rows=()
summary_add() { # figure measured target verdict
    summary_rows+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4")
}
# verdict VALUE OP LIMIT -> met/missed; OP is <= or >=.  VALUE may be "n/a" (not measured).
verdict() {
    case "$1" in ''|n/a|*[!0-9.]*) echo "not measured"; return ;; esac
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {ok = (op == "<=") ? (v + 0 <= l + 0) : (v + 0 >= l + 0); print ok ? "met" : "missed"}'
}
bench_summary() {
    echo
    echo "summary:"
    { printf 'figure\tmeasured\ttarget\tmet/missed\n'; printf '%s\n' "${summary_rows[@]}"; } |
        awk -F'\t' '{r[NR]=$0; for (i=1;i<=NF;i++) if (length($i)>w[i]) w[i]=length($i)}
            END {for (n=1;n<=NR;n++) {split(r[n],f,"\t"); printf "  %-*s  %-*s  %-*s  %s\n", w[1],f[1], w[2],f[2], w[3],f[3], f[4]}}'
}

# --- our processes ---------------------------------------------------------------------------------
# Other people run VMs on this host, so a process is ours only through our containerd's socket: the shim
# daemon is the JVM of a "start" action that went on serving ("-address <sock> ... -id <id> start"; a pod
# container's start, which only prints the address, exits at once), and QEMU is a descendant of that shim.
ps_all() { ps -e -ww -o pid=,ppid=,args=; }
our_shim_pids() { # [container id] -> pids of our kata shim daemons (all of them without an id)
    # argv[0] must be java: this awk's own command line holds the same strings.
    ps_all | awk -v sock="-address $work/containerd.sock " -v id="${1:+-id $1 start}" \
        '{a=$3; sub(".*/", "", a)} a == "java" && index($0, " dev.katajava.shim.ShimMain ") && index($0, sock) &&
            / start$/ && (id == "" || index($0, id)) {print $1}'
}
qemu_under() { # shim pid -> pids of qemu-system-x86_64 processes below it
    ps_all | awk -v root="$1" '{pp[$1]=$2; a=$3; sub(".*/", "", a); q[$1]=(a == "qemu-system-x86_64")}
        END {for (p in pp) if (q[p]) for (x=pp[p]; x>1; x=pp[x]) if (x == root) {print p; break}}'
}
# Every QEMU we saw is written down, so the cleanup can check it is gone even after its shim died.
sandbox_qemu() { # sandbox id -> its QEMU's pid, from the pid file in its run directory (a VM from the cache
    # is not below the shim; its pid file moved into the sandbox's run directory with it)
    local p
    p=$(cat "/run/vc/vm/$1/qemu.pid" 2>/dev/null) || return 0
    [ -r "/proc/$p/cmdline" ] && tr '\0' ' ' < "/proc/$p/cmdline" | grep -q 'qemu-system' && echo "$p"
}
sandboxes_pss() { # ids... -> "qemu_mib shim_mib count": mean PSS over those running ("n/a n/a 0" for none)
    local qemu=0 shim=0 n=0 s q id
    for id in "$@"; do
        s=$(our_shim_pids "$id")
        q=$(sandbox_qemu "$id")
        [ -n "$s" ] && [ -n "$q" ] || continue
        qemu=$((qemu + $(pss_kib "$q")))
        shim=$((shim + $(pss_kib "$s")))
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || { echo "n/a n/a 0"; return; }
    echo "$(kib_to_mib $((qemu / n))) $(kib_to_mib $((shim / n))) $n"
}
field() { # N "words" -> the Nth word
    local -a words
    read -ra words <<< "$2"
    echo "${words[$1 - 1]:-}"
}
remember_qemu() { local p; for p in "$@"; do echo "$p" >> "$work/qemu-pids"; done; }
is_our_qemu() { # pid -> true while it is still a QEMU we started (a recycled pid is someone else's)
    [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q '^[^ ]*qemu-system-x86_64 .*-name sandbox-bench-'
}
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
rss_kib() { awk '/^Rss:/ {print $2}' "/proc/$1/smaps_rollup"; }

# --- containers ------------------------------------------------------------------------------------------
bench_remove() { # container ids -> killed, task and container deleted; tolerant of half-started ones
    local id
    for id in "$@"; do
        timeout 60 "${ctr[@]}" task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
        timeout 120 "${ctr[@]}" task delete -f "$id" >/dev/null 2>&1 || true
        timeout 60 "${ctr[@]}" container delete "$id" >/dev/null 2>&1 || true
    done
}
# Runs a command every 0.5 s, for up to 60 s, until it prints nothing; prints its last output otherwise.
await_none() {
    local i out
    for i in $(seq 120); do
        out=$("$@")
        [ -z "$out" ] && return 0
        sleep 0.5
    done
    echo $out
}
live_qemus() { local p; for p in "$@"; do is_our_qemu "$p" && echo "$p"; done; return 0; }
shim_pids_of() { local id; for id in "$@"; do our_shim_pids "$id"; done; }
# Waits for the given QEMU pids to exit; prints the ones still alive.
qemu_left() { await_none live_qemus "$@"; }
# Waits for the shims of the given container ids ("" for all of ours) to exit: a shim leaves after
# containerd's Shutdown, a moment after the delete returns. Prints the pids still alive.
shims_left() { await_none shim_pids_of "$@"; }
# Removes every container of our containerd (all are bench-*), then kills whatever shim or QEMU of ours
# outlived that, by pid. Called from the EXIT trap, so nothing in here may fail the script.
bench_cleanup() {
    local ids pids left p s
    pids=$(for s in $(our_shim_pids); do qemu_under "$s"; done)
    remember_qemu $pids
    # Without containerd (it died, or never started) only the kills by pid below are left to do.
    if [ -S "$work/containerd.sock" ]; then
        ids=$(timeout 60 "${ctr[@]}" containers ls -q 2>/dev/null || true)
        [ -z "$ids" ] || bench_remove $ids
    fi
    left=$(qemu_left $(sort -u "$work/qemu-pids" 2>/dev/null))
    for p in $left; do echo "cleanup: QEMU $p outlived its container; killing it" >&2; kill -9 "$p" 2>/dev/null || true; done
    for p in $(shims_left ""); do echo "cleanup: shim $p outlived its container; killing it" >&2; kill -9 "$p" 2>/dev/null || true; done
    return 0
}
