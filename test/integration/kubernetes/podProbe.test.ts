// Kernelspecs of pod targets against the real cluster and registry: a probe pod of the pushed kernel image lists
// python3 and reports the digest the registry gives; a second resolve of that digest runs no pod (cache hit); the
// local image with the same digest answers through the local probe without a pod; an image without Jupyter gives
// its reason; scheduling failures fail fast; cancel deletes the probe pod; no probe pod is left.
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import { DockerServerLauncher } from '../../../src/adapters/docker/dockerServerLauncher';
import { DockerodeEngine } from '../../../src/adapters/docker/dockerEngine';
import { fetchRegistryManifest } from '../../../src/adapters/http/registryManifest';
import { KubernetesServerLauncher } from '../../../src/adapters/kubernetes/kubernetesServerLauncher';
import { CancelledError } from '../../../src/core/common/errors';
import type { Logger } from '../../../src/core/common/logger';
import type { KubernetesKernelTarget } from '../../../src/core/kernels/api';
import { PROBE_SELECTOR } from '../../../src/core/kubernetes/kernelPod';
import { MemoryDigestProbeCache, PodKernelspecResolver, type PodKernelspecPorts } from '../../../src/core/kubernetes/podKernelspecs';
import { admin, createNamespace, createPod, deleteNamespace, readPod, RecordingLogger, REGISTRY, waitFor } from './helpers';
import { podTarget, POD_TEST_IMAGE, pushPodTestImage, removePodTestImageTag } from './podHelpers';

const NO_JUPYTER = `${REGISTRY}/berth-it/no-jupyter:probe`;
const BASE_IMAGE = 'berth/debian-base:bookworm';

/** Probe pods in the namespace that nobody has asked the cluster to delete. */
async function probePods(namespace: string): Promise<string[]> {
  const list = await admin().core.listNamespacedPod({ namespace, labelSelector: PROBE_SELECTOR });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!);
}

describe('Kubernetes: kernelspecs of pod targets (probe pods, real cluster and registry)', function () {
  this.timeout(240_000);
  let namespace: string;
  let log: RecordingLogger;
  let launcher: KubernetesServerLauncher;
  let noJupyterTagged = false;
  const docker = new Docker();

  const resolver = (over: Partial<PodKernelspecPorts> = {}, cache = new MemoryDigestProbeCache()) =>
    new PodKernelspecResolver(
      {
        localImages: () => Promise.resolve([]),
        localProbe: () => Promise.reject(new Error('no local probe in this test')),
        registryManifest: (reference, signal) => fetchRegistryManifest(reference, signal),
        probePod: (target, signal) => launcher.probePod(target, signal),
        ...over,
      },
      cache,
    );
  const podsCreated = () => log.matching(/probe pod .* created/).length;

  before(async () => {
    namespace = await createNamespace('berth-probe');
    await pushPodTestImage();
    // An image without Jupyter, pushed as a user would: the bootstrapped Debian base.
    noJupyterTagged = !(await docker.getImage(NO_JUPYTER).inspect().then(() => true, () => false));
    await docker.getImage(BASE_IMAGE).tag({ repo: `${REGISTRY}/berth-it/no-jupyter`, tag: 'probe' });
    const stream = (await docker.getImage(`${REGISTRY}/berth-it/no-jupyter`).push({ tag: 'probe' })) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err || out?.find((o) => o.error) ? reject(err ?? new Error(out.find((o) => o.error)!.error)) : resolve())));
  });
  beforeEach(() => {
    log = new RecordingLogger();
    launcher = new KubernetesServerLauncher(log, { podStartTimeoutMs: 300_000 });
  });
  afterEach(async () => {
    // Every probe pod is deleted by the probe itself, on every path: checked here, then forced.
    const left = await waitFor(async () => (await probePods(namespace)).length === 0, 30_000, () => 'probe pods left').then(
      () => undefined,
      async () => `probe pods left: ${(await probePods(namespace)).join(', ')}`,
    );
    await admin().core.deleteCollectionNamespacedPod({ namespace, labelSelector: PROBE_SELECTOR, gracePeriodSeconds: 0 }).catch(() => undefined);
    if (left) assert.fail(left);
  });
  after(async () => {
    await deleteNamespace(namespace);
    await removePodTestImageTag();
    if (noJupyterTagged) await docker.getImage(NO_JUPYTER).remove({ noprune: true }).catch(() => undefined);
  });

  it('a probe pod of the registry image lists python3 and reports the digest the registry gives', async () => {
    const t0 = Date.now();
    const result = await launcher.probePod(podTarget(namespace), new AbortController().signal);
    const ms = Date.now() - t0;
    assert.deepEqual(result.probe.kernelspecs.map((k) => k.name), ['python3']);
    assert.deepEqual(result.probe.serverCommand, ['jupyter-server']);
    const remote = await fetchRegistryManifest(POD_TEST_IMAGE, new AbortController().signal);
    assert.ok(remote, 'the registry did not answer');
    assert.equal(result.digest, remote.digest);
    assert.equal(podsCreated(), 1);
    console.log(`      (probe pod: ${ms} ms)`);
  });

  it('a second resolve of the same digest creates no pod (cache hit)', async () => {
    const r = resolver();
    const first = await r.resolve(podTarget(namespace), new AbortController().signal);
    const t0 = Date.now();
    const second = await r.resolve(podTarget(namespace), new AbortController().signal);
    const ms = Date.now() - t0;
    assert.deepEqual([first.via, second.via], ['pod', 'cache']);
    assert.equal(second.digest, first.digest);
    assert.deepEqual(second.probe.kernelspecs.map((k) => k.name), ['python3']);
    assert.equal(podsCreated(), 1);
    console.log(`      (cache hit: ${ms} ms)`);
  });

  it('the local image with the registry\'s digest answers through the local probe, without a pod', async () => {
    const engine = new DockerodeEngine(undefined);
    const dockerLauncher = new DockerServerLauncher(engine, new RecordingLogger());
    const t0 = Date.now();
    const result = await resolver({ localImages: (signal) => engine.listImages(signal), localProbe: (id, signal) => dockerLauncher.probe(id, signal) }).resolve(podTarget(namespace), new AbortController().signal);
    const ms = Date.now() - t0;
    assert.equal(result.via, 'local');
    assert.deepEqual(result.probe.kernelspecs.map((k) => k.name), ['python3']);
    assert.equal(podsCreated(), 0);
    console.log(`      (local probe, same digest: ${ms} ms)`);
  });

  it('an image without Jupyter gives the reason and what to install', async () => {
    const result = await launcher.probePod(podTarget(namespace, { image: NO_JUPYTER }), new AbortController().signal);
    assert.equal(result.probe.serverCommand, undefined);
    assert.equal(result.probe.unusableReason, `Image ${NO_JUPYTER} has no Jupyter server: install jupyter-server (pip install jupyter-server ipykernel) or choose another image`);
  });

  it('fails fast with the scheduler\'s reason, and deletes the probe pod', async () => {
    const target: KubernetesKernelTarget = podTarget(namespace, { nodeSelector: { 'berth.test/no-such-node': 'true' } });
    await assert.rejects(launcher.probePod(target, new AbortController().signal), (e: Error) => /^The probe pod cannot be scheduled: 0\/1 nodes are available: 1 node\(s\) didn't match (node selector|Pod's node affinity)/.test(e.message) || assert.fail(e.message));
  });

  it('fails fast with the kubelet\'s reason for an image missing from the registry', async () => {
    const image = `${REGISTRY}/berth-it/no-such-image:nope`;
    await assert.rejects(launcher.probePod(podTarget(namespace, { image }), new AbortController().signal), (e: Error) => e.message.startsWith(`The cluster cannot pull image ${image}`) || assert.fail(e.message));
  });

  it('removes a finished probe pod left behind (its Berth died) before it runs its own', async () => {
    const name = `berth-probe-left-${Date.now().toString(36)}`;
    await createPod(namespace, name, { image: POD_TEST_IMAGE, command: ['true'], restartPolicy: 'Never', labels: { 'berth.probe': 'kubernetes' } });
    await waitFor(async () => (await readPod(namespace, name))?.status?.phase === 'Succeeded', 60_000, () => `${name} did not finish`);
    await launcher.probePod(podTarget(namespace), new AbortController().signal);
    assert.equal(log.matching(/removed 1 finished probe pod\(s\)/).length, 1);
    await waitFor(async () => (await readPod(namespace, name)) === undefined || (await readPod(namespace, name))?.metadata?.deletionTimestamp !== undefined, 30_000, () => `${name} is still there`);
  });

  it('cancel deletes the probe pod', async () => {
    const abort = new AbortController();
    const aborting: Logger = {
      trace() {},
      debug() {},
      warn() {},
      error() {},
      info: (m: string) => {
        if (/probe pod .* created/.test(m)) abort.abort();
      },
    };
    const cancelling = new KubernetesServerLauncher(aborting, { podStartTimeoutMs: 300_000 });
    await assert.rejects(cancelling.probePod(podTarget(namespace), abort.signal), CancelledError);
  });
});
