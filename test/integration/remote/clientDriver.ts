// The client side of the remote-engine tests, run inside the client's network namespace as a child process: Berth's
// launcher and connector against DOCKER_HOST (ssh:// or tcp://), driven by JSON lines on stdin, one JSON line back
// per request ({ id, ok, ... } or { id, error }). Requests run concurrently (an interrupt arrives while a cell runs).
import { createInterface } from 'node:readline';
import { DockerodeEngine } from '../../../src/adapters/docker/dockerEngine';
import type { DockerServerHandle } from '../../../src/adapters/docker/dockerServerHandle';
import type { ServerTunnel } from '../../../src/adapters/docker/serverTunnel';
import { DockerServerLauncher } from '../../../src/adapters/docker/dockerServerLauncher';
import { JupyterKernelConnector } from '../../../src/adapters/jupyter/jupyterKernelConnector';
import { stderrLogger } from '../../../src/cliSupport';
import type { CellOutput, KernelSession } from '../../../src/core/kernels/api';
import { launchKernel } from '../../../src/core/kernels/launchKernel';

export type DriverOp =
  | { op: 'start'; owner: string; workspaceFolder?: string; notebookPath?: string }
  | { op: 'run'; code: string }
  | { op: 'interrupt' | 'restart' | 'detach' | 'shutdown' | 'tunnel' | 'started' }
  | { op: 'dropped'; after: number }
  | { op: 'attach'; resourceId: string };
export type DriverRequest = DriverOp & { id: number };

const log = stderrLogger(process.env.BERTH_DRIVER_VERBOSE === '1');
// @jupyterlab/services narrates its websocket on console.debug/log: keep stdout for the replies.
console.debug = () => {};
console.log = () => {};
const engine = new DockerodeEngine(undefined);
const launcher = new DockerServerLauncher(engine, log);
const connector = new JupyterKernelConnector(log);
let session: KernelSession | undefined;
/** Drops the session's tunnel reported (its onDidDrop), and who waits for the next one. */
let drops = 0;
const onDrop: (() => void)[] = [];
/** Resolves when the cell run last gives its first output (its code runs). */
let started: Promise<void> = Promise.resolve();

function watchTunnel(s: KernelSession): void {
  ((s.server as DockerServerHandle).tunnel as ServerTunnel | undefined)?.onDidDrop(() => {
    drops++;
    for (const resolve of onDrop.splice(0)) resolve();
  });
}

const textOf = (outputs: CellOutput[]) => outputs.map((o) => (o.kind === 'stream' ? o.text : o.kind === 'display' ? String(o.data['text/plain']) : `${o.ename}: ${o.evalue}`)).join('');
const current = () => {
  if (!session) throw new Error('no session');
  return session;
};

async function handle(request: DriverRequest): Promise<Record<string, unknown>> {
  switch (request.op) {
    case 'start': {
      session = await launchKernel(
        { launcher, connector },
        { kind: 'docker', image: process.env.BERTH_KERNEL_IMAGE ?? 'berth/python:latest', kernelspec: 'python3' },
        {
          notebookKey: `test:${request.owner}`,
          env: {},
          extraMounts: [],
          owner: { kind: 'test', id: request.owner, pid: process.pid },
          keepAlive: false,
          ...(request.workspaceFolder ? { workspaceFolder: request.workspaceFolder } : {}),
          ...(request.notebookPath ? { notebookPath: request.notebookPath } : {}),
        },
        new AbortController().signal,
        () => {},
      );
      watchTunnel(session);
      return { resourceId: session.server.resourceId, baseUrl: session.server.baseUrl };
    }
    case 'run': {
      const outputs: CellOutput[] = [];
      let firstOutput = () => {};
      started = new Promise<void>((resolve) => (firstOutput = resolve));
      const result = await current().execute(request.code, {
        onAction: (a) => {
          if (a.type === 'append') {
            outputs.push(a.output);
            firstOutput();
          }
        },
      });
      return { status: result.status, text: textOf(outputs) };
    }
    case 'started':
      await started;
      return {};
    case 'dropped':
      if (drops <= request.after) await new Promise<void>((resolve) => onDrop.push(resolve));
      return { drops };
    case 'interrupt':
      await current().interrupt();
      return {};
    case 'restart':
      await current().restart();
      return {};
    case 'detach':
      current().dispose();
      session = undefined;
      return {};
    case 'shutdown':
      await current().shutdown();
      session = undefined;
      return {};
    case 'tunnel': {
      const tunnel = (current().server as DockerServerHandle).tunnel as { opened?: number; tunnel?: { connections: number } } | undefined;
      return { opened: tunnel?.opened, sshConnections: tunnel?.tunnel?.connections, drops };
    }
    case 'attach': {
      const running = (await launcher.listRunning()).find((r) => r.resourceId === request.resourceId);
      if (!running) throw new Error(`${request.resourceId} is not listed`);
      const server = await running.attach();
      const [kernel] = await connector.listKernels(server);
      session = await connector.connectKernel(server, kernel.id);
      watchTunnel(session);
      return { baseUrl: server.baseUrl };
    }
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line) as DriverRequest;
  handle(request).then(
    (reply) => process.stdout.write(`${JSON.stringify({ id: request.id, ok: true, ...reply })}\n`),
    (error: unknown) => process.stdout.write(`${JSON.stringify({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) })}\n`),
  );
});
process.stdin.on('end', () => {
  void (session?.shutdown() ?? Promise.resolve()).finally(() => process.exit(0));
});
