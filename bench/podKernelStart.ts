// Pod kernel cold start (nothing running → the result of `1+1`) through Berth's core, next to its floor measured
// in the same run: the same image as a bare pod created with client-node (token on the command line), Running
// awaited with a watch-free poll, a port-forward, /api/status, a kernel POSTed and `1+1` over a raw websocket.
// Needs the local cluster up (`npm run cluster -- up`; its admin kubeconfig, or BERTH_TEST_KUBECONFIG). The kernel
// image is pushed to the cluster's registry under a bench tag first, as a user would, and the local tag removed.
// Then the cell round trip over the port-forward: `1+1` through Berth's KernelSession next to raw
// @jupyterlab/services on the same kernel through the same forward, in alternating blocks.
// Usage: node out/bench/podKernelStart.js [runs=3] [roundTrips=100]
import { randomBytes, randomUUID } from 'node:crypto';
import { KernelAPI, KernelConnection } from '@jupyterlab/services';
import { existsSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import Docker from 'dockerode';
import WebSocket from 'ws';
import { JupyterKernelConnector } from '../src/adapters/jupyter/jupyterKernelConnector';
import { fetchWithTimeout } from '../src/adapters/http/fetchWithTimeout';
import { serverSettings } from '../src/adapters/jupyter/serverSettings';
import { KubernetesServerLauncher } from '../src/adapters/kubernetes/kubernetesServerLauncher';
import { PodPortForward } from '../src/adapters/kubernetes/podPortForward';
import { nullLogger } from '../src/core/common/logger';
import type { KernelSession, KubernetesKernelTarget, LaunchOptions } from '../src/core/kernels/api';
import { launchKernel } from '../src/core/kernels/launchKernel';
import { printTable, timeMs } from './lib/stats';

const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG ?? '/var/cache/berth/cluster/admin.kubeconfig';
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const IMAGE = `${REGISTRY}/berth/python:berth-pods-bench`;
const NAMESPACE = process.env.BERTH_BENCH_NAMESPACE ?? 'default';
const RUNS = Number(process.argv[2] ?? 3);
const ROUND_TRIPS = Number(process.argv[3] ?? 100);
if (!existsSync(KUBECONFIG)) {
  process.stdout.write(`bench failed: no cluster kubeconfig at ${KUBECONFIG} (npm run cluster -- up)\n`);
  process.exit(1);
}
const kc = new KubeConfig();
kc.loadFromFile(KUBECONFIG);
const core = kc.makeApiClient(CoreV1Api);
const target: KubernetesKernelTarget = { kind: 'kubernetes', image: IMAGE, kernelspec: 'python3', context: kc.getCurrentContext(), namespace: NAMESPACE, kubeconfig: KUBECONFIG };
const options: LaunchOptions = { notebookKey: 'bench', env: {}, extraMounts: [], owner: { kind: 'bench', id: `berth-bench-${process.pid}`, pid: process.pid }, keepAlive: false };

console.debug = () => {};
console.log = () => {};
const print = (text: string) => process.stdout.write(`${text}\n`);

async function onePlusOne(session: KernelSession): Promise<void> {
  let seen = false;
  await session.execute('1+1', { onAction: (a) => (seen ||= a.type === 'append' && a.output.kind === 'display') });
  if (!seen) throw new Error('no execute_result');
}

function startPodKernel(): Promise<KernelSession> {
  return launchKernel({ launcher: new KubernetesServerLauncher(nullLogger), connector: new JupyterKernelConnector(nullLogger) }, target, options, new AbortController().signal, () => {});
}

async function berthColdStart(): Promise<() => Promise<void>> {
  const session = await startPodKernel();
  await onePlusOne(session);
  return () => session.shutdown();
}

/** Berth's KernelSession and raw @jupyterlab/services on one pod kernel, both through Berth's port-forward. */
async function roundTrips(): Promise<void> {
  const session = await startPodKernel();
  let raw: KernelConnection | undefined;
  try {
    const settings = serverSettings(session.server);
    const model = await KernelAPI.getKernelModel(session.kernelId, settings);
    if (!model) throw new Error('kernel not listed');
    const connection = new KernelConnection({ model, serverSettings: settings });
    raw = connection;
    await connection.info;
    const rawRun = async () => {
      let seen = false;
      const future = connection.requestExecute({ code: '1+1' });
      future.onIOPub = (msg) => {
        seen ||= msg.header.msg_type === 'execute_result';
      };
      await future.done;
      if (!seen) throw new Error('no execute_result');
    };
    for (let i = 0; i < 5; i++) {
      await rawRun();
      await onePlusOne(session);
    }
    const floor: number[] = [];
    const berth: number[] = [];
    // Blocks of ten in A B B A order: load on the shared machine drifts, and back-to-back cells are Run All.
    for (let block = 0; block < ROUND_TRIPS / 10; block++) {
      const order = block % 2 === 0 ? ['raw', 'berth'] : ['berth', 'raw'];
      for (const which of order) {
        for (let i = 0; i < 10; i++) (which === 'raw' ? floor : berth).push(await timeMs(which === 'raw' ? rawRun : () => onePlusOne(session)));
      }
    }
    const floorName = 'floor: @jupyterlab/services requestExecute, same kernel, same forward';
    const log = console.log;
    console.log = (...a: unknown[]) => print(a.map(String).join(' '));
    printTable('Pod kernel cell round trip over the port-forward (1+1 → execute_result and idle)', [
      { name: floorName, samplesMs: floor },
      { name: 'Berth: KernelSession.execute', samplesMs: berth, floor: floorName },
    ]);
    console.log = log;
  } finally {
    raw?.dispose();
    await session.shutdown();
  }
}

async function floorColdStart(): Promise<() => Promise<void>> {
  const token = randomBytes(16).toString('hex');
  const name = `berth-bench-${randomBytes(4).toString('hex')}`;
  await core.createNamespacedPod({
    namespace: NAMESPACE,
    body: {
      metadata: { name, labels: { 'berth.bench': 'pod-start' } },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        automountServiceAccountToken: false,
        containers: [{ name: 'jupyter', image: IMAGE, command: ['jupyter-server', '--ip=127.0.0.1', '--port=8888', '--no-browser', '--allow-root', `--ServerApp.token=${token}`] }],
      },
    },
  });
  let forward: PodPortForward | undefined;
  const cleanup = async () => {
    forward?.dispose();
    await core.deleteNamespacedPod({ namespace: NAMESPACE, name, gracePeriodSeconds: 0 }).catch(() => undefined);
  };
  try {
    for (;;) {
      const pod = await core.readNamespacedPod({ namespace: NAMESPACE, name });
      if (pod.status?.phase === 'Running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    forward = await PodPortForward.open(kc, NAMESPACE, name, 8888, nullLogger);
    const base = `http://127.0.0.1:${forward.port}`;
    const headers = { Authorization: `token ${token}` };
    for (;;) {
      const ok = await fetchWithTimeout(`${base}/api/status`, { headers }, 2000).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const kernel = (await (await fetch(`${base}/api/kernels`, { method: 'POST', headers, body: JSON.stringify({ name: 'python3' }) })).json()) as { id: string };
    const ws = new WebSocket(`ws://127.0.0.1:${forward.port}/api/kernels/${kernel.id}/channels`, { headers });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const msgId = randomUUID();
    const result = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { msg_type: string; parent_header: { msg_id?: string } };
        if (msg.msg_type === 'execute_result' && msg.parent_header.msg_id === msgId) resolve();
      }),
    );
    ws.send(
      JSON.stringify({
        header: { msg_id: msgId, username: 'bench', session: randomUUID(), msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
        parent_header: {},
        metadata: {},
        content: { code: '1+1', silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
        channel: 'shell',
        buffers: [],
      }),
    );
    await result;
    ws.close();
  } catch (error) {
    await cleanup();
    throw error;
  }
  return cleanup;
}

/** docker tag + docker push to the cluster's registry; the local tag is removed again afterwards. */
async function pushImage(): Promise<() => Promise<void>> {
  const docker = new Docker();
  await docker.getImage('berth/python:latest').tag({ repo: `${REGISTRY}/berth/python`, tag: 'berth-pods-bench' });
  const stream = (await docker.getImage(`${REGISTRY}/berth/python`).push({ tag: 'berth-pods-bench' })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed!.error));
      else resolve();
    }),
  );
  return () => docker.getImage(IMAGE).remove({ noprune: true }).then(() => undefined);
}

async function main(): Promise<void> {
  const untag = await pushImage();
  try {
    await measure();
    await roundTrips();
  } finally {
    await untag().catch(() => undefined);
  }
}

async function measure(): Promise<void> {
  const floor: number[] = [];
  const berth: number[] = [];
  // Interleaved in A B B A order, so load on the shared machine hits both alike and neither always goes first.
  for (let i = 0; i < RUNS; i++) {
    for (const which of i % 2 === 0 ? ['floor', 'berth'] : ['berth', 'floor']) {
      let cleanup: () => Promise<void> = async () => {};
      if (which === 'floor') floor.push(await timeMs(async () => (cleanup = await floorColdStart())));
      else berth.push(await timeMs(async () => (cleanup = await berthColdStart())));
      await cleanup();
    }
  }
  const floorName = 'floor: bare pod + Running + port-forward + /api/status + POST kernel + raw ws 1+1';
  const log = console.log;
  console.log = (...a: unknown[]) => print(a.map(String).join(' '));
  printTable(`Pod kernel cold start (run → result of 1+1), ${IMAGE}`, [
    { name: floorName, samplesMs: floor },
    { name: 'Berth: launchKernel (pod + Secret + events + forward + copy) + KernelSession 1+1', samplesMs: berth, floor: floorName },
  ]);
  console.log = log;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    print(`bench failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
