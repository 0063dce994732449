# VM templating: `kata-runtime factory init` makes a template with the staged configuration plus
# [factory] enable_template = true, then, with sandboxes cloned from it: `ctr run` to first output (median of
# RUNS, against the bare boot), QEMU and shim PSS with 1 and with 16 running, and how many run at once (up to
# BENCH_TEMPLATE_MAX, default 48). Everything is removed afterwards, the template too, and no QEMU may be left.
# Sourced by benchmark.sh; needs bare_ms, runs, config, stage, work, ctr, image.

bench_template_stop() { # removes the template if this run made one (also when a step failed part way)
    [ -f "$work/template.toml" ] || return 0
    "$stage/bin/kata-runtime" --config "$work/template.toml" factory destroy >/dev/null 2>&1 || true
}

bench_template() {
    local tpl=/run/kata-bench-template-$$ tconfig=$work/template.toml max=${BENCH_TEMPLATE_MAX:-48}
    local limit=${BENCH_SANDBOX_TIMEOUT:-600} init_out i start ids=() n=0 failure="" one sixteen="n/a n/a 0" pids left
    sed -e 's/^enable_template = .*/enable_template = true/' -e "s#^template_path = .*#template_path = \"$tpl\"#" \
        "$config" > "$tconfig"
    start=$(now_ns)
    init_out=$("$stage/bin/kata-runtime" --config "$tconfig" factory init 2>&1) ||
        { echo "error: factory init failed: $init_out" >&2; exit 1; }
    echo "template: $init_out ($(( ($(now_ns) - start) / 1000000 )) ms with the CLI's start)"
    echo "  tmpfs used by the template: $(du -sm "$tpl" | cut -f1) MiB"

    first_output_runs "$tconfig" "$runs" bench-tpl-run "$work/tpl-first"
    tpl_ms=$(median < "$work/tpl-first")
    tpl_ratio=$(awk -v a="$tpl_ms" -v b="$bare_ms" 'BEGIN {printf "%.2f", a / b}')
    echo "ctr run to first output from the template, median of $runs: ${tpl_ms} ms" \
        "[$(paste -sd' ' "$work/tpl-first")]; ratio to bare boot $tpl_ratio (target <= 1.0)"
    summary_add "ctr run to first output, template (ms)" "$tpl_ms" "-" "-"
    summary_add "ratio template / bare boot" "$tpl_ratio" "<= 1.0" "$(verdict "$tpl_ratio" "<=" 1.0)"

    : > "$work/tpl-starts"
    for i in $(seq "$max"); do
        ids+=("bench-tpl-c$i")
        start=$(now_ns)
        if ! timeout "$limit" "${ctr[@]}" run -d --runtime io.containerd.kata.v2 --runtime-config-path "$tconfig" \
            "$image" "bench-tpl-c$i" sleep 3600 </dev/null >/dev/null 2>"$work/tpl-c$i.err"; then
            failure="bench-tpl-c$i did not start: $(tr '\n' ' ' < "$work/tpl-c$i.err" | cut -c1-200)"
            break
        fi
        echo $(( ($(now_ns) - start) / 1000000 )) >> "$work/tpl-starts"
        n=$i
        if [ "$i" -eq 1 ]; then
            sleep 5 # let the first clone settle, as the cold figure is taken with its container running
            one=$(sandboxes_pss bench-tpl-c1)
        fi
        if [ "$i" -eq 16 ]; then
            sixteen=$(sandboxes_pss "${ids[@]}")
        fi
    done
    pids=$(for i in "${ids[@]}"; do qemu_under "$(our_shim_pids "$i")"; done)
    remember_qemu $pids
    local running cloned
    running=$("${ctr[@]}" task ls | awk '$1 ~ /^bench-tpl-c[0-9]+$/ && $3 == "RUNNING"' | wc -l)
    cloned=$(grep -c 'VM cloned from the template' "$work/containerd.log" || true)
    echo "from the template, 1 running: QEMU PSS $(field 1 "$one") MiB, shim PSS $(field 2 "$one") MiB"
    [ "$n" -lt 16 ] || echo "from the template, 16 running:" \
        "mean QEMU PSS $(field 1 "$sixteen") MiB (target <= 150)," \
        "mean shim PSS $(field 2 "$sixteen") MiB"
    echo "sandboxes from the template at once: $running running (started $n of $max; target 48)${failure:+; stopped: $failure}"
    echo "  start times (ms): $(paste -sd' ' "$work/tpl-starts")"
    echo "  clones in the shim logs: $cloned; host available memory with them running: $(mem_available_mib) MiB"
    summary_add "QEMU PSS, 1 from the template (MiB)" "$(field 1 "$one")" "-" "-"
    summary_add "shim PSS, 1 from the template (MiB)" "$(field 2 "$one")" "-" "-"
    summary_add "QEMU PSS per sandbox, 16 from the template (MiB)" "$(field 1 "$sixteen")" "<= 150" \
        "$(verdict "$(field 1 "$sixteen")" "<=" 150)"
    summary_add "shim PSS per sandbox, 16 from the template (MiB)" "$(field 2 "$sixteen")" "-" "-"
    summary_add "sandboxes at once from the template" "$running" ">= 48" "$(verdict "$running" ">=" 48)"
    bench_remove "${ids[@]}"
    "$stage/bin/kata-runtime" --config "$tconfig" factory destroy >/dev/null
    left=$(qemu_left $pids)
    [ -z "$left" ] || { echo "error: QEMU still running after removing the clones: $left" >&2; exit 1; }
    ! grep -q " $tpl " /proc/self/mountinfo || { echo "error: the template's tmpfs is still mounted" >&2; exit 1; }
    echo "  removed all and the template; no QEMU of theirs left, no mount"
}
