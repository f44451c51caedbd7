/**
 * Checks the Kubernetes manifests of deploy/k8s offline, as a cluster would on apply and
 * beyond: each object against the Kubernetes API's own OpenAPI schema (types, formats,
 * required fields; the `kubernetes-models` validators generated from it), unknown fields
 * at any depth (strict-fields.ts), then what a
 * schema cannot see: every file in the kustomization, every ConfigMap, Secret key, claim,
 * Service selector, PDB and HPA target naming something that exists, and every container
 * with resource requests and readiness and liveness probes.
 *
 *   const problems = await checkManifests(loadManifests("deploy/k8s"));   // [] when sound
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { modelPath, unknownFields } from "./strict-fields.ts";

const projectRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));

export interface Manifest {
  file: string;
  object: K8sObject;
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML until validated
type K8sObject = Record<string, any>;

export interface ManifestSet {
  kustomization: K8sObject;
  files: string[];
  manifests: Manifest[];
}

export function loadManifests(dir: string): ManifestSet {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
    .sort();
  const manifests: Manifest[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const object = doc.toJS() as K8sObject | null;
      if (object) manifests.push({ file, object });
    }
  }
  const kustomization = parseAllDocuments(
    readFileSync(join(dir, "kustomization.yaml"), "utf8"),
  )[0]?.toJS() as K8sObject;
  return { kustomization, files, manifests };
}

async function schemaProblems(m: Manifest): Promise<string[]> {
  const { apiVersion, kind } = m.object;
  const where = `${m.file}: ${kind}/${m.object.metadata?.name}`;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return [`${m.file}: an object without apiVersion and kind`];
  }
  let Model: new (data: K8sObject) => { validate(): void };
  try {
    const module = await import(modelPath(apiVersion, kind));
    Model = module[kind];
  } catch {
    return [`${where}: ${apiVersion} ${kind} is not a Kubernetes API type`];
  }
  try {
    new Model(m.object).validate();
    return [];
  } catch (error) {
    return [`${where}: ${(error as Error).message}`];
  }
}

const podSpecOf = (o: K8sObject): K8sObject | undefined =>
  ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind)
    ? o.spec?.template?.spec
    : undefined;

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

function referenceProblems(set: ManifestSet): string[] {
  const problems: string[] = [];
  const listed = new Set<string>(set.kustomization?.resources ?? []);
  for (const file of set.files) {
    if (!listed.has(file)) problems.push(`kustomization.yaml does not list ${file}`);
  }
  for (const file of listed) {
    if (!set.files.includes(file)) problems.push(`kustomization.yaml lists ${file}: no such file`);
  }
  const objects = set.manifests.map((m) => m.object);
  const named = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata?.name === name);
  const imageNames = new Set((set.kustomization?.images ?? []).map((i: K8sObject) => i.name));
  const workloads = objects.filter((o) => podSpecOf(o));
  const podLabels = workloads.map((w) => w.spec?.template?.metadata?.labels ?? {});

  for (const w of workloads) {
    const where = `${w.kind}/${w.metadata?.name}`;
    const pod = podSpecOf(w) as K8sObject;
    // A Job's selector is made by the API server.
    if (
      w.kind !== "Job" &&
      !matches(w.spec?.selector?.matchLabels, w.spec?.template?.metadata?.labels ?? {})
    ) {
      problems.push(`${where}: its selector does not select its own pods`);
    }
    const claims = new Set(
      (w.spec?.volumeClaimTemplates ?? []).map((c: K8sObject) => c.metadata?.name),
    );
    const volumes = new Set<string>(claims as Set<string>);
    for (const v of pod.volumes ?? []) {
      volumes.add(v.name);
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim && !named("PersistentVolumeClaim", claim)) {
        problems.push(`${where}: volume ${v.name} claims ${claim}: no such claim`);
      }
    }
    for (const c of pod.containers ?? []) {
      const at = `${where} container ${c.name}`;
      if (!imageNames.has(c.image)) problems.push(`${at}: image ${c.image} is not in images`);
      for (const r of ["cpu", "memory"]) {
        if (!c.resources?.requests?.[r]) problems.push(`${at}: no ${r} request`);
      }
      if (!c.resources?.limits?.memory) problems.push(`${at}: no memory limit`);
      // A Job runs to its end: nothing to probe, nothing to keep available.
      for (const p of w.kind === "Job" ? [] : ["readinessProbe", "livenessProbe"]) {
        if (!c[p]) problems.push(`${at}: no ${p}`);
      }
      for (const from of c.envFrom ?? []) {
        const cm = from.configMapRef?.name;
        if (cm && !named("ConfigMap", cm)) problems.push(`${at}: ConfigMap ${cm} does not exist`);
        const s = from.secretRef?.name;
        if (s && !named("Secret", s)) problems.push(`${at}: Secret ${s} does not exist`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        if (!ref) continue;
        const kind = e.valueFrom.secretKeyRef ? "Secret" : "ConfigMap";
        const target = named(kind, ref.name);
        const keys = { ...target?.data, ...target?.stringData };
        if (!target || !(ref.key in keys)) {
          problems.push(`${at}: ${e.name} reads ${kind} ${ref.name} key ${ref.key}: not there`);
        }
      }
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name)) problems.push(`${at}: mounts ${m.name}: no such volume`);
      }
    }
    const budget = objects.find(
      (o) =>
        o.kind === "PodDisruptionBudget" &&
        matches(o.spec?.selector?.matchLabels, w.spec?.template?.metadata?.labels ?? {}),
    );
    if (!budget && w.kind !== "Job")
      problems.push(`${where}: no PodDisruptionBudget selects its pods`);
  }
  for (const o of objects) {
    const where = `${o.kind}/${o.metadata?.name}`;
    if (o.kind === "Service" && !podLabels.some((l) => matches(o.spec?.selector, l))) {
      problems.push(`${where}: selects no workload's pods`);
    }
    if (
      o.kind === "PodDisruptionBudget" &&
      !podLabels.some((l) => matches(o.spec?.selector?.matchLabels, l))
    ) {
      problems.push(`${where}: selects no workload's pods`);
    }
    if (o.kind === "HorizontalPodAutoscaler") {
      const t = o.spec?.scaleTargetRef ?? {};
      if (!named(t.kind, t.name)) problems.push(`${where}: scales ${t.kind}/${t.name}: not there`);
    }
    if (o.kind === "StatefulSet" && !named("Service", o.spec?.serviceName)) {
      problems.push(`${where}: its serviceName ${o.spec?.serviceName} is not a Service`);
    }
  }
  return problems;
}

/** Every problem of the set, schema and references; empty when it would apply and run. */
export async function checkManifests(set: ManifestSet): Promise<string[]> {
  const each = await Promise.all(set.manifests.map(schemaProblems));
  // Only objects of known kinds: an unknown kind is reported once, by its schema check.
  const known = set.manifests.filter(
    (_, i) => !each[i]?.some((p) => p.includes("not a Kubernetes API type")),
  );
  return [...each.flat(), ...unknownFields(known, projectRoot), ...referenceProblems(set)];
}
