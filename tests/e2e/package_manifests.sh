# mstrc package's Kubernetes manifests (templates/k8s_*): every document is valid by the
# Kubernetes API schemas and the fields the job depends on agree (tests/k8s/validate.mjs:
# the pod's ordinal as the process number, peers, probes, grace period, the shared state
# volume, services, the Kustomize base, the image), for a job of 3 processes of 2 workers on
# the image --image names and for the defaults (1 process, the job's own workers, the image
# NAME:latest). A program name that is not a Kubernetes name (word_count) becomes one
# (word-count). rescale.sh, run against a stand-in kubectl that records its calls, for another
# number of pods stops the pods before it rewrites the state, rewrites it with the image the
# StatefulSet runs, and only then sets the new settings and starts the new pods; asked for 0
# processes, it calls nothing; when the rewrite fails, it stops there and says so; for as many
# pods as run, it asks process 0 for the new workers live (ctl rescale in pod 0) and sets
# MSTR_WORKERS alone. An output directory that cannot be made is an error.
# The npm packages that validate are pinned in tests/k8s/package-lock.json and installed by
# `npm ci` when missing or older than the lock (as `make editors` does for tests/editors).
set -eu
. "$ROOT/tests/lib/processes.sh"
cd "$WORK" && rm -rf package_manifests && mkdir package_manifests && cd package_manifests

k8s=$ROOT/tests/k8s
stamp=$k8s/node_modules/.installed-from-lock
if [ ! -f "$stamp" ] || [ "$k8s/package-lock.json" -nt "$stamp" ]; then
    (cd "$k8s" && npm ci --no-audit --no-fund --loglevel=error) && touch "$stamp"
fi

cp "$ROOT/examples/word_count.mstr" .
"$MSTRC" package word_count.mstr -o three --processes 3 --workers 2 \
    --image registry.example/word-count:1 > three.out
node "$k8s/validate.mjs" three word-count 3 2 registry.example/word-count:1 ||
    bad "the manifests of 3 processes"
"$MSTRC" package word_count.mstr > default.out # into word_count-package, the job's 2 workers
node "$k8s/validate.mjs" word_count-package word-count 1 2 word-count:latest ||
    bad "the manifests by default"
grep -q '^mstrc: manifests for 3 processes of 2 workers in three/k8s$' three.out ||
    bad "mstrc package did not say what it wrote: $(cat three.out)"

# Usage errors are status 2.
for args in "package word_count.mstr --processes 0" "package word_count.mstr --workers" \
            "package word_count.mstr --image" "run word_count.mstr --image x" \
            "build word_count.mstr --processes 2"; do
    status=0
    "$MSTRC" $args > /dev/null 2>&1 || status=$?
    [ $status = 2 ] || bad "mstrc $args: exit status $status, expected 2"
done

# An output directory that cannot be made is an error (1) that names it.
status=0
"$MSTRC" package word_count.mstr -o /proc/mstr-package > /dev/null 2> noplace.err || status=$?
[ $status = 1 ] && grep -q "cannot make '/proc/mstr-package'" noplace.err ||
    bad "package into /proc: exit status $status, $(cat noplace.err)"

# rescale.sh against a stand-in kubectl (running KUBECTL_REPLICAS pods, 3 unless set): its
# calls, in order.
mkdir bin
cat > bin/kubectl <<'SH'
#!/bin/sh
printf '%s\n' "$*" | tr '\n' ' ' >> "$KUBECTL_LOG"; echo >> "$KUBECTL_LOG"
[ "$1" != "${KUBECTL_FAILS:-}" ] || exit 1
case "$1 $2 $5" in
    "get statefulset jsonpath={.spec.replicas}") echo "${KUBECTL_REPLICAS:-3}" ;;
    "get statefulset "*) echo registry.example/word-count:1 ;;
esac
SH
chmod +x bin/kubectl
status=0
KUBECTL_LOG=$PWD/calls PATH=$PWD/bin:$PATH three/rescale.sh 0 3 > rescale.out 2>&1 || status=$?
[ $status = 2 ] && [ ! -e calls ] || bad "rescale.sh 0 3: exit status $status, kubectl called: $(cat calls 2> /dev/null)"
KUBECTL_LOG=$PWD/calls PATH=$PWD/bin:$PATH three/rescale.sh 4 3 > rescale.out ||
    bad "rescale.sh failed: $(cat rescale.out)"
awk '{ print $1, $2 }' calls > verbs
printf '%s\n' "get statefulset" "get statefulset" "scale statefulset" "get pods" \
    "run word-count-reshard" "patch configmap" "scale statefulset" > want.verbs
same_bytes want.verbs verbs "rescale.sh's kubectl calls" || true
grep -q '^scale statefulset word-count --replicas=0 $' calls || bad "rescale.sh did not scale to 0 first: $(cat calls)"
grep -q '^scale statefulset word-count --replicas=4 $' calls || bad "rescale.sh did not scale to 4: $(cat calls)"
/usr/bin/python3 - <<'PY' || bad "rescale.sh's reshard pod or settings are wrong: $(cat calls)"
import json
calls = open("calls").read().splitlines()
run = next(c for c in calls if c.startswith("run "))
overrides = json.loads(run.split("--overrides=", 1)[1])
spec = overrides["spec"]
container = spec["containers"][0]
assert "--image=registry.example/word-count:1" in run.split(), run
assert container["image"] == "registry.example/word-count:1", container
assert container["args"] == ["reshard", "--state-dir", "/data/state", "--processes", "4",
                             "--workers", "3"], container["args"]
assert spec["volumes"][0]["persistentVolumeClaim"]["claimName"] == "word-count-state", spec
patch = next(c for c in calls if c.startswith("patch "))
data = json.loads(patch.split(" -p ", 1)[1])["data"]
peers = ",".join("word-count-%d.word-count:7000" % i for i in range(4))
assert data == {"MSTR_PROCESSES": "4", "MSTR_WORKERS": "3", "MSTR_PEERS": peers}, data
PY
# A rewrite that fails leaves the job stopped: no new settings, no new pods.
status=0
KUBECTL_LOG=$PWD/failed KUBECTL_FAILS=run PATH=$PWD/bin:$PATH three/rescale.sh 4 3 > failed.out 2>&1 ||
    status=$?
[ $status != 0 ] && [ "$(awk '{ print $1 }' failed | tr '\n' ' ')" = "get get scale get run " ] ||
    bad "rescale.sh went on after the rewrite failed (status $status): $(cat failed)"
grep -q 'run it again' failed.out || bad "rescale.sh did not say what to do after a failure: $(cat failed.out)"
# As many pods as run now: their workers change live, through process 0's control API, and the
# ConfigMap says the new count for their next start; nothing is stopped.
KUBECTL_LOG=$PWD/live KUBECTL_REPLICAS=3 PATH=$PWD/bin:$PATH three/rescale.sh 3 4 > live.out ||
    bad "rescale.sh 3 4 failed: $(cat live.out)"
printf '%s\n' "get statefulset" "exec word-count-0" "patch configmap" > want.live
awk '{ print $1, $2 }' live > live.verbs
same_bytes want.live live.verbs "rescale.sh's kubectl calls for the same pods" || true
grep -qx 'exec word-count-0 -- /word_count ctl rescale 12 --coordinator localhost:7000 ' live ||
    bad "rescale.sh did not ask process 0 for 12 workers: $(cat live)"
grep -qF "patch configmap word-count-settings --type merge -p {\"data\": {\"MSTR_WORKERS\": \"4\"}} " live ||
    bad "rescale.sh did not set MSTR_WORKERS alone: $(cat live)"
[ $failures = 0 ]
