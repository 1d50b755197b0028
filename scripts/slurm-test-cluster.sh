#!/usr/bin/env bash
# A single-node Slurm cluster on localhost for the test suite:
#   scripts/slurm-test-cluster.sh start DIR   installs slurm-wlm and munge from Debian's packages
#                                             when missing (needs root), writes DIR/slurm.conf,
#                                             starts munged, slurmctld and slurmd, and waits until
#                                             the node is idle
#   scripts/slurm-test-cluster.sh stop DIR    stops the daemons it started
# Client commands find the cluster through SLURM_CONF=DIR/slurm.conf.
set -euo pipefail
cmd="${1:?start|stop}"
dir="$(mkdir -p "${2:?DIR}" && cd "$2" && pwd)"

case "$cmd" in
start)
    if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
        if [ "$(id -u)" != 0 ]; then
            echo "slurm-test-cluster: slurm-wlm and munge are missing and installing them needs root" >&2
            exit 1
        fi
        echo "slurm-test-cluster: installing slurm-wlm and munge (Debian packages)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq slurm-wlm munge >/dev/null
    fi
    if [ ! -s /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    if ! pgrep -x munged >/dev/null; then
        runuser -u munge -- munged
    fi
    host="$(hostname -s)"
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    cat >"$dir/slurm.conf" <<CONF
ClusterName=grokked-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
# Small, so that the tests see a sweep split into several arrays.
MaxArraySize=3
CONF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$SLURM_CONF"
    slurmd -f "$SLURM_CONF"
    for _ in $(seq 1 60); do
        if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
            echo "slurm-test-cluster: node $host idle (SLURM_CONF=$SLURM_CONF)" >&2
            exit 0
        fi
        sleep 1
    done
    echo "slurm-test-cluster: the node did not become idle within 60 s; logs in $dir/log" >&2
    sinfo >&2 || true
    exit 1
    ;;
stop)
    for daemon in slurmd slurmctld; do
        if [ -f "$dir/$daemon.pid" ]; then
            kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true
        fi
    done
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
