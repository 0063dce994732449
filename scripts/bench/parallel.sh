# Parallel starts: 8 `ctr run --rm` of `echo` one after another, then the same 8 launched at once; the
# figures are the wall time of each batch (every run must succeed and print its line). Sourced by
# benchmark.sh. BENCH_PARALLEL sets the batch size (default 8, 0 skips).

bench_parallel() {
    local n=${BENCH_PARALLEL:-8} i start seq_ms par_ms pids="" failed=0
    if [ "$n" -eq 0 ]; then
        echo "parallel starts: skipped (BENCH_PARALLEL=0)"
        return
    fi
    start=$(now_ns)
    for i in $(seq "$n"); do
        "${ctr[@]}" run --rm --runtime io.containerd.kata.v2 "$image" "bench-seq-$i" echo "seq $i" \
            </dev/null > "$work/seq-$i.out" 2>&1 || failed=1
    done
    seq_ms=$(( ($(now_ns) - start) / 1000000 ))
    start=$(now_ns)
    for i in $(seq "$n"); do
        "${ctr[@]}" run --rm --runtime io.containerd.kata.v2 "$image" "bench-par-$i" echo "par $i" \
            </dev/null > "$work/par-$i.out" 2>&1 &
        pids="$pids $!"
    done
    for i in $pids; do wait "$i" || failed=1; done
    par_ms=$(( ($(now_ns) - start) / 1000000 ))
    for i in $(seq "$n"); do
        grep -qx "seq $i" "$work/seq-$i.out" && grep -qx "par $i" "$work/par-$i.out" || failed=1
    done
    if [ "$failed" -ne 0 ]; then
        echo "error: a run of the parallel-start step failed or printed the wrong line:" >&2
        head -n 3 "$work"/seq-*.out "$work"/par-*.out >&2
        exit 1
    fi
    echo "$n sandboxes started one after another: ${seq_ms} ms; all at once: ${par_ms} ms" \
        "(ratio $(awk -v a="$par_ms" -v b="$seq_ms" 'BEGIN {printf "%.2f", a / b}'))"
    summary_add "$n sequential ctr runs, kata (ms)" "$seq_ms" "-" "-"
    summary_add "$n parallel ctr runs, kata (ms)" "$par_ms" "-" "-"
}
