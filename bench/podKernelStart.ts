// Pod kernel cold start (nothing running → the result of `1+1`) through Berth's core, next to its floor measured
// in the same run: the same image as a bare pod created with client-node (token on the command line), Running
// awaited with a watch-free poll, a port-forward, /api/status, a kernel POSTed and `1+1` over a raw websocket.
// Needs the local cluster up (`npm run cluster -- up`; its admin kubeconfig, or BERTH_TEST_KUBECONFIG). The kernel
// image is pushed to the cluster's registry under a bench tag first, as a user would, and the local tag removed.
// Then the cell round trip over the port-forward: `1+1` through Berth's KernelSession next to raw
// @jupyterlab/services on the same kernel through the same forward, in alternating blocks.
// Without the cluster, its rows say "not run" and why. Usage: node out/bench/podKernelStart.js [runs=6] [roundTrips=100]
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
import { block, interleave } from './lib/interleave';
import { clusterMissing } from './lib/prerequisites';
import { compare, notRun, report } from './lib/results';
import { timeMs } from './lib/stats';
import { repetitions } from './lib/quick';

const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG ?? '/var/cache/berth/cluster/admin.kubeconfig';
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const IMAGE = `${REGISTRY}/berth/python:berth-pods-bench`;
const NAMESPACE = process.env.BERTH_BENCH_NAMESPACE ?? 'default';
const RUNS = repetitions(Number(process.argv[2] ?? 6));
const ROUND_TRIPS = Number(process.argv[3] ?? 100);
const kc = new KubeConfig();
if (existsSync(KUBECONFIG)) kc.loadFromFile(KUBECONFIG);
const core = kc.makeApiClient(CoreV1Api);
const target: KubernetesKernelTarget = { kind: 'kubernetes', image: IMAGE, kernelspec: 'python3', context: kc.getCurrentContext(), namespace: NAMESPACE, kubeconfig: KUBECONFIG };
const options: LaunchOptions = { notebookKey: 'bench', env: {}, extraMounts: [], owner: { kind: 'bench', id: `berth-bench-${process.pid}`, pid: process.pid }, keepAlive: false };

// client-node narrates on the console; the tables are written to stdout directly.
console.debug = () => {};
console.log = () => {};

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
    // Blocks of ten in A B B A order: load on the shared machine drifts, and back-to-back cells are Run All.
    const samples = await interleave(
      [
        { name: 'floor', run: block(10, rawRun) },
        { name: 'berth', run: block(10, () => onePlusOne(session)) },
      ],
      repetitions(Math.ceil(ROUND_TRIPS / 10)),
    );
    report('Pod kernel cell round trip over the port-forward (1+1 → execute_result and idle)', [
      compare(
        'pod kernel cell round trip 1+1 over the port-forward',
        { name: 'Berth: KernelSession.execute', samplesMs: samples.get('berth')! },
        { name: '@jupyterlab/services requestExecute, same kernel, same forward', samplesMs: samples.get('floor')! },
      ),
    ]);
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
  const missing = await clusterMissing(KUBECONFIG, REGISTRY);
  if (missing) {
    report('Pod kernels', [notRun('pod kernel cold start → result of 1+1', missing), notRun('pod kernel cell round trip 1+1 over the port-forward', missing)]);
    return;
  }
  const untag = await pushImage();
  try {
    await measure();
    await roundTrips();
  } finally {
    await untag().catch(() => undefined);
  }
}

/** One start, timed; the pod is deleted after the clock stops. */
const measured = (start: () => Promise<() => Promise<void>>) => async () => {
  let cleanup: () => Promise<void> = async () => {};
  const ms = await timeMs(async () => (cleanup = await start()));
  await cleanup();
  return ms;
};

async function measure(): Promise<void> {
  // Interleaved in A B B A order, so load on the shared machine hits both alike and neither always goes first.
  const samples = await interleave(
    [
      { name: 'floor', run: measured(floorColdStart) },
      { name: 'berth', run: measured(berthColdStart) },
    ],
    RUNS,
  );
  report(`Pod kernel cold start (run → result of 1+1), ${IMAGE}`, [
    compare(
      'pod kernel cold start → result of 1+1',
      { name: 'Berth: launchKernel (pod + Secret + events + forward + copy) + KernelSession 1+1', samplesMs: samples.get('berth')! },
      { name: 'bare pod + Running + port-forward + /api/status + POST kernel + raw ws 1+1', samplesMs: samples.get('floor')! },
    ),
  ]);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
