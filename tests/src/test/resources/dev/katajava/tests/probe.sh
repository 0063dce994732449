# What a process can observe about its container, in named sections ("== name") for a section-wise
# comparison between runtimes. Busybox sh and applets only.
sec() { echo "== $1"; }
sec identity
id; grep -E '^(Uid|Gid|Groups):' /proc/self/status
sec capabilities
grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status
sec security
grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status
echo "oom_score_adj $(cat /proc/self/oom_score_adj)"
sec rlimits
cat /proc/self/limits
sec umask
umask
sec cwd
pwd
sec env
env | sort
sec hostname
hostname; cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname
sec processes
set -- /proc/[0-9]*; echo "processes $#"; echo "pid1 $(cat /proc/1/comm)"
# Pid numbers of an exec depend on how the runtime forks: only whether this is the init counts.
[ $$ = 1 ] && echo "probe is pid 1" || echo "probe is not pid 1"
sec mounts
# mount point, fstype, per-mount options, optional fields without peer ids, super options
awk '{ n = 7; opt = ""; while ($n != "-") { o = $n; sub(/:[0-9]+$/, "", o); opt = opt " " o; n++ }
       print $5, $(n+1), $6, "[" opt " ]", $(n+3) }' /proc/self/mountinfo
sec devices
for f in /dev/* /dev/pts/* /dev/mqueue/* /dev/shm/*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else stat -c '%n %F %t:%T %a %u:%g' "$f"; fi
done
sec masked
for p in /proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats \
         /proc/sched_debug /proc/scsi /sys/firmware /sys/devices/virtual/powercap; do
  if [ ! -e "$p" ]; then echo "$p absent"; continue; fi
  if [ -d "$p" ]; then echo "$p dir entries=$(ls -A "$p" | wc -l) $(stat -f -c %T "$p")"
  else echo "$p file bytes=$(head -c 64 "$p" 2>/dev/null | wc -c) $(stat -c '%t:%T' "$p")"; fi
done
sec readonly
for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
  [ -e "$p" ] || { echo "$p absent"; continue; }
  if grep -q " $p ro," /proc/self/mountinfo; then echo "$p ro"; else echo "$p rw"; fi
done
sec cgroup
cat /proc/self/cgroup
echo "fs $(stat -f -c %T /sys/fs/cgroup)"; ls /sys/fs/cgroup
sec loopback
ls /sys/class/net
echo "operstate $(cat /sys/class/net/lo/operstate) flags $(cat /sys/class/net/lo/flags)"
ip -o addr show dev lo | awk '{ print $2, $3, $4 }'
grep ' lo$' /proc/net/if_inet6 | awk '{ print $1, $3, $4 }'
sec network
ping -c1 -W5 127.0.0.1 >/dev/null 2>&1; echo "ping 127.0.0.1 $?"
ping -6 -c1 -W5 ::1 >/dev/null 2>&1; echo "ping ::1 $?"
nc -l -p 7777 > /tmp/got & sleep 1
echo over-tcp | nc 127.0.0.1 7777; echo "nc client $?"; wait $!; echo "nc server $? $(cat /tmp/got)"
sec statuses
sh -c 'exit 3'; echo "exit $?"
sh -c 'kill -9 $$'; echo "kill -9 $?"
sh -c 'kill -TERM $$'; echo "kill -TERM $?"
sh -c 'kill -INT $$'; echo "kill -INT $?"
sleep 30 & kill -HUP $!; wait $!; echo "sleep HUP $?"
/no/such/program 2>/dev/null; echo "missing $?"
sec lsm
echo "profile $(cat /proc/self/attr/current 2>/dev/null || echo none)"
sec files
ls -la / | awk '{ print $1, $NF }'; ls /etc
for f in /etc/hostname /etc/hosts /etc/resolv.conf; do [ -e $f ] && { echo "$f:"; cat $f; } || echo "$f absent"; done
sec sysctl
# Namespaced settings, which a fresh namespace under runc and the VM's own start from their defaults.
for k in net/ipv4/ip_unprivileged_port_start net/ipv4/ping_group_range net/core/somaxconn \
         net/ipv4/ip_local_port_range net/ipv4/ip_forward net/ipv6/conf/all/disable_ipv6 kernel/shmmax \
         kernel/shmall kernel/shmmni kernel/msgmnb kernel/msgmax fs/mqueue/msg_max fs/mqueue/queues_max; do
  echo "$k $(tr '\t' ' ' < /proc/sys/$k)"
done
sec kernel
uname -srm; nproc; grep MemTotal /proc/meminfo
# Global settings the kernel sizes from the machine's CPUs and memory (or the host's boot configuration).
for k in kernel/pid_max kernel/threads-max fs/file-max; do echo "$k $(cat /proc/sys/$k)"; done
