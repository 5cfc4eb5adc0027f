// The tunnels' overhead: cold start (nothing running → the result of `1+1`, probe cached) and the cell round trip
// (`1+1` → execute_result and idle) through each way Berth reaches a kernel, all against the same engine in the same
// run, interleaved A B C D / D C B A so load on the shared machine hits every variant alike:
//   local socket, published port (today's path, the floor)  ·  local socket, exec forwarder (could it be the one
//   path?)  ·  ssh:// with the SSH tunnel  ·  tcp:// with the exec forwarder.
// The "remote" is this machine behind OpenSSH and socat on a veth address (test/support/remoteMachine.ts), so the
// numbers are the tunnels' own cost, without a real network's latency. Needs root, OpenSSH's sshd, socat and
// network namespaces (scripts/provision/remote.sh); without them the rows say "not run" and why.
// Usage: node out/bench/remoteKernel.js [coldRuns=6] [roundTrips=40]
import { DockerodeEngine } from '../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../src/adapters/docker/dockerServerLauncher';
import type { TunnelKind } from '../src/adapters/docker/serverTunnel';
import { JupyterKernelConnector } from '../src/adapters/jupyter/jupyterKernelConnector';
import { nullLogger } from '../src/core/common/logger';
import type { KernelSession, KernelTarget, LaunchOptions } from '../src/core/kernels/api';
import { launchKernel } from '../src/core/kernels/launchKernel';
import { setUpRemote, tearDownRemote, type RemoteMachine } from '../test/support/remoteMachine';
import { block, interleave } from './lib/interleave';
import { compare, notRun, report, type ResultRow } from './lib/results';
import { timeMs } from './lib/stats';
import { repetitions } from './lib/quick';

const IMAGE = process.env.BERTH_KERNEL_IMAGE ?? 'berth/python:latest';
const COLD_RUNS = repetitions(Number(process.argv[2] ?? 6));
const ROUND_TRIPS = Number(process.argv[3] ?? 40);
const OWNER = `berth-bench-remote-${process.pid}`;
const target: KernelTarget = { kind: 'docker', image: IMAGE, kernelspec: 'python3' };
const options: LaunchOptions = { notebookKey: 'bench', env: {}, extraMounts: [], owner: { kind: 'bench', id: OWNER, pid: process.pid }, keepAlive: false };
console.debug = () => {};
console.log = ((log) => (...a: unknown[]) => (typeof a[0] === 'string' && /WebSocket|Kernel:/.test(a[0]) ? undefined : log(...a)))(console.log.bind(console));

interface Variant {
  readonly name: string;
  readonly launcher: DockerServerLauncher;
}

async function onePlusOne(session: KernelSession): Promise<void> {
  let seen = false;
  await session.execute('1+1', { onAction: (a) => (seen ||= a.type === 'append' && a.output.kind === 'display') });
  if (!seen) throw new Error('no execute_result');
}

const connector = new JupyterKernelConnector(nullLogger);
const start = (v: Variant) => launchKernel({ launcher: v.launcher, connector }, target, options, new AbortController().signal, () => {});

const TUNNELS = ['local socket, exec forwarder', 'ssh://, SSH tunnel', 'tcp://, exec forwarder'];

async function main(): Promise<void> {
  let remote: RemoteMachine;
  try {
    remote = await setUpRemote();
  } catch (error) {
    const why = `no "remote" machine on a veth in a network namespace: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    await tearDownRemote();
    report('Kernels through the tunnels', TUNNELS.flatMap((t) => [notRun(`kernel cold start → result of 1+1, ${t}`, why), notRun(`cell round trip 1+1, ${t}`, why)]));
    return;
  }
  const local = new DockerodeEngine(undefined, {});
  try {
    const env = { ...remote.clientEnv, USER: 'root' };
    const variant = (name: string, host: string | undefined, tunnel?: TunnelKind): Variant => ({
      name,
      launcher: new DockerServerLauncher(new DockerodeEngine(host, env), nullLogger, tunnel ? { tunnel } : {}),
    });
    const variants = [
      variant('local socket, published port', undefined),
      variant(TUNNELS[0], undefined, 'exec'),
      variant(TUNNELS[1], remote.sshHost),
      variant(TUNNELS[2], remote.tcpHost),
    ];
    for (const v of variants) await v.launcher.probe(IMAGE);
    /** Each variant's rows next to the local published port, the path Berth takes on a local engine. */
    const rows = (measured: string, samples: Map<string, number[]>): ResultRow[] =>
      variants.slice(1).map((v) => compare(`${measured}, ${v.name}`, { name: `Berth: ${v.name}`, samplesMs: samples.get(v.name)! }, { name: `Berth: ${variants[0].name}`, samplesMs: samples.get(variants[0].name)! }));

    const cold = await interleave(
      variants.map((v) => ({
        name: v.name,
        run: async () => {
          let session: KernelSession | undefined;
          const ms = await timeMs(async () => {
            session = await start(v);
            await onePlusOne(session);
          });
          await session!.shutdown();
          return ms;
        },
      })),
      COLD_RUNS,
    );
    report(`Kernel cold start (launchKernel → result of 1+1, probe cached), ${IMAGE}`, rows('kernel cold start → result of 1+1', cold));

    const sessions = await Promise.all(variants.map((v) => start(v)));
    try {
      for (const s of sessions) for (let i = 0; i < 5; i++) await onePlusOne(s);
      const trips = await interleave(
        variants.map((v, k) => ({ name: v.name, run: block(10, () => onePlusOne(sessions[k])) })),
        repetitions(Math.ceil(ROUND_TRIPS / 10)),
      );
      report('Cell round trip (1+1 → execute_result and idle), one kernel per variant', rows('cell round trip 1+1', trips));
    } finally {
      await Promise.all(sessions.map((s) => s.shutdown()));
    }
  } finally {
    for (const c of await local.docker.listContainers({ all: true, filters: { label: [`berth.owner=${OWNER}`] } })) {
      await local.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    await tearDownRemote();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
