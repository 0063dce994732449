# stdout throughput: 256 MiB from `dd bs=1M` in a container through `ctr run` into a reader on the host.
# The writer is dd, not `head -c`: busybox's head copies byte by byte, which under emulation alone caps the
# stream at ~24 MB/s inside the guest, and the figure is about the relay, not about the writer.
# The reader times first byte to last byte, so boot and teardown are not in the figure: dd takes exactly
# one byte (a 1-byte read() returns as soon as anything arrives), then a second dd reads exactly the rest
# (count_bytes; 1 MiB reads, so the reader is not the limit: a `head -c | wc -c` pair managed only
# ~60 MB/s on a loaded host) and returns at the last byte, not at EOF, which only comes once ctr has
# deleted the task and exited; `wc -c` then drains whatever else comes, so a short or long stream is
# caught. Sourced by benchmark.sh.

tput_bytes=268435456

bench_tput() { # runtime, container id, label -> prints MB/s (10^6 bytes/s), adds a summary row
    local runtime=$1 id=$2 label=$3 res first rest extra t0 t1 t2 mbs
    t0=$(now_ns)
    if ! res=$("${ctr[@]}" run --rm --runtime "$runtime" "$image" "$id" \
        sh -c "dd if=/dev/zero bs=1048576 count=$((tput_bytes / 1048576)) 2>/dev/null" </dev/null |
        { first=$(dd bs=1 count=1 status=none | wc -c); t1=$(now_ns)
          rest=$(LC_ALL=C dd bs=1M count=$((tput_bytes - 1)) iflag=count_bytes,fullblock of=/dev/null 2>&1 |
              awk '/ bytes / {print $1}'); t2=$(now_ns)
          extra=$(wc -c); echo "$first ${rest:-0} $extra $t1 $t2"; }); then
        echo "error: throughput run $id ($label) failed" >&2; exit 1
    fi
    read -r first rest extra t1 t2 <<< "$res"
    if [ $((first + rest + extra)) -ne "$tput_bytes" ]; then
        echo "error: throughput run $id ($label) delivered $((first + rest + extra)) bytes, expected $tput_bytes" >&2
        exit 1
    fi
    mbs=$(awk -v b="$rest" -v ns=$((t2 - t1)) 'BEGIN {printf "%.1f", b / (ns / 1e9) / 1e6}')
    echo "stdout throughput, $label, 256 MiB: ${mbs} MB/s first to last byte ($(( (t2 - t1) / 1000000 )) ms;" \
        "launch to last byte $(( (t2 - t0) / 1000000 )) ms)$([ "$label" = kata ] && echo " (target >= 100)")"
    if [ "$label" = kata ]; then
        summary_add "stdout throughput, kata (MB/s)" "$mbs" ">= 100" "$(verdict "$mbs" ">=" 100)"
    else
        summary_add "stdout throughput, $label (MB/s)" "$mbs" "-" "-"
    fi
}
