// `berth run --kube-context` as a user runs it (the bundled dist/cli.js in a child process) against the real
// cluster: the same outputs as a local `berth run`, the same exit codes, and no pod or Secret left on any path,
// SIGINT included.
import { strict as assert } from 'assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliContainers, normalise, ROOT, runCli, startCli, type Json } from '../kernels/cliHelpers';
import { docker, withDeadline } from '../kernels/helpers';
import { adminKubeconfig, createNamespace, deleteNamespace, REGISTRY, waitFor } from './helpers';
import { adminContext, berthObjectsNotDeleted, berthPods, POD_TEST_IMAGE, pushPodTestImage, removeBerthObjects, removePodTestImageTag, waitForNoBerthObjects } from './podHelpers';

const FIXTURE = join(ROOT, 'test/fixtures/notebooks/all-outputs.ipynb');

function notebook(...sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

describe('berth run --kube-context (the CLI, real cluster)', function () {
  this.timeout(240_000);
  let namespace: string;
  let dir: string;
  const kube = () => ['--kube-context', adminContext(), '--namespace', namespace, '--kubeconfig', adminKubeconfig()];

  before(async () => {
    namespace = await createNamespace('berth-pods-cli');
    await pushPodTestImage();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-it-pods-cli-'));
  });
  afterEach(async () => {
    // Every path of the CLI must have removed its pod and Secret: checked, then forced.
    const left = await waitForNoBerthObjects(namespace).then(
      () => undefined,
      async () => `left behind, never deleted: ${JSON.stringify(await berthObjectsNotDeleted(namespace))}`,
    );
    await removeBerthObjects(namespace);
    for (const c of await cliContainers(dir)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    if (left) assert.fail(left);
  });
  after(async () => {
    await removeBerthObjects(namespace);
    await deleteNamespace(namespace);
    await removePodTestImageTag();
  });

  it('writes the same outputs as a local berth run, exit 0, nothing on stdout', async () => {
    copyFileSync(FIXTURE, join(dir, 'all-outputs.ipynb'));
    const pod = await runCli('run', join(dir, 'all-outputs.ipynb'), '--image', POD_TEST_IMAGE, ...kube(), '--out', join(dir, 'pod.ipynb'), '--allow-errors');
    assert.equal(pod.code, 0, pod.stderr);
    assert.equal(pod.stdout, '');
    const local = await runCli('run', join(dir, 'all-outputs.ipynb'), '--image', 'berth/python:latest', '--out', join(dir, 'local.ipynb'), '--allow-errors');
    assert.equal(local.code, 0, local.stderr);
    const read = (f: string) => normalise(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json);
    assert.deepEqual(read('pod.ipynb'), read('local.ipynb'));
  });

  it('exits 1 on a cell error with the same one-line reason as a local run', async () => {
    copyFileSync(FIXTURE, join(dir, 'n.ipynb'));
    const r = await runCli('run', join(dir, 'n.ipynb'), '--image', POD_TEST_IMAGE, ...kube(), '--out', join(dir, 'out.ipynb'));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `berth: cell 10 raised ZeroDivisionError: division by zero (outputs written to ${join(dir, 'out.ipynb')})\n`);
  });

  it('exits 2 with the kubelet\'s reason for an image the registry does not have', async () => {
    writeFileSync(join(dir, 'n.ipynb'), notebook('1'));
    const image = `${REGISTRY}/berth-it/no-such-image:nope`;
    const r = await runCli('run', join(dir, 'n.ipynb'), '--image', image, ...kube());
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^berth: The cluster cannot pull image ${image.replace(/[.]/g, '\\.')}.*\\n$`));
  });

  it('exits 2 naming --copy-limit when the notebook\'s folder is over it, before creating anything', async () => {
    writeFileSync(join(dir, 'n.ipynb'), notebook('1'));
    writeFileSync(join(dir, 'data.csv'), 'x'.repeat(4096));
    const r = await runCli('run', join(dir, 'n.ipynb'), '--image', POD_TEST_IMAGE, ...kube(), '--copy-limit', '2K');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^berth: The notebook's folder .* over the limit of 2\.0 KB for copying it into the kernel pod: .*--copy-limit for berth run\)\n$/);
    assert.deepEqual(await berthPods(namespace), []);
  });

  it('exits 2 with a clear line for a context the kubeconfig does not have', async () => {
    writeFileSync(join(dir, 'n.ipynb'), notebook('1'));
    const r = await runCli('run', join(dir, 'n.ipynb'), '--image', POD_TEST_IMAGE, '--kube-context', 'no-such-context', '--kubeconfig', adminKubeconfig());
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'berth: The kubeconfig has no context "no-such-context".\n');
  });

  it('exits 2 with a clear line for a --kubeconfig that does not exist', async () => {
    writeFileSync(join(dir, 'n.ipynb'), notebook('1'));
    const r = await runCli('run', join(dir, 'n.ipynb'), '--image', POD_TEST_IMAGE, '--kube-context', adminContext(), '--kubeconfig', join(dir, 'missing.kubeconfig'));
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `berth: --kubeconfig ${join(dir, 'missing.kubeconfig')} does not exist\n`);
  });

  it('exits 2 with the API server\'s answer for a namespace that does not exist', async () => {
    writeFileSync(join(dir, 'n.ipynb'), notebook('1'));
    const r = await runCli('run', join(dir, 'n.ipynb'), '--image', POD_TEST_IMAGE, '--kube-context', adminContext(), '--kubeconfig', adminKubeconfig(), '--namespace', 'berth-no-such-namespace');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `berth: Could not create a kernel pod in namespace "berth-no-such-namespace": namespaces "berth-no-such-namespace" not found (context "${adminContext()}").\n`);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during a cell exits ${signal === 'SIGINT' ? 130 : 143} and leaves no pod or Secret`, async () => {
      writeFileSync(join(dir, 'slow.ipynb'), notebook('import time\ntime.sleep(120)'));
      const cli = startCli(['run', join(dir, 'slow.ipynb'), '--image', POD_TEST_IMAGE, ...kube(), '--verbose']);
      await waitFor(() => cli.stderr().includes('running cell 1/1'), 120_000, () => `the cell did not start: ${cli.stderr()}`);
      assert.equal((await berthPods(namespace)).length, 1, 'the kernel pod runs');
      cli.child.kill(signal);
      const r = await withDeadline(cli.done, 60_000, `berth run did not end after ${signal}`);
      assert.equal(r.code, signal === 'SIGINT' ? 130 : 143, r.stderr);
      // afterEach checks that the pod and its Secret are gone.
    });
  }

  it('SIGINT while the pod starts exits 130 and leaves no pod or Secret', async () => {
    writeFileSync(join(dir, 'n.ipynb'), notebook('1'));
    const cli = startCli(['run', join(dir, 'n.ipynb'), '--image', POD_TEST_IMAGE, ...kube(), '--verbose']);
    await waitFor(() => /Scheduled: /.test(cli.stderr()), 120_000, () => `no Scheduled event: ${cli.stderr()}`);
    cli.child.kill('SIGINT');
    const r = await withDeadline(cli.done, 60_000, 'berth run did not end after SIGINT');
    assert.equal(r.code, 130, r.stderr);
  });
});
