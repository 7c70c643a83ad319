# mstrc package's image (compiler/oci.c), read by other tools and run for real.
#
# Every build: `skopeo inspect` and `umoci unpack` accept the image; its config runs the
# binary as user 65534 with the ports and labels it should have (the source's digest among
# them); the layer holds the binary and nothing else but two directories.
#
# Plain build only: the layer's binary is byte for byte what `mstrc build` makes of the same
# program, and a second package, made in another directory, gives the same manifest digest
# (a sanitizer build's instrumentation names the temporary C file, so its binaries differ from
# build to build);
# and, because a sanitizer build links the binary dynamically and an image of the binary alone
# cannot run it, the job runs as two containers under runc, given what a StatefulSet of two
# pods would give them (the ConfigMap's MSTR_* settings, host names counts-0 and counts-1, the
# state volume at /data, listening on 0.0.0.0), except that snapshots come every 200 ms
# instead of 10 s, each listens on its own port, the peers' names map to loopback (an
# /etc/hosts in each container, read by the binary itself: the image has no libraries; and the
# machine's resolv.conf) and the containers share the host's network. The job is slowed down by the test hooks to run for a
# few seconds.
#   1. a run to the end writes what a plain run of the binary on 4 workers writes (runs.csv:
#      running sums of keys fed by one partition, which any lost or doubled record changes;
#      sorted, as the workers interleave their rows),
#      and /healthz answers while it runs;
#   2. `ctl status`, run in container 1 with its environment, reaches process 0 by its pod
#      name and names the job's layout; `ctl rescale 2` from there takes the two containers
#      from 2 workers to 1 each, live; SIGTERM to both containers (what deleting the pods
#      does) stops the job with a final snapshot and exit status 0;
#   3. resumed as rescale.sh's path for a stopped job does it: a container of the same image
#      runs `counts reshard` for 2 processes of 1 worker, which has nothing to rewrite (each
#      process keeps its key groups at any number of workers: runtime/mstr_route.h), and the
#      containers, given MSTR_WORKERS=1, resume from the snapshot on 1 worker each; one container killed with
#      SIGKILL and started again makes the other roll back, and the job still ends with the
#      same runs.csv.
# The plain build also checks --process-from-hostname's refusals (unshare gives a process a host
# name) and the supervisor, which ignores it.
# runc needs root: without it, or without runc, umoci or skopeo (scripts/deps.sh installs
# them), the test fails and says why.
set -eu
. "$ROOT/tests/lib/processes.sh"
cd "$WORK" && rm -rf package_image && mkdir package_image && cd package_image
for tool in skopeo umoci runc; do
    command -v $tool > /dev/null || { echo "FAIL: $tool is not installed (scripts/deps.sh installs it)"; exit 1; }
done

cat > counts.mstr <<'MSTR'
// Running sums of 17 keys over one ordered partition: the order per key is fixed.
job counts;

type Run { key: i64; n: i64; sum: i64; }

source numbers: i64 = range(0, 4000) partitions 1;

stream runs = numbers
  |> key_by k: i64 { return value % 17; }
  |> stateful_map run: Run (state Run) {
       state->key = key;
       state->n++;
       state->sum += value;
       return *state;
     };
runs |> sink table = csv("runs.csv");
MSTR

"$MSTRC" package counts.mstr -o out --processes 2 --workers 2 > package.out
mkdir elsewhere && cp counts.mstr elsewhere/ &&
    (cd elsewhere && "$MSTRC" package counts.mstr -o ../again --processes 2 --workers 2 > /dev/null)
"$MSTRC" build counts.mstr -o counts
digest=$(sed -n 's/^mstrc: image counts:latest (\(sha256:[0-9a-f]*\)) in out\/image$/\1/p' package.out)
[ -n "$digest" ] || bad "mstrc package did not name the image's digest: $(cat package.out)"
grep -q "\"digest\":\"$digest\"" out/image/index.json || bad "index.json does not name $digest"

# What skopeo reads: the manifest's digest, and the config.
skopeo inspect oci:out/image:latest > inspect.json
skopeo inspect --config oci:out/image:latest > config.json
source_digest="sha256:$(sha256sum < counts.mstr | cut -d' ' -f1)"
/usr/bin/python3 - "$digest" "$source_digest" <<'PY' || bad "the image's config is not as expected"
import json, sys
digest, source = sys.argv[1:]
inspect, config = json.load(open("inspect.json")), json.load(open("config.json"))["config"]
want = {
    "digest": (inspect["Digest"], digest),
    "user": (config["User"], "65534:65534"),
    "entrypoint": (config["Entrypoint"], ["/counts"]),
    "ports": (sorted(config["ExposedPorts"]), ["7000/tcp", "9100/tcp"]),
    "workdir": (config["WorkingDir"], "/data"),
    "program": (config["Labels"]["io.malstrom.program"], "counts.mstr"),
    "source": (config["Labels"]["io.malstrom.source.digest"], source),
    "listen": ("MSTR_LISTEN=0.0.0.0:7000" in config["Env"], True),
}
wrong = {k: v for k, v in want.items() if v[0] != v[1]}
for k, (got, expected) in wrong.items():
    print(f"FAIL: image {k}: {got!r}, expected {expected!r}")
sys.exit(1 if wrong else 0)
PY

# What umoci unpacks: the binary and two directories, nothing else.
umoci unpack --image out/image:latest bundle > /dev/null
[ "$(cd bundle/rootfs && find . | LC_ALL=C sort | tr '\n' ' ')" = ". ./counts ./data ./tmp " ] ||
    bad "the image holds $(cd bundle/rootfs && find . | tr '\n' ' ')"
if [ -n "${E2E_SAN:-}" ]; then
    echo "(reproducibility and the containers are checked in the plain build only)"
    [ $failures = 0 ]; exit
fi
# The same binary as mstrc build's, and the same image from another directory.
cmp -s counts bundle/rootfs/counts || bad "the image's binary is not what mstrc build makes"
cmp -s out/image/index.json again/image/index.json ||
    bad "two packages of the same program differ: $(cat out/image/index.json again/image/index.json)"
[ "$(id -u)" = 0 ] || { echo "FAIL: runc needs root to run the image"; exit 1; }

# The reference: the binary on 4 workers (2 processes x 2 in the containers).
export MSTR_TEST_POLL_RECORDS=20 MSTR_TEST_POLL_SLEEP_MS=5
mkdir want && (cd want && ../counts --workers 4 > stdout 2> stderr) || bad "the plain run failed"
[ "$(wc -l < want/runs.csv)" = 4001 ] || bad "the plain run wrote $(wc -l < want/runs.csv) lines"

# The process number from the host name: refused when the name has no -N, or names a process
# that the peers do not list; ignored by the supervisor (--processes without --peers gives
# its processes --process), whose run writes what the plain run writes.
for host in counts:"does not end in -N" counts-7:"--process 7 is not one of the 2 processes"; do
    status=0
    unshare --uts sh -c "hostname ${host%%:*} && exec ./counts --process-from-hostname --peers a:1,b:2" \
        > /dev/null 2> host.err || status=$?
    [ $status = 2 ] && grep -q -- "${host#*:}" host.err ||
        bad "host name ${host%%:*}: exit status $status, $(cat host.err)"
done
mkdir supervised && (cd supervised && MSTR_PROCESS_FROM_HOSTNAME=1 ../counts --processes 2 \
    --workers 2 > stdout 2> stderr) || bad "under the supervisor: $(tail -3 supervised/stderr)"
same_csv want/runs.csv supervised/runs.csv "under the supervisor: runs.csv" || true

# The containers' settings: the ConfigMap's, then what a cluster would give differently here.
sed -n 's/^  \(MSTR_[A-Z_]*\): "\(.*\)"$/\1=\2/p' out/k8s/settings.yaml > settings.env
grep -q '^MSTR_PROCESS_FROM_HOSTNAME=1$' settings.env || bad "the ConfigMap does not set MSTR_PROCESS_FROM_HOSTNAME"
read -r port0 port1 metrics0 metrics1 <<< "$(free_ports 4)"
printf '127.0.0.1 localhost\n127.0.0.1 counts-0\n127.0.0.1 counts-1\n' > hosts
mkdir -p run && chmod 777 run
# bundle I PORT METRICS [VAR=VALUE...]: bundle-I/config.json, the container of pod counts-I,
# with those settings besides the ConfigMap's.
bundle() {
    mkdir -p "bundle-$1"
    /usr/bin/python3 - "$@" <<'PY'
import json, os, sys
i, port, metrics = sys.argv[1:4]
c = json.load(open("bundle/config.json"))
env = [l.strip() for l in open("settings.env")]
env += ["MSTR_PEERS=counts-0:%s,counts-1:%s" % (os.environ["port0"], os.environ["port1"]),
        "MSTR_LISTEN=0.0.0.0:" + port, "MSTR_METRICS_PORT=" + metrics,
        "MSTR_SNAPSHOT_EVERY=200ms", "MSTR_TEST_POLL_RECORDS=20", "MSTR_TEST_POLL_SLEEP_MS=5"]
env += sys.argv[4:]
names = [e.split("=")[0] for e in env]
env = [e for k, e in enumerate(env) if e.split("=")[0] not in names[k + 1:]] # the last wins
p = c["process"]
p["terminal"] = False
p["env"] = [e for e in p["env"] if e.split("=")[0] not in names] + env
c["hostname"] = "counts-" + i
c["root"] = {"path": os.path.abspath("bundle/rootfs"), "readonly": True}
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["mounts"] += [
    {"destination": "/data", "type": "bind", "source": os.path.abspath("run"), "options": ["rbind", "rw"]},
    {"destination": "/etc/hosts", "type": "bind", "source": os.path.abspath("hosts"), "options": ["rbind", "ro"]},
    {"destination": "/etc/resolv.conf", "type": "bind", "source": "/etc/resolv.conf", "options": ["rbind", "ro"]},
]
json.dump(c, open("bundle-%s/config.json" % i, "w"))
PY
}
# Mount points in the read-only root. The machine's resolv.conf, as a pod gets the cluster's:
# without a name server that answers, each lookup of a peer's name waits seconds for one.
mkdir -p bundle/rootfs/etc && touch bundle/rootfs/etc/hosts bundle/rootfs/etc/resolv.conf
export port0 port1
bundle 0 "$port0" "$metrics0"
bundle 1 "$port1" "$metrics1"

name=mstr-test-$$
pids=()
# start I: runs container I in the background, appending to run/stdout.I and run/stderr.I.
start() {
    runc run --bundle "bundle-$1" "$name-$1" >> "run/stdout.$1" 2>> "run/stderr.$1" &
    pids[$1]=$!
}
# finish I: waits for container I; sets status to its exit status.
finish() {
    if ! wait_until 60 eval "! alive ${pids[$1]}"; then
        bad "container $1 did not end within 60 s"; runc kill "$name-$1" KILL 2> /dev/null || true
    fi
    status=0
    wait "${pids[$1]}" || status=$?
}
# Nothing of the test may outlive it, even when its time limit ends it.
trap 'for c in 0 1 reshard; do runc delete --force "$name-$c" 2> /dev/null || true; done' EXIT
trap 'exit 1' INT TERM
published() { [ -f run/runs.csv ] && [ "$(wc -l < run/runs.csv)" -gt 1 ]; }
healthy() { [ "$(curl -fs "http://127.0.0.1:$metrics1/healthz")" = ok ]; }

# 1. A run to the end.
start 0; start 1
wait_until 30 healthy || bad "container 1's /healthz did not answer within 30 s"
for i in 0 1; do
    finish $i
    [ "$status" = 0 ] || bad "run 1: container $i exit status $status: $(tail -3 run/stderr.$i)"
done
same_csv want/runs.csv run/runs.csv "run 1: runs.csv" || true
grep -q "^mstr: resumed" run/stderr.0 && bad "run 1 resumed from something: $(cat run/stderr.0)"

# 2. SIGTERM to both, as deleting the pods does: a last snapshot, exit status 0.
rm -rf run/* && : > run/stdout.0
start 0; start 1
wait_until 30 published || bad "run 2: no snapshot was published within 30 s"
# How a user watches it: ctl from inside the pod, with the pod's environment.
runc exec "$name-1" /counts ctl status --coordinator "counts-0:$port0" > status.out 2>&1 || true
grep -q '^job counts: 2 processes, 4 workers' status.out || bad "run 2: ctl status said: $(head -3 status.out)"
runc exec "$name-1" /counts ctl rescale 2 --coordinator "counts-0:$port0" > rescale.out 2>&1 ||
    bad "run 2: ctl rescale 2 failed: $(cat rescale.out)"
grep -q '^2 workers on 2 processes, live$' rescale.out || bad "run 2: ctl rescale said: $(cat rescale.out)"
# (Container 1 may have ended already: the job stops all its processes on process 0's signal.)
runc kill "$name-0" TERM || bad "run 2: the job ended before SIGTERM"
runc kill "$name-1" TERM 2> /dev/null || true
for i in 0 1; do
    finish $i
    [ "$status" = 0 ] || bad "run 2: SIGTERM gave exit status $status in container $i: $(tail -3 run/stderr.$i)"
done
snapshot=$(sed -n 's/^mstr: stopped by SIGTERM after snapshot \([0-9]*\);.*/\1/p' run/stderr.0)
[ -n "$snapshot" ] || bad "run 2: process 0 did not say it stopped after a snapshot: $(tail -3 run/stderr.0)"
[ "$(wc -l < run/runs.csv)" -lt 4001 ] || bad "run 2 ended before SIGTERM: make the job slower"

# 3. Resumed on 2 processes of 1 worker after the reshard pod of rescale.sh (the image's own
# settings, not the ConfigMap's); container 1 killed and started again.
mkdir -p bundle-reshard
/usr/bin/python3 - <<'PY'
import json, os
c = json.load(open("bundle/config.json"))
c["process"]["terminal"] = False
c["process"]["args"] += ["reshard", "--state-dir", "/data/state", "--processes", "2", "--workers", "1"]
c["root"] = {"path": os.path.abspath("bundle/rootfs"), "readonly": True}
c["mounts"] += [{"destination": "/data", "type": "bind", "source": os.path.abspath("run"), "options": ["rbind", "rw"]}]
json.dump(c, open("bundle-reshard/config.json", "w"))
PY
runc run --bundle bundle-reshard "$name-reshard" > reshard.out 2>&1 || bad "reshard failed: $(cat reshard.out)"
grep -q "^mstr: nothing to rewrite: the state in '/data/state' holds no snapshot, or is already for 2 processes " reshard.out ||
    bad "reshard of snapshot $snapshot said: $(cat reshard.out)"
bundle 0 "$port0" "$metrics0" MSTR_WORKERS=1
bundle 1 "$port1" "$metrics1" MSTR_WORKERS=1
start 0; start 1
wait_until 30 grep -q "^mstr: resumed from snapshot $snapshot " run/stderr.0 ||
    bad "run 3 did not resume from snapshot $snapshot: $(tail -3 run/stderr.0)"
runc kill "$name-1" KILL || bad "run 3: the job ended before SIGKILL"
finish 1
[ "$status" = 137 ] || bad "run 3: container 1 killed, exit status $status"
start 1
for i in 0 1; do
    finish $i
    [ "$status" = 0 ] || bad "run 3: container $i exit status $status: $(tail -3 run/stderr.$i)"
done
grep -q '^mstr: process 0 rolls back to snapshot' run/stderr.0 ||
    bad "run 3: process 0 did not roll back when container 1 was killed: $(tail -5 run/stderr.0)"
same_csv want/runs.csv run/runs.csv "runs 2 and 3: runs.csv" || true
[ $failures = 0 ]
