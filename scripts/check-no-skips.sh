#!/usr/bin/env bash
# Fails when any test in the JUnit reports of the last Maven run was skipped (an assumption that did not
# hold, a disabled test), naming each one.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
reports=(./*/target/surefire-reports/TEST-*.xml ./*/target/failsafe-reports/TEST-*.xml)
if [ ${#reports[@]} -eq 0 ]; then
    echo "error: no test reports found; did the tests run?" >&2
    exit 1
fi
skipped=$(grep -l '<skipped' "${reports[@]}" || true)
if [ -n "$skipped" ]; then
    echo "error: tests were skipped; install what they need (scripts/deps.sh) or fix them:" >&2
    for f in $skipped; do
        grep -B1 '<skipped' "$f" | grep -o 'testcase name="[^"]*" classname="[^"]*"' | sed 's/^/  /' >&2
        grep -o '<skipped message="[^"]*"' "$f" | sed 's/^<skipped/    /' >&2
    done
    exit 1
fi
echo "==> no test was skipped (${#reports[@]} test classes)"
