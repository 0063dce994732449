# CRI pod start (RunPodSandbox to the container running, as the kubelet starts a pod), kata and runc, through
# a private containerd with its CRI plugin and CNI (tests' CriPodStartBench on the tests' classpath).
# Sourced by benchmark.sh.

bench_cri() { # runs -> prints the figures, adds summary rows
    local n=$1 cp line handler med p90
    cp="$here/tests/target/test-classes:$(cat "$here/tests/target/test-classpath.txt")"
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" dev.katajava.tests.bench.CriPodStartBench \
        "$stage" "$config" "$here" "$n" kata runc 2>"$work/cri-bench.err" > "$work/cri-bench.out" || {
        echo "CRI pod start benchmark failed:" >&2; cat "$work/cri-bench.err" >&2; return 1; }
    while read -r line; do
        handler=$(echo "$line" | sed -n 's/.*handler=\([^ ]*\).*/\1/p')
        med=$(echo "$line" | sed -n 's/.*median=\([0-9]*\).*/\1/p')
        p90=$(echo "$line" | sed -n 's/.*p90=\([0-9]*\).*/\1/p')
        echo "CRI pod start to container running, $handler, $n runs: median ${med} ms, p90 ${p90} ms  [${line##*runs=}]"
        summary_add "CRI pod start to running, $handler, median / p90 (ms)" "$med / $p90" "-" "-"
    done < <(grep '^cri_pod_start_ms ' "$work/cri-bench.out")
}
