#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [SECONDS] [PATTERN]
# Runs a coverage-guided campaign of SECONDS (default 60) for every @FuzzTest (or those whose class#method
# matches the extended regular expression PATTERN), one after another, and prints
# per target the executions and the coverage libFuzzer reached. Exits 1 if any target found a crash: Jazzer
# writes the input as crash-<sha1> beside the target's seeds (src/test/resources/<package>/<Class>Inputs/
# <method>/, where ./mvnw verify replays it; in the module directory if the target has none yet), and the
# log is kept under <module>/target/fuzz-logs/.
# Builds with ./mvnw (test classes and their class path) and installs nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
seconds=${1:-60}
pattern=${2:-.}

for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] &&
        "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then
        export JAVA_HOME="$candidate"
        break
    fi
done
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
    echo "error: a JDK 25 is required (set JAVA_HOME); see README.md" >&2
    exit 1
fi

# Each target: "<module> <class>#<method>", found from the @FuzzTest annotations.
targets=()
while IFS= read -r file; do
    module=${file%%/src/test/java/*}
    class=${file#*/src/test/java/}
    class=${class%.java}
    class=${class//\//.}
    for method in $(awk '/@FuzzTest/ { found = 1; next }
            found && match($0, /void [A-Za-z0-9_]+\(/) { print substr($0, RSTART + 5, RLENGTH - 6); found = 0 }' "$file"); do
        if grep -qE -- "$pattern" <<<"$class#$method"; then
            targets+=("$module $class#$method")
        fi
    done
done < <(grep -rl --include='*.java' '@FuzzTest' ./*/src/test/java | sed 's|^\./||' | sort)
if [ ${#targets[@]} -eq 0 ]; then
    echo "error: no @FuzzTest matches $pattern" >&2
    exit 1
fi
modules=$(printf '%s\n' "${targets[@]}" | cut -d' ' -f1 | sort -u | paste -sd, -)

echo "==> building $modules and writing their test class paths"
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/fuzz.classpath -pl "$modules" -am

summary=()
failed=0
for target in "${targets[@]}"; do
    module=${target%% *}
    test=${target#* }
    log_dir="$here/$module/target/fuzz-logs"
    mkdir -p "$log_dir"
    log="$log_dir/${test//#/.}.log"
    echo "==> $module $test for ${seconds}s"
    rc=0
    # enable_annotations is a list of regular expressions by design (as in Kata), compiled with syntax errors
    # reported; the regex-injection sanitizer would flag every such error as a finding.
    (cd "$module" && JAZZER_FUZZ=1 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
        -XX:+EnableDynamicAgentLoading -Djazzer.max_duration="${seconds}s" \
        -Djazzer.disabled_hooks=com.code_intelligence.jazzer.sanitizers.RegexInjection \
        -cp "target/test-classes:target/classes:$(cat target/fuzz.classpath)" \
        "$here/scripts/fuzz/RunFuzzTest.java" "$test") >"$log" 2>&1 || rc=$?
    # libFuzzer's status lines: "#<runs> <event> cov: <edges> ft: <features> ..."; the last one is the total.
    last=$(grep -aE '^#[0-9]+.*cov: [0-9]+' "$log" | tail -1 || true)
    runs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$last")
    result=ok
    if [ $rc -ne 0 ]; then
        result="CRASH (log: ${log#"$here"/})"
        failed=1
        grep -aE -A12 '^== Java Exception|^== libFuzzer crashing input|Caused by|FuzzTestFindingException' "$log" | head -40 || tail -30 "$log"
    fi
    summary+=("$(printf '%-18s %-78s %10s %6s %7s  %s' "$module" "$test" "${runs:--}" "${cov:--}" "${ft:--}" "$result")")
done

echo
printf '%-18s %-78s %10s %6s %7s  %s\n' module target executions cov ft result
printf '%s\n' "${summary[@]}"
exit $failed
