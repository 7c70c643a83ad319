# The control API and the metrics of a job over two processes, from three clients: a Python
# program with Debian's python3-grpcio and stubs generated from proto/mstr_control.proto (any
# gRPC client can), the job's own `ctl`, and HTTP for Prometheus (checked by promtool).
#
# The job reads slowly (a pause after every poll of 64 records) so that it runs while it is asked.
# Checked: Status names the job, its 2 processes and 4 workers and every source, operator and
# sink; its counts grow between two calls; any process answers (process 1 passes the call on);
# Snapshot answers with a committed snapshot that Status then shows; `ctl snapshot` on a job
# without a state directory is refused (exit 1, the reason printed); /metrics passes
# `promtool check metrics` and its records-read counter grows; /healthz answers ok; Stop ends
# the job (exit 0) after a last snapshot, and running it again resumes from there to the same
# file output as a run that was never stopped.
set -eu
cd "$WORK" && mkdir -p control_api && cd control_api
PY=/usr/bin/python3 # Debian's, which has grpc

cat > sums.mstr <<'MSTR'
job sums { workers = 2; }
source n: u64 = range(0, 4000000);
n |> key_by k: u64 { return value % 50; }
  |> stateful_op s: u64 (state u64) { *state += value; } on_epoch {
       if (epoch == MSTR_EPOCH_MAX) emit(*state);
     }
  |> sink out = csv("out.csv");
MSTR
"$MSTRC" build sums.mstr -o sums
./sums --workers 1
sort out.csv > want.csv

"$PY" -m grpc_tools.protoc -I "$ROOT/proto" --python_out=. --grpc_python_out=. \
    "$ROOT/proto/mstr_control.proto"

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
base=$(free_port)
metrics=$(free_port)
# the two processes use base and base + 1; the metrics metrics and metrics + 1
export MSTR_TEST_POLL_RECORDS=64 MSTR_TEST_POLL_SLEEP_MS=2
rm -rf st out.csv
./sums --processes 2 --state-dir st --listen 127.0.0.1:$base --metrics-port $metrics \
    2> job.err &
job=$!
trap 'kill $job 2>/dev/null || true' EXIT

fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > client.py <<'PY'
import sys, time
import grpc
import mstr_control_pb2 as pb
import mstr_control_pb2_grpc as rpc

base = int(sys.argv[1])
def stub(port):
    channel = grpc.insecure_channel("127.0.0.1:%d" % port)
    grpc.channel_ready_future(channel).result(timeout=60)
    return rpc.ControlStub(channel)

leader, follower = stub(base), stub(base + 1)
def status(s):
    for _ in range(600):  # the job may be between rounds, or still starting
        try:
            r = s.Status(pb.StatusRequest(), timeout=10)
            if not r.missing:
                return r
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNAVAILABLE:
                raise
        time.sleep(0.05)
    sys.exit("no complete status in 30 s")

first = status(leader)
assert first.job == "sums", first.job
assert first.processes == 2 and first.workers == 4, (first.processes, first.workers)
assert [c.name for c in first.sources] == ["n"], first.sources
assert [c.name for c in first.operators] == ["k", "s"], first.operators
assert [c.name for c in first.sinks] == ["out"], first.sinks
assert sorted(w.worker for w in first.worker_status) == [0, 1, 2, 3], first.worker_status
assert len(first.links) == 2, first.links
time.sleep(0.3)
second = status(follower)  # passed on to process 0
assert second.sources[0].value > first.sources[0].value, (first.sources, second.sources)
snap = leader.Snapshot(pb.SnapshotRequest(), timeout=60)
assert snap.snapshot >= 1, snap
third = status(leader)
assert third.last_snapshot >= snap.snapshot, (third.last_snapshot, snap.snapshot)
snap2 = follower.Snapshot(pb.SnapshotRequest(), timeout=60)
assert snap2.snapshot > snap.snapshot, (snap.snapshot, snap2.snapshot)
try:
    leader.Rescale(pb.RescaleRequest(workers=3), timeout=10)  # over 2 processes
    sys.exit("a rescale to 3 workers over 2 processes was not refused")
except grpc.RpcError as e:
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e
    assert "multiple of the processes" in e.details(), e.details()
print("python client: ok, snapshots %d and %d" % (snap.snapshot, snap2.snapshot))
PY
"$PY" client.py "$base" || bad "the Python client"

# ctl, the job's own client
./sums ctl status --coordinator 127.0.0.1:$((base + 1)) > ctl.out || bad "ctl status failed"
grep -q '^job sums: 2 processes, 4 workers' ctl.out || { bad "ctl status says"; cat ctl.out; }
grep -q '^sources: *n [0-9]* read' ctl.out || { bad "ctl status has no sources"; cat ctl.out; }

# metrics: valid, and moving
curl -sf "http://127.0.0.1:$metrics/metrics" > m1.txt || bad "no /metrics"
promtool check metrics < m1.txt || bad "promtool rejects /metrics"
grep -q '^mstr_process_info{job="sums",process="0",processes="2",workers="2"} 1$' m1.txt ||
    bad "no mstr_process_info in /metrics"
sleep 0.3
curl -sf "http://127.0.0.1:$((metrics + 1))/metrics" > f1.txt || bad "no /metrics on process 1"
grep -q 'process="1"' f1.txt || bad "process 1's metrics do not say process 1"
curl -sf "http://127.0.0.1:$metrics/metrics" > m2.txt || bad "no /metrics"
read1=$(sed -n 's/^mstr_source_records_read_total{source="n"} //p' m1.txt)
read2=$(sed -n 's/^mstr_source_records_read_total{source="n"} //p' m2.txt)
[ -n "$read1" ] && [ "$read2" -gt "$read1" ] || bad "records read did not grow: $read1 -> $read2"
grep -q '^mstr_exchange_sent_batches_total{peer="1"} [1-9]' m2.txt || bad "no batches to process 1"
[ "$(curl -sf "http://127.0.0.1:$metrics/healthz")" = ok ] || bad "/healthz is not ok"

# Stop: a last snapshot, then the job ends well and resumes to the right output
./sums ctl stop --coordinator 127.0.0.1:$base > stop.out || bad "ctl stop failed"
grep -q '^stopped after snapshot [1-9]' stop.out || { bad "ctl stop says"; cat stop.out; }
wait $job || bad "the stopped job exited with $?"
trap - EXIT
unset MSTR_TEST_POLL_RECORDS MSTR_TEST_POLL_SLEEP_MS
./sums --processes 2 --state-dir st 2> resume.err || bad "the resumed job failed"
grep -q 'resumed from snapshot' resume.err || { bad "it did not resume"; cat resume.err; }
sort out.csv | cmp -s - want.csv || bad "resumed output differs from an uninterrupted run"

# refusals: no state directory, nobody there
MSTR_TEST_POLL_RECORDS=64 MSTR_TEST_POLL_SLEEP_MS=2 ./sums --listen 127.0.0.1:$base 2> /dev/null &
lone=$!
if ./sums ctl snapshot --coordinator 127.0.0.1:$base > lone.out 2> lone.err; then
    bad "a snapshot of a job without a state directory was not refused"
fi
grep -q 'takes no snapshots' lone.err || { bad "refusal says"; cat lone.err; }
kill $lone
wait $lone || true
if ./sums ctl status --coordinator 127.0.0.1:1 > none.out 2> none.err; then
    bad "ctl status of nobody succeeded"
fi
grep -q 'cannot reach' none.err || { bad "ctl to nobody says"; cat none.err; }

[ "$fails" = 0 ]
