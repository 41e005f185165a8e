/**
 * A real Kubernetes control plane on 127.0.0.1 for the real-tool tier: Debian's etcd
 * and the kube-apiserver (and, when asked, kube-controller-manager and kube-scheduler)
 * that scripts/build-real-tools.sh builds from k8s.io/kubernetes. Everything lives in
 * one temporary directory (certificates, etcd's data, the kubeconfig, the logs), and
 * stop() kills every process and removes it.
 *
 * Authentication is by client certificate (the admin user is in system:masters) and
 * authorization by RBAC, as on EKS; service-account tokens are signed with a key of
 * their own, so `kubectl auth can-i --as=system:serviceaccount:...` is the real answer.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface ControlPlaneOptions {
  /** Directory holding kube-apiserver (and the other two when `full`). */
  binDir: string;
  /** Also run kube-controller-manager and kube-scheduler. @default false */
  full?: boolean;
  /** The kubeconfig context name. @default "e2e" */
  context?: string;
}

export interface ControlPlane {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly context: string;
  readonly server: string;
  /**
   * Kills the API server (SIGKILL: a crash, not a graceful shutdown that keeps serving for
   * a while); etcd and the state stay. For fault tests.
   */
  stopApiServer(): Promise<void>;
  /** Starts it again on the same port, and waits until it is ready. */
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
  /** How often a supervised component (the controller manager, the scheduler) was started again. */
  restarts(component: string): number;
  /** The last lines of a component's log, for a failure message. */
  logTail(component: string, lines?: number): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function openssl(dir: string, args: string[]): void {
  const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`);
}

/** A CA, the API server's serving certificate, the admin's client certificate and the service-account key pair. */
function makeCertificates(dir: string): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-subj",
    "/CN=e2e-ca",
  ]);
  writeFileSync(
    path.join(dir, "server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1\n" +
      "extendedKeyUsage=serverAuth\n",
  );
  writeFileSync(path.join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [name, subject, ext] of [
    ["server", "/CN=kube-apiserver", "server.ext"],
    ["admin", "/O=system:masters/CN=e2e-admin", "client.ext"],
  ]) {
    openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
    openssl(dir, [
      "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-days", "2", "-extfile", ext, "-out", `${name}.crt`,
    ]); // prettier-ignore
  }
  openssl(dir, ["genrsa", "-out", "sa.key", "2048"]);
  openssl(dir, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

function b64(file: string): string {
  return readFileSync(file).toString("base64");
}

async function waitReady(
  server: string,
  dir: string,
  what: string,
  child: ChildProcess,
  logTail: () => string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}\n${logTail()}`);
    const result = spawnSync(
      "curl",
      ["-s", "--max-time", "2", "--cacert", "ca.crt", "--cert", "admin.crt", "--key", "admin.key", `${server}/readyz`],
      { cwd: dir, encoding: "utf8" },
    );
    last = result.stdout;
    if (result.stdout.trim() === "ok") return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000}s (last /readyz: ${last.slice(0, 500)})\n${logTail()}`);
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const dir = mkdtempSync(path.join(tmpdir(), "alloy-logs-cluster-"));
  const context = options.context ?? "e2e";
  const processes = new Map<string, ChildProcess>();
  const logFile = (component: string) => path.join(dir, `${component}.log`);
  const logTail = (component: string, lines = 40) => {
    try {
      return readFileSync(logFile(component), "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };
  /** Components started again when they exit, as the kubelet restarts a control plane's static pods. */
  const supervised = new Set<string>();
  const restarts = new Map<string, number>();
  const run = (component: string, command: string, args: string[], options: { supervise?: boolean } = {}) => {
    const out = openSync(logFile(component), "a");
    const child = spawn(command, args, { cwd: dir, stdio: ["ignore", out, out] });
    processes.set(component, child);
    if (options.supervise) {
      supervised.add(component);
      // kube-controller-manager exits (klog fatal) when the API server goes away while it starts its controllers.
      child.once("exit", () => {
        if (!supervised.has(component) || processes.get(component) !== child) return;
        restarts.set(component, (restarts.get(component) ?? 0) + 1);
        setTimeout(() => supervised.has(component) && run(component, command, args, options), 1000);
      });
    }
    return child;
  };
  const kill = async (component: string, signal: NodeJS.Signals = "SIGTERM") => {
    supervised.delete(component);
    const child = processes.get(component);
    processes.delete(component);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
  };

  try {
    makeCertificates(dir);
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const server = `https://127.0.0.1:${apiPort}`;
    run("etcd", "etcd", [
      "--data-dir", path.join(dir, "etcd"),
      "--listen-client-urls", `http://127.0.0.1:${etcdClient}`,
      "--advertise-client-urls", `http://127.0.0.1:${etcdClient}`,
      "--listen-peer-urls", `http://127.0.0.1:${etcdPeer}`,
      "--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeer}`,
      "--initial-cluster", `default=http://127.0.0.1:${etcdPeer}`,
      "--log-level", "warn",
    ]); // prettier-ignore
    const apiServerArgs = [
      "--etcd-servers", `http://127.0.0.1:${etcdClient}`,
      "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", String(apiPort),
      "--tls-cert-file", "server.crt", "--tls-private-key-file", "server.key", "--client-ca-file", "ca.crt",
      "--service-account-issuer", "https://kubernetes.default.svc", "--service-account-key-file", "sa.pub",
      "--service-account-signing-key-file", "sa.key", "--service-cluster-ip-range", "10.0.0.0/24",
      "--authorization-mode", "Node,RBAC", "--allow-privileged=true", "--v", "1",
    ]; // prettier-ignore
    const startApi = async () => {
      const child = run("kube-apiserver", path.join(options.binDir, "kube-apiserver"), apiServerArgs);
      await waitReady(server, dir, "kube-apiserver", child, () => logTail("kube-apiserver"));
    };
    await startApi();

    const kubeconfig = path.join(dir, "kubeconfig");
    const kubeconfigFor = (currentContext: string) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: context, cluster: { server, "certificate-authority-data": b64(path.join(dir, "ca.crt")) } }],
        users: [
          {
            name: "e2e-admin",
            user: { "client-certificate-data": b64(path.join(dir, "admin.crt")), "client-key-data": b64(path.join(dir, "admin.key")) },
          },
        ],
        contexts: [{ name: context, context: { cluster: context, user: "e2e-admin" } }],
        "current-context": currentContext,
      });
    // No current context in the tests' kubeconfig: the program must name its own, as every stack does.
    writeFileSync(kubeconfig, kubeconfigFor(""));
    // The controller manager and the scheduler take the one they are given.
    const componentKubeconfig = path.join(dir, "components.kubeconfig");
    writeFileSync(componentKubeconfig, kubeconfigFor(context));

    if (options.full) {
      const kubeconfig = componentKubeconfig;
      run("kube-controller-manager", path.join(options.binDir, "kube-controller-manager"), [
        "--kubeconfig", kubeconfig, "--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
        "--bind-address", "127.0.0.1", "--secure-port", String(await freePort()),
        "--service-account-private-key-file", "sa.key", "--root-ca-file", "ca.crt",
        // No kubelet renews the nodes' leases: the node lifecycle controller would taint every node unreachable.
        "--use-service-account-credentials", "--controllers", "*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller",
        "--leader-elect=false", "--v", "1",
      ], { supervise: true }); // prettier-ignore
      run("kube-scheduler", path.join(options.binDir, "kube-scheduler"), [
        "--kubeconfig", kubeconfig, "--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
        "--bind-address", "127.0.0.1", "--secure-port", String(await freePort()), "--leader-elect=false", "--v", "1",
      ], { supervise: true }); // prettier-ignore
    }

    return {
      dir,
      kubeconfig,
      context,
      server,
      logTail,
      restarts: (component: string) => restarts.get(component) ?? 0,
      stopApiServer: () => kill("kube-apiserver", "SIGKILL"),
      startApiServer: startApi,
      async stop() {
        supervised.clear();
        for (const component of [...processes.keys()].reverse()) await kill(component);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    supervised.clear();
    for (const component of [...processes.keys()].reverse()) await kill(component);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
