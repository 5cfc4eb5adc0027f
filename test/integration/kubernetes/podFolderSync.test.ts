// The pod server handle's syncFolder against the real cluster: the notebook's folder copied in again after the
// start (a changed file and a new one reach the kernel, a file only the pod has stays), with the launcher's own
// size limit, over which nothing is copied and the message names the limit.
import { strict as assert } from 'assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterKernelConnector } from '../../../src/adapters/jupyter/jupyterKernelConnector';
import { KubernetesServerLauncher } from '../../../src/adapters/kubernetes/kubernetesServerLauncher';
import type { CellOutput, FolderSyncProgress, KernelSession } from '../../../src/core/kernels/api';
import { launchKernel } from '../../../src/core/kernels/launchKernel';
import { launchOptions, testOwner } from '../kernels/helpers';
import { createNamespace, deleteNamespace, RecordingLogger } from './helpers';
import { podTarget, pushPodTestImage, removeBerthObjects, removePodTestImageTag, waitForNoBerthObjects } from './podHelpers';

describe('Kubernetes: Sync Notebook Folder into a kernel pod (real cluster)', function () {
  this.timeout(240_000);
  let namespace: string;
  let dir: string;
  let session: KernelSession | undefined;

  const run = async (code: string): Promise<string> => {
    const outputs: CellOutput[] = [];
    const result = await session!.execute(code, { onAction: (a) => a.type === 'append' && outputs.push(a.output) });
    assert.equal(result.status, 'ok', JSON.stringify(outputs));
    return outputs.map((o) => (o.kind === 'stream' ? o.text : o.kind === 'error' ? `${o.ename}: ${o.evalue}` : '')).join('');
  };
  const READ = `import os\nprint(open('data.txt').read(), open('sub/new.txt').read() if os.path.exists('sub/new.txt') else '-', open('kernel-wrote.txt').read() if os.path.exists('kernel-wrote.txt') else '-')`;

  before(async () => {
    namespace = await createNamespace('berth-sync');
    await pushPodTestImage();
    dir = mkdtempSync(join(tmpdir(), 'berth-it-sync-'));
    writeFileSync(join(dir, 'n.ipynb'), '{}');
    writeFileSync(join(dir, 'data.txt'), 'v1');
    const owner = testOwner('sync');
    // A small limit of the launcher's, to check that the handle keeps the launcher's limit.
    const launcher = new KubernetesServerLauncher(new RecordingLogger(), { copyLimitBytes: 64 * 1024 });
    const options = launchOptions(owner, { notebookPath: join(dir, 'n.ipynb'), notebookKey: `file://${join(dir, 'n.ipynb')}` });
    session = await launchKernel({ launcher, connector: new JupyterKernelConnector(new RecordingLogger()) }, podTarget(namespace), options, new AbortController().signal, () => {});
  });
  after(async () => {
    await session?.shutdown().catch(() => undefined);
    await waitForNoBerthObjects(namespace).catch(() => undefined);
    await removeBerthObjects(namespace);
    await deleteNamespace(namespace);
    await removePodTestImageTag();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies a changed file and a new one into the pod, leaving a file only the pod has as it is', async () => {
    assert.equal(await run(`open('kernel-wrote.txt', 'w').write('mine')\n${READ}`), 'v1 - mine\n');
    writeFileSync(join(dir, 'data.txt'), 'v2');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'new.txt'), 'new');
    const progress: FolderSyncProgress[] = [];
    const result = await session!.server.syncFolder!(dir, new AbortController().signal, (p) => progress.push(p));
    assert.deepEqual(result, { files: 3, directories: 1, totalBytes: 2 + 2 + 3 });
    assert.deepEqual(progress.map((p) => `${p.done}/${p.total} ${p.path}`), ['0/3 data.txt', '1/3 n.ipynb', '2/3 sub/new.txt']);
    assert.equal(await run(READ), 'v2 new mine\n');
  });

  it("refuses a folder over the launcher's limit, naming it, and copies nothing", async () => {
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(100 * 1024));
    writeFileSync(join(dir, 'data.txt'), 'v3');
    await assert.rejects(session!.server.syncFolder!(dir, new AbortController().signal), (e: Error) => /over the limit of 64\.0 KB for copying it into the kernel pod/.test(e.message) || assert.fail(e.message));
    assert.equal(await run(`${READ}\nprint(os.path.exists('big.bin'))`), 'v2 new mine\nFalse\n');
  });
});
