// Kernels in pods as a user meets them in the workbench (Playwright, the packaged .vsix, the real test cluster):
// a target from `berth.kubernetes.targets` is picked with Berth: Select Container Kernel…, a cell runs and the
// start notification follows the pod's events; a window reload re-attaches to the same pod; a target asking for 64
// CPUs fails with the scheduler's reason.
// Screenshots go to $BERTH_SHOTS: pods-start-progress, pods-cell-output, pods-after-reload, pods-failed-scheduling.
import { strict as assert } from 'assert';
import * as k8s from '@kubernetes/client-node';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { KERNEL_SELECTOR } from '../../../src/core/kubernetes/kernelPod';
import { eventually as pollUntil, openWorkbench, type Workbench } from './workbench';
import { command, openNotebook, outputText, runCell } from './notebookUi';

const SHOTS = process.env.BERTH_SHOTS ?? '/var/tmp/berth-shots';
const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG;
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const TAG = 'berth-podui-ui';
const IMAGE = `${REGISTRY}/berth/python:${TAG}`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

const eventually = <T>(probe: () => Promise<T | undefined>, what: string, ms = 120000): Promise<T> => pollUntil(probe, what, ms, 100);

const NOTEBOOK = JSON.stringify({
  cells: [
    { cell_type: 'code', source: ['import os\n', 'x = 6 * 7\n', 'print("answer", x, "in", os.getcwd())'], metadata: {}, outputs: [], execution_count: null },
    { cell_type: 'code', source: ['print("still", x)'], metadata: {}, outputs: [], execution_count: null },
  ],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
});

/** Picks the pod target whose quick-pick row says `description` ("Kubernetes pod", or the target's name). */
async function selectPodKernel(page: Page, description: string): Promise<void> {
  await command(page, 'Berth: Select Container Kernel…');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: `Berth: ${IMAGE} on` }).filter({ hasText: description }).first();
  await row.waitFor({ timeout: 30000 });
  await row.click();
  await page.locator('.notebook-toolbar-container:visible', { hasText: `Berth: ${IMAGE} on` }).first().waitFor({ timeout: 30000 });
}

describe('Pod kernels in the workbench (Playwright, real cluster)', function () {
  this.timeout(600000);
  const namespace = `berth-ui-pods-${Math.random().toString(36).slice(2, 8)}`;
  let wb: Workbench | undefined;
  let core: k8s.CoreV1Api | undefined;
  let tagAdded = false;
  const shot = async (name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await wb!.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  const berthObjects = async () => [
    ...(await core!.listNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR })).items,
    ...(await core!.listNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR })).items,
  ].map((o) => o.metadata!.name!);

  before(async function () {
    this.timeout(240000);
    assert.ok(KUBECONFIG && fs.existsSync(KUBECONFIG), `no test cluster: ${process.env.BERTH_TEST_CLUSTER_ERROR ?? 'BERTH_TEST_KUBECONFIG is not set'}`);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(KUBECONFIG);
    const context = kc.getCurrentContext();
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    tagAdded = !(await docker.getImage(IMAGE).inspect().then(() => true, () => false));
    await docker.getImage('berth/python:latest').tag({ repo: `${REGISTRY}/berth/python`, tag: TAG });
    const stream = (await docker.getImage(`${REGISTRY}/berth/python`).push({ tag: TAG })) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err || out.some((o) => o.error) ? reject(err ?? new Error(out.find((o) => o.error)!.error)) : resolve())));
    wb = await openWorkbench('pods-ui', {
      settings: {
        'notebook.kernelPicker.type': 'all',
        'workbench.editor.enablePreview': false,
        'remote.autoForwardPorts': false,
        'berth.kubernetes.kubeconfig': KUBECONFIG,
        'berth.kubernetes.targets': [
          { context, namespace, image: IMAGE, imagePullPolicy: 'IfNotPresent' },
          { name: 'huge', context, namespace, image: IMAGE, imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: '64' } } },
        ],
      },
    });
    fs.writeFileSync(path.join(wb.workspace, 'notebooks', 'pod-start.ipynb'), NOTEBOOK);
    fs.writeFileSync(path.join(wb.workspace, 'notebooks', 'pod-huge.ipynb'), NOTEBOOK);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await shot(`pods-failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
  });
  after(async () => {
    await wb?.close().catch(() => undefined);
    if (core) {
      await core.deleteCollectionNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR, gracePeriodSeconds: 0 }).catch(() => undefined);
      await core.deleteCollectionNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR }).catch(() => undefined);
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
    if (tagAdded) await docker.getImage(IMAGE).remove({ noprune: true }).catch(() => undefined);
  });

  it('starts a pod kernel from the picker, the notification following the pod\'s events', async () => {
    const page = wb!.page;
    await openNotebook(page, 'pod-start.ipynb');
    await selectPodKernel(page, 'Kubernetes pod');
    await runCell(page);
    // The start notification keeps the trail of the pod's events: catch it once the container has started.
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Berth: starting' }).first();
    await eventually(async () => (/Scheduled › .*Created › Started/.test(await toast.innerText({ timeout: 500 }).catch(() => '')) ? true : undefined), 'the start notification showing Scheduled › … › Started');
    await shot('pods-start-progress');
    await eventually(async () => (/answer 42 in \/workspace/.test(await outputText(page)) ? true : undefined), 'the cell\'s output from the pod');
    await shot('pods-cell-output');
    assert.equal((await berthObjects()).length, 2, 'one kernel pod and its Secret');
  });

  it('re-attaches to the same pod after a window reload: x is still 42', async () => {
    const page = wb!.page;
    const before = (await core!.listNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR })).items.map((p) => p.metadata!.name!);
    assert.equal(before.length, 1);
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    await openNotebook(page, 'pod-start.ipynb');
    const selected = page.locator('.notebook-toolbar-container:visible', { hasText: `Berth: ${IMAGE} on` }).first();
    if (!(await selected.waitFor({ timeout: 15000 }).then(() => true, () => false))) await selectPodKernel(page, 'Kubernetes pod');
    await runCell(page, 1);
    await eventually(async () => (/still 42/.test(await outputText(page)) ? true : undefined), 'print(x) in the re-attached pod');
    await shot('pods-after-reload');
    const after = (await core!.listNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR })).items.map((p) => p.metadata!.name!);
    assert.deepEqual(after, before, 'the reloaded window must re-attach to the same pod');
  });

  it('fails a target asking for 64 CPUs with the scheduler\'s reason', async () => {
    const page = wb!.page;
    await openNotebook(page, 'pod-huge.ipynb');
    await selectPodKernel(page, 'huge');
    await runCell(page);
    const error = page.locator('.notifications-toasts .notification-toast', { hasText: 'cannot be scheduled' }).first();
    await error.waitFor({ timeout: 120000 });
    assert.match(await error.innerText(), /Insufficient cpu/);
    await eventually(async () => (/KernelStartFailed/.test(await outputText(page)) ? true : undefined), 'the error on the cell');
    await shot('pods-failed-scheduling');
  });
});
