#!/usr/bin/env bash
# Builds the pod sandbox ("pause") image from our own static pause program, for containerd's CRI plugin
# (`sandbox_image`) where no registry is reachable:   scripts/pause-image.sh OUT.tar [NAME]
# NAME defaults to registry.k8s.io/pause:kata; import into the CRI namespace with
# `ctr -n k8s.io images import OUT.tar`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/oci-image.sh"
out=$(realpath -m "$1")
name=${2:-registry.k8s.io/pause:kata}
command -v gcc >/dev/null || { echo "error: gcc missing (apt-get install gcc libc6-dev)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"
gcc -static -Os -Wall -Werror -o "$root/pause" "$here/pause.c"
strip "$root/pause"
oci_image "$root" "$out" "$name" '{"Entrypoint":["/pause"],"User":"65535:65535","WorkingDir":"/"}'
echo "$out ($name)"
