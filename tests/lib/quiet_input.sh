# tests/lib/quiet_input.sh - running a job on a pipe that stays open and quiet between writes,
# to check what it writes while no record comes (processing time, wall-clock timers). Sourced,
# not run.

# rows_within FILE N: returns once the CSV file FILE holds N rows besides its header, or fails
# after 10 s.
rows_within() {
    for _ in $(seq 100); do
        [ "$(tail -n +2 "$1" 2> /dev/null | wc -l)" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# feed_quietly OUT CMD FIRST N1 SECOND N2: runs CMD (a word-split command line) reading a pipe;
# writes FIRST (printf format) to it and waits for OUT to hold N1 rows, then SECOND and N2
# rows, with the pipe open all along; then closes it and waits for the job. Sets started and
# ended (ms since 1970) around the run. Prints what went wrong and returns 1 if a wait timed
# out or the job failed.
feed_quietly() {
    local out=$1 cmd=$2 ok=0 status=0 job
    rm -f "$out" input && mkfifo input
    started=$(date +%s%3N)
    # shellcheck disable=SC2086  # the command line is split on purpose
    $cmd < input > job.out 2> job.err &
    job=$!
    exec 3> input
    # shellcheck disable=SC2059  # FIRST and SECOND are formats
    printf "$3" >&3
    rows_within "$out" "$4" || { echo "$cmd: $out did not get $4 rows while the input was quiet"; ok=1; }
    # shellcheck disable=SC2059
    printf "$5" >&3
    rows_within "$out" "$6" || { echo "$cmd: $out did not get $6 rows while the input was quiet"; ok=1; }
    exec 3>&-
    wait $job || status=$?
    [ $status = 0 ] || { echo "$cmd: exit status $status"; head -5 job.err; ok=1; }
    ended=$(date +%s%3N)
    return $ok
}
