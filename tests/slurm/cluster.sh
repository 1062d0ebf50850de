#!/usr/bin/env bash
# Single-node SLURM cluster on localhost, for integration tests (run as root).
#
#   cluster.sh install      install slurmctld/slurmd/slurm-client/munge if missing
#                           (exit 3 if they cannot be had: the caller should skip)
#   cluster.sh up DIR       fresh cluster whose every file lives under DIR; prints
#                           `export SLURM_CONF=DIR/slurm.conf` on stdout (the only stdout)
#   cluster.sh down DIR     stop everything `up DIR` started (and any job still running)
#   cluster.sh status DIR   sinfo + squeue
#
# Client commands (sbatch, squeue, scancel, sinfo, scontrol) only need
# SLURM_CONF=DIR/slurm.conf in their environment; DIR/env holds the same export line.
#
# Exit codes: 0 ok, 1 failure (diagnostics on stderr), 2 usage, 3 prerequisites
# missing (packages not installable / not root): a test should skip on 3.
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)
# Binaries the cluster needs; checking these (not dpkg state) keeps `install` instant
# when everything is already there.
NEEDED_BINS=(slurmctld slurmd sinfo squeue sbatch scancel scontrol munged munge unmunge)

# Daemons live in sbin, which is not always on a test harness's PATH.
export PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin"

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
skip() { log "cannot provide a SLURM cluster: $*"; exit 3; }
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

missing_bins() {
    local b out=()
    for b in "${NEEDED_BINS[@]}"; do command -v "$b" >/dev/null 2>&1 || out+=("$b"); done
    echo "${out[*]:-}"
}

# ---------------------------------------------------------------- install
cmd_install() {
    local missing
    missing=$(missing_bins)
    if [[ -z $missing ]]; then
        log "slurm and munge already installed"
        return 0
    fi
    [[ $(id -u) -eq 0 ]] || skip "missing binaries ($missing) and not root, cannot apt-get install"
    command -v apt-get >/dev/null 2>&1 || skip "missing binaries ($missing) and no apt-get"
    log "installing ${PACKAGES[*]} (missing: $missing)"

    export DEBIAN_FRONTEND=noninteractive
    # The packages' maintainer scripts would otherwise start a system-wide munged
    # (and try slurmd/slurmctld) through their init scripts; we want only our private
    # daemons. policy-rc.d exiting 101 tells invoke-rc.d not to start anything. Only
    # create it if the machine has none, and remove it again afterwards.
    # (Globals, not locals: the EXIT trap runs after this function has returned.)
    POLICY_RC=/usr/sbin/policy-rc.d
    if [[ ! -e $POLICY_RC ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC"
        chmod 0755 "$POLICY_RC"
        trap 'rm -f "$POLICY_RC"' EXIT
    fi

    local apt_opts=(-y -q --no-install-recommends
        -o DPkg::Lock::Timeout=120
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    local aptlog
    aptlog=$(mktemp)
    # Try with the current package lists first (fast); stale or absent lists are the
    # usual reason for failure, so refresh them once and retry.
    if ! apt-get install "${apt_opts[@]}" "${PACKAGES[@]}" >"$aptlog" 2>&1; then
        log "apt-get install failed with current lists; running apt-get update and retrying"
        if ! { apt-get update -q && apt-get install "${apt_opts[@]}" "${PACKAGES[@]}"; } >"$aptlog" 2>&1; then
            tail -n 20 "$aptlog" >&2
            rm -f "$aptlog"
            skip "apt-get could not install ${PACKAGES[*]} (see above)"
        fi
    fi
    rm -f "$aptlog"
    missing=$(missing_bins)
    [[ -z $missing ]] || skip "packages installed but binaries still missing: $missing"
    log "installed: $(dpkg-query -W -f='${Package} ${Version}, ' "${PACKAGES[@]}" 2>/dev/null)"
}

# ---------------------------------------------------------------- helpers
abs_dir() { realpath -m -- "$1"; }

# True if a TCP port is in use on any local address (any state: a socket in
# TIME_WAIT or an outgoing connection can still make bind() fail).
port_in_use() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v h="$hex" 'NR > 1 { split($2, a, ":"); if (a[2] == h) { found = 1 } } END { exit !found }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Two consecutive free ports below the kernel's ephemeral range (32768+), so no
# outgoing connection grabs them between now and the daemons' bind().
pick_ports() {
    local _ base
    for _ in $(seq 1 200); do
        base=$((20000 + RANDOM % 12000))
        if ! port_in_use "$base" && ! port_in_use $((base + 1)); then
            echo "$base"
            return 0
        fi
    done
    die "no free pair of TCP ports found in 20000-32000"
}

# Is PID alive and running program COMM? (guards against a recycled pid: we only
# ever signal processes we started). Zombies count as dead.
pid_is() {
    local pid=$1 comm=$2 state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ $state != Z ]]
}

# Is PID alive at all? For the daemons `up` has just started: right after the fork
# the process may not have exec'd yet, so its comm is still "setsid" or "bash".
pid_alive() {
    local state
    [[ $1 =~ ^[0-9]+$ ]] || return 1
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

# Signal PIDs (all running COMM) with TERM, wait up to SECS, then KILL.
stop_pids() {
    local comm=$1 secs=$2; shift 2
    local pid alive i
    for pid in "$@"; do
        if pid_is "$pid" "$comm"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for ((i = 0; i < secs * 10; i++)); do
        alive=0
        for pid in "$@"; do pid_is "$pid" "$comm" && alive=1; done
        [[ $alive -eq 0 ]] && return 0
        sleep 0.1
    done
    for pid in "$@"; do
        if pid_is "$pid" "$comm"; then
            log "$comm (pid $pid) ignored SIGTERM for ${secs}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    for ((i = 0; i < 50; i++)); do
        alive=0
        for pid in "$@"; do pid_is "$pid" "$comm" && alive=1; done
        [[ $alive -eq 0 ]] && return 0
        sleep 0.1
    done
    log "warning: $comm still alive after SIGKILL: $*"
}

# Processes of jobs still running on the cluster in DIR: its slurmstepd daemons and
# everything in their sessions or below them (job scripts and what they ran), so
# `down` leaves nothing behind. slurmstepd clears its environment and reparents to
# init, so it is recognised by an open file under DIR (it keeps SlurmdLogFile open).
cluster_job_pids() {
    local dir=$1 p f
    local -a roots=()
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [[ $(cat "/proc/$p/comm" 2>/dev/null) == slurmstepd ]] || continue
        for f in /proc/"$p"/fd/*; do
            if [[ $(readlink "$f" 2>/dev/null) == "$dir"/* ]]; then
                roots+=("$p")
                break
            fi
        done
    done
    [[ ${#roots[@]} -gt 0 ]] || return 0
    # pid, ppid and session of every process, from /proc/*/stat (comm, field 2, may
    # hold spaces, so split after its closing parenthesis).
    local table
    table=$(for f in /proc/[0-9]*/stat; do
        sed -n 's/^\([0-9]*\) (.*) [A-Za-z] \([0-9]*\) [0-9]* \([0-9]*\) .*/\1 \2 \3/p' "$f" 2>/dev/null
    done)
    local -A seen=()
    local -a queue=("${roots[@]}")
    local sid child
    for p in "${roots[@]}"; do
        sid=$(awk -v p="$p" '$1 == p {print $3}' <<<"$table")
        [[ -n $sid ]] || continue
        while read -r child; do queue+=("$child"); done < <(awk -v s="$sid" '$3 == s {print $1}' <<<"$table")
    done
    while [[ ${#queue[@]} -gt 0 ]]; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        [[ -n ${seen[$p]:-} || $p == "$$" ]] && continue
        seen[$p]=1
        echo "$p"
        while read -r child; do queue+=("$child"); done < <(awk -v pp="$p" '$2 == pp {print $1}' <<<"$table")
    done
}

# Kill the processes listed (by pid) whatever their program, TERM then KILL.
stop_any() {
    local pids=("$@") pid i alive
    [[ ${#pids[@]} -gt 0 ]] || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
        alive=0
        for pid in "${pids[@]}"; do [[ -d /proc/$pid ]] && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] && alive=1; done
        [[ $alive -eq 0 ]] && return 0
        sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
}

show_logs() {
    local dir=$1 f
    # The daemons' own stderr (they run in the foreground): the same as their log
    # files plus what they print before opening them, e.g. slurm.conf errors.
    for f in munged.log slurmctld.stdout slurmd.stdout; do
        [[ -s $dir/log/$f ]] || continue
        log "---- last lines of $dir/log/$f"
        tail -n 25 "$dir/log/$f" >&2 || true
    done
}

# ---------------------------------------------------------------- up
# EXIT trap of `up`: on failure show the logs and stop whatever was started.
on_up_exit() {
    local rc=$?
    [[ $rc -ne 0 ]] || return 0
    show_logs "$UP_DIR"
    log "up failed, stopping what was started"
    cmd_down "$UP_DIR" >/dev/null 2>&1 || true
}

cmd_up() {
    local dir
    dir=$(abs_dir "$1")
    [[ $(id -u) -eq 0 ]] || skip "must run as root (SlurmUser=root, private munged)"
    local missing
    missing=$(missing_bins)
    [[ -z $missing ]] || skip "missing binaries: $missing (run '$0 install')"

    # Unix socket paths are limited to 108 bytes; slurmstepd puts sockets named like
    # NODE_JOBID.STEPID in the spool dir, so keep DIR short.
    ((${#dir} <= 70)) || die "DIR too long (${#dir} > 70 chars) for unix socket paths: $dir"
    # The paths go unquoted into slurm.conf, where spaces and '#' would break parsing.
    [[ $dir =~ ^[A-Za-z0-9._/+-]+$ ]] || die "DIR may only contain [A-Za-z0-9._/+-]: $dir"

    if [[ -d $dir/run ]]; then
        local d
        for d in munged slurmctld slurmd; do
            if pid_is "$(cat "$dir/run/$d.pid" 2>/dev/null || true)" "$d"; then
                die "$d from a previous 'up $dir' is still running; run '$0 down $dir' first"
            fi
        done
    fi

    # Fresh state every time: remove only what a previous `up` created.
    rm -rf "$dir/state" "$dir/spool" "$dir/run" "$dir/log" "$dir/munge" \
        "$dir/slurm.conf" "$dir/env"
    mkdir -p "$dir"
    # munged refuses directories writable by others and warns unless everyone may
    # traverse the socket's dir; its own 0711 dir suits it whatever the mode of DIR.
    install -d -m 0755 "$dir/state" "$dir/spool" "$dir/log"
    install -d -m 0700 "$dir/run"
    install -d -m 0711 "$dir/munge"

    # --- munge: private key, socket, pid, log and seed, so the system munged (if
    # any) is neither used nor disturbed. munged runs as root here, so root owns the key.
    local key=$dir/munge/munge.key sock=$dir/munge/munge.socket.2
    if command -v mungekey >/dev/null 2>&1; then
        mungekey --create --keyfile="$key" --force >/dev/null 2>&1 \
            || dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
    else
        dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
    fi
    chown root:root "$key"
    chmod 0400 "$key"

    local node host ctld_port slurmd_port cpus mem_mb
    # Node name = short hostname, as slurmd expects; fall back to localhost if the
    # hostname is empty or would not be a valid Slurm node name.
    host=$(hostname -s 2>/dev/null || true)
    [[ $host =~ ^[A-Za-z0-9][A-Za-z0-9-]*$ ]] || host=localhost
    node=$host
    ctld_port=$(pick_ports)
    slurmd_port=$((ctld_port + 1))
    cpus=$(nproc)
    # Advertise (almost) all memory so jobs asking for e.g. --mem=1G are schedulable;
    # memory is not a consumable resource here (CR_CPU), so it never serializes jobs.
    mem_mb=$(awk '/^MemTotal:/ { m = int($2 / 1024 * 0.9); print (m > 1 ? m : 1) }' /proc/meminfo)

    cat >"$dir/slurm.conf" <<EOF
# Generated by $0 up $dir -- single-node test cluster, everything under $dir.
ClusterName=localtest
# Explicit address: no reliance on the hostname resolving.
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root

AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock

StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.slurm.pid
SlurmdPidFile=$dir/run/slurmd.slurm.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info

# No cgroups in this sandbox: nothing below may need them.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true

SchedulerType=sched/backfill
# React to submissions and completions at once (defaults wait seconds between passes).
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MaxArraySize=1001
MaxJobCount=10000
# Trust the configured CPUs/memory instead of draining the node over a mismatch.
SlurmdParameters=config_overrides
ReturnToService=2

# Short timeouts: fast failure detection and quick cancellation in tests.
SlurmctldTimeout=10
SlurmdTimeout=10
MessageTimeout=10
InactiveLimit=0
KillWait=2
MinJobAge=300
Waittime=0

NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
    printf 'export SLURM_CONF=%s\n' "$dir/slurm.conf" >"$dir/env"

    export SLURM_CONF=$dir/slurm.conf

    # If anything below fails, report and tear down what was started: a failed `up`
    # must not leave daemons behind.
    UP_DIR=$dir
    trap on_up_exit EXIT
    # Without these, a SIGTERM/SIGINT (e.g. a test timeout) would kill us without
    # running the EXIT trap and leave half-started daemons behind.
    trap 'exit 143' TERM
    trap 'exit 130' INT

    # (munged ignores --log-file in the foreground: it logs to stderr, hence the
    # redirection to log/munged.log.)
    # Daemons run in the foreground (-D/--foreground), backgrounded by us, so the pid
    # we record is the daemon's own. Their stdio goes to files: an inherited stdout
    # pipe would keep a test harness reading our output waiting forever. setsid
    # detaches them from the caller's process group and terminal signals.
    log "starting munged"
    setsid munged --foreground --force \
        --socket="$sock" --key-file="$key" \
        --pid-file="$dir/run/munged.munge.pid" --seed-file="$dir/munge/munged.seed" \
        </dev/null >>"$dir/log/munged.log" 2>&1 &
    echo $! >"$dir/run/munged.pid"
    local i ok=0
    for ((i = 0; i < 100; i++)); do
        if [[ -S $sock ]] && munge -n -S "$sock" 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1; then
            ok=1
            break
        fi
        pid_alive "$(cat "$dir/run/munged.pid")" || break
        sleep 0.1
    done
    [[ $ok -eq 1 ]] || die "munged did not come up"

    log "starting slurmctld (port $ctld_port)"
    setsid slurmctld -D -f "$dir/slurm.conf" </dev/null >>"$dir/log/slurmctld.stdout" 2>&1 &
    echo $! >"$dir/run/slurmctld.pid"
    log "starting slurmd (node $node, port $slurmd_port)"
    setsid slurmd -D -N "$node" -f "$dir/slurm.conf" </dev/null >>"$dir/log/slurmd.stdout" 2>&1 &
    echo $! >"$dir/run/slurmd.pid"

    # Ready when the node is idle (registered and schedulable).
    local state="" deadline=$((SECONDS + 60)) d
    while ((SECONDS < deadline)); do
        for d in munged slurmctld slurmd; do
            pid_alive "$(cat "$dir/run/$d.pid")" || die "$d exited during startup"
        done
        state=$(sinfo -h -N -n "$node" -o '%T' 2>/dev/null | head -n 1 || true)
        [[ $state == idle ]] && break
        sleep 0.5
    done
    [[ $state == idle ]] || { sinfo -N -l >&2 2>&1 || true; die "node $node not idle after 60s (state: '${state:-unreachable}')"; }

    trap - EXIT TERM INT
    log "cluster up: node $node idle, $cpus CPUs, state under $dir"
    cat "$dir/env"
}

# ---------------------------------------------------------------- down
cmd_down() {
    local dir
    dir=$(abs_dir "$1")
    if [[ ! -d $dir/run ]]; then
        log "nothing to stop under $dir"
        return 0
    fi
    local pid
    # slurmd first (no new steps), then its leftover step daemons and jobs, then
    # slurmctld (saves state on TERM), munged last: the others talk to it while exiting.
    pid=$(cat "$dir/run/slurmd.pid" 2>/dev/null || true)
    stop_pids slurmd 10 "$pid"
    local -a jobs
    mapfile -t jobs < <(cluster_job_pids "$dir")
    if [[ ${#jobs[@]} -gt 0 ]]; then
        log "killing ${#jobs[@]} leftover job process(es): ${jobs[*]}"
        stop_any "${jobs[@]}"
    fi
    pid=$(cat "$dir/run/slurmctld.pid" 2>/dev/null || true)
    stop_pids slurmctld 15 "$pid"
    pid=$(cat "$dir/run/munged.pid" 2>/dev/null || true)
    stop_pids munged 10 "$pid"
    rm -f "$dir/run/"*.pid
    log "cluster under $dir stopped"
}

# ---------------------------------------------------------------- status
cmd_status() {
    local dir
    dir=$(abs_dir "$1")
    [[ -f $dir/slurm.conf ]] || die "no cluster configured under $dir"
    export SLURM_CONF=$dir/slurm.conf
    local d
    for d in munged slurmctld slurmd; do
        pid=$(cat "$dir/run/$d.pid" 2>/dev/null || true)
        if pid_is "$pid" "$d"; then echo "$d: running (pid $pid)"; else echo "$d: not running"; fi
    done
    sinfo
    squeue
}

main() {
    [[ $# -ge 1 ]] || usage
    local sub=$1
    shift
    case $sub in
    install) [[ $# -eq 0 ]] || usage; cmd_install ;;
    up | down | status)
        [[ $# -eq 1 && -n $1 ]] || usage
        "cmd_$sub" "$1"
        ;;
    -h | --help | help) usage ;;
    *) usage ;;
    esac
}

main "$@"
