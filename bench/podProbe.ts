// Kernelspecs of a pod target that names none: a probe pod (created → kernelspecs read → deleted), a cache hit by
// digest (the registry asked for the tag's digest, no pod), and the local probe of the local image with that digest
// (the registry asked, one throw-away container). The floor is the registry's manifest request alone, which every
// path but a pinned reference pays. Needs the local cluster up (`npm run cluster -- up`). The kernel image is pushed
// under a bench tag first and the local tag removed after.
// The four run interleaved in A B B A order; without the cluster, the rows say "not run" and why.
// Usage: node out/bench/podProbe.js [runs=6]
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import Docker from 'dockerode';
import { DockerodeEngine } from '../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../src/adapters/docker/dockerServerLauncher';
import { fetchRegistryManifest } from '../src/adapters/http/registryManifest';
import { KubernetesServerLauncher } from '../src/adapters/kubernetes/kubernetesServerLauncher';
import { nullLogger } from '../src/core/common/logger';
import type { KubernetesKernelTarget } from '../src/core/kernels/api';
import { MemoryDigestProbeCache, PodKernelspecResolver, type PodKernelspecPorts } from '../src/core/kubernetes/podKernelspecs';
import { interleave } from './lib/interleave';
import { clusterMissing } from './lib/prerequisites';
import { compare, notRun, report } from './lib/results';
import { timeMs } from './lib/stats';
import { repetitions } from './lib/quick';

const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG ?? '/var/cache/berth/cluster/admin.kubeconfig';
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const IMAGE = `${REGISTRY}/berth/python:berth-probe-bench`;
const NAMESPACE = process.env.BERTH_BENCH_NAMESPACE ?? 'default';
const RUNS = repetitions(Number(process.argv[2] ?? 6));
const kc = new KubeConfig();
if (existsSync(KUBECONFIG)) kc.loadFromFile(KUBECONFIG);
const target: KubernetesKernelTarget = { kind: 'kubernetes', image: IMAGE, kernelspec: 'python3', context: kc.getCurrentContext(), namespace: NAMESPACE, kubeconfig: KUBECONFIG };
// client-node prints to the console; the table is written to stdout directly.
console.debug = () => {};
console.log = () => {};

async function pushImage(): Promise<() => Promise<void>> {
  const docker = new Docker();
  await docker.getImage('berth/python:latest').tag({ repo: `${REGISTRY}/berth/python`, tag: 'berth-probe-bench' });
  const stream = (await docker.getImage(`${REGISTRY}/berth/python`).push({ tag: 'berth-probe-bench' })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err || out?.find((o) => o.error) ? reject(err ?? new Error(out.find((o) => o.error)!.error)) : resolve())));
  return () => docker.getImage(IMAGE).remove({ noprune: true }).then(() => undefined);
}

const MEASURED = ['kernelspecs by a probe pod (create → kernelspecs → delete)', 'kernelspecs from the cache, by digest', 'kernelspecs from the local probe of the same digest'];

async function main(): Promise<void> {
  const missing = await clusterMissing(KUBECONFIG, REGISTRY);
  if (missing) {
    report('Kernelspecs of a pod target', MEASURED.map((m) => notRun(m, missing)));
    return;
  }
  const untag = await pushImage();
  try {
    const pods = new KubernetesServerLauncher(nullLogger);
    const engine = new DockerodeEngine(undefined);
    const signal = new AbortController().signal;
    const ports: PodKernelspecPorts = {
      localImages: () => Promise.resolve([]),
      localProbe: () => Promise.reject(new Error('unused')),
      registryManifest: (reference, s) => fetchRegistryManifest(reference, s),
      probePod: (t, s) => pods.probePod(t, s),
    };
    const cache = new MemoryDigestProbeCache();
    // Warm: the first probe pod pulls the image onto the node; what is measured is the steady state.
    await new PodKernelspecResolver(ports, new MemoryDigestProbeCache()).resolve(target, signal);
    await new PodKernelspecResolver(ports, cache).resolve(target, signal);
    const samples = await interleave(
      [
        { name: 'floor', run: () => timeMs(() => fetchRegistryManifest(IMAGE, signal)) },
        { name: 'pod', run: () => timeMs(async () => assertVia(await new PodKernelspecResolver(ports, new MemoryDigestProbeCache()).resolve(target, signal), 'pod')) },
        { name: 'cache', run: () => timeMs(async () => assertVia(await new PodKernelspecResolver(ports, cache).resolve(target, signal), 'cache')) },
        {
          name: 'local',
          // A fresh Docker launcher each time: its own in-memory probe cache would make this a lookup.
          run: () => {
            const docker = new DockerServerLauncher(engine, nullLogger);
            const withLocal: PodKernelspecPorts = { ...ports, localImages: (s) => engine.listImages(s), localProbe: (id, s) => docker.probe(id, s) };
            return timeMs(async () => assertVia(await new PodKernelspecResolver(withLocal, new MemoryDigestProbeCache()).resolve(target, signal), 'local'));
          },
        },
      ],
      RUNS,
    );
    const floor = { name: 'the registry manifest request alone', samplesMs: samples.get('floor')! };
    report(`kernelspecs of ${IMAGE} in ${NAMESPACE} (image already on the node)`, [
      compare(MEASURED[0], { name: 'Berth: probe pod', samplesMs: samples.get('pod')! }, floor),
      compare(MEASURED[1], { name: 'Berth: manifest + cache lookup', samplesMs: samples.get('cache')! }, floor),
      compare(MEASURED[2], { name: 'Berth: manifest + local probe container', samplesMs: samples.get('local')! }, floor),
    ]);
  } finally {
    await untag().catch(() => undefined);
  }
}

function assertVia(result: { via: string }, via: string): void {
  if (result.via !== via) throw new Error(`expected ${via}, got ${result.via}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
