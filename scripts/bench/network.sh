# TCP throughput between a pod's network namespace and a peer namespace on the same host, kata and runc:
# the pod namespace holds eth0, one end of a veth pair whose other end is in the peer namespace (as CNI
# leaves a pod, without the bridge); the container joins it with `ctr run --with-ns network:PATH`. 64 MiB
# each way through busybox nc, timed on the peer from connect to the last byte (boot is not in the
# figure): peer to container (the container's nc -l counts what it got), then container to peer (the
# container's nc -l sends dd's zeros, the peer counts them). Each figure is one transfer; the step runs once. Under kata the bytes cross the tc mirred
# redirects, the tap and QEMU's virtio-net (vhost off: this host has no /dev/vhost-net). Sourced by
# benchmark.sh.

net_bytes=67108864

bench_net_setup() {
    net_pod=bench-pod-$$ net_peer=bench-peer-$$
    ip netns add "$net_pod"
    ip netns add "$net_peer"
    ip -n "$net_pod" link add eth0 type veth peer name peer0 netns "$net_peer"
    ip -n "$net_pod" addr add 10.88.0.2/24 dev eth0
    ip -n "$net_peer" addr add 10.88.0.1/24 dev peer0
    ip -n "$net_pod" link set eth0 up
    ip -n "$net_peer" link set peer0 up
    ip -n "$net_pod" link set lo up
    # busybox nc quits at the end of its stdin: a receiver reads a FIFO opened read-write, which never ends.
    mkfifo "$work/net-hold"
}

bench_net_teardown() {
    ip netns del "${net_pod:-none}" 2>/dev/null || true
    ip netns del "${net_peer:-none}" 2>/dev/null || true
}

# Runs cmd in the peer namespace until it succeeds (the container may not listen yet); prints the ms the
# successful attempt took.
net_peer_timed() { # shell command -> ms
    local t0 t1 i
    for i in $(seq 600); do
        t0=$(now_ns)
        if ip netns exec "$net_peer" sh -c "$1" > "$work/net-peer-out" 2>/dev/null; then
            t1=$(now_ns)
            echo $(( (t1 - t0) / 1000000 ))
            return 0
        fi
        sleep 0.2
    done
    echo "error: peer command never succeeded: $1" >&2
    return 1
}

bench_net_run() { # runtime label -> adds two summary rows
    local runtime=$1 label=$2 id=bench-net-$2 in_ms out_ms got out mbs_in mbs_out
    "${ctr[@]}" run --rm --runtime "$runtime" --with-ns "network:/var/run/netns/$net_pod" "$image" "$id" \
        sh -c "mkfifo /dev/shm/hold; nc -l -p 5000 <>/dev/shm/hold >/dev/null; nc -l -p 5001 <>/dev/shm/hold | wc -c;
               dd if=/dev/zero bs=65536 count=$((net_bytes / 65536)) 2>/dev/null | nc -l -p 5002" \
        </dev/null > "$work/net-$label.out" 2>&1 &
    local run_pid=$!
    net_peer_timed "echo ready | busybox nc -w 2 10.88.0.2 5000" >/dev/null
    in_ms=$(net_peer_timed "dd if=/dev/zero bs=65536 count=$((net_bytes / 65536)) 2>/dev/null |
        busybox nc -w 5 10.88.0.2 5001")
    out_ms=$(net_peer_timed "busybox nc -w 5 10.88.0.2 5002 <>$work/net-hold | wc -c | grep -qx $net_bytes")
    wait "$run_pid" || { echo "error: network run ($label) failed: $(cat "$work/net-$label.out")" >&2; exit 1; }
    got=$(tr -dc '0-9\n' < "$work/net-$label.out" | grep -m1 .)
    [ "$got" = "$net_bytes" ] || { echo "error: container ($label) received $got bytes, expected $net_bytes" >&2; exit 1; }
    mbs_in=$(awk -v b="$net_bytes" -v ms="$in_ms" 'BEGIN {printf "%.1f", b / (ms / 1000) / 1e6}')
    mbs_out=$(awk -v b="$net_bytes" -v ms="$out_ms" 'BEGIN {printf "%.1f", b / (ms / 1000) / 1e6}')
    echo "TCP throughput, $label, 64 MiB: peer to container ${mbs_in} MB/s (${in_ms} ms), container to peer" \
        "${mbs_out} MB/s (${out_ms} ms)"
    summary_add "TCP peer to container, $label (MB/s)" "$mbs_in" "-" "-"
    summary_add "TCP container to peer, $label (MB/s)" "$mbs_out" "-" "-"
}

bench_network() {
    bench_net_setup
    bench_net_run io.containerd.kata.v2 kata
    bench_net_run io.containerd.runc.v2 runc
    bench_net_teardown
}
