// Start Kernel Here as a user meets it in the workbench (Playwright, the packaged .vsix, the real test cluster and
// registry): a right-click on a namespace in the Cluster view, the pick of local Jupyter images, the offer to push
// an image that exists only locally, the push and the pod's start, a cell's output from the pod; then Sync Notebook
// Folder to Kernel Pod from the palette, and a cell that reads the synced file.
// Screenshots go to $BERTH_SHOTS: start-here-menu, start-here-pick, start-here-push-offer, start-here-starting,
// start-here-cell-output, start-here-synced.
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
/** A tag that no registry has (pushed into berth/python, where the other tests push this image's content). */
const LOCAL_IMAGE = 'berth/python:start-here-ui';
const PUSHED_IMAGE = `${REGISTRY}/${LOCAL_IMAGE}`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

const eventually = <T>(probe: () => Promise<T | undefined>, what: string, ms = 120000): Promise<T> => pollUntil(probe, what, ms, 100);

const NOTEBOOK = JSON.stringify({
  cells: [
    { cell_type: 'code', source: ['import os, socket\n', 'print("answer", 6 * 7, "in", os.getcwd(), "on", socket.gethostname())'], metadata: {}, outputs: [], execution_count: null },
    { cell_type: 'code', source: ['print(open("notes.txt").read())'], metadata: {}, outputs: [], execution_count: null },
  ],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
});

describe('Start Kernel Here in the workbench (Playwright, real cluster)', function () {
  this.timeout(600000);
  const namespace = `berth-ui-here-${Math.random().toString(36).slice(2, 8)}`;
  let wb: Workbench | undefined;
  let core: k8s.CoreV1Api | undefined;
  const shot = async (name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await wb!.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  const pane = (page: Page, title: string) => page.locator('.pane', { has: page.locator('.pane-header', { hasText: title }) });
  const setPane = async (page: Page, title: string, expanded: boolean) => {
    const header = pane(page, title).locator('.pane-header').first();
    if (((await header.getAttribute('aria-expanded')) === 'true') !== expanded) await header.click();
    await eventually(async () => (((await header.getAttribute('aria-expanded')) === 'true') === expanded ? true : undefined), `${title} ${expanded ? 'open' : 'closed'}`, 30000);
  };

  before(async function () {
    this.timeout(240000);
    assert.ok(KUBECONFIG && fs.existsSync(KUBECONFIG), `no test cluster: ${process.env.BERTH_TEST_CLUSTER_ERROR ?? 'BERTH_TEST_KUBECONFIG is not set'}`);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(KUBECONFIG);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const [repo, tag] = LOCAL_IMAGE.split(':');
    await docker.getImage('berth/python:latest').tag({ repo, tag });
    wb = await openWorkbench('start-here-ui', {
      settings: {
        'workbench.editor.enablePreview': false,
        'remote.autoForwardPorts': false,
        'berth.kubernetes.kubeconfig': KUBECONFIG,
        'berth.kubernetes.namespace': namespace,
        'berth.registry': REGISTRY,
      },
    });
    fs.writeFileSync(path.join(wb.workspace, 'notebooks', 'start-here.ipynb'), NOTEBOOK);
    fs.writeFileSync(path.join(wb.workspace, 'notebooks', 'notes.txt'), 'first notes');
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await shot(`start-here-failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
  });
  after(async () => {
    await wb?.close().catch(() => undefined);
    if (core) {
      await core.deleteCollectionNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR, gracePeriodSeconds: 0 }).catch(() => undefined);
      await core.deleteCollectionNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR }).catch(() => undefined);
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
    for (const image of [LOCAL_IMAGE, PUSHED_IMAGE]) await docker.getImage(image).remove({ noprune: true }).catch(() => undefined);
  });

  it('Start Kernel Here on a namespace: pick a local image, push it, and a cell runs in the pod', async () => {
    const page = wb!.page;
    await openNotebook(page, 'start-here.ipynb');
    await page.locator('.activitybar [aria-label^="Berth"]').first().click();
    await setPane(page, 'Images', false);
    await setPane(page, 'Kernels', false);
    await setPane(page, 'Cluster', true);
    const cluster = pane(page, 'Cluster');
    const nsRow = cluster.locator('.monaco-list-row', { hasText: namespace }).first();
    await nsRow.waitFor({ timeout: 120000 });

    const picker = page.locator('.quick-input-widget');
    const imageRow = picker.locator('.quick-input-list .monaco-list-row', { hasText: LOCAL_IMAGE }).first();
    // The image's probe may still be running when the menu first opens: open the pick again until it lists it.
    await eventually(
      async () => {
        await nsRow.click({ button: 'right' });
        const item = page.locator('.context-view .monaco-menu .action-label', { hasText: 'Start Kernel Here…' }).first();
        if (!(await item.waitFor({ timeout: 5000 }).then(() => true, () => false))) return undefined;
        await shot('start-here-menu');
        if (!(await item.click({ timeout: 5000 }).then(() => true, () => false))) return undefined;
        if (await imageRow.waitFor({ timeout: 5000 }).then(() => true, () => false)) return true;
        await page.keyboard.press('Escape');
        return undefined;
      },
      `the Start Kernel Here pick listing ${LOCAL_IMAGE}`,
      120000,
    );
    assert.match((await imageRow.textContent()) ?? '', new RegExp(`only on this machine: pushed to ${REGISTRY.replace(/\./g, '\\.')} first`));
    await shot('start-here-pick');
    await imageRow.click();

    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30000 });
    assert.match((await dialog.textContent()) ?? '', new RegExp(`${LOCAL_IMAGE} is only on this machine`));
    await shot('start-here-push-offer');
    await dialog.getByRole('button', { name: `Push to ${REGISTRY} and Start` }).click();

    const starting = page.locator('.notifications-toasts .notification-toast', { hasText: `Berth: starting ${PUSHED_IMAGE} on` }).first();
    await starting.waitFor({ timeout: 120000 });
    await eventually(async () => (/Scheduled ›/.test(await starting.innerText({ timeout: 500 }).catch(() => '')) ? true : undefined), 'the start notification following the pod');
    await shot('start-here-starting');
    await page.locator('.notebook-toolbar-container:visible', { hasText: `Berth: ${PUSHED_IMAGE} on` }).first().waitFor({ timeout: 30000 });
    await starting.waitFor({ state: 'detached', timeout: 180000 });

    await runCell(page, 0);
    await eventually(async () => (/answer 42 in \/workspace on berth-kernel-/.test(await outputText(page)) ? true : undefined), "the cell's output from the pod");
    await shot('start-here-cell-output');
    const pods = (await core!.listNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR })).items.filter((p) => !p.metadata?.deletionTimestamp);
    assert.equal(pods.length, 1, 'one kernel pod');
  });

  it('Sync Notebook Folder to Kernel Pod from the palette: the kernel reads the edited file', async () => {
    const page = wb!.page;
    fs.writeFileSync(path.join(wb!.workspace, 'notebooks', 'notes.txt'), 'edited after the start');
    await command(page, 'Berth: Sync Notebook Folder to Kernel Pod');
    const done = page.locator('.notifications-toasts .notification-toast', { hasText: 'into pod' }).first();
    await done.waitFor({ timeout: 60000 });
    assert.match(await done.innerText(), /Copied \d+ files \(.*\) of .*notebooks into pod berth-ui-here-/);
    await runCell(page, 1);
    await eventually(async () => (/edited after the start/.test(await outputText(page)) ? true : undefined), 'the synced file read in the pod');
    await shot('start-here-synced');
  });
});
