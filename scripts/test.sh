#!/usr/bin/env bash
# Runs every test: unit tests of each module and the end-to-end tests, which start their own containerd
# (private root, state and sockets) and real QEMU guests. Installs missing packages first.
# A skipped test fails the run: every test's needs are installed here, so a skip can only hide a defect.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. scripts/deps.sh
kata_require_root
kata_find_jdk || exit 1
kata_install_packages
# Reports of an earlier run must not count in this one's skip check.
rm -rf ./*/target/surefire-reports ./*/target/failsafe-reports
echo "==> ./mvnw verify (JDK: $JAVA_HOME)"
./mvnw -B verify "$@"
scripts/check-no-skips.sh
