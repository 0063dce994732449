#!/usr/bin/env bash
# From a fresh Debian 12 machine to a container running in its own VM through containerd:
# installs the packages, builds the runtime and the guest image, installs them, makes sure containerd
# runs, imports a locally built busybox image and runs one container with the kata runtime.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. scripts/deps.sh
kata_require_root
# The JDK first: without it nothing below can be built, so say so before installing anything.
kata_find_jdk || exit 1
kata_install_packages
echo "==> building (JDK: $JAVA_HOME)"
./mvnw -B -q -DskipTests install -pl "!tests"
echo "==> installing"
scripts/install.sh

if ! ctr version >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
        systemctl start containerd
    else
        echo "==> starting containerd (log: /var/log/containerd.log)"
        nohup containerd >>/var/log/containerd.log 2>&1 &
    fi
    for _ in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done
fi
image=docker.io/library/busybox:kata
if ! ctr images check "name==$image" 2>/dev/null | grep -q "$image"; then
    tar=$(mktemp --suffix=.tar)
    scripts/busybox-image.sh "$tar" "$image" >/dev/null
    ctr images import "$tar" >/dev/null
    rm -f "$tar"
fi
echo "==> ctr run --rm --runtime io.containerd.kata.v2 $image kata-demo ..."
echo "    (host kernel: $(uname -r))"
ctr run --rm --runtime io.containerd.kata.v2 "$image" "kata-demo-$$" \
    sh -c 'echo "hello from a container in a VM; guest kernel: $(uname -r)"'
