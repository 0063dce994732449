# `ctr task exec` latency: N sequential `ctr task exec ... true` against a running container, each timed
# from launching ctr to its exit (process create + start + wait + delete through the shim).
# Sourced by benchmark.sh.

bench_exec() { # container id, runs, label -> prints the figures, adds summary rows
    local id=$1 n=$2 label=$3 i start med p90
    : > "$work/exec-$id"
    for i in $(seq "$n"); do
        start=$(now_ns)
        "${ctr[@]}" task exec --exec-id "e$i" "$id" true </dev/null >/dev/null
        echo $(( ($(now_ns) - start) / 1000000 )) >> "$work/exec-$id"
    done
    med=$(median < "$work/exec-$id")
    p90=$(percentile 90 < "$work/exec-$id")
    echo "ctr task exec latency, $label, $n runs: median ${med} ms, p90 ${p90} ms  [$(paste -sd' ' "$work/exec-$id")]"
    summary_add "exec latency, $label, median / p90 (ms)" "$med / $p90" "-" "-"
}
