import { strict as assert } from 'assert';
import { BerthError, CancelledError } from '../../../src/core/common/errors';
import { Emitter } from '../../../src/core/common/event';
import type { KernelConnector, KernelSession, LaunchOptions, LaunchProgress, ServerHandle, ServerLauncher } from '../../../src/core/kernels/api';
import { launchKernel } from '../../../src/core/kernels/launchKernel';

const options: LaunchOptions = { notebookKey: 'k', env: {}, extraMounts: [], owner: { kind: 'cli', id: 'o', pid: 1 }, keepAlive: false };
const target = { kind: 'docker' as const, image: 'img', kernelspec: 'python3' };

function fakeServer(): ServerHandle & { disposed: number } {
  const exit = new Emitter<{ reason: string }>();
  return {
    baseUrl: 'http://127.0.0.1:1',
    token: 't',
    resourceId: 'c1',
    target,
    startedAtMs: 0,
    onDidExit: exit.event,
    disposed: 0,
    logTail: async () => '',
    followLogs: () => ({ dispose() {} }),
    async dispose() {
      this.disposed++;
    },
  };
}

function launcher(server: ServerHandle): ServerLauncher {
  return {
    probe: async () => ({ imageId: 'i', kernelspecs: [] }),
    start: async (_t, _o, _s, onProgress) => {
      onProgress({ stage: 'creating-container', message: '' });
      return server;
    },
    listRunning: async () => [],
  };
}

function connector(startKernel: KernelConnector['startKernel']): KernelConnector {
  return { startKernel, listKernels: async () => [], connectKernel: async () => assert.fail('not used') };
}

describe('launchKernel (one start path for the controller and the CLI)', () => {
  it('starts the server, then the kernel, reporting the stages in order', async () => {
    const server = fakeServer();
    const session = { kernelId: 'k1' } as KernelSession;
    const stages: LaunchProgress['stage'][] = [];
    const s = await launchKernel({ launcher: launcher(server), connector: connector(async (srv, spec) => (assert.equal(srv, server), assert.equal(spec, 'python3'), session)) }, target, options, new AbortController().signal, (p) => stages.push(p.stage));
    assert.equal(s, session);
    assert.deepEqual(stages, ['creating-container', 'starting-kernel']);
    assert.equal(server.disposed, 0);
  });

  it('disposes the server when the kernel fails to start, and passes the error on', async () => {
    const server = fakeServer();
    await assert.rejects(
      launchKernel({ launcher: launcher(server), connector: connector(async () => Promise.reject(new BerthError('no kernel'))) }, target, options, new AbortController().signal, () => {}),
      /no kernel/,
    );
    assert.equal(server.disposed, 1);
  });

  it('disposes the server and reports a cancel when aborted while the kernel starts', async () => {
    const server = fakeServer();
    const abort = new AbortController();
    await assert.rejects(
      launchKernel({ launcher: launcher(server), connector: connector(async () => (abort.abort(), Promise.reject(new Error('socket closed')))) }, target, options, abort.signal, () => {}),
      (e: unknown) => e instanceof CancelledError,
    );
    assert.equal(server.disposed, 1);
  });

  it('does not start a kernel when cancelled right after the server came up', async () => {
    const server = fakeServer();
    const abort = new AbortController();
    const l = launcher(server);
    const started = l.start.bind(l);
    l.start = async (...args) => {
      const s = await started(...args);
      abort.abort();
      return s;
    };
    let kernelStarts = 0;
    await assert.rejects(launchKernel({ launcher: l, connector: connector(async () => (kernelStarts++, {} as KernelSession)) }, target, options, abort.signal, () => {}), CancelledError);
    assert.equal(kernelStarts, 0);
    assert.equal(server.disposed, 1);
  });

  it('shuts down a kernel that answers only after the cancel, and disposes the server', async () => {
    const server = fakeServer();
    const abort = new AbortController();
    let shutdowns = 0;
    const late = { kernelId: 'k1', shutdown: async () => void shutdowns++ } as KernelSession;
    await assert.rejects(launchKernel({ launcher: launcher(server), connector: connector(async () => (abort.abort(), late)) }, target, options, abort.signal, () => {}), CancelledError);
    assert.equal(shutdowns, 1);
    assert.equal(server.disposed, 1);
  });
});
