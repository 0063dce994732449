#!/bin/sh
# Writes "name number" for every x86-64 system call the C library's headers know, for the seccomp compiler.
set -eu
out="$1"
mkdir -p "$(dirname "$out")"
echo '#include <sys/syscall.h>' | gcc -E -dM - |
    sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9][0-9]*\)$/\1 \2/p' | sort > "$out.tmp"
# A table without read(0) and execve(59) means the headers were not the x86-64 ones.
grep -qx 'read 0' "$out.tmp" && grep -qx 'execve 59' "$out.tmp" || {
    echo "syscall-table.sh: no x86-64 system call numbers found in the C headers" >&2
    exit 1
}
mv "$out.tmp" "$out"
