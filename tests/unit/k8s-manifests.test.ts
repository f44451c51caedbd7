import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { platformProcesses } from "../../cli/platform/processes.ts";
import { checkManifests, loadManifests, type ManifestSet } from "../../deploy/check-manifests.ts";
import { stackConfig } from "../../stack/config.ts";

const dir = resolve(stackConfig.projectRoot, "deploy/k8s");
const fresh = () => loadManifests(dir);
const find = (set: ManifestSet, kind: string, name: string) => {
  const found = set.manifests.find(
    (m) => m.object.kind === kind && m.object.metadata?.name === name,
  );
  if (!found) throw new Error(`deploy/k8s has no ${kind}/${name}`);
  return found.object;
};
const container = (set: ManifestSet, kind: string, name: string) =>
  find(set, kind, name).spec.template.spec.containers[0];
const config = (set: ManifestSet) =>
  find(set, "ConfigMap", "vobe-config").data as Record<string, string>;

// Offline: the Kubernetes API's schemas ship in kubernetes-models; no cluster is needed.
// Type-checking the manifests takes seconds on a loaded machine.
describe("deploy/k8s", { timeout: 60_000 }, () => {
  it("validates against the Kubernetes schemas, and every reference resolves", async () => {
    const set = fresh();
    expect(set.manifests.length).toBeGreaterThan(10);
    expect(await checkManifests(set)).toEqual([]);
  });

  it("runs each of the platform's processes with its own command and health endpoint", () => {
    const set = fresh();
    const workloads: Record<string, string> = {
      api: "Deployment",
      processors: "StatefulSet",
      sinks: "Deployment",
      guide: "Deployment",
    };
    // The offline demo model stands in for an LLM on a laptop; a cluster's guide is given a
    // real OpenAI-compatible endpoint (OPENAI_BASE_URL, OPENAI_API_KEY).
    const deployed = platformProcesses.filter((p) => p.name !== "model");
    expect(deployed.map((p) => p.name).sort()).toEqual(Object.keys(workloads).sort());
    const ports: Record<string, string> = {
      api: "VOBE_API_PORT",
      processors: "VOBE_PROCESSORS_PORT",
      sinks: "VOBE_SINKS_PORT",
      guide: "VOBE_GUIDE_PORT",
    };
    for (const p of deployed) {
      const c = container(set, workloads[p.name] as string, p.name);
      expect(c.args, p.name).toEqual(p.command);
      const port = config(set)[ports[p.name] as string];
      expect(c.ports[0].containerPort, p.name).toBe(Number(port));
      const probe = JSON.stringify(c.livenessProbe);
      // The API is probed from the kubelet; the others' health servers answer on loopback.
      expect(probe, p.name).toMatch(
        p.name === "api" ? /"port":"http"/ : new RegExp(`127\\.0\\.0\\.1:${port}/health`),
      );
    }
  });

  it("gives each processor instance a stable identity and its own state volume", () => {
    const set = fresh();
    const processors = find(set, "StatefulSet", "processors");
    const c = processors.spec.template.spec.containers[0];
    const instanceId = c.env.find((e: { name: string }) => e.name === "VOBE_INSTANCE_ID");
    expect(instanceId.valueFrom.fieldRef.fieldPath).toBe("metadata.name");
    const state = processors.spec.volumeClaimTemplates[0].metadata.name;
    expect(c.volumeMounts).toContainEqual({ name: state, mountPath: config(set).VOBE_STACK_HOME });
  });

  it("scales the stateless API horizontally", () => {
    const hpa = find(fresh(), "HorizontalPodAutoscaler", "api");
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "api" });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  // The checks must be able to fail: each break below is one a cluster or a pod would meet.
  it.each([
    [
      "a field of the wrong type",
      (s: ManifestSet) => {
        find(s, "Deployment", "api").spec.replicas = "two";
      },
      /replicas must be integer/,
    ],
    [
      "a required field missing",
      (s: ManifestSet) => {
        delete find(s, "Deployment", "sinks").spec.selector;
      },
      /spec must have required property selector/,
    ],
    [
      "a kind the API does not have",
      (s: ManifestSet) => {
        find(s, "Service", "api").kind = "Servise";
      },
      /not a Kubernetes API type/,
    ],
    [
      "a field the API does not know, deep in a pod",
      (s: ManifestSet) => {
        const c = container(s, "StatefulSet", "processors");
        c.readinessProbee = c.readinessProbe;
      },
      /processors.yaml: StatefulSet\/processors: .*readinessProbee.* does not exist in type 'IContainer'/,
    ],
    [
      "a Secret key nobody wrote",
      (s: ManifestSet) => {
        delete find(s, "Secret", "vobe-secrets").stringData["jwt-secret"];
      },
      /VOBE_JWT_SECRET reads Secret vobe-secrets key jwt-secret/,
    ],
    [
      "a budget that selects nothing",
      (s: ManifestSet) => {
        find(s, "PodDisruptionBudget", "processors").spec.selector.matchLabels = { app: "x" };
      },
      /StatefulSet\/processors: no PodDisruptionBudget/,
    ],
    [
      "a container without requests",
      (s: ManifestSet) => {
        delete container(s, "StatefulSet", "processors").resources.requests;
      },
      /no cpu request/,
    ],
    [
      "a file left out of the kustomization",
      (s: ManifestSet) => {
        s.kustomization.resources = s.kustomization.resources.filter(
          (r: string) => r !== "guide.yaml",
        );
      },
      /does not list guide\.yaml/,
    ],
  ])("fails on %s", async (_what, breakIt, expected) => {
    const set = fresh();
    breakIt(set);
    expect((await checkManifests(set)).join("\n")).toMatch(expected);
  });
});
