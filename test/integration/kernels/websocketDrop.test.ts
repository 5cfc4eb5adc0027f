// A local Docker kernel whose websocket is reset while a cell runs: the client reconnects with the same session,
// Jupyter replays what the kernel said meanwhile, and the cell ends with all of its output. A TCP proxy in front of
// the container's published port stands in for the connection that breaks.
import { strict as assert } from 'assert';
import type { KernelSession, ServerHandle } from '../../../src/core/kernels/api';
import { TcpProxy } from '../../support/tcpProxy';
import { kernelStack, launchOptions, removeContainersOf, target, testOwner, waitFor, withDeadline } from './helpers';

/** The kernel's execution state as the server reports it, asked directly (not through the proxy). */
async function kernelState(server: ServerHandle, kernelId: string): Promise<string | undefined> {
  const response = await fetch(`${server.baseUrl}/api/kernels/${kernelId}`, { headers: { Authorization: `token ${server.token}` } }).catch(() => undefined);
  return response?.ok ? ((await response.json()) as { execution_state?: string }).execution_state : undefined;
}

/** The same server, reached through `port` on 127.0.0.1. */
function through(handle: ServerHandle, port: number): ServerHandle {
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token: handle.token,
    resourceId: handle.resourceId,
    target: handle.target,
    startedAtMs: handle.startedAtMs,
    onDidExit: handle.onDidExit,
    logTail: (lines) => handle.logTail(lines),
    followLogs: (onLine) => handle.followLogs(onLine),
    dispose: () => handle.dispose(),
  };
}

/** Runs `code`, calling `onText` with the cell's stdout so far after each chunk. */
async function runCell(session: KernelSession, code: string, onText: (text: string) => void = () => {}): Promise<{ status: string; text: string }> {
  let text = '';
  const result = await session.execute(code, {
    onAction: (a) => {
      if (a.type === 'append' && a.output.kind === 'stream') {
        text += a.output.text;
        onText(text);
      }
    },
  });
  return { status: result.status, text };
}

describe('Kernel websocket reset mid-cell (real kernel in a container)', function () {
  this.timeout(120_000);
  const owner = testOwner('wsdrop');
  const stack = kernelStack();
  let server: ServerHandle | undefined;
  let session: KernelSession | undefined;
  let proxy: TcpProxy | undefined;

  before(async () => {
    server = await stack.launcher.start(target, launchOptions(owner), new AbortController().signal, () => {});
    proxy = new TcpProxy('127.0.0.1', Number(new URL(server.baseUrl).port));
    session = await stack.connector.startKernel(through(server, await proxy.start()), target.kernelspec);
  });
  after(async () => {
    await session?.shutdown().catch(() => undefined);
    await server?.dispose().catch(() => undefined);
    await proxy?.close();
    await removeContainersOf(owner);
  });

  it('a cell running while the connection resets keeps its output and its reply, and the kernel its state', async () => {
    assert.equal((await runCell(session!, 'x = 41')).status, 'ok');
    let dropped = false;
    const cell = runCell(session!, 'import time\nprint("started", flush=True)\ntime.sleep(3)\nx += 1\nprint("done", x)', (text) => {
      // The cell is running: reset every connection once (new ones are accepted again at once).
      if (!dropped && text.includes('started')) {
        dropped = true;
        proxy!.cut();
        proxy!.restore();
      }
    });
    const result = await withDeadline(cell, 60_000, 'the cell never ended after its connection was reset');
    assert.ok(dropped, 'the connection was never reset');
    assert.deepEqual(result, { status: 'ok', text: 'started\ndone 42\n' });
    assert.equal((await runCell(session!, 'print(x)')).text, '42\n');
  });

  it('a cell that ends while the client cannot reconnect gets its output and reply replayed once it can', async () => {
    assert.equal((await runCell(session!, 'y = 1')).status, 'ok');
    let cut = false;
    const cell = runCell(session!, 'import time\nprint("started", flush=True)\ntime.sleep(2)\ny += 1\nprint("done", y)', (text) => {
      if (!cut && text.includes('started')) {
        cut = true;
        proxy!.cut();
      }
    });
    await waitFor(() => cut, 30_000, () => 'the cell never started');
    // The kernel finishes the cell with nobody connected (asked directly, not through the proxy): all of its output
    // and its reply wait in the server's buffer for this session.
    await waitFor(async () => (await kernelState(server!, session!.kernelId)) === 'idle', 30_000, () => 'the kernel never went idle');
    proxy!.restore();
    const result = await withDeadline(cell, 120_000, 'the cell never ended after its client reconnected');
    assert.deepEqual(result, { status: 'ok', text: 'started\ndone 2\n' });
    assert.equal((await runCell(session!, 'print(y)')).text, '2\n');
  });
});
