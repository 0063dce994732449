#!/usr/bin/env bash
# Installs what building and running the runtime needs on Debian 12, and finds a JDK 25.
# Sourced by setup.sh and test.sh; safe to run again (only missing packages are installed).
set -euo pipefail

# qemu-system-common (also pulled in by qemu-system-x86) has the virtiofsd that shared_fs = "virtio-fs" uses.
# socat and util-linux's setpriv: the test that a peer running as another user is refused by the shim's socket.
# containernetworking-plugins: CNI (bridge, host-local, portmap, loopback) for the CRI tests and benchmark.
# erofs-utils: mkfs.erofs makes the guest's root image.
PACKAGES=(qemu-system-x86 qemu-system-common containerd runc busybox-static cpio kmod xz-utils gcc libc6-dev binutils
    file socat util-linux iproute2 containernetworking-plugins erofs-utils)

kata_install_packages() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    # apt-get download of the guest kernel needs package lists even when nothing is missing.
    if [ ${#missing[@]} -gt 0 ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock || true)" ]; then
        echo "==> apt-get update"
        apt-get update -qq
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

kata_find_jdk() {
    local candidate
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
        if [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] &&
            "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then
            export JAVA_HOME="$candidate"
            return 0
        fi
    done
    if apt-cache policy temurin-25-jdk 2>/dev/null | grep -q Candidate: &&
        ! apt-cache policy temurin-25-jdk | grep -q 'Candidate: (none)'; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq temurin-25-jdk >/dev/null
        export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
        return 0
    fi
    cat >&2 <<'MSG'
error: a JDK 25 is required to build the runtime, and none was found ($JAVA_HOME, /usr/lib/jvm/*25*).
       Debian 12 does not package one. Install Eclipse Temurin 25 from Adoptium's apt repository
       (https://adoptium.net/installation/linux/):
         apt-get install -y wget gpg
         wget -qO- https://packages.adoptium.net/artifactory/api/gpg/key/public | gpg --dearmor > /etc/apt/trusted.gpg.d/adoptium.gpg
         echo "deb https://packages.adoptium.net/artifactory/deb bookworm main" > /etc/apt/sources.list.d/adoptium.list
         apt-get update && apt-get install -y temurin-25-jdk
       or unpack any JDK 25 and set JAVA_HOME to it, then run this again.
MSG
    return 1
}

kata_require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: run as root (containerd, mounts and QEMU need it)" >&2
        exit 1
    fi
}
