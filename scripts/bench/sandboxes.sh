# Max concurrent sandboxes: `ctr run -d` (returns once the task started) of bench-c1, bench-c2, ... up to
# BENCH_MAX_SANDBOXES (default 16, 0 skips), stopping at the first failure or a start taking longer than
# BENCH_SANDBOX_TIMEOUT seconds; the figure is how many tasks are RUNNING together at the end.
# Then all are removed and their QEMUs must be gone. Sourced by benchmark.sh.

bench_sandboxes() {
    local cap=${BENCH_MAX_SANDBOXES:-16} limit=${BENCH_SANDBOX_TIMEOUT:-600} target=16
    local i n=0 start before after running failure="" pids="" ids=() left
    if [ "$cap" -eq 0 ]; then
        echo "max concurrent sandboxes: skipped (BENCH_MAX_SANDBOXES=0)"
        summary_add "concurrent sandboxes" "skipped" ">= $target" "not measured"
        return
    fi
    before=$(mem_available_mib)
    : > "$work/sandbox-starts"
    for i in $(seq "$cap"); do
        ids+=("bench-c$i")
        start=$(now_ns)
        if ! timeout "$limit" "${ctr[@]}" run -d --runtime io.containerd.kata.v2 "$image" "bench-c$i" sleep 3600 \
            </dev/null >/dev/null 2>"$work/c$i.err"; then
            failure="bench-c$i did not start: $(tr '\n' ' ' < "$work/c$i.err" | cut -c1-200)"
            break
        fi
        echo $(( ($(now_ns) - start) / 1000000 )) >> "$work/sandbox-starts"
        n=$i
    done
    # Also the one that failed: it may have left a VM behind.
    pids=$(for i in "${ids[@]}"; do qemu_under "$(our_shim_pids "$i")"; done)
    remember_qemu $pids
    after=$(mem_available_mib)
    # What each sandbox costs the host with all of them running: PSS splits the pages they share (the root
    # image in the host's page cache, QEMU's and the JDK's code) among them.
    local pss counted
    pss=$(sandboxes_pss "${ids[@]}")
    counted=$(field 3 "$pss")
    running=$("${ctr[@]}" task ls | awk '$1 ~ /^bench-c[0-9]+$/ && $3 == "RUNNING"' | wc -l)
    echo "concurrent sandboxes: $running running at once (started $n of cap $cap; target $target)${failure:+; stopped: $failure}"
    echo "  start times (ms): $(paste -sd' ' "$work/sandbox-starts")"
    echo "  host available memory: ${before} MiB before, ${after} MiB with them running" \
        "($(( n > 0 ? (before - after) / n : 0 )) MiB per sandbox)"
    if [ "$counted" -gt 0 ]; then
        sandboxes_qemu_pss=$(field 1 "$pss")
        echo "  mean PSS of the $counted running: QEMU ${sandboxes_qemu_pss} MiB (target <= 300)," \
            "shim $(field 2 "$pss") MiB"
        summary_add "QEMU PSS per sandbox, $counted running (MiB)" "$sandboxes_qemu_pss" "<= 300" \
            "$(verdict "$sandboxes_qemu_pss" "<=" 300)"
        summary_add "shim PSS per sandbox, $counted running (MiB)" "$(field 2 "$pss")" "-" "-"
    fi
    if [ -z "$failure" ] && [ "$cap" -lt "$target" ]; then
        summary_add "concurrent sandboxes" "$running (cap $cap)" ">= $target" "not judged (cap below target)"
    else
        summary_add "concurrent sandboxes" "$running" ">= $target" "$(verdict "$running" ">=" "$target")"
    fi
    bench_remove "${ids[@]}"
    left=$(qemu_left $pids)
    [ -z "$left" ] || { echo "error: QEMU still running after removing the sandboxes: $left" >&2; exit 1; }
    left=$(shims_left "${ids[@]}")
    [ -z "$left" ] || { echo "error: shim still running after removing the sandboxes: $left" >&2; exit 1; }
    echo "  removed all; no QEMU or shim of theirs left; host available memory now $(mem_available_mib) MiB"
}
