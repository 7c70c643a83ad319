// Validates what `mstrc package` wrote into OUT against the Kubernetes API schemas (the npm
// package kubernetes-models, offline) and checks the fields the job depends on.
//
//   node validate.mjs OUT NAME PROCESSES WORKERS IMAGE
//
// Each document of OUT/k8s/*.yaml is validated by the model of its apiVersion and kind; then
// the fields that make the job work, across the documents: the pod's ordinal as the process
// number (MSTR_PROCESS_FROM_HOSTNAME with pods NAME-I), the peers (the pods' names under the
// headless Service, on the exchange port, one per replica), the probes on the metrics port's
// /healthz, the grace period, the shared state volume, the services' selectors, the
// Prometheus annotations and the Kustomize base's list of files. Prints every problem found
// and exits 1 if there was one.
import { readFileSync, readdirSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";

const [out, name, processes, workers, image] = process.argv.slice(2);
const models = { v1: core, "apps/v1": apps };
let problems = 0;
const bad = (what) => { console.log(`FAIL: ${what}`); problems++; };
const expect = (what, got, want) => {
    if (JSON.stringify(got) !== JSON.stringify(want))
        bad(`${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
};

// Every document, validated, by kind.
const files = readdirSync(`${out}/k8s`).filter((f) => f.endsWith(".yaml")).sort();
const docs = {};
for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(`${out}/k8s/${file}`, "utf8"))) {
        if (doc.errors.length) { bad(`${file}: ${doc.errors[0].message}`); continue; }
        const obj = doc.toJS();
        const Model = models[obj.apiVersion]?.[obj.kind];
        if (!Model) { bad(`${file}: no schema for ${obj.apiVersion} ${obj.kind}`); continue; }
        try {
            new Model(obj).validate();
        } catch (e) {
            bad(`${file}: ${obj.kind} ${obj.metadata?.name}: ${e.message}`);
        }
        (docs[obj.kind] ??= []).push(obj);
    }
}
const one = (kind, pick = () => true) => {
    const found = (docs[kind] ?? []).filter(pick);
    if (found.length !== 1) bad(`${found.length} ${kind} documents, expected 1`);
    return found[0] ?? {};
};
const set = one("StatefulSet");
const settings = one("ConfigMap").data ?? {};
const headless = one("Service", (s) => s.spec.clusterIP === "None");
const control = one("Service", (s) => s.spec.clusterIP !== "None");
const claim = one("PersistentVolumeClaim");
const pod = set.spec?.template ?? {};
const container = pod.spec?.containers?.[0] ?? {};
const port = (n) => container.ports?.find((p) => p.name === n)?.containerPort;
const exchange = port("exchange"), metrics = port("metrics");

// One process per pod, numbered by the pod's ordinal; peers by the pods' DNS names.
expect("StatefulSet name", set.metadata?.name, name);
expect("image", container.image, image);
expect("replicas", set.spec?.replicas, Number(processes));
expect("podManagementPolicy", set.spec?.podManagementPolicy, "Parallel");
expect("the pods' settings", container.envFrom?.[0]?.configMapRef?.name,
       one("ConfigMap").metadata?.name);
expect("MSTR_PROCESS_FROM_HOSTNAME", settings.MSTR_PROCESS_FROM_HOSTNAME, "1");
expect("MSTR_PROCESSES", settings.MSTR_PROCESSES, String(set.spec?.replicas));
expect("MSTR_WORKERS", settings.MSTR_WORKERS, workers);
const peers = Array.from({ length: Number(processes) },
                         (_, i) => `${name}-${i}.${headless.metadata?.name}:${exchange}`);
expect("MSTR_PEERS", settings.MSTR_PEERS, peers.join(","));
expect("MSTR_LISTEN", settings.MSTR_LISTEN, `0.0.0.0:${exchange}`);
expect("serviceName", set.spec?.serviceName, headless.metadata?.name);
expect("headless Service publishes pods not ready", headless.spec?.publishNotReadyAddresses, true);
expect("headless Service port", headless.spec?.ports?.[0]?.port, exchange);
for (const s of [headless, control])
    for (const [k, v] of Object.entries(s.spec?.selector ?? {}))
        if (k !== "statefulset.kubernetes.io/pod-name" && pod.metadata?.labels?.[k] !== v)
            bad(`Service ${s.metadata?.name} selects ${k}=${v}, which the pods lack`);
expect("the control Service's pod", control.spec?.selector?.["statefulset.kubernetes.io/pod-name"],
       `${name}-0`);
expect("the control Service's ports", control.spec?.ports?.map((p) => p.port), [exchange, metrics]);

// Health, metrics, stopping.
expect("MSTR_METRICS_PORT", settings.MSTR_METRICS_PORT, String(metrics));
for (const probe of ["readinessProbe", "livenessProbe"])
    expect(probe, container[probe]?.httpGet, { path: "/healthz", port: "metrics" });
const annotations = pod.metadata?.annotations ?? {};
expect("prometheus.io annotations", [annotations["prometheus.io/scrape"], annotations["prometheus.io/port"],
       annotations["prometheus.io/path"]], ["true", String(metrics), "/metrics"]);
if (!(pod.spec?.terminationGracePeriodSeconds >= 60))
    bad(`terminationGracePeriodSeconds ${pod.spec?.terminationGracePeriodSeconds}: too short for a last snapshot`);
expect("cpu request", container.resources?.requests?.cpu, workers);
expect("runAsNonRoot", pod.spec?.securityContext?.runAsNonRoot, true);

// The state: one claim every pod mounts, holding MSTR_STATE_DIR.
const volume = pod.spec?.volumes?.find((v) => v.persistentVolumeClaim);
expect("the state claim", volume?.persistentVolumeClaim?.claimName, claim.metadata?.name);
expect("the claim's access", claim.spec?.accessModes, ["ReadWriteMany"]);
const mount = container.volumeMounts?.find((m) => m.name === volume?.name)?.mountPath;
if (!mount || !settings.MSTR_STATE_DIR?.startsWith(`${mount}/`))
    bad(`MSTR_STATE_DIR ${settings.MSTR_STATE_DIR} is not on the volume mounted at ${mount}`);
if (set.spec?.volumeClaimTemplates)
    bad("volumeClaimTemplates: the state must be one shared volume");

// The Kustomize base lists every manifest.
const kustomization = parseAllDocuments(readFileSync(`${out}/kustomization.yaml`, "utf8"))[0].toJS();
expect("kustomization resources", [...kustomization.resources].sort(), files.map((f) => `k8s/${f}`));

console.log(`${files.length} manifests checked, ${problems} problems`);
process.exit(problems ? 1 : 0);
