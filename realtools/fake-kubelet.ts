/**
 * What the kubelets of the tests' cluster would do, and no more: the nodes of the seed's
 * ops cluster registered as Ready (10 of them, 3 tainted as in the incident), and a loop
 * that marks every pod the real scheduler bound to one of them Running and Ready, and
 * finishes the deletion of pods being deleted (a kubelet confirms a graceful delete).
 * No container runs: what is tested is what the API server, the scheduler, the
 * controllers and the program do with the objects.
 */
import { execFile } from "node:child_process";
import type { ControlPlane } from "./control-plane";

export interface FakeNode {
  name: string;
  taints: { key: string; value?: string; effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule" }[];
}

/**
 * The seed's ops cluster: 10 nodes, 3 of them tainted: one cordoned
 * (node.kubernetes.io/unschedulable:NoSchedule), one a node group's own NoSchedule taint, one NoExecute.
 * A DaemonSet tolerates node.kubernetes.io/unschedulable by itself (the DaemonSet controller adds that
 * toleration to every pod it creates), so with the seed's misplaced values the real scheduler leaves
 * the other two without a collector.
 */
export const SEED_NODES: readonly FakeNode[] = Array.from({ length: 10 }, (_, i) => {
  const name = `ip-10-0-1-${10 + i}.ap-northeast-1.compute.internal`;
  if (i === 7) return { name, taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" as const }] };
  if (i === 8) return { name, taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" as const }] };
  if (i === 9) return { name, taints: [{ key: "dedicated", value: "monitoring", effect: "NoExecute" as const }] };
  return { name, taints: [] };
});

export function kubectlAsync(cluster: ControlPlane, kubectl: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      kubectl,
      ["--kubeconfig", cluster.kubeconfig, "--context", cluster.context, ...args],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr || error.message}`)) : resolve(stdout)),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function registerNodes(cluster: ControlPlane, kubectl: string, nodes: readonly FakeNode[] = SEED_NODES): Promise<void> {
  const now = new Date().toISOString();
  const items = nodes.map((node) => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: node.name, labels: { "kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux" } },
    spec: { taints: node.taints },
    status: {
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: now, lastTransitionTime: now }],
      capacity: { cpu: "4", memory: "16Gi", pods: "110" },
      allocatable: { cpu: "4", memory: "16Gi", pods: "110" },
    },
  }));
  await kubectlAsync(cluster, kubectl, ["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  // The API server's TaintNodesByCondition admission taints every new node node.kubernetes.io/not-ready:NoSchedule,
  // which the node lifecycle controller lifts once the kubelet reports Ready; that controller is off here (no
  // kubelet renews the leases), so the nodes get the taints they are meant to have, as a Ready node has.
  for (const node of nodes) {
    await kubectlAsync(cluster, kubectl, [
      "patch",
      "node",
      node.name,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { taints: node.taints } }),
    ]);
  }
}

interface PodJson {
  metadata: { name: string; namespace: string; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { name: string; image: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/**
 * The node's address from its EC2-style name (ip-10-0-1-17... is 10.0.1.17), and a pod address
 * in that node's range, so that each collector is its own Prometheus target.
 */
function addresses(nodeName: string, podName: string): { hostIP: string; podIP: string } {
  const host = /^ip-(\d+)-(\d+)-(\d+)-(\d+)\./.exec(nodeName)?.slice(1) ?? ["10", "0", "0", "1"];
  const hash = [...podName].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 250, 7);
  return { hostIP: host.join("."), podIP: `10.244.${host[3]}.${hash + 2}` };
}

export interface FakeKubelet {
  stop(): Promise<void>;
}

/** Starts the loop; stop() waits for its current round. */
export function startFakeKubelet(cluster: ControlPlane, kubectl: string, everyMs = 1000): FakeKubelet {
  let running = true;
  let round: Promise<void> = Promise.resolve();
  const tick = async () => {
    let pods: PodJson[];
    try {
      pods = (JSON.parse(await kubectlAsync(cluster, kubectl, ["get", "pods", "-A", "-o", "json"])) as { items: PodJson[] }).items;
    } catch {
      return; // the API server may be down on purpose (fault tests)
    }
    for (const pod of pods) {
      const { name, namespace } = pod.metadata;
      if (!pod.spec.nodeName) continue;
      try {
        if (pod.metadata.deletionTimestamp) {
          await kubectlAsync(cluster, kubectl, ["delete", "pod", "-n", namespace, name, "--grace-period=0", "--force", "--wait=false"]);
          continue;
        }
        const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        if (pod.status?.phase === "Running" && ready) continue;
        const now = new Date().toISOString();
        const status = {
          phase: "Running",
          ...addresses(pod.spec.nodeName, name),
          startTime: now,
          conditions: ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((type) => ({
            type,
            status: "True",
            lastTransitionTime: now,
          })),
          containerStatuses: pod.spec.containers.map((c) => ({
            name: c.name,
            image: c.image,
            imageID: "",
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: now } },
          })),
        };
        await kubectlAsync(cluster, kubectl, [
          "patch",
          "pod",
          "-n",
          namespace,
          name,
          "--subresource=status",
          "--type=merge",
          "-p",
          JSON.stringify({ status }),
        ]);
      } catch {
        // Gone meanwhile, or the API server is down: the next round sees it again.
      }
    }
  };
  const loop = async () => {
    while (running) {
      round = tick();
      await round;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  void loop();
  return {
    async stop() {
      running = false;
      await round;
    },
  };
}
