#!/usr/bin/env bash
# Installs the built runtime.
#   scripts/install.sh                 system layout: /usr/local/bin, /usr/local/lib/kata-java,
#                                      /usr/share/kata-containers, /usr/share/defaults/kata-containers
#   scripts/install.sh --prefix DIR    everything under DIR (bin/, lib/kata-java/, share/...), used by the tests
# Expects a finished build (./mvnw package): shim-kata/target/lib and guest-image/target/kata-containers.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
prefix=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$(realpath -m "$2"); shift 2 ;;
        *) echo "usage: $0 [--prefix DIR]" >&2; exit 2 ;;
    esac
done
if [ -n "$prefix" ]; then
    bindir=$prefix/bin libdir=$prefix/lib/kata-java
    sharedir=$prefix/share/kata-containers confdir=$prefix/share/defaults/kata-containers
else
    bindir=/usr/local/bin libdir=/usr/local/lib/kata-java
    sharedir=/usr/share/kata-containers confdir=/usr/share/defaults/kata-containers
fi
java_home=${JAVA_HOME:?JAVA_HOME must point at a JDK 25}
guest=$here/guest-image/target/kata-containers
for f in "$here/shim-kata/target/lib" "$here/kata-runtime/target" "$guest/vmlinux.container" \
         "$guest/kata-containers-initrd.img" "$guest/kata-containers-loader.img" "$guest/kata-containers.img"; do
    [ -e "$f" ] || { echo "error: $f is missing; build first (./mvnw -B package)" >&2; exit 1; }
done

mkdir -p "$bindir" "$libdir" "$sharedir" "$confdir"
rm -f "$libdir"/*.jar
cp "$here"/shim-kata/target/lib/*.jar "$here"/shim-kata/target/shim-kata-*.jar \
    "$here"/kata-runtime/target/kata-runtime-*.jar "$libdir/"
# The shim's JVM flags, shared by its launcher and the training run of its AOT cache: a cache is only used
# by a JVM started the way the training one was.
# The heap is capped well below what MaxRAM would allow: the shim keeps little, and a burst of output
# would otherwise leave the heap at its largest for the shim's life.
shim_jvm_flags="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:-UsePerfData -XX:MaxRAM=256m"
shim_jvm_flags="$shim_jvm_flags -Xms8m -Xmx32m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
# protobuf's runtime reads and writes fields through sun.misc.Unsafe. Allowed outright: otherwise the JVM
# warns on stderr at the first use, and a shim's stderr ends up in containerd's log as unstructured lines.
shim_jvm_flags="$shim_jvm_flags --sun-misc-unsafe-memory-access=allow"
for launcher in shim-kata/src/main/dist/containerd-shim-kata-v2 kata-runtime/src/main/dist/kata-runtime; do
    name=$(basename "$launcher")
    sed -e "s#@JAVA@#$java_home/bin/java#" -e "s#@LIBDIR@#$libdir#" -e "s#@JVM_FLAGS@#$shim_jvm_flags#" \
        "$here/$launcher" > "$bindir/$name.tmp"
    chmod 0755 "$bindir/$name.tmp"
    mv "$bindir/$name.tmp" "$bindir/$name"
done
# Timestamps are kept (-p): they are part of a VM template's fingerprint, and reinstalling the same guest
# files must not make a template look stale.
install -p -m 0644 "$guest/vmlinux.container" "$guest/kata-containers-initrd.img" "$guest/kata-containers-loader.img" \
    "$sharedir/"
# The root image is mapped by every VM: replace it by renaming, never rewrite it under running guests.
install -p -m 0444 "$guest/kata-containers.img" "$sharedir/kata-containers.img.tmp"
mv "$sharedir/kata-containers.img.tmp" "$sharedir/kata-containers.img"
[ -f "$guest/kernel-release" ] && install -m 0644 "$guest/kernel-release" "$sharedir/"
# The guest files keep their names; only the directory is this installation's.
sed -E -e "s#^(kernel|initrd|image) = \".*/([^/\"]+)\"#\1 = \"$sharedir/\2\"#" \
    "$here/configuration.toml" > "$confdir/configuration.toml"
# The shim's AOT cache, trained on the installed jars and configuration (it starts no VM). Without it the
# shim still runs, only slower to start.
rm -f "$libdir/shim.aot"
# shellcheck disable=SC2086 # the flags are words on purpose
if ! "$java_home/bin/java" $shim_jvm_flags --enable-native-access=ALL-UNNAMED -XX:AOTCacheOutput="$libdir/shim.aot" \
        -cp "$libdir/*" dev.katajava.shim.training.ShimTraining "$confdir/configuration.toml" >"$libdir/shim.aot.log" 2>&1; then
    echo "warning: the shim's AOT cache could not be made (see $libdir/shim.aot.log); the shim starts without it" >&2
    rm -f "$libdir/shim.aot"
fi
echo "installed: $bindir/containerd-shim-kata-v2, $bindir/kata-runtime, guest image in $sharedir, configuration $confdir/configuration.toml"
