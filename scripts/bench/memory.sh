# Memory with one kata container running (bench-mem): the shim's and its QEMU's PSS from smaps_rollup
# (PSS splits shared pages, such as the JDK's CDS archive and libraries, among the processes mapping them,
# so the sum over sandboxes is what they cost the host), the shim's RSS, and the agent's RSS inside the guest.
# Sourced by benchmark.sh; sets mem_* and agent_rss_mib for the summary.

bench_memory() {
    local shim qemu
    shim=$(our_shim_pids bench-mem)
    [ "$(echo "$shim" | wc -w)" -eq 1 ] || { echo "error: expected one shim for bench-mem, found: '$shim'" >&2; exit 1; }
    qemu=$(qemu_under "$shim")
    [ "$(echo "$qemu" | wc -w)" -eq 1 ] || { echo "error: expected one QEMU below shim $shim, found: '$qemu'" >&2; exit 1; }
    remember_qemu "$qemu"
    mem_shim_pss=$(kib_to_mib "$(pss_kib "$shim")")
    mem_shim_rss=$(kib_to_mib "$(rss_kib "$shim")")
    mem_qemu_pss=$(kib_to_mib "$(pss_kib "$qemu")")
    mem_sum_pss=$(awk -v a="$mem_shim_pss" -v b="$mem_qemu_pss" 'BEGIN {printf "%.1f", a + b}')
    echo "memory with bench-mem running: shim (pid $shim) PSS ${mem_shim_pss} MiB (target <= 40), RSS ${mem_shim_rss} MiB;" \
        "QEMU (pid $qemu) PSS ${mem_qemu_pss} MiB; shim + QEMU PSS ${mem_sum_pss} MiB"
    summary_add "shim PSS (MiB)" "$mem_shim_pss" "<= 40" "$(verdict "$mem_shim_pss" "<=" 40)"
    summary_add "shim RSS (MiB)" "$mem_shim_rss" "-" "-"
    summary_add "QEMU PSS (MiB)" "$mem_qemu_pss" "-" "-"
    summary_add "shim + QEMU PSS (MiB)" "$mem_sum_pss" "-" "-"
}

# `kata-runtime metrics <sandbox>` prints Prometheus text with `kata_agent_total_rss <bytes>` (labels and
# exponent notation allowed). Until the command exists the figure is reported as not measured.
bench_agent_rss() {
    local out rc=0 why=""
    agent_rss_mib=n/a
    out=$(KATA_CONF_FILE=$config timeout 120 "$stage/bin/kata-runtime" metrics bench-mem 2>"$work/metrics.err") || rc=$?
    if [ "$rc" -eq 0 ]; then
        agent_rss_mib=$(printf '%s\n' "$out" | awk '/^kata_agent_total_rss([{ \t]|$)/ {
            sub(/^kata_agent_total_rss(\{[^}]*\})?[ \t]+/, ""); printf "%.1f", $1 / 1048576; exit}')
        [ -n "$agent_rss_mib" ] || { agent_rss_mib=n/a; why="kata-runtime metrics printed no kata_agent_total_rss"; }
    elif grep -qiE 'unknown (argument|command)|usage:' "$work/metrics.err"; then
        why="kata-runtime metrics unavailable"
    else
        why="kata-runtime metrics failed with status $rc: $(head -n1 "$work/metrics.err")"
    fi
    if [ -n "$why" ]; then
        echo "agent RSS: not measured ($why)"
    else
        echo "agent RSS in the guest (kata_agent_total_rss): ${agent_rss_mib} MiB (target <= 40)"
    fi
    summary_add "agent RSS in the guest (MiB)" "$agent_rss_mib" "<= 40" "$(verdict "$agent_rss_mib" "<=" 40)"
}
