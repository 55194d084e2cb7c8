#!/usr/bin/env bash
# Stop the test cluster started by tests/slurm/start_cluster.sh (jobs, slurmd, slurmctld, munged).
set -uo pipefail

log() { echo "[stop_cluster] $*"; }

if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null && exec sudo -E bash "$0" "$@"
    echo "[stop_cluster] ERROR: must run as root" >&2; exit 1
fi

command -v scancel >/dev/null && pgrep -x slurmctld >/dev/null && scancel --quiet --user=root 2>/dev/null
for daemon in slurmd slurmctld munged; do
    pids=$(pgrep -x "$daemon" | tr '\n' ' ')
    [ -n "$pids" ] || continue
    log "stopping $daemon ($pids)"
    kill $pids 2>/dev/null
    for _ in $(seq 1 20); do pgrep -x "$daemon" >/dev/null || break; sleep 0.5; done
    if pgrep -x "$daemon" >/dev/null; then kill -9 $(pgrep -x "$daemon") 2>/dev/null; fi
done
log "stopped"
