# Container stdout throughput: 256 MiB written in a container, through `ctr run` into a reader on the host,
# with two writers (dd with 1 MiB writes, and busybox `head -c`, which writes in small pieces), kata and runc
# side by side, and the ceiling: the same dd writing to /dev/null inside the guest, where nothing is carried.
# The reader times first byte to last byte, so boot and teardown are not in the figure: dd takes exactly
# one byte (a 1-byte read() returns as soon as anything arrives), then a second dd reads exactly the rest
# (count_bytes; 1 MiB reads, so the reader is not the limit) and returns at the last byte, not at EOF,
# which only comes once ctr has deleted the task and exited; `wc -c` then drains whatever else comes, so a
# short or long stream is caught. Sourced by benchmark.sh.

tput_bytes=268435456

bench_tput() { # runtime, container id, label, writer (dd|head) -> prints MB/s (10^6 bytes/s), adds a summary row
    local runtime=$1 id=$2 label=$3 writer=$4 cmd res first rest extra t0 t1 t2 mbs
    case "$writer" in
        dd) cmd="dd if=/dev/zero bs=1048576 count=$((tput_bytes / 1048576)) 2>/dev/null" ;;
        head) cmd="head -c $tput_bytes /dev/zero" ;;
        *) echo "error: unknown writer '$writer' (dd or head)" >&2; exit 2 ;;
    esac
    t0=$(now_ns)
    if ! res=$("${ctr[@]}" run --rm --runtime "$runtime" "$image" "$id" sh -c "$cmd" </dev/null |
        { first=$(dd bs=1 count=1 status=none | wc -c); t1=$(now_ns)
          rest=$(LC_ALL=C dd bs=1M count=$((tput_bytes - 1)) iflag=count_bytes,fullblock of=/dev/null 2>&1 |
              awk '/ bytes / {print $1}'); t2=$(now_ns)
          extra=$(wc -c); echo "$first ${rest:-0} $extra $t1 $t2"; }); then
        echo "error: throughput run $id ($label, $writer) failed" >&2; exit 1
    fi
    read -r first rest extra t1 t2 <<< "$res"
    if [ $((first + rest + extra)) -ne "$tput_bytes" ]; then
        echo "error: throughput run $id ($label, $writer) delivered $((first + rest + extra)) bytes, expected $tput_bytes" >&2
        exit 1
    fi
    mbs=$(awk -v b="$rest" -v ns=$((t2 - t1)) 'BEGIN {printf "%.1f", b / (ns / 1e9) / 1e6}')
    echo "stdout throughput, $label, $writer, 256 MiB: ${mbs} MB/s first to last byte ($(( (t2 - t1) / 1000000 )) ms;" \
        "launch to last byte $(( (t2 - t0) / 1000000 )) ms)"
    tput_last=$mbs
}

bench_guest_dd() { # container id -> MB/s of dd writing zeros to /dev/null inside a kata container
    # 8 times the stream's size, so busybox time's 10 ms resolution does not matter; busybox dd prints no
    # rate of its own.
    local out mins secs
    out=$("${ctr[@]}" run --rm --runtime io.containerd.kata.v2 "$image" "$1" \
        sh -c "time dd if=/dev/zero of=/dev/null bs=1048576 count=$((8 * tput_bytes / 1048576)) 2>&1" </dev/null 2>&1)
    # busybox: "real	0m 0.36s"
    mins=$(echo "$out" | awk '$1 == "real" {sub("m", "", $2); print $2}')
    secs=$(echo "$out" | awk '$1 == "real" {sub("s", "", $3); print $3}')
    if ! echo "$out" | grep -q "^$((8 * tput_bytes / 1048576))+0 records out" || [ -z "$secs" ]; then
        echo "error: guest dd did not copy $((8 * tput_bytes / 1048576)) MiB: $out" >&2; exit 1
    fi
    awk -v b=$((8 * tput_bytes)) -v m="$mins" -v s="$secs" 'BEGIN {t = m * 60 + s; printf "%.1f", b / (t > 0 ? t : 0.01) / 1e6}'
}

bench_stdio() {
    local guest dd_kata dd_runc head_kata head_runc target
    guest=$(bench_guest_dd bench-guest-dd)
    echo "guest's own rate, dd of 2 GiB to /dev/null in a kata container: ${guest} MB/s"
    bench_tput io.containerd.kata.v2 bench-tput kata dd; dd_kata=$tput_last
    bench_tput io.containerd.runc.v2 bench-tput-runc runc dd; dd_runc=$tput_last
    bench_tput io.containerd.kata.v2 bench-tput-head kata head; head_kata=$tput_last
    bench_tput io.containerd.runc.v2 bench-tput-head-runc runc head; head_runc=$tput_last
    # The target: 100 MB/s, or half the guest's own rate when the guest cannot produce 200.
    target=$(awk -v g="$guest" 'BEGIN {t = g / 2; printf "%.1f", t < 100 ? t : 100}')
    echo "stdout throughput with dd, kata: $dd_kata MB/s, runc: $dd_runc MB/s, guest ceiling: $guest MB/s (target >= $target)"
    summary_add "guest dd to /dev/null (MB/s)" "$guest" "-" "-"
    summary_add "stdout throughput, dd, kata (MB/s)" "$dd_kata" ">= $target" "$(verdict "$dd_kata" ">=" "$target")"
    summary_add "stdout throughput, dd, runc (MB/s)" "$dd_runc" "-" "-"
    summary_add "stdout throughput, head -c, kata (MB/s)" "$head_kata" "-" "-"
    summary_add "stdout throughput, head -c, runc (MB/s)" "$head_runc" "-" "-"
}
