#!/usr/bin/env bash
# Start a one-node Slurm cluster on localhost for tests/slurm (CI runs this as root).
#
#   bash tests/slurm/start_cluster.sh      # install if missing, configure, start, wait until idle
#   bash tests/slurm/stop_cluster.sh       # stop the daemons again
#
# Idempotent: running it twice leaves one set of daemons; a node left down or
# drained (e.g. after a restart) is resumed. Jobs run as the submitting user;
# SlurmUser=root so that root's jobs (CI) are allowed.
# Environment: SLURM_TEST_PARTITION (default debug), SLURM_START_TIMEOUT (s, default 90).
set -euo pipefail

PARTITION=${SLURM_TEST_PARTITION:-debug}
TIMEOUT=${SLURM_START_TIMEOUT:-90}
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
LOG_DIR=/var/log/slurm

log() { echo "[start_cluster] $*"; }
die() { echo "[start_cluster] ERROR: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null && exec sudo -E bash "$0" "$@"
    die "must run as root (installs packages, writes /etc/slurm, starts daemons)"
fi

# --- 1. install (once) --------------------------------------------------------
missing=()
for tool in munged munge slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing Slurm and munge (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Services are started by this script, not by the package scripts.
    apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client >/dev/null
fi

# --- 2. configure -------------------------------------------------------------
NODE=$(hostname -s)
# The node line as slurmd sees this machine (CPUs, sockets, cores, RealMemory), minus UpTime.
NODE_HW=$(slurmd -C | head -n1 | sed -e 's/^NodeName=[^ ]* //' -e 's/ *UpTime=.*//')
[ -n "$NODE_HW" ] || die "slurmd -C printed no node line"

mkdir -p "$CONF_DIR" "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd /run/munge /var/lib/munge /var/log/munge
new_conf=$(mktemp)
cat > "$new_conf" <<CONF
# Written by tests/slurm/start_cluster.sh: a one-node test cluster on localhost.
ClusterName=sdc1test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# No cgroups in a container: plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# Cores and memory are consumable, so two 1-CPU jobs run side by side.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
SchedulerType=sched/backfill
# No slurmdbd: sacct has nothing to read, so Snakemake checks status with squeue.
# Finished jobs stay visible to 'squeue --states=all' for MinJobAge seconds
# (the plugin wants >= 3x slurm-init-seconds-before-status-checks; the tests read every job of
# a run, up to RUN_TIMEOUT = 20 min long, from squeue).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=1800
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
Waittime=0
NodeName=$NODE NodeAddr=127.0.0.1 $NODE_HW State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF

conf_changed=0
if ! cmp -s "$new_conf" "$CONF"; then
    install -m 0644 "$new_conf" "$CONF"
    conf_changed=1
    log "wrote $CONF (node: $NODE $NODE_HW)"
fi
rm -f "$new_conf"

# Munge key: created once, readable by munge only.
if [ ! -s /etc/munge/munge.key ]; then
    if command -v mungekey >/dev/null; then mungekey --create --force; else
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none; fi
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key && chmod 0755 /run/munge

# --- 3. start (only what is not running) ----------------------------------------
running() { pgrep -x "$1" >/dev/null; }

if ! running munged; then
    log "starting munged"
    runuser -u munge -- /usr/sbin/munged
fi
for _ in $(seq 1 20); do munge -n | unmunge >/dev/null 2>&1 && break; sleep 0.5; done
munge -n | unmunge >/dev/null || die "munge does not work"

if [ "$conf_changed" = 1 ]; then
    # A new config: restart whatever runs with the old one.
    for daemon in slurmd slurmctld; do
        if running "$daemon"; then
            log "config changed: stopping $daemon"
            pids=$(pgrep -x "$daemon" | tr "\n" " ")
            kill $pids || true
            for _ in $(seq 1 20); do running "$daemon" || break; sleep 0.5; done
        fi
    done
fi
if ! running slurmctld; then
    log "starting slurmctld"
    /usr/sbin/slurmctld
fi
if ! running slurmd; then
    log "starting slurmd"
    /usr/sbin/slurmd
fi

# --- 4. wait until the node is idle --------------------------------------------
deadline=$((SECONDS + TIMEOUT))
state=""
while [ $SECONDS -lt $deadline ]; do
    state=$(sinfo -h -n "$NODE" -p "$PARTITION" -o %T 2>/dev/null | head -n1 || true)
    case "$state" in
        idle|mixed|allocated|completing)
            log "cluster up: node $NODE is $state in partition $PARTITION"
            sinfo
            exit 0 ;;
        *down*|*drain*|*fail*)
            log "node $NODE is $state: resuming"
            scontrol update NodeName="$NODE" State=RESUME || true ;;
    esac
    sleep 1
done
echo "--- slurmctld.log" >&2; tail -n 30 "$LOG_DIR/slurmctld.log" >&2 || true
echo "--- slurmd.log" >&2; tail -n 30 "$LOG_DIR/slurmd.log" >&2 || true
die "node $NODE not idle after ${TIMEOUT}s (last state: '${state:-unknown}')"
