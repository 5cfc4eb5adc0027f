// A pod kernel's port-forward dropped while a cell runs (the real forward through the real API server): the client
// reconnects through a new forward with the same session, Jupyter in the pod replays what the kernel said
// meanwhile, and the cell ends with all of its output and its reply.
import { strict as assert } from 'assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesServerHandle } from '../../../src/adapters/kubernetes/kubernetesServerHandle';
import { KubernetesServerLauncher } from '../../../src/adapters/kubernetes/kubernetesServerLauncher';
import { JupyterKernelConnector } from '../../../src/adapters/jupyter/jupyterKernelConnector';
import type { KernelSession } from '../../../src/core/kernels/api';
import { launchKernel } from '../../../src/core/kernels/launchKernel';
import { launchOptions, testOwner, withDeadline } from '../kernels/helpers';
import { createNamespace, deleteNamespace, RecordingLogger } from './helpers';
import { podTarget, pushPodTestImage, removeBerthObjects, removePodTestImageTag, waitForNoBerthObjects } from './podHelpers';

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

describe('Kubernetes: a port-forward dropped mid-cell (real cluster)', function () {
  this.timeout(240_000);
  let namespace: string;
  let dir: string;
  let session: KernelSession | undefined;

  before(async () => {
    namespace = await createNamespace('berth-fwd');
    await pushPodTestImage();
    dir = mkdtempSync(join(tmpdir(), 'berth-it-fwd-'));
    writeFileSync(join(dir, 'n.ipynb'), '{}');
    const owner = testOwner('fwd');
    const launcher = new KubernetesServerLauncher(new RecordingLogger(), { podStartTimeoutMs: 300_000 });
    const options = launchOptions(owner, { notebookPath: join(dir, 'n.ipynb'), notebookKey: `file://${join(dir, 'n.ipynb')}` });
    session = await launchKernel({ launcher, connector: new JupyterKernelConnector(new RecordingLogger()) }, podTarget(namespace), options, new AbortController().signal, () => {});
  });
  after(async () => {
    await session?.shutdown().catch(() => undefined);
    if (namespace) await waitForNoBerthObjects(namespace).catch(() => undefined);
    await removeBerthObjects(namespace);
    await deleteNamespace(namespace);
    await removePodTestImageTag();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a cell running when the forward drops keeps its output and its reply, and the kernel its state', async () => {
    assert.equal((await runCell(session!, 'x = 41')).status, 'ok');
    const forward = (session!.server as KubernetesServerHandle).forward;
    const opened = forward.opened;
    let dropped = false;
    const cell = runCell(session!, 'import time\nprint("started", flush=True)\ntime.sleep(3)\nx += 1\nprint("done", x)', (text) => {
      if (!dropped && text.includes('started')) {
        dropped = true;
        forward.dropConnections();
      }
    });
    const result = await withDeadline(cell, 120_000, 'the cell never ended after its forward dropped');
    assert.ok(dropped, 'the forward was never dropped');
    assert.ok(forward.opened > opened, 'the client did not reconnect through a new forward');
    assert.deepEqual(result, { status: 'ok', text: 'started\ndone 42\n' });
    assert.equal((await runCell(session!, 'print(x)')).text, '42\n');
  });

  it('a cell whose output comes while the forward is down gets it replayed', async () => {
    const forward = (session!.server as KubernetesServerHandle).forward;
    let drops = 0;
    // Output right after each drop, so some of it is written while the client has no connection.
    const cell = runCell(session!, 'import time\nfor i in range(4):\n    print("tick", i, flush=True)\n    time.sleep(0.5)\nprint("end")', (text) => {
      const ticks = (text.match(/tick/g) ?? []).length;
      if (ticks > drops && drops < 3) {
        drops++;
        forward.dropConnections();
      }
    });
    const result = await withDeadline(cell, 120_000, 'the cell never ended after its forward dropped');
    assert.equal(drops, 3);
    assert.deepEqual(result, { status: 'ok', text: 'tick 0\ntick 1\ntick 2\ntick 3\nend\n' });
  });
});
