#!/usr/bin/env bash
# Makes the guest's read-only root image from a tree:  root-image.sh TREE IMAGE
# An EROFS filesystem (erofs-utils): made for read-only images, and its guest module is a tenth of what
# ext4 needs (ext4, jbd2, mbcache, crc16): loading those was ~0.2 s of every cold boot under emulation
# (docs/benchmarks.md). Files are stored uncompressed and block-aligned, none inlined into its inode
# (noinline_data), in blocks of the page size (mkfs.erofs' only choice): DAX maps whole pages straight
# from the device, and a file's tail packed into the metadata block could not be mapped. Modification
# times are kept (--preserve-mtime): the agent's AOT cache was trained on this tree and checks its jars.
# The file's size is a multiple of 128 MiB: the device takes that much of the VM's hot-plug memory area,
# and memory plugged after it must start on a 128 MiB boundary (the guest kernel's memory block size) or
# the guest refuses it. The padding is a hole in the file, never read. Every file is owned by root.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 TREE IMAGE" >&2; exit 2; }
tree=$1 image=$2
mkfs=$(command -v mkfs.erofs || echo /usr/bin/mkfs.erofs)
[ -x "$mkfs" ] || { echo "error: mkfs.erofs not found (package erofs-utils)" >&2; exit 1; }

section=$((128 * 1024 * 1024))
rm -f "$image"
"$mkfs" --quiet -E noinline_data --all-root --preserve-mtime "$image" "$tree"
used=$(stat -c %s "$image")
truncate -s $(( (used + section - 1) / section * section )) "$image"
[ $(( $(stat -c %s "$image") % section )) -eq 0 ] || { echo "error: $image is not a multiple of 128 MiB" >&2; exit 1; }
