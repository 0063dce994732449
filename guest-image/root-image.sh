#!/usr/bin/env bash
# Makes the guest's read-only root image from a tree:  root-image.sh TREE IMAGE
# An ext4 filesystem (e2fsprogs is on every Debian host; the guest kernel loads ext4 as a module), without
# journal or metadata checksums (never written, so neither is needed, and no crc32c module in the guest),
# 4 KiB blocks (DAX maps whole pages), its size a multiple of 128 MiB: the device takes that much of the
# VM's hot-plug memory area, and memory plugged after it must start on a 128 MiB boundary (the guest
# kernel's memory block size) or the guest refuses it. The free blocks are holes in the file, never read.
# The files keep the owners they have in TREE: build it as root.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 TREE IMAGE" >&2; exit 2; }
tree=$1 image=$2
mkfs=$(command -v mkfs.ext4 || echo /usr/sbin/mkfs.ext4)  # /usr/sbin is not on a user's PATH on Debian
[ -x "$mkfs" ] || { echo "error: mkfs.ext4 not found (package e2fsprogs)" >&2; exit 1; }

section=$((128 * 1024 * 1024))
# Room for the metadata (inode tables, directories) on top of the files: a quarter, and 8 MiB at least.
used=$(du -s --block-size=1 --apparent-size "$tree" | cut -f1)
size=$(( (used + used / 4 + 8 * 1024 * 1024 + section - 1) / section * section ))
rm -f "$image"
"$mkfs" -q -F -t ext4 -b 4096 -m 0 -O ^has_journal,^metadata_csum,^resize_inode -E root_owner=0:0 \
    -L kata-root -d "$tree" "$image" "$((size / 4096))"
[ $(( $(stat -c %s "$image") % section )) -eq 0 ] || { echo "error: $image is not a multiple of 128 MiB" >&2; exit 1; }
