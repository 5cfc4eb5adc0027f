import { strict as assert } from 'assert';
import { nullLogger } from '../../../src/core/common/logger';
import type { ImageProbe, KubernetesKernelTarget } from '../../../src/core/kernels/api';
import { probePodManifest, PROBE_SELECTOR } from '../../../src/core/kubernetes/kernelPod';
import { parseKubernetesTargets } from '../../../src/core/kubernetes/kernelTargets';
import {
  chooseKernelspecSource,
  configDigestOf,
  imageIdDigest,
  manifestUrl,
  MemoryDigestProbeCache,
  pinnedDigest,
  PodKernelspecResolver,
  PodKernelspecsModel,
  podTargetsWithKernelspecs,
  type PodKernelspecPorts,
  type RegistryManifest,
} from '../../../src/core/kubernetes/podKernelspecs';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const ID = `sha256:${'a'.repeat(64)}`;
const python = { name: 'python3', displayName: 'Python 3 (ipykernel)', language: 'python' };
const ir = { name: 'ir', displayName: 'R', language: 'R' };
const usable = (imageId: string, kernelspecs = [python]): ImageProbe => ({ imageId, serverCommand: ['jupyter-server'], kernelspecs });
const never = () => false;

describe('kernelspecs of pod targets', () => {
  describe('digests', () => {
    it('reads the digest a reference pins, and none from a tag', () => {
      assert.equal(pinnedDigest(`reg:5000/team/py@${D1}`), D1);
      assert.equal(pinnedDigest('reg:5000/team/py:3.12'), undefined);
      assert.equal(pinnedDigest('reg/py@sha256:short'), undefined);
    });

    it('reads the manifest digest of a container status\'s imageID (containerd, dockershim), not a bare image id', () => {
      assert.equal(imageIdDigest(`127.0.0.1:5000/berth/python@${D1}`), D1);
      assert.equal(imageIdDigest(`docker-pullable://reg/py@${D1}`), D1);
      assert.equal(imageIdDigest(ID), undefined);
      assert.equal(imageIdDigest(undefined), undefined);
    });

    it('finds the manifest URL as Docker resolves the reference (Docker Hub, library/, loopback over http)', () => {
      assert.equal(manifestUrl('127.0.0.1:5000/berth/python:t'), 'http://127.0.0.1:5000/v2/berth/python/manifests/t');
      assert.equal(manifestUrl('localhost:5000/py'), 'http://localhost:5000/v2/py/manifests/latest');
      assert.equal(manifestUrl('python:3.12'), 'https://registry-1.docker.io/v2/library/python/manifests/3.12');
      assert.equal(manifestUrl('jupyter/scipy-notebook'), 'https://registry-1.docker.io/v2/jupyter/scipy-notebook/manifests/latest');
      assert.equal(manifestUrl('ghcr.io/org/img:1'), 'https://ghcr.io/v2/org/img/manifests/1');
    });

    it('reads the config digest of a single-platform manifest, none of an index', () => {
      assert.equal(configDigestOf({ schemaVersion: 2, config: { digest: ID } }), ID);
      assert.equal(configDigestOf({ schemaVersion: 2, manifests: [{ digest: D1 }] }), undefined);
      assert.equal(configDigestOf(null), undefined);
    });
  });

  describe('choosing the local probe or a probe pod', () => {
    const local = { id: ID, digests: [`127.0.0.1:5000/berth/python@${D1}`] };
    const ref = '127.0.0.1:5000/berth/python:t';

    it('takes the local probe when a local image has the manifest digest the registry gives', () => {
      assert.deepEqual(chooseKernelspecSource(ref, [local], { digest: D1 }, never), { kind: 'local', imageId: ID, digest: D1 });
    });

    it('takes the local probe when the registry\'s config digest is a local image\'s id (pushed from elsewhere)', () => {
      assert.deepEqual(chooseKernelspecSource(ref, [{ id: ID, digests: [] }], { digest: D2, configDigest: ID }, never), { kind: 'local', imageId: ID, digest: D2 });
    });

    it('takes the local probe for a pinned reference without asking the registry', () => {
      assert.deepEqual(chooseKernelspecSource(`other/name@${D1}`, [local], undefined, never), { kind: 'local', imageId: ID, digest: D1 });
    });

    it('never trusts a local tag alone: the registry moved on, or it did not answer', () => {
      assert.deepEqual(chooseKernelspecSource(ref, [local], { digest: D2 }, never), { kind: 'pod', digest: D2 });
      assert.deepEqual(chooseKernelspecSource(ref, [local], undefined, never), { kind: 'pod' });
    });

    it('answers from the digest cache before it runs a pod', () => {
      assert.deepEqual(chooseKernelspecSource(ref, [], { digest: D2 }, (d) => d === D2), { kind: 'cache', digest: D2 });
    });
  });

  describe('the resolver', () => {
    const target: KubernetesKernelTarget = { kind: 'kubernetes', image: 'reg:5000/py:1', kernelspec: 'python3', context: 'c', namespace: 'n' };
    const ports = (over: Partial<PodKernelspecPorts> = {}, calls: string[] = []): PodKernelspecPorts => ({
      localImages: () => Promise.resolve([]),
      localProbe: (id) => (calls.push(`local ${id}`), Promise.resolve(usable(id))),
      registryManifest: () => Promise.resolve(undefined),
      probePod: () => (calls.push('pod'), Promise.resolve({ probe: usable(D1, [python, ir]), digest: D1 })),
      ...over,
    });

    it('runs one probe pod per digest: the second resolve is a cache hit', async () => {
      const calls: string[] = [];
      const resolver = new PodKernelspecResolver(ports({ registryManifest: () => Promise.resolve({ digest: D1 }) }, calls), new MemoryDigestProbeCache());
      const first = await resolver.resolve(target, new AbortController().signal);
      const second = await resolver.resolve(target, new AbortController().signal);
      assert.deepEqual([first.via, second.via], ['pod', 'cache']);
      assert.deepEqual(second.probe.kernelspecs.map((k) => k.name), ['python3', 'ir']);
      assert.deepEqual(calls, ['pod']);
    });

    it('uses the local probe when a local image has the registry\'s digest', async () => {
      const calls: string[] = [];
      const resolver = new PodKernelspecResolver(
        ports({ localImages: () => Promise.resolve([{ id: ID, digests: [`reg:5000/py@${D1}`] }]), registryManifest: () => Promise.resolve({ digest: D1 }) }, calls),
        new MemoryDigestProbeCache(),
      );
      const result = await resolver.resolve(target, new AbortController().signal);
      assert.equal(result.via, 'local');
      assert.deepEqual(calls, [`local ${ID}`]);
    });

    it('caches under the digest the pod pulled, not the one the registry gave before the tag moved', async () => {
      const cache = new MemoryDigestProbeCache();
      const resolver = new PodKernelspecResolver(ports({ registryManifest: () => Promise.resolve({ digest: D2 } as RegistryManifest) }), cache);
      assert.equal((await resolver.resolve(target, new AbortController().signal)).digest, D1);
      assert.ok(cache.get(D1));
      assert.equal(cache.get(D2), undefined);
    });

    it('treats a failing engine or registry as unknown and asks the cluster', async () => {
      const calls: string[] = [];
      const resolver = new PodKernelspecResolver(ports({ localImages: () => Promise.reject(new Error('no engine')), registryManifest: () => Promise.reject(new Error('offline')) }, calls), new MemoryDigestProbeCache());
      assert.equal((await resolver.resolve(target, new AbortController().signal)).via, 'pod');
      assert.deepEqual(calls, ['pod']);
    });

    it('reads through to and writes through to a persistent cache', async () => {
      const stored = new Map<string, ImageProbe>([[D2, usable(D2)]]);
      const backing = { get: (d: string) => stored.get(d), set: (d: string, p: ImageProbe) => (stored.set(d, p), Promise.resolve()) };
      const cache = new MemoryDigestProbeCache(backing);
      assert.ok(cache.get(D2));
      await cache.set(D1, usable(D1));
      assert.ok(stored.get(D1));
    });
  });

  describe('picker entries', () => {
    const [unnamed, named] = parseKubernetesTargets([
      { context: 'lab', namespace: 'team', image: 'reg/py:1', resources: { requests: { cpu: '1' } } },
      { context: 'lab', namespace: 'team', image: 'reg/py:1', kernelspec: 'ir' },
    ]).targets;

    it('says whether the setting named the kernelspec', () => {
      assert.equal(unnamed.kernelspecNamed, false);
      assert.equal(unnamed.target.kernelspec, 'python3');
      assert.equal(named.kernelspecNamed, true);
    });

    it('makes one entry per kernelspec, named like the Docker controllers', () => {
      const entries = podTargetsWithKernelspecs(unnamed, [python, ir]);
      assert.deepEqual(entries.map((e) => [e.id, e.label, e.target.kernelspec, e.detail]), [
        ['kubernetes:lab/team/reg/py:1/python3', 'Berth: reg/py:1 on lab/team', 'python3', 'Python 3 (ipykernel) · cpu 1'],
        ['kubernetes:lab/team/reg/py:1/ir', 'Berth: reg/py:1 on lab/team (R)', 'ir', 'R · cpu 1'],
      ]);
      assert.deepEqual(entries[1].kernelspecInfo, ir);
    });

    it('keeps a target that names its kernelspec as it is', () => {
      assert.deepEqual(podTargetsWithKernelspecs(named, [python, ir]), [named]);
    });
  });

  describe('the model', () => {
    const [pod] = parseKubernetesTargets([{ context: 'lab', image: 'reg/py:1' }]).targets;
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    it('shows the target as configured while resolving, then one entry per kernelspec', async () => {
      let answer: (r: { probe: ImageProbe; digest?: string }) => void = () => {};
      const resolver = new PodKernelspecResolver(
        { localImages: () => Promise.resolve([]), localProbe: () => Promise.reject(new Error('unused')), registryManifest: () => Promise.resolve(undefined), probePod: () => new Promise((r) => (answer = r)) },
        new MemoryDigestProbeCache(),
      );
      const model = new PodKernelspecsModel(resolver, nullLogger);
      let changes = 0;
      model.onDidChange(() => changes++);
      model.setTargets([pod]);
      assert.deepEqual(model.entries, [pod]);
      assert.equal(model.stateOf(pod)?.kind, 'resolving');
      await settle();
      answer({ probe: usable(D1, [python, ir]), digest: D1 });
      await settle();
      assert.deepEqual(model.entries.map((e) => e.target.kernelspec), ['python3', 'ir']);
      assert.ok(changes >= 2);
      model.dispose();
    });

    it('keeps the configured entry with the reason when the image cannot serve Jupyter', async () => {
      const noJupyter: ImageProbe = { imageId: D1, kernelspecs: [], unusableReason: 'Image reg/py:1 has no Jupyter server: install jupyter-server' };
      const resolver = new PodKernelspecResolver(
        { localImages: () => Promise.resolve([]), localProbe: () => Promise.reject(new Error('unused')), registryManifest: () => Promise.resolve(undefined), probePod: () => Promise.resolve({ probe: noJupyter, digest: D1 }) },
        new MemoryDigestProbeCache(),
      );
      const model = new PodKernelspecsModel(resolver, nullLogger);
      model.setTargets([pod]);
      await settle();
      await settle();
      assert.equal(model.entries.length, 1);
      assert.equal(model.entries[0].id, pod.id);
      assert.match(model.entries[0].detail, /has no Jupyter server/);
      model.dispose();
    });

    it('tries a failed resolution again when the targets are set again', async () => {
      let calls = 0;
      const resolver = new PodKernelspecResolver(
        {
          localImages: () => Promise.resolve([]),
          localProbe: () => Promise.reject(new Error('unused')),
          registryManifest: () => Promise.resolve(undefined),
          probePod: () => (++calls === 1 ? Promise.reject(new Error('cluster unreachable')) : Promise.resolve({ probe: usable(D1), digest: D1 })),
        },
        new MemoryDigestProbeCache(),
      );
      const model = new PodKernelspecsModel(resolver, nullLogger);
      model.setTargets([pod]);
      await settle();
      await settle();
      assert.equal(model.stateOf(pod)?.kind, 'failed');
      assert.deepEqual(model.entries, [pod]);
      model.setTargets([pod]);
      await settle();
      await settle();
      assert.equal(model.stateOf(pod)?.kind, 'resolved');
      assert.equal(calls, 2);
      model.dispose();
    });
  });

  describe('the probe pod', () => {
    const target: KubernetesKernelTarget = {
      kind: 'kubernetes',
      image: 'reg/py:1',
      kernelspec: 'python3',
      context: 'c',
      namespace: 'team',
      serviceAccount: 'notebooks',
      nodeSelector: { gpu: 'a100' },
      imagePullSecrets: ['regcred'],
      imagePullPolicy: 'Always',
      resources: { limits: { 'nvidia.com/gpu': '1' } },
      volumes: [{ mountPath: '/data', source: { kind: 'persistentVolumeClaim', claimName: 'results' } }],
      env: { SECRET_ISH: 'x' },
    };
    const pod = probePodManifest(target, 'berth-probe-1', 660);

    it('is labelled berth.probe, ends by itself and goes at once', () => {
      assert.equal(PROBE_SELECTOR, 'berth.probe=kubernetes');
      assert.equal(pod.metadata.labels['berth.probe'], 'kubernetes');
      assert.equal(pod.metadata.annotations['berth.image'], 'reg/py:1');
      assert.equal(pod.spec.restartPolicy, 'Never');
      assert.equal(pod.spec.terminationGracePeriodSeconds, 0);
      assert.equal(pod.spec.activeDeadlineSeconds, 660);
    });

    it('pulls where and as the kernel pod would, with least privilege and nothing else of the target', () => {
      assert.equal(pod.spec.automountServiceAccountToken, false);
      assert.equal(pod.spec.serviceAccountName, 'notebooks');
      assert.deepEqual(pod.spec.nodeSelector, { gpu: 'a100' });
      assert.deepEqual(pod.spec.imagePullSecrets, [{ name: 'regcred' }]);
      const [c] = pod.spec.containers;
      assert.equal(c.imagePullPolicy, 'Always');
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(c.resources, {});
      assert.deepEqual(c.env, []);
      assert.deepEqual(pod.spec.volumes, []);
      assert.deepEqual(c.volumeMounts, []);
      assert.equal(c.command[0], '/bin/sh');
    });
  });
});
