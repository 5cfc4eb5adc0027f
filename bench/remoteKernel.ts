// The tunnels' overhead: cold start (nothing running → the result of `1+1`, probe cached) and the cell round trip
// (`1+1` → execute_result and idle) through each way Berth reaches a kernel, all against the same engine in the same
// run, interleaved A B C D / D C B A so load on the shared machine hits every variant alike:
//   local socket, published port (today's path, the floor)  ·  local socket, exec forwarder (could it be the one
//   path?)  ·  ssh:// with the SSH tunnel  ·  tcp:// with the exec forwarder.
// The "remote" is this machine behind OpenSSH and socat on a veth address (test/support/remoteMachine.ts), so the
// numbers are the tunnels' own cost, without a real network's latency. Needs root.
// Usage: node out/bench/remoteKernel.js [coldRuns=4] [roundTrips=40]
import { DockerodeEngine } from '../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../src/adapters/docker/dockerServerLauncher';
import type { TunnelKind } from '../src/adapters/docker/serverTunnel';
import { JupyterKernelConnector } from '../src/adapters/jupyter/jupyterKernelConnector';
import { nullLogger } from '../src/core/common/logger';
import type { KernelSession, KernelTarget, LaunchOptions } from '../src/core/kernels/api';
import { launchKernel } from '../src/core/kernels/launchKernel';
import { setUpRemote, tearDownRemote } from '../test/support/remoteMachine';
import { printTable, timeMs } from './lib/stats';

const IMAGE = process.env.BERTH_KERNEL_IMAGE ?? 'berth/python:latest';
const COLD_RUNS = Number(process.argv[2] ?? 4);
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

async function main(): Promise<void> {
  const remote = await setUpRemote();
  const local = new DockerodeEngine(undefined, {});
  try {
    const env = { ...remote.clientEnv, USER: 'root' };
    const variant = (name: string, host: string | undefined, tunnel?: TunnelKind): Variant => ({
      name,
      launcher: new DockerServerLauncher(new DockerodeEngine(host, env), nullLogger, tunnel ? { tunnel } : {}),
    });
    const variants = [
      variant('local socket, published port', undefined),
      variant('local socket, exec forwarder', undefined, 'exec'),
      variant('ssh://, SSH tunnel', remote.sshHost),
      variant('tcp://, exec forwarder', remote.tcpHost),
    ];
    for (const v of variants) await v.launcher.probe(IMAGE);
    const floor = variants[0].name;

    const cold = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (let i = 0; i < COLD_RUNS; i++) {
      for (const v of i % 2 ? [...variants].reverse() : variants) {
        let session: KernelSession | undefined;
        cold.get(v.name)!.push(await timeMs(async () => {
          session = await start(v);
          await onePlusOne(session);
        }));
        await session!.shutdown();
      }
    }
    printTable(`Kernel cold start (launchKernel → result of 1+1, probe cached), ${IMAGE}`, variants.map((v) => ({ name: v.name, samplesMs: cold.get(v.name)!, ...(v.name === floor ? {} : { floor }) })));

    const sessions = await Promise.all(variants.map((v) => start(v)));
    try {
      const trips = new Map<string, number[]>(variants.map((v) => [v.name, []]));
      for (const s of sessions) for (let i = 0; i < 5; i++) await onePlusOne(s);
      for (let block = 0; block < ROUND_TRIPS / 10; block++) {
        const order = block % 2 ? [...variants.keys()].reverse() : [...variants.keys()];
        for (const k of order) for (let i = 0; i < 10; i++) trips.get(variants[k].name)!.push(await timeMs(() => onePlusOne(sessions[k])));
      }
      printTable('Cell round trip (1+1 → execute_result and idle), one kernel per variant', variants.map((v) => ({ name: v.name, samplesMs: trips.get(v.name)!, ...(v.name === floor ? {} : { floor }) })));
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
