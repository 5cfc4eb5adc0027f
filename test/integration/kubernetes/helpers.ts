// Shared by the Kubernetes integration tests: the cluster scripts/test.mjs brought up (its admin kubeconfig in
// BERTH_TEST_KUBECONFIG), a namespace per test file that is deleted even when the test fails, pods made from
// outside Berth (with the admin client, as another user of the cluster would), and waits with deadlines.
import * as k8s from '@kubernetes/client-node';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as yaml from 'js-yaml';
import * as os from 'os';
import * as path from 'path';
import { ClientNodeKubernetes } from '../../../src/adapters/kubernetes/clientNodeKubernetes';
import type { Logger } from '../../../src/core/common/logger';
import { ClusterModel, type ClusterModelOptions } from '../../../src/core/kubernetes/clusterModel';
import type { KubeconfigDocument } from '../../../src/core/kubernetes/kubeconfig';

export const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
/** The default kernel image as pods pull it: from the registry. */
export const KERNEL_IMAGE = 'berth/python:latest';
export const POD_IMAGE = `${REGISTRY}/${KERNEL_IMAGE}`;

/** The admin kubeconfig of the test cluster; a missing cluster fails the test with the reason (never a skip). */
export function adminKubeconfig(): string {
  const file = process.env.BERTH_TEST_KUBECONFIG;
  if (!file || !fs.existsSync(file)) {
    throw new Error(`no test cluster: ${process.env.BERTH_TEST_CLUSTER_ERROR ?? 'BERTH_TEST_KUBECONFIG is not set (run the tier through npm test / npm run test:integration)'}`);
  }
  return file;
}

export function adminDocument(): KubeconfigDocument {
  return yaml.load(fs.readFileSync(adminKubeconfig(), 'utf8')) as KubeconfigDocument;
}

export function admin(): { kc: k8s.KubeConfig; core: k8s.CoreV1Api; rbac: k8s.RbacAuthorizationV1Api } {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(adminKubeconfig());
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), rbac: kc.makeApiClient(k8s.RbacAuthorizationV1Api) };
}

export function adminServer(): string {
  const doc = adminDocument();
  return doc.clusters[0].cluster.server!;
}

export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 8);
}

export async function createNamespace(prefix = 'berth-it'): Promise<string> {
  const name = `${prefix}-${randomSuffix()}`;
  await admin().core.createNamespace({ body: { metadata: { name, labels: { 'berth.test': 'integration' } } } });
  return name;
}

/** Deletes the namespace and, first, its pods without grace (a namespace waits for its pods to stop). */
export async function deleteNamespace(name: string | undefined): Promise<void> {
  if (!name) return;
  const { core } = admin();
  await core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 }).catch(() => undefined);
  await core.deleteNamespace({ name, gracePeriodSeconds: 0 }).catch(() => undefined);
}

export interface PodOptions {
  readonly command?: string[];
  readonly image?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly pullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  readonly restartPolicy?: 'Always' | 'Never';
  readonly containers?: string[];
  /** A nodeSelector no node matches: the pod stays Pending, and a delete needs no kubelet to confirm it. */
  readonly unschedulable?: boolean;
}

/** A pod as a user of the cluster would create it: the kernel image from the registry, running a command. */
export function podManifest(name: string, options: PodOptions = {}): k8s.V1Pod {
  const command = options.command ?? ['sh', '-c', 'echo line-1; echo line-2; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done'];
  return {
    metadata: { name, labels: { app: name, ...options.labels }, annotations: options.annotations },
    spec: {
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      restartPolicy: options.restartPolicy ?? 'Always',
      ...(options.unschedulable ? { nodeSelector: { 'berth.test/no-such-node': 'true' } } : {}),
      containers: (options.containers ?? ['main']).map((c) => ({ name: c, image: options.image ?? POD_IMAGE, imagePullPolicy: options.pullPolicy ?? 'IfNotPresent', command })),
    },
  };
}

export async function createPod(namespace: string, name: string, options: PodOptions = {}): Promise<void> {
  await admin().core.createNamespacedPod({ namespace, body: podManifest(name, options) });
}

export async function readPod(namespace: string, name: string): Promise<k8s.V1Pod | undefined> {
  return admin().core.readNamespacedPod({ namespace, name }).catch(() => undefined);
}

/** Waits for the pod's containers to run and be ready; fails at once with the reason when the image cannot be pulled. */
export async function waitForRunning(namespace: string, name: string, ms = 120000): Promise<k8s.V1Pod> {
  return waitFor(
    async () => {
      const pod = await readPod(namespace, name);
      const waiting = pod?.status?.containerStatuses?.find((s) => s.state?.waiting?.reason && /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainer/.test(s.state.waiting.reason))?.state?.waiting;
      if (waiting) throw new Error(`pod ${name}: ${waiting.reason}: ${waiting.message}`);
      return pod?.status?.phase === 'Running' && pod.status.containerStatuses?.every((s) => s.ready) ? pod : undefined;
    },
    ms,
    () => `pod ${namespace}/${name} did not become ready within ${ms / 1000} s`,
  );
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, ms: number, why: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((r) => setTimeout(r, 100));
  }
}

let addedRegistryTag = false;

/** Makes sure the registry has the kernel image (Docker pushes it, as a user would), for pods to pull. */
export async function ensureKernelImageInRegistry(): Promise<void> {
  const docker = new Docker();
  const local = await docker.getImage(KERNEL_IMAGE).inspect();
  const tagged = await docker.getImage(POD_IMAGE).inspect().catch(() => undefined);
  if (tagged?.Id === local.Id && (tagged.RepoDigests ?? []).some((d) => d.startsWith(`${REGISTRY}/berth/python@`))) return;
  addedRegistryTag ||= tagged === undefined;
  await docker.getImage(KERNEL_IMAGE).tag({ repo: `${REGISTRY}/berth/python`, tag: 'latest' });
  const stream = (await docker.getImage(`${REGISTRY}/berth/python`).push({ tag: 'latest' })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed!.error));
      else resolve();
    }),
  );
}

/** Removes the local `registry/berth/python:latest` tag again if a test of this process added it. */
export async function removeKernelImageTag(): Promise<void> {
  if (!addedRegistryTag) return;
  addedRegistryTag = false;
  await new Docker().getImage(POD_IMAGE).remove({ noprune: true }).catch(() => undefined);
}

/** Notes that a push by Berth in a test added the local registry tag, so removeKernelImageTag() takes it away. */
export async function noteRegistryTagBefore(): Promise<void> {
  addedRegistryTag ||= (await new Docker().getImage(POD_IMAGE).inspect().catch(() => undefined)) === undefined;
}

/** A logger that keeps every line, so a test can check what Berth said (watch resumed, relisted …). */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  private add(level: string, message: string | Error): void {
    this.lines.push(`${level} ${message instanceof Error ? message.message : message}`);
  }
  trace(m: string): void {
    this.add('trace', m);
  }
  debug(m: string): void {
    this.add('debug', m);
  }
  info(m: string): void {
    this.add('info', m);
  }
  warn(m: string): void {
    this.add('warn', m);
  }
  error(m: string | Error): void {
    this.add('error', m);
  }
  matching(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }
}

/** Temporary files (kubeconfigs) removed by cleanup(). */
export class TempFiles {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-kube-it-'));

  write(name: string, content: string | object): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : yaml.dump(content), { mode: 0o600 });
    return file;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function realModel(logger: Logger, options: ClusterModelOptions = {}): ClusterModel {
  return new ClusterModel(new ClientNodeKubernetes(logger), logger, { reconnectMinMs: 200, reconnectMaxMs: 2000, ...options });
}

/** Waits until `accept` holds for the model, re-checking on each change (and every 200 ms, for timers). */
export function waitForModel(model: ClusterModel, accept: () => boolean, ms: number, what: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (accept()) return resolve();
    const done = (error?: Error) => {
      clearTimeout(timer);
      clearInterval(tick);
      sub.dispose();
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      if (accept()) done();
    };
    const timer = setTimeout(() => done(new Error(`timed out after ${ms / 1000} s waiting for ${what()}`)), ms);
    const tick = setInterval(check, 200);
    const sub = model.onDidChange(check);
  });
}

/** A kubeconfig with one context, for a given server and user, from the admin kubeconfig's cluster CA. */
export function kubeconfigFor(context: string, server: string, user: Record<string, unknown>, options: { namespace?: string; ca?: boolean } = {}): object {
  const cluster = adminDocument().clusters[0].cluster;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': context,
    clusters: [{ name: `${context}-cluster`, cluster: { server, ...(options.ca === false ? {} : { 'certificate-authority-data': cluster['certificate-authority-data'] }) } }],
    users: [{ name: `${context}-user`, user }],
    contexts: [{ name: context, context: { cluster: `${context}-cluster`, user: `${context}-user`, namespace: options.namespace } }],
  };
}
