#!/usr/bin/env bash
# A throwaway single-node Slurm cluster on loopback, for the Slurm tests and bench/slurm.mjs.
#
#   scripts/slurm-cluster.sh install        apt-get install slurm-wlm munge (root; ~5 s; idempotent)
#   scripts/slurm-cluster.sh start DIR      start munged + slurmctld + slurmd with all state in DIR;
#                                           prints `SLURM_CONF=DIR/slurm.conf` on stdout
#   scripts/slurm-cluster.sh stop DIR       stop the three daemons by their pids, remove DIR
#
# Exit codes: 0 ok; 3 = cannot be set up here (not root, no apt, not Debian) with the reason on
# stderr (callers report the suite as skipped, never as passed); 1 = a real failure.
# Facts behind the settings: /work/shared/SLURM.md (copied into docs/slurm.md "Test cluster").
set -euo pipefail

log() { printf '[slurm-cluster] %s\n' "$*" >&2; }
cannot() { printf '[slurm-cluster] cannot set up Slurm here: %s\n' "$*" >&2; exit 3; }

cmd="${1:-}"
case "$cmd" in
install)
  if command -v sbatch >/dev/null && command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
    exit 0
  fi
  [ "$(id -u)" = 0 ] || cannot "not root (need apt-get install slurm-wlm munge)"
  command -v apt-get >/dev/null || cannot "no apt-get (not Debian/Ubuntu)"
  log "apt-get install slurm-wlm munge"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends slurm-wlm munge >/tmp/actiontree-slurm-apt.log 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    apt-get install -y --no-install-recommends slurm-wlm munge >/tmp/actiontree-slurm-apt.log 2>&1 || {
      tail -20 /tmp/actiontree-slurm-apt.log >&2
      exit 1
    }
  fi
  ;;
start)
  D="${2:?usage: start DIR}"
  for b in munged slurmctld slurmd scontrol sinfo; do command -v "$b" >/dev/null || cannot "$b is not installed (run: $0 install)"; done
  [ "$(id -u)" = 0 ] || cannot "not root (slurmd must run as root)"
  mkdir -p "$D"
  D="$(cd "$D" && pwd)"
  rm -rf "$D/ctld" "$D/spool"
  mkdir -p "$D/munge" "$D/ctld" "$D/spool"
  chmod 0755 "$D" "$D/munge"
  dd if=/dev/urandom bs=128 count=1 of="$D/munge/munge.key" status=none
  chmod 0600 "$D/munge/munge.key"
  # A free port pair (ctld, ctld + 1 for slurmd).
  port=$(python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
for _ in range(50):
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close()
    t = socket.socket()
    try:
        t.bind(('127.0.0.1', p + 1)); t.close(); print(p); break
    except OSError:
        t.close()
EOF
)
  cpus=$(nproc)
  mem=$(free -m | awk '/^Mem:/{print $2}')
  cat >"$D/slurm.conf" <<EOF
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket.2
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$D/ctld
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=100
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
Epilog=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/jobcomp.txt
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=300
KillWait=2
Licenses=db:1,gpu:2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName=other Nodes=localhost Default=NO MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$D/slurm.conf"
  munged --key-file="$D/munge/munge.key" --socket="$D/munge/munge.socket.2" --pid-file="$D/munged.pid" \
    --log-file="$D/munged.log" --seed-file="$D/munge/seed" || { log "munged failed"; cat "$D/munged.log" >&2 || true; exit 1; }
  slurmctld -f "$D/slurm.conf" || { log "slurmctld failed"; tail -20 "$D/slurmctld.log" >&2 || true; exit 1; }
  for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
  scontrol ping | grep -q UP || { log "slurmctld does not answer"; tail -20 "$D/slurmctld.log" >&2; exit 1; }
  slurmd -f "$D/slurm.conf" -N localhost || { log "slurmd failed"; tail -20 "$D/slurmd.log" >&2 || true; exit 1; }
  for _ in $(seq 1 150); do [ "$(sinfo -h -N -o %T 2>/dev/null | head -1)" = idle ] && break; sleep 0.1; done
  [ "$(sinfo -h -N -o %T | head -1)" = idle ] || { log "node not idle: $(sinfo -h -N -o '%T %E')"; tail -20 "$D/slurmd.log" >&2; exit 1; }
  echo "SLURM_CONF=$D/slurm.conf"
  ;;
stop)
  D="${2:?usage: stop DIR}"
  [ -d "$D" ] || exit 0
  pids=()
  for f in slurmd.pid slurmctld.pid munged.pid; do
    [ -s "$D/$f" ] && pids+=("$(cat "$D/$f")")
  done
  # The step daemons of this cluster's jobs (detached from slurmd, working in $D) and what
  # they run outlive the daemons unless taken with them.
  real="$(cd "$D" && pwd -P)"
  for p in $(pgrep slurmstepd 2>/dev/null || true); do
    if [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$real" ]; then
      pids+=("$p")
      for c in $(pgrep -P "$p" 2>/dev/null || true); do pids+=("$c"); done
    fi
  done
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$D"
  ;;
*)
  echo "usage: $0 install | start DIR | stop DIR" >&2
  exit 2
  ;;
esac
