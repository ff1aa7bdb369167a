#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for tests/test_slurm.py (Debian 12, run as root, no systemd).
#   .ci/slurm/start_cluster.sh
# Installs slurm-wlm and munge if missing, writes a munge key and /etc/slurm/slurm.conf (from slurm.conf.in,
# with this host's name, cores and memory), starts munged, slurmctld and slurmd as daemons, and waits until
# the node is idle and a trivial `srun` and `sbatch` job run. Idempotent: daemons already running with the
# same configuration are reused. Exits non-zero with a message when the cluster cannot be brought up.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
WAIT_S="${SLURM_START_TIMEOUT:-90}"

log() { echo "start_cluster: $*"; }
die() {
    echo "start_cluster: ERROR: $*" >&2
    for f in /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log /var/log/munge/munged.log; do
        if [ -s "$f" ] && [ -r "$f" ]; then
            echo "--- last lines of $f" >&2
            tail -n 15 "$f" >&2
        fi
    done
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts daemons)"

# 1. Packages
missing=()
for cmd in munged slurmctld slurmd sinfo sbatch squeue srun scontrol; do
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$cmd")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing slurm-wlm and munge (missing: ${missing[*]})"
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install slurm-wlm and munge by hand"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends slurm-wlm munge >/tmp/start_cluster_apt.log 2>&1; then
        apt-get update >>/tmp/start_cluster_apt.log 2>&1 || die "apt-get update failed (see /tmp/start_cluster_apt.log)"
        apt-get install -y --no-install-recommends slurm-wlm munge >>/tmp/start_cluster_apt.log 2>&1 \
            || die "apt-get install slurm-wlm munge failed (see /tmp/start_cluster_apt.log)"
    fi
fi
export PATH="$PATH:/usr/sbin:/sbin"

# 2. Munge: a key, then the daemon (as the munge user, which owns the key)
id munge >/dev/null 2>&1 || die "no 'munge' user: the munge package did not install cleanly"
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    log "writing a munge key"
    if command -v mungekey >/dev/null 2>&1; then
        mungekey --create --keyfile=/etc/munge/munge.key --force
    else
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
fi
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munged already running"
else
    log "starting munged"
    rm -f /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged || die "munged did not start"
    for _ in $(seq 20); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
        sleep 0.5
    done
    munge -n | unmunge >/dev/null || die "munge credentials do not round-trip"
fi

# 3. slurm.conf for this host
host="$(hostname -s)"
cpus="$(nproc)"
mem_total_mb=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024))
margin_mb=$((mem_total_mb / 10 > 512 ? mem_total_mb / 10 : 512))
memory_mb=$((mem_total_mb - margin_mb))
[ "$memory_mb" -gt 0 ] || die "cannot read the memory size from /proc/meminfo"
mkdir -p "$CONF_DIR" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
new_conf="$(mktemp)"
trap 'rm -f "$new_conf"' EXIT
sed -e "s/@HOST@/$host/g" -e "s/@CPUS@/$cpus/g" -e "s/@MEMORY_MB@/$memory_mb/g" "$HERE/slurm.conf.in" >"$new_conf"
changed=0
if ! cmp -s "$new_conf" "$CONF"; then
    log "writing $CONF (node $host: $cpus CPUs, $memory_mb MB)"
    install -m 0644 "$new_conf" "$CONF"
    changed=1
fi
# No cgroup plugin is configured (proctrack/linuxproc, task/none); this file only documents that.
if [ ! -e "$CONF_DIR/cgroup.conf" ]; then
    printf '# Not used: slurm.conf configures no cgroup plugin (proctrack/linuxproc, task/none).\n' \
        >"$CONF_DIR/cgroup.conf"
fi

# 4. Daemons: reuse running ones unless the configuration changed
running() {  # running NAME: the pid in /run/NAME.pid is alive and is NAME
    local pid
    pid="$(cat "/run/$1.pid" 2>/dev/null)" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]
}
stop() {
    local pid
    running "$1" || return 0
    pid="$(cat "/run/$1.pid")"
    log "stopping $1 (pid $pid): configuration changed"
    kill "$pid"
    for _ in $(seq 40); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.25
    done
    kill -9 "$pid" 2>/dev/null || true
}
if [ "$changed" -eq 1 ]; then
    stop slurmd
    stop slurmctld
fi
if running slurmctld; then
    log "slurmctld already running"
else
    log "starting slurmctld"
    slurmctld || die "slurmctld did not start"
fi
if running slurmd; then
    log "slurmd already running"
else
    log "starting slurmd"
    slurmd || die "slurmd did not start"
fi

# 5. Wait for the controller, then for the node
deadline=$((SECONDS + WAIT_S))
until scontrol ping 2>/dev/null | grep -q "is UP"; do
    [ "$SECONDS" -lt "$deadline" ] || die "slurmctld does not answer 'scontrol ping' after ${WAIT_S}s"
    sleep 1
done
state=""
while :; do
    state="$(sinfo -h -n "$host" -o %T 2>/dev/null | head -n 1)"
    case "$state" in
        idle | mixed | allocated | completing) break ;;
        *drain* | down* | fail*)
            log "node $host is '$state': resuming it"
            scontrol update NodeName="$host" State=RESUME 2>/dev/null || true
            ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || die "node $host is '${state:-unknown}', not idle, after ${WAIT_S}s"
    sleep 1
done
log "node $host is $state"

# 6. Smoke tests: an interactive step and a batch job
out="$(timeout 60 srun -N1 -n1 -t 1 hostname 2>&1)" || die "'srun hostname' failed: $out"
log "srun hostname -> $out"
job_out="$(mktemp)"
timeout 90 sbatch --wait --quiet -t 1 -o "$job_out" --wrap 'echo sbatch-ok' \
    || die "'sbatch --wait --wrap' failed"
grep -q sbatch-ok "$job_out" || die "the sbatch test job wrote no output ($job_out)"
rm -f "$job_out"
log "sbatch --wrap -> ok"
sinfo
log "cluster ready"
