#!/usr/bin/env bash
# Builds a one-layer OCI image (an image-layout tar) from Debian's busybox-static, so containers can be
# run without any registry:   scripts/busybox-image.sh OUT.tar [NAME]
# NAME defaults to docker.io/library/busybox:kata; import with `ctr images import OUT.tar`.
set -euo pipefail
. "$(dirname "$0")/oci-image.sh"
out=$(realpath -m "$1")
name=${2:-docker.io/library/busybox:kata}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "error: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
file -L "$busybox" | grep -q "statically linked" || { echo "error: $busybox is not static" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,root,run}
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
oci_image "$root" "$out" "$name" \
    '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"}'
echo "$out ($name)"
