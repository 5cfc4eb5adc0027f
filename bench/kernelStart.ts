// Kernel cold start (nothing running → the result of `1+1`) and cell round trip through Berth's core, each
// next to its floor measured in the same run:
// - cold start floor: the same image started with dockerode directly (token on the command line, port
//   published on 127.0.0.1), /api/status polled, a kernel POSTed, `1+1` sent over a raw websocket;
// - round-trip floor: @jupyterlab/services' KernelConnection.requestExecute to the same kernel.
// Both run interleaved in A B B A order (bench/lib/interleave.ts). Usage: node out/bench/kernelStart.js [coldRuns=6] [roundTrips=40]
import { randomBytes, randomUUID } from 'node:crypto';
import { KernelAPI, KernelConnection } from '@jupyterlab/services';
import Docker from 'dockerode';
import WebSocket from 'ws';
import { DockerodeEngine } from '../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../src/adapters/docker/dockerServerLauncher';
import { JupyterKernelConnector } from '../src/adapters/jupyter/jupyterKernelConnector';
import { fetchWithTimeout } from '../src/adapters/http/fetchWithTimeout';
import { serverSettings } from '../src/adapters/jupyter/serverSettings';
import { nullLogger } from '../src/core/common/logger';
import type { KernelSession, KernelTarget, LaunchOptions } from '../src/core/kernels/api';
import { launchKernel } from '../src/core/kernels/launchKernel';
import { block, interleave } from './lib/interleave';
import { compare, report } from './lib/results';
import { timeMs } from './lib/stats';
import { repetitions } from './lib/quick';

const IMAGE = process.env.BERTH_KERNEL_IMAGE ?? 'berth/python:latest';
const COLD_RUNS = repetitions(Number(process.argv[2] ?? 6));
const ROUND_TRIPS = Number(process.argv[3] ?? 40);
const OWNER = `berth-bench-${process.pid}`;
const docker = new Docker();
const target: KernelTarget = { kind: 'docker', image: IMAGE, kernelspec: 'python3' };
const options: LaunchOptions = { notebookKey: 'bench', env: {}, extraMounts: [], owner: { kind: 'bench', id: OWNER, pid: process.pid }, keepAlive: false };

// @jupyterlab/services narrates its websocket on console.debug; keep the table readable.
console.debug = () => {};

/** `1+1` through a KernelSession: resolves when the execute_result has arrived. */
async function onePlusOne(session: KernelSession): Promise<void> {
  let seen = false;
  await session.execute('1+1', { onAction: (a) => (seen ||= a.type === 'append' && a.output.kind === 'display') });
  if (!seen) throw new Error('no execute_result');
}

async function berthColdStart(launcher: DockerServerLauncher, connector: JupyterKernelConnector): Promise<() => Promise<void>> {
  const session = await launchKernel({ launcher, connector }, target, options, new AbortController().signal, () => {});
  await onePlusOne(session);
  return () => session.shutdown();
}

/** The floor: what any tool must do to get `1+1` out of a fresh Jupyter container. */
async function floorColdStart(): Promise<() => Promise<void>> {
  const token = randomBytes(16).toString('hex');
  const container = await docker.createContainer({
    Image: IMAGE,
    Cmd: ['jupyter-server', '--ip=0.0.0.0', '--port=8888', '--no-browser', '--allow-root', `--ServerApp.token=${token}`],
    Labels: { 'berth.bench': OWNER },
    ExposedPorts: { '8888/tcp': {} },
    HostConfig: { Init: true, PortBindings: { '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  const cleanup = () => container.remove({ force: true }).then(() => undefined);
  await container.start();
  const port = (await container.inspect()).NetworkSettings.Ports['8888/tcp'][0].HostPort;
  const base = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `token ${token}` };
  for (;;) {
    const ok = await fetchWithTimeout(`${base}/api/status`, { headers }, 1000).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const kernel = (await (await fetch(`${base}/api/kernels`, { method: 'POST', headers, body: JSON.stringify({ name: 'python3' }) })).json()) as { id: string };
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/kernels/${kernel.id}/channels?token=${token}`);
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
  return cleanup;
}

async function coldStarts(): Promise<void> {
  const connector = new JupyterKernelConnector(nullLogger);
  const warmLauncher = new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger);
  await warmLauncher.probe(IMAGE);
  // Each repetition times the start alone; the container is removed after the clock stops.
  const measured = (start: () => Promise<() => Promise<void>>) => async () => {
    let cleanup: () => Promise<void> = async () => {};
    const ms = await timeMs(async () => (cleanup = await start()));
    await cleanup();
    return ms;
  };
  const FLOOR = 'floor: dockerode run + /api/status + POST kernel + raw ws 1+1';
  const samples = await interleave(
    [
      { name: FLOOR, run: measured(floorColdStart) },
      { name: 'Berth: launchKernel + KernelSession 1+1 (probe cached)', run: measured(() => berthColdStart(warmLauncher, connector)) },
      // A launcher that has never seen the image: includes the probe container.
      { name: 'Berth: first start of an image (probe included)', run: measured(() => berthColdStart(new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger), connector)) },
    ],
    COLD_RUNS,
  );
  const floor = { name: FLOOR, samplesMs: samples.get(FLOOR)! };
  report(`Kernel cold start (run → result of 1+1), ${IMAGE}`, [
    compare('kernel cold start → result of 1+1, probe cached', { name: 'Berth: launchKernel + KernelSession 1+1', samplesMs: samples.get('Berth: launchKernel + KernelSession 1+1 (probe cached)')! }, floor),
    compare('kernel cold start → result of 1+1, first start of an image (probe included)', { name: 'Berth: probe + launchKernel + KernelSession 1+1', samplesMs: samples.get('Berth: first start of an image (probe included)')! }, floor),
  ]);
}

async function roundTrips(): Promise<void> {
  const launcher = new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger);
  const session = await launchKernel({ launcher, connector: new JupyterKernelConnector(nullLogger) }, target, options, new AbortController().signal, () => {});
  // The floor talks to the same kernel process over its own connection, so both measure one kernel.
  const model = await KernelAPI.getKernelModel(session.kernelId, serverSettings(session.server));
  if (!model) throw new Error('kernel not listed');
  const raw = new KernelConnection({ model, serverSettings: serverSettings(session.server) });
  try {
    await raw.info;
    const rawRun = async () => {
      let seen = false;
      const future = raw.requestExecute({ code: '1+1' });
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
    // Blocks of ten in A B B A order: machine load drifts over a run, and back-to-back requests on one path are
    // what a notebook's Run All does.
    const samples = await interleave(
      [
        { name: 'floor', run: block(10, rawRun) },
        { name: 'berth', run: block(10, () => onePlusOne(session)) },
      ],
      repetitions(Math.ceil(ROUND_TRIPS / 10)),
    );
    const [floor, berth] = [samples.get('floor')!, samples.get('berth')!];
    report('Cell round trip (1+1 → execute_result and idle), same kernel', [
      compare('cell round trip 1+1 → execute_result and idle, same kernel', { name: 'Berth: KernelSession.execute', samplesMs: berth }, { name: 'floor: @jupyterlab/services requestExecute', samplesMs: floor }),
    ]);
  } finally {
    raw.dispose();
    await session.shutdown();
  }
}

async function removeLeftovers(): Promise<void> {
  for (const label of [`berth.bench=${OWNER}`, `berth.owner=${OWNER}`]) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  }
}

async function main(): Promise<void> {
  try {
    await coldStarts();
    await roundTrips();
  } finally {
    await removeLeftovers();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
