# tests/lib/jobs.sh - running commands side by side in the background (the suite's builds and
# scripts, two at a time on a machine of two cores). Sourced, not run.

# wait_for_room N: returns once fewer than N of this shell's background jobs run, waiting for
# one to end while N or more do. Each job's outcome is its caller's to check.
wait_for_room() {
    while [ "$(jobs -rp | wc -l)" -ge "$1" ]; do
        wait -n || true
    done
}
