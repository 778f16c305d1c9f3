#!/usr/bin/env bash
# slurm-single-node.sh: a one-node Slurm cluster on this machine, for the job-array
# test (scripts/slurm-array-test.sh) and for trying docs/cluster.md by hand.
#
#   bash scripts/slurm-single-node.sh start   # munged, slurmctld, slurmd; prints the node line
#   bash scripts/slurm-single-node.sh stop    # stop the daemons this script started (by PID)
#
# Needs root and Debian's packages: apt-get install --no-install-recommends
# slurmctld slurmd slurm-client munge. There is no systemd here, so the daemons
# run in the foreground (-F / -D) in the background of this shell, and their
# PIDs are kept in $SLURM_STATE (default /tmp/limsim-slurm). Only those PIDs are
# ever stopped. No accounting: job states come from `scontrol show job`.
set -euo pipefail

STATE=${SLURM_STATE:-/tmp/limsim-slurm}
CONF=/etc/slurm/slurm.conf

waitfor() { # waitfor SECONDS CMD...: poll every 0.2 s until CMD succeeds
  local end=$(($(date +%s) + $1)); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}
alive() { ps -o stat= -p "$1" 2>/dev/null | grep -qv Z; } # a zombie counts as gone

stop() {
  local f p
  for f in "$STATE"/slurmd.pid "$STATE"/slurmctld.pid "$STATE"/munged.pid; do
    [ -f "$f" ] || continue
    p=$(cat "$f")
    # Only if that PID is still the daemon this script started (not a reused PID).
    if alive "$p" && [ "$(ps -o comm= -p "$p")" = "$(basename "$f" .pid)" ]; then
      kill "$p"
      waitfor 20 bash -c "! { ps -o stat= -p $p | grep -qv Z; }" || kill -9 "$p"
    fi
    rm -f "$f"
  done
}

start() {
  command -v slurmctld >/dev/null || { echo "slurmctld not installed (apt-get install --no-install-recommends slurmctld slurmd slurm-client munge)" >&2; exit 1; }
  stop
  rm -rf "$STATE"
  mkdir -p "$STATE"/{ctld,spool,log}
  local host node
  host=$(hostname -s)
  getent hosts "$host" >/dev/null || echo "127.0.0.1 $host" >>/etc/hosts # slurmd must resolve its own name

  # munge: Debian's postinst creates the key; make one if it is missing. /run/munge is
  # normally made by systemd (RuntimeDirectory=), so create it for user munge.
  [ -s /etc/munge/munge.key ] || mungekey --create --force
  chown munge:munge /etc/munge/munge.key
  chmod 0600 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F </dev/null >"$STATE/log/munged.out" 2>&1 &
  echo $! >"$STATE/munged.pid"
  waitfor 10 bash -c 'munge -n | unmunge' || { echo "munged did not come up" >&2; exit 1; }

  # The node line (CPUs, sockets, cores, memory) as slurmd sees this machine.
  node=$(slurmd -C | head -1 | sed 's/ UpTime=.*//')
  mkdir -p "$(dirname "$CONF")"
  cat >"$CONF" <<EOF
ClusterName=limsim-single
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.daemon.pid
SlurmdPidFile=$STATE/slurmd.daemon.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

  if scontrol ping >/dev/null 2>&1; then echo "a slurmctld not started by this script answers on $host; stop it first" >&2; exit 1; fi
  slurmctld -D </dev/null >"$STATE/log/slurmctld.out" 2>&1 &
  echo $! >"$STATE/slurmctld.pid"
  waitfor 20 scontrol ping || { echo "slurmctld not up: $(tail -5 "$STATE/log/slurmctld.log")" >&2; exit 1; }
  slurmd -D </dev/null >"$STATE/log/slurmd.out" 2>&1 &
  echo $! >"$STATE/slurmd.pid"
  waitfor 30 bash -c "sinfo -h -n $host -o %t | grep -qx idle" || { echo "node not idle: $(sinfo -N -l; tail -5 "$STATE/log/slurmd.log")" >&2; exit 1; }
  echo "slurm up: $node (munged $(cat "$STATE/munged.pid"), slurmctld $(cat "$STATE/slurmctld.pid"), slurmd $(cat "$STATE/slurmd.pid"))"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
