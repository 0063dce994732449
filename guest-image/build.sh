#!/usr/bin/env bash
# Builds the guest: Debian's generic kernel as an uncompressed vmlinux (booted through its PVH entry)
# and the guest's root tree (kata-init, the kernel modules the runtime needs, a jlinked JRE, the agent,
# its launcher and the agent's AOT cache, trained by aot-train.sh on this very tree) in two layouts:
#   kata-containers-initrd.img   the whole tree as an uncompressed initramfs (configuration key initrd)
#   kata-containers.img          the tree as a read-only EROFS image, attached as a virtio-pmem device and
#                                mapped from the host's page cache (key image), booted through
#   kata-containers-loader.img   a small initramfs with kata-init and the modules: those that mount the
#                                image, then the rest, which load while the agent starts
#
#   guest-image/build.sh [--install [--config FILE]]
#       builds the agent with Maven first, then the image; --install copies the kernel, and the root
#       image with its loader (when FILE names an image) or the whole initramfs, to the paths FILE's
#       [hypervisor.qemu] names (default: configuration.toml at the top of the repository)
#   guest-image/build.sh --from-maven --agent-lib DIR --native DIR --out DIR
#       the image step alone, as the guest-image module's build runs it
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
from_maven=0 install=0
config=$top/configuration.toml
agent_lib=$here/target/agent-lib native=$top/agent/target/native out=$here/target/kata-containers
while [ $# -gt 0 ]; do
    case "$1" in
        --from-maven) from_maven=1; shift ;;
        --install) install=1; shift ;;
        --config) config=$(realpath "$2"); shift 2 ;;
        --agent-lib) agent_lib=$2; shift 2 ;;
        --native) native=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--install [--config FILE]]" >&2; exit 2 ;;
    esac
done
java_home=${JAVA_HOME:?JAVA_HOME must point at a JDK 25 (jlink builds the guest JRE)}

if [ $from_maven -eq 0 ]; then
    # Maven builds the agent and comes back here with --from-maven for the image itself.
    (cd "$top" && ./mvnw -B -q -pl guest-image -am package -DskipTests)
else
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/kata-java
    work=$here/target/work
    rm -rf "$work" && mkdir -p "$cache" "$work" "$out"
    root=$work/root

    # Downloads package $1's .deb into the cache (once) and prints its path.
    fetch_deb() {
        local pkg=$1 deb
        deb=$(ls "$cache"/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
        if [ -z "$deb" ]; then
            echo "==> apt-get download $pkg" >&2
            (cd "$cache" && apt-get download -q "$pkg" 2>&1 | grep -v "^W: Download is performed unsandboxed" >&2 || true)
            deb=$(ls "$cache"/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
            [ -n "$deb" ] || { echo "error: apt-get download $pkg failed (are the apt lists up to date? run 'apt-get update')" >&2; exit 1; }
        fi
        echo "$deb"
    }

    # --- kernel -----------------------------------------------------------------------------------
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    if [ -z "$kpkg" ]; then
        echo "error: apt knows no linux-image-amd64; run 'apt-get update' first" >&2
        exit 1
    fi
    kver=${kpkg#linux-image-}
    deb=$(fetch_deb "$kpkg")
    dpkg-deb -x "$deb" "$work/kernel"
    vmlinuz=$work/kernel/boot/vmlinuz-$kver
    # The bzImage payload of Debian's generic kernel is XZ: decompress it from its magic on.
    offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n1 | cut -d: -f1)
    [ -n "$offset" ] || { echo "error: no XZ payload in $vmlinuz" >&2; exit 1; }
    # xz stops at the end of the stream, before tail is done: keep tail out of the pipeline's status.
    xz -dc --single-stream < <(tail -c +$((offset + 1)) "$vmlinuz") > "$work/vmlinux"
    head -c 4 "$work/vmlinux" | grep -q "ELF" || { echo "error: extracted kernel is not an ELF" >&2; exit 1; }

    # --- modules, each after the ones it depends on ----------------------------------------------------
    # What the runtime uses; modinfo's "depends" brings in the rest (the package ships no modules.dep).
    # virtio_balloon reports pages the guest frees back to the host (QEMU's free-page-reporting).
    wanted="virtio_pci virtio_mmio virtio_console virtio_blk virtio_net 9pnet_virtio 9p virtiofs overlay"
    wanted="$wanted vmw_vsock_virtio_transport virtio_balloon"
    # What the loader loads first, to mount the root image: the PCI transport of the virtio-pmem device
    # (images are q35 only), its drivers and EROFS. EROFS depends on libcrc32c, whose start asks the crypto
    # API for a crc32c: crc32c_generic is placed first.
    wanted_for_image="virtio_pci virtio_pmem nd_pmem crc32c_generic erofs"
    modinfo=$(command -v modinfo || echo /usr/sbin/modinfo)  # /usr/sbin is not on a user's PATH on Debian
    declare -A module_file=() placed=()
    while IFS= read -r f; do
        n=$(basename "$f" .ko)
        module_file[${n//-/_}]=$f
    done < <(find "$work/kernel/lib/modules/$kver" -name '*.ko')
    load_order=()
    place() {
        local m=${1//-/_} dep
        [ -z "${placed[$m]:-}" ] || return 0
        placed[$m]=1
        [ -n "${module_file[$m]:-}" ] || { echo "error: module $m (.ko) not in $kpkg" >&2; exit 1; }
        for dep in $("$modinfo" -F depends "${module_file[$m]}" | tr ',' ' '); do
            place "$dep"
        done
        load_order+=("$m")
    }
    for m in $wanted; do
        place "$m"
    done
    common=("${load_order[@]}")
    # The loader loads what mounting the image takes first; the rest ("late") loads while the agent starts.
    placed=()
    load_order=()
    for m in $wanted_for_image; do
        place "$m"
    done
    for_image=("${load_order[@]}")
    late=()
    for m in "${common[@]}"; do
        [ -n "${placed[$m]:-}" ] || late+=("$m")
    done
    # Copies module $1 to $2 without its appended signature. The guest kernel does not enforce module
    # signatures (no lockdown), but it does check one that is there: hashing every module under emulation
    # was ~0.2 s of each cold boot (docs/benchmarks.md). Without one, the kernel loads the module and marks
    # itself tainted ('E'). The trailer is struct module_signature (12 bytes, the signature's length in its
    # last 4, big-endian) then the magic line; the ELF before them is copied byte for byte.
    copy_module() {
        local src=$1 dst=$2 magic='~Module signature appended~' size siglen
        size=$(stat -c %s "$src")
        if [ "$(tail -c 28 "$src" | head -c 27)" != "$magic" ]; then
            cp "$src" "$dst"
            return
        fi
        siglen=$(tail -c 32 "$src" | head -c 4 | od -An -tu1 | awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}')
        [ "$siglen" -gt 0 ] && [ "$siglen" -lt "$size" ] || { echo "error: bad signature trailer in $src" >&2; exit 1; }
        head -c $((size - 28 - 12 - siglen)) "$src" > "$dst"
        head -c 4 "$dst" | grep -q "ELF" || { echo "error: $src without its signature is not an ELF" >&2; exit 1; }
    }
    loader=$work/loader
    mkdir -p "$root/etc" "$loader/etc"
    # add_module TREE LIST MODULE: the module's file into TREE, its path appended to TREE's LIST.
    add_module() {
        local src=${module_file[$3]} rel
        rel=${src#"$work/kernel"}
        mkdir -p "$1$(dirname "$rel")"
        copy_module "$src" "$1$rel"
        echo "$rel" >> "$1/etc/$2"
    }
    : > "$root/etc/kata-modules"
    : > "$loader/etc/kata-modules"
    : > "$loader/etc/kata-modules-late"
    for m in "${common[@]}"; do
        add_module "$root" kata-modules "$m"
    done
    for m in "${for_image[@]}"; do
        add_module "$loader" kata-modules "$m"
    done
    for m in "${late[@]}"; do
        add_module "$loader" kata-modules-late "$m"
    done

    # --- JRE ----------------------------------------------------------------------------------------
    jars=("$agent_lib"/*.jar)
    [ -e "${jars[0]}" ] || { echo "error: no agent jars in $agent_lib" >&2; exit 1; }
    mods=$("$java_home/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 \
        --class-path "$agent_lib/*" "${jars[@]}")
    "$java_home/bin/jlink" --add-modules "$mods" --output "$root/opt/kata-agent/jre" --strip-debug \
        --no-header-files --no-man-pages --compress=zip-6 --generate-cds-archive
    # The agent's heap is small enough for compressed oops; the archive for the other mode is dead weight.
    rm -f "$root/opt/kata-agent/jre/lib/server/classes_nocoops.jsa"
    # jlink keeps the native symbol tables (~5 MB of libjvm.so); nothing in the guest reads them.
    find "$root/opt/kata-agent/jre" -name '*.so' -exec strip --strip-unneeded {} +
    # The JRE is dynamically linked: bring the exact libraries it loads.
    for bin in "$root/opt/kata-agent/jre/bin/java" "$root"/opt/kata-agent/jre/lib/*.so \
               "$root"/opt/kata-agent/jre/lib/server/*.so; do
        ldd "$bin" 2>/dev/null | awk '/=> \// {print $3} $1 ~ /^\// {print $1}'
    done | sort -u | while read -r lib; do
        # The JRE's own libraries (found through its $ORIGIN run path) are in the tree already.
        case "$lib" in "$root"/*) continue ;; esac
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done

    # --- agent, helpers, busybox ----------------------------------------------------------------------
    mkdir -p "$root/opt/kata-agent/lib" "$root/opt/kata-agent/bin" "$root/bin"
    cp "${jars[@]}" "$root/opt/kata-agent/lib/"
    install -m 0755 "$native/kata-init" "$root/init"
    install -m 0755 "$native/kata-init" "$loader/init"
    install -m 0755 "$native/nsexec" "$root/opt/kata-agent/bin/nsexec"
    # The direct stdio streams' copy loop, which the interpreted agent calls once per stream.
    install -D -m 0644 "$native/libkata-fdcopy.so" "$root/opt/kata-agent/native/libkata-fdcopy.so"
    # busybox must be the static build: the guest carries no libraries for it.
    if [ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null || true)" = "install ok installed" ]; then
        busybox=/bin/busybox
    else
        bdeb=$(fetch_deb busybox-static)
        dpkg-deb -x "$bdeb" "$work/busybox"
        busybox=$work/busybox/bin/busybox
    fi
    install -m 0755 "$busybox" "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    mkdir -p "$root"/{dev,proc,sys,run,tmp,root,mnt}
    chmod 1777 "$root/tmp"
    # The root of the VM template's training container (kata-runtime factory init): busybox by hard link
    # and the directories its mounts land on, since the image is read-only in the guest.
    training=$root/opt/kata-agent/training-rootfs
    mkdir -p "$training"/{bin,dev,proc,sys,run,tmp,etc}
    ln "$root/bin/busybox" "$training/bin/busybox"
    ln -s busybox "$training/bin/sh"
    ln -s busybox "$training/bin/echo"

    # --- agent command line, and the AOT cache trained on exactly this tree ------------------------
    # The classpath is spelled out in one order: a wildcard expands in directory order, which differs
    # between the build host and the guest's initramfs, and the AOT cache requires the same classpath.
    classpath=$(cd "$root/opt/kata-agent/lib" && printf '/opt/kata-agent/lib/%s\n' *.jar | LC_ALL=C sort | paste -sd:)
    # The same VM options in training and in the guest: a cache made under other GC or heap settings is unusable.
    # The heap starts small and may grow to 64 MiB under a burst of output: a smaller cap, a fixed young
    # generation or eager shrinking each cost a third of the output rate under emulation (more collections).
    # Interpreted only (-Xint): under TCG each method the JIT compiles costs the compile and then the
    # emulator's translation of the new code, which a start-up that runs most code once never earns back;
    # the stdio streams' copy loop is C (libkata-fdcopy.so; architecture.md, "Start-up: no JIT in the guest").
    # With no JIT, the stubs of the JIT-only intrinsics (crypto, hashes, big-integer and vector helpers) would
    # never run, yet the JVM generates them at start: 0.04-0.06 s of every cold start under emulation.
    # The interpreter's own fast paths for CRC32/CRC32C and the Math functions (libm) go too: the agent
    # computes no checksums and no sines, and generating their stubs took another 0.055 s. UseAVX=0 leaves
    # out the AVX forms of the copy and string stubs (0.02 s); emulated, wider instructions gain nothing.
    no_jit_stubs=(-XX:+UnlockDiagnosticVMOptions -XX:-UseAESIntrinsics -XX:-UseAESCTRIntrinsics
        -XX:-UseGHASHIntrinsics -XX:-UseBASE64Intrinsics -XX:-UseSHA1Intrinsics -XX:-UseSHA256Intrinsics
        -XX:-UseSHA512Intrinsics -XX:-UseSHA3Intrinsics -XX:-UseMD5Intrinsics -XX:-UseChaCha20Intrinsics
        -XX:-UsePoly1305Intrinsics -XX:-UseAdler32Intrinsics -XX:-UseMultiplyToLenIntrinsic
        -XX:-UseSquareToLenIntrinsic -XX:-UseMulAddIntrinsic -XX:-UseMontgomeryMultiplyIntrinsic
        -XX:-UseMontgomerySquareIntrinsic -XX:-UseVectorizedMismatchIntrinsic -XX:-UseDilithiumIntrinsics
        -XX:-UseKyberIntrinsics -XX:-UseIntPolyIntrinsics -XX:-UseCRC32Intrinsics -XX:-UseCRC32CIntrinsics
        -XX:-UseLibmIntrinsic -XX:UseAVX=0)
    # protobuf's runtime uses sun.misc.Unsafe; allowed so that the JVM does not warn on the console about it.
    jvm_options=(-Xint -XX:+UseSerialGC -XX:-UsePerfData -Xss256k -Xms8m -Xmx64m
        -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=24m --enable-native-access=ALL-UNNAMED
        --sun-misc-unsafe-memory-access=allow "${no_jit_stubs[@]}")
    share=-Xshare:auto
    relocation=()
    # The AOT cache holds the JDK's classes too, so the JDK's own CDS archive (14 MB of initramfs, copied
    # into every guest's memory) goes once the cache is made and checked without it; it stays as the
    # fallback when there is no cache.
    jsa=$root/opt/kata-agent/jre/lib/server/classes.jsa
    mv "$jsa" "$work/classes.jsa"
    if "$here/aot-train.sh" "$root" /opt/kata-agent/agent.aot "$classpath" "${jvm_options[@]}"; then
        # Without AOTMode=on, a cache the JVM cannot use is ignored: the agent starts anyway, only slower.
        share=-XX:AOTCache=/opt/kata-agent/agent.aot
        # Mapped where it was made, not relocated: relocation writes every pointer in the cache's 22 MB, which
        # copies those pages out of the read-only image (DAX, shared by every VM through the host's page
        # cache) into each guest's own RAM. The JVM still relocates if that address is taken.
        relocation=(-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0)
    else
        mv "$work/classes.jsa" "$jsa"
        rm -f "$root/opt/kata-agent/agent.aot"
        echo "WARNING: no AOT cache for the agent (training failed or needs namespaces this host refuses);" \
            "the guest falls back to the JDK's CDS archive and starts slower" >&2
    fi
    printf '%s\n' /opt/kata-agent/jre/bin/java "${jvm_options[@]}" "$share" "${relocation[@]}" -cp "$classpath" \
        dev.katajava.agent.AgentMain > "$root/etc/kata-agent.args"

    # --- outputs ------------------------------------------------------------------------------------
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$out/kata-containers-initrd.img"
    (cd "$loader" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$out/kata-containers-loader.img"
    "$here/root-image.sh" "$root" "$out/kata-containers.img"
    mv "$work/vmlinux" "$out/vmlinux.container"
    echo "$kver" > "$out/kernel-release"
    rm -rf "$work"
    echo "guest image: $out (kernel $kver, initrd $(du -h "$out/kata-containers-initrd.img" | cut -f1)," \
        "root image $(du -h --apparent-size "$out/kata-containers.img" | cut -f1)," \
        "loader $(du -h "$out/kata-containers-loader.img" | cut -f1))"
fi

if [ $install -eq 1 ]; then
    value() { # the [hypervisor.qemu] string value of KEY in $config
        awk -v key="$1" '/^\[/ {in_qemu = ($0 ~ /^\[hypervisor\.qemu\]/)}
            in_qemu && $1 == key {sub(/^[^=]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit}' "$config"
    }
    kernel=$(value kernel) initrd=$(value initrd) image=$(value image)
    [ -n "$kernel" ] && [ -n "$initrd" ] || { echo "error: $config names no kernel/initrd" >&2; exit 1; }
    install -D -m 0644 "$out/vmlinux.container" "$kernel"
    install -D -m 0644 "$out/kernel-release" "$(dirname "$kernel")/kernel-release"
    if [ -n "$image" ]; then
        # With an image, initrd is its loader. Running VMs map the image: replace it, never rewrite it.
        install -D -m 0644 "$out/kata-containers-loader.img" "$initrd"
        install -D -m 0444 "$out/kata-containers.img" "$image.tmp"
        mv "$image.tmp" "$image"
        echo "installed: $kernel, $initrd, $image"
    else
        install -D -m 0644 "$out/kata-containers-initrd.img" "$initrd"
        echo "installed: $kernel, $initrd"
    fi
fi
