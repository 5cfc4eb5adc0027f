// Kernelspecs of a pod target that names none: a probe pod (created → kernelspecs read → deleted), a cache hit by
// digest (the registry asked for the tag's digest, no pod), and the local probe of the local image with that digest
// (the registry asked, one throw-away container). The floor is the registry's manifest request alone, which every
// path but a pinned reference pays. Needs the local cluster up (`npm run cluster -- up`). The kernel image is pushed
// under a bench tag first and the local tag removed after.
// Usage: node out/bench/podProbe.js [runs=5]
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
import { printTable, timeMs } from './lib/stats';

const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG ?? '/var/cache/berth/cluster/admin.kubeconfig';
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const IMAGE = `${REGISTRY}/berth/python:berth-probe-bench`;
const NAMESPACE = process.env.BERTH_BENCH_NAMESPACE ?? 'default';
const RUNS = Number(process.argv[2] ?? 5);
if (!existsSync(KUBECONFIG)) {
  process.stdout.write(`bench failed: no cluster kubeconfig at ${KUBECONFIG} (npm run cluster -- up)\n`);
  process.exit(1);
}
const kc = new KubeConfig();
kc.loadFromFile(KUBECONFIG);
const target: KubernetesKernelTarget = { kind: 'kubernetes', image: IMAGE, kernelspec: 'python3', context: kc.getCurrentContext(), namespace: NAMESPACE, kubeconfig: KUBECONFIG };
// client-node prints to the console; the table is printed with the real console.log.
const print = console.log;
console.debug = () => {};
console.log = () => {};

async function pushImage(): Promise<() => Promise<void>> {
  const docker = new Docker();
  await docker.getImage('berth/python:latest').tag({ repo: `${REGISTRY}/berth/python`, tag: 'berth-probe-bench' });
  const stream = (await docker.getImage(`${REGISTRY}/berth/python`).push({ tag: 'berth-probe-bench' })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err || out?.find((o) => o.error) ? reject(err ?? new Error(out.find((o) => o.error)!.error)) : resolve())));
  return () => docker.getImage(IMAGE).remove({ noprune: true }).then(() => undefined);
}

async function main(): Promise<void> {
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
    const probePod: number[] = [];
    const cacheHit: number[] = [];
    const local: number[] = [];
    const floor: number[] = [];
    // Warm: the first probe pod pulls the image onto the node; what is measured is the steady state.
    await new PodKernelspecResolver(ports, new MemoryDigestProbeCache()).resolve(target, signal);
    for (let i = 0; i < RUNS; i++) {
      probePod.push(await timeMs(async () => assertVia(await new PodKernelspecResolver(ports, new MemoryDigestProbeCache()).resolve(target, signal), 'pod')));
      if (i === 0) await new PodKernelspecResolver(ports, cache).resolve(target, signal);
      cacheHit.push(await timeMs(async () => assertVia(await new PodKernelspecResolver(ports, cache).resolve(target, signal), 'cache')));
      // A fresh Docker launcher each time: its own in-memory probe cache would make this a lookup.
      const docker = new DockerServerLauncher(engine, nullLogger);
      local.push(await timeMs(async () => assertVia(await new PodKernelspecResolver({ ...ports, localImages: (s) => engine.listImages(s), localProbe: (id, s) => docker.probe(id, s) }, new MemoryDigestProbeCache()).resolve(target, signal), 'local')));
      floor.push(await timeMs(() => fetchRegistryManifest(IMAGE, signal)));
    }
    console.log = print;
    printTable(`kernelspecs of ${IMAGE} in ${NAMESPACE} (image already on the node)`, [
      { name: 'registry manifest request', samplesMs: floor },
      { name: 'probe pod (create → kernelspecs → delete)', samplesMs: probePod, floor: 'registry manifest request' },
      { name: 'cache hit by digest', samplesMs: cacheHit, floor: 'registry manifest request' },
      { name: 'local probe, same digest', samplesMs: local, floor: 'registry manifest request' },
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
    process.stdout.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
