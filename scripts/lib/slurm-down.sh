#!/usr/bin/env bash
# slurm-down.sh STATE_DIR — stop the daemons slurm-up.sh started, by their recorded
# PIDs only (never by name): TERM, then KILL after 5 s.  Leaves STATE_DIR in place.
set -euo pipefail

STATE=${1:?usage: slurm-down.sh STATE_DIR}
[ -f "$STATE/pids" ] || { echo "slurm-down: no $STATE/pids, nothing to stop"; exit 0; }
# shellcheck disable=SC1091
. "$STATE/pids"

# alive PID: exists and is not a zombie (our init may not reap orphans quickly)
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

stop() {  # stop NAME PID
  local name=$1 pid=${2:-}
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do alive "$pid" || { echo "slurm-down: $name ($pid) stopped"; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  echo "slurm-down: $name ($pid) killed"
}

# Jobs still running would outlive slurmd (their slurmstepd is not a child we
# recorded), so cancel every job first while slurmctld is up, and wait <= 10 s.
if alive "${SLURMCTLD_PID:-}"; then
  export SLURM_CONF=$STATE/slurm.conf
  jobs=$(timeout 10 squeue -h -o %A 2>/dev/null || true)
  if [ -n "$jobs" ]; then
    echo "slurm-down: cancelling jobs:" $jobs
    # shellcheck disable=SC2086
    timeout 10 scancel $jobs || true
    for _ in $(seq 20); do [ -z "$(timeout 5 squeue -h 2>/dev/null)" ] && break; sleep 0.5; done
  fi
fi

# slurmd first (it may still talk to slurmctld), munged last (both need it).
stop slurmd "${SLURMD_PID:-}"
stop slurmctld "${SLURMCTLD_PID:-}"
stop munged "${MUNGED_PID:-}"
rm -f "$STATE/pids"
# drop the /etc/slurm/slurm.conf link slurm-up.sh made, if it still points here
[ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$(cd "$STATE" && pwd)/slurm.conf" ] && rm -f /etc/slurm/slurm.conf
exit 0
