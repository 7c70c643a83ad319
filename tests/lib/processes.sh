# Helpers for the tests of one job over several processes (tests/e2e/process*.sh and
# tests/chaos/process_kills.sh), sourced by them: counting failures, polling with a time limit
# instead of sleeping a fixed time, finding the processes a supervisor started, free ports for
# processes started by hand, and comparing outputs.
#
# The sourcing script has set MSTRC and ROOT (as tests/run-e2e.sh does), and E2E_SAN when
# MSTRC is a sanitizer build (tests/run-e2e.sh says what it holds).

failures=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

# sample_only: whether to run a sample instead of everything, the time limit of the suite's
# sanitizer builds: true when E2E_SAN is set, unless MSTR_TEST_FULL=1.
sample_only() {
    [ -n "${E2E_SAN:-}" ] && [ "${MSTR_TEST_FULL:-0}" != 1 ]
}

# wait_until SECONDS COMMAND...: runs COMMAND every tenth of a second until it succeeds.
# Returns false if it did not within SECONDS.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

# process_pid SUPERVISOR I: the pid of process I of the job that SUPERVISOR (the pid of a
# `--processes N` run) started, or nothing if it is not running now.
process_pid() {
    local p
    for p in $(pgrep -P "$1"); do
        if tr '\0' ' ' 2> /dev/null < "/proc/$p/cmdline" | grep -q -- " --process $2 "; then
            echo "$p"
            return
        fi
    done
}

# alive PID: whether PID is running (a zombie is not).
alive() {
    local state
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2> /dev/null)
    [ -n "$state" ] && [ "$state" != Z ]
}

# stacks PID: the backtraces of every thread of PID and of the processes it started, for the
# record of a run that hung (with gdb, when it is installed; nothing otherwise).
stacks() {
    local child
    command -v gdb > /dev/null || return 0
    echo "== process $1: $(tr '\0' ' ' < "/proc/$1/cmdline" 2> /dev/null)"
    timeout 60 gdb -p "$1" -batch -ex 'thread apply all bt 12' 2> /dev/null | grep -E '^(Thread|#)'
    for child in $(pgrep -P "$1"); do
        stacks "$child"
    done
}

# kill_tree PID: SIGKILL to PID and the processes it started (a supervisor's job processes),
# for a run that hung: nothing of it may outlive the test. The parent goes first, so that a
# supervisor cannot see its processes die and start them again (and print that it did).
kill_tree() {
    local children child
    children=$(pgrep -P "$1")
    kill -KILL "$1" 2> /dev/null || true
    for child in $children; do
        kill_tree "$child"
    done
}

# stopped PID: whether PID is stopped by a signal (SIGSTOP).
stopped() {
    grep -q '^State:[[:space:]]*T' "/proc/$1/status" 2> /dev/null
}

# free_ports N: N TCP ports on loopback that nothing listens on now, separated by spaces. (Free
# when asked: the job binds them a moment later, as the supervisor's own choice does.)
free_ports() {
    local n=$1 ports="" p
    while [ "$n" -gt 0 ]; do
        p=$((20000 + RANDOM % 40000))
        case " $ports " in *" $p "*) continue ;; esac
        [ -z "$(ss -Hltn "sport = :$p" 2> /dev/null)" ] || continue
        ports="$ports $p"
        n=$((n - 1))
    done
    echo $ports
}

# peers PORT...: the --peers list of processes on loopback at those ports.
peers() {
    local list="" p
    for p in "$@"; do list="$list${list:+,}127.0.0.1:$p"; done
    echo "$list"
}

# same_sorted WANT GOT LABEL: the two files hold the same lines, in any order (duplicates
# count). Shows the first differences otherwise.
same_sorted() {
    if ! cmp -s <(LC_ALL=C sort "$1") <(LC_ALL=C sort "$2"); then
        bad "$3: differs (sorted; < expected, > got):"
        diff <(LC_ALL=C sort "$1") <(LC_ALL=C sort "$2") | head -10
        return 1
    fi
}

# same_bytes WANT GOT LABEL: the two files are equal byte for byte.
same_bytes() {
    if ! cmp -s "$1" "$2"; then
        bad "$3: differs byte for byte (< expected, > got):"
        diff "$1" "$2" | head -10
        return 1
    fi
}

# same_csv WANT GOT LABEL: the same header line first, then the same rows in any order.
same_csv() {
    if [ "$(head -n 1 "$1")" != "$(head -n 1 "$2" 2> /dev/null)" ]; then
        bad "$3: first line '$(head -n 1 "$2" 2> /dev/null)', expected the header '$(head -n 1 "$1")'"
        return 1
    fi
    same_sorted "$1" "$2" "$3"
}
