# VM cache: `kata-runtime factory init` with the staged configuration plus [factory] vm_cache_number =
# BENCH_CACHE_SIZE (default 3) serves cached VMs in the background; then `ctr run` to first output from the
# cache (median of RUNS, each taking a ready VM), and QEMU and shim PSS with 1 and with BENCH_CACHE_MAX
# (default 16) sandboxes from the cache running, each started once the cache has a VM ready (it refills one
# at a time behind them). Everything is removed afterwards, the cache server stopped, and no QEMU may be left.
# Sourced by benchmark.sh; needs bare_ms, runs, config, stage, work, ctr, image.

bench_cache_ready() { # -> how many VMs the cache has ready (0 when it does not answer)
    "$stage/bin/kata-runtime" --config "$work/cache.toml" factory status 2>/dev/null |
        sed -n 's/^vm cache: running, \([0-9]*\) ready.*/\1/p' | grep . || echo 0
}

bench_cache_wait() { # n seconds -> waits until at least n VMs are ready; fails after seconds
    local end=$(( $(date +%s) + $2 ))
    while [ "$(bench_cache_ready)" -lt "$1" ]; do
        kill -0 "$cache_server" 2>/dev/null || { echo "error: the VM cache server exited: $(cat "$work/cache.err")" >&2; exit 1; }
        [ "$(date +%s)" -lt "$end" ] || { echo "error: the VM cache had no $1 VMs ready after $2 s" >&2; exit 1; }
        sleep 1
    done
}

bench_cache_stop() { # stops the cache server if this run started one (it kills the VMs it still holds)
    [ -n "${cache_server:-}" ] || return 0
    "$stage/bin/kata-runtime" --config "$work/cache.toml" factory destroy >/dev/null 2>&1 || true
    wait "$cache_server" 2>/dev/null || true
    cache_server=
}

bench_cache() {
    local size=${BENCH_CACHE_SIZE:-3} max=${BENCH_CACHE_MAX:-16} limit=${BENCH_SANDBOX_TIMEOUT:-600}
    local endpoint=/run/kata-bench-cache-$$.sock i start ids=() one many pids left taken
    [ "$size" -ge "$runs" ] || size=$runs
    sed -e "s/^vm_cache_number = .*/vm_cache_number = $size/" -e 's/^enable_template = .*/enable_template = false/' \
        -e "s#^vm_cache_endpoint = .*#vm_cache_endpoint = \"$endpoint\"#" "$config" > "$work/cache.toml"
    start=$(now_ns)
    "$stage/bin/kata-runtime" --config "$work/cache.toml" factory init >"$work/cache.out" 2>"$work/cache.err" &
    cache_server=$!
    bench_cache_wait "$size" "$limit"
    echo "VM cache: $size VMs ready $(( ($(now_ns) - start) / 1000000 )) ms after factory init started"

    first_output_runs "$work/cache.toml" "$runs" bench-cache-run "$work/cache-first"
    cache_ms=$(median < "$work/cache-first")
    cache_ratio=$(awk -v a="$cache_ms" -v b="$bare_ms" 'BEGIN {printf "%.2f", a / b}')
    echo "ctr run to first output from the VM cache, median of $runs: ${cache_ms} ms" \
        "[$(paste -sd' ' "$work/cache-first")]; ratio to bare boot $cache_ratio"
    summary_add "ctr run to first output, VM cache (ms)" "$cache_ms" "-" "-"
    summary_add "ratio VM cache / bare boot" "$cache_ratio" "-" "-"

    for i in $(seq "$max"); do
        bench_cache_wait 1 "$limit"
        ids+=("bench-cache-c$i")
        timeout "$limit" "${ctr[@]}" run -d --runtime io.containerd.kata.v2 --runtime-config-path "$work/cache.toml" \
            "$image" "bench-cache-c$i" sleep 3600 </dev/null >/dev/null
        if [ "$i" -eq 1 ]; then
            sleep 5 # as the cold and template figures: the container settled
            one=$(sandboxes_pss bench-cache-c1)
        fi
    done
    many=$(sandboxes_pss "${ids[@]}")
    pids=$(for i in "${ids[@]}"; do sandbox_qemu "$i"; done)
    remember_qemu $pids
    taken=$(grep -c 'VM taken from the VM cache' "$work/containerd.log" || true)
    echo "from the VM cache, 1 running: QEMU PSS $(field 1 "$one") MiB, shim PSS $(field 2 "$one") MiB"
    echo "from the VM cache, $max running: mean QEMU PSS $(field 1 "$many") MiB," \
        "mean shim PSS $(field 2 "$many") MiB"
    echo "  VMs taken from the cache in the shim logs: $taken of $((runs + max)) sandboxes"
    summary_add "QEMU PSS, 1 from the VM cache (MiB)" "$(field 1 "$one")" "-" "-"
    summary_add "QEMU PSS per sandbox, $max from the VM cache (MiB)" "$(field 1 "$many")" "-" "-"
    summary_add "shim PSS per sandbox, $max from the VM cache (MiB)" "$(field 2 "$many")" "-" "-"
    bench_remove "${ids[@]}"
    bench_cache_stop
    left=$(qemu_left $pids; pgrep -f 'qemu-system.*/vmcache-' || true)
    [ -z "$left" ] || { echo "error: QEMU still running after removing the sandboxes and the cache: $left" >&2; exit 1; }
    echo "  removed all and stopped the cache; no QEMU of theirs left"
}
