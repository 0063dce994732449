#!/usr/bin/env bash
# Runs every test: unit tests of each module and the end-to-end tests, which start their own containerd
# (private root, state and sockets) and real QEMU guests. Installs missing packages first.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. scripts/deps.sh
kata_require_root
kata_install_packages
kata_find_jdk
echo "==> ./mvnw verify (JDK: $JAVA_HOME)"
exec ./mvnw -B verify "$@"
