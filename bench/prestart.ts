// Pre-started kernels: Run → first result (session() + `1+1` through the kernel lifecycle in core, as the cell runner
// does it) on a kernel that prestart() started when the notebook opened, next to the cell round trip on that same
// kernel (the floor), and to a Run with nothing pre-started (the cold start a Run pays without it). Real Docker and
// Jupyter; the VS Code host's own share of a Run (queueing the cell, rendering the output) is not in these numbers.
// Both Runs are interleaved in A B B A order (bench/lib/interleave.ts).
// Usage: node out/bench/prestart.js [runs=5] [roundTripsPerRun=10]
import { DockerodeEngine } from '../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../src/adapters/docker/dockerServerLauncher';
import { JupyterKernelConnector } from '../src/adapters/jupyter/jupyterKernelConnector';
import { nullLogger } from '../src/core/common/logger';
import type { KernelSession, LaunchOptions } from '../src/core/kernels/api';
import { NotebookKernels, type KernelSourceRef } from '../src/core/kernels/notebookKernels';
import { interleave } from './lib/interleave';
import { repetitions } from './lib/quick';
import { compare, report } from './lib/results';
import { median, timeMs } from './lib/stats';

const IMAGE = process.env.BERTH_KERNEL_IMAGE ?? 'berth/python:latest';
const RUNS = repetitions(Number(process.argv[2] ?? 5));
const ROUND_TRIPS = Number(process.argv[3] ?? 10);
const owner = { kind: 'bench', id: `berth-bench-prestart-${process.pid}`, pid: process.pid };

// @jupyterlab/services narrates its websocket on console.debug; keep the table readable.
console.debug = () => {};

/** `1+1` through a KernelSession: resolves when the execute_result has arrived. */
async function onePlusOne(session: KernelSession): Promise<void> {
  let seen = false;
  await session.execute('1+1', { onAction: (a) => (seen ||= a.type === 'append' && a.output.kind === 'display') });
  if (!seen) throw new Error('no execute_result');
}

function lifecycle(launcher: DockerServerLauncher): NotebookKernels<KernelSourceRef> {
  const tokens = new Map<string, string>();
  return new NotebookKernels<KernelSourceRef>({
    launchers: { docker: launcher },
    connector: new JupyterKernelConnector(nullLogger),
    ui: {
      withStartProgress: (_task, run) => run(() => {}, new AbortController().signal),
      withAttachProgress: (_title, run) => run(),
      checkTrust: () => {},
      announceDeath: (_kernel, what) => console.error(`bench: ${what}`),
    },
    log: nullLogger,
    tokens: { get: async (id) => tokens.get(id), set: async (id, t) => void tokens.set(id, t), delete: async (id) => void tokens.delete(id) },
    owner,
    resumeOwnServers: false,
    launchOptions: (key): LaunchOptions => ({ notebookKey: key, env: {}, extraMounts: [], owner, keepAlive: false }),
  });
}

async function main(): Promise<void> {
  const launcher = new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger);
  const probe = await launcher.probe(IMAGE);
  const source: KernelSourceRef = { id: `docker:${IMAGE}:python3`, reference: IMAGE, target: { kind: 'docker', image: IMAGE, kernelspec: 'python3' }, probe };
  const kernels = lifecycle(launcher);
  // The floor, measured on each pre-started kernel right after its first Run: one sample per repetition, the
  // median of its round trips.
  const roundTrip: number[] = [];
  let run = 0;
  const PRESTARTED = 'Berth: Run → result, kernel pre-started on open';
  const COLD = 'Berth: Run → result, nothing pre-started (berth.kernel.prestart off)';
  let samples: Map<string, number[]>;
  try {
    samples = await interleave(
      [
        {
          name: PRESTARTED,
          run: async () => {
            const key = `bench:prestart-${run++}`;
            await kernels.prestart(key, source);
            if (kernels.get(key)?.state !== 'idle') throw new Error(`the pre-start did not come up: ${JSON.stringify(kernels.get(key))}`);
            const ms = await timeMs(async () => onePlusOne(await kernels.session(key, source)));
            const session = await kernels.session(key, source);
            const trips: number[] = [];
            for (let n = 0; n < ROUND_TRIPS; n++) trips.push(await timeMs(() => onePlusOne(session)));
            roundTrip.push(median(trips));
            await kernels.shutdown(key);
            return ms;
          },
        },
        {
          name: COLD,
          run: async () => {
            const key = `bench:cold-${run++}`;
            const ms = await timeMs(async () => onePlusOne(await kernels.session(key, source)));
            await kernels.shutdown(key);
            return ms;
          },
        },
      ],
      RUNS,
    );
  } finally {
    for (const k of kernels.all) await kernels.shutdown(k.key);
    for (const r of await launcher.listRunning()) if (r.owner.id === owner.id) await r.remove().catch(() => undefined);
  }
  const floor = { name: `cell round trip 1+1 on the same pre-started kernel (median of ${ROUND_TRIPS} per repetition)`, samplesMs: roundTrip };
  report(`Run → first result with a pre-started kernel, ${IMAGE}`, [
    compare('Run → first result (session + 1+1), kernel pre-started on open', { name: PRESTARTED, samplesMs: samples.get(PRESTARTED)! }, floor),
    compare('Run → first result (session + 1+1), nothing pre-started', { name: COLD, samplesMs: samples.get(COLD)! }, floor),
  ]);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
