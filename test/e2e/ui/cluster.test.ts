// What a user sees of the cluster work in the real workbench (packaged .vsix, headless Chromium, the real test
// cluster and registry): the Cluster view with a running pod, a Berth kernel pod and a failing pod, a pod's
// context menu, and a Push Image in progress (through a slowed-down proxy to the registry) that Cancel stops.
// Also measures (prints, never asserts) how long the view takes to paint a namespace of 300 pods.
import { strict as assert } from 'assert';
import * as k8s from '@kubernetes/client-node';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { TcpProxy } from '../../support/tcpProxy';
import { eventually, openWorkbench, type Workbench } from './workbench';

const SHOTS = process.env.BERTH_SHOTS ?? '/var/tmp/berth-shots';
const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG;
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const IMAGE = `${REGISTRY}/berth/python:latest`;
const MANY = 300;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const OWNER_LABEL = 'berth.test.owner';
const suffix = Math.random().toString(36).slice(2, 8);
const PUSH_REPO = `berth-ui/push-demo-${suffix}`;

function core(): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(KUBECONFIG!);
  return kc.makeApiClient(k8s.CoreV1Api);
}

function pod(name: string, options: { image?: string; labels?: Record<string, string>; annotations?: Record<string, string>; unschedulable?: boolean } = {}): k8s.V1Pod {
  return {
    metadata: { name, labels: options.labels, annotations: options.annotations },
    spec: {
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      ...(options.unschedulable ? { nodeSelector: { 'berth.test/no-such-node': 'true' } } : {}),
      containers: [{ name: 'main', image: options.image ?? IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo ready; while true; do sleep 1; done'] }],
    },
  };
}

let addedRegistryTag = false;

async function pushToRegistry(): Promise<void> {
  addedRegistryTag = (await docker.getImage(IMAGE).inspect().catch(() => undefined)) === undefined;
  await docker.getImage('berth/python:latest').tag({ repo: `${REGISTRY}/berth/python`, tag: 'latest' });
  const stream = (await docker.getImage(`${REGISTRY}/berth/python`).push({ tag: 'latest' })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err || out.some((o) => o.error) ? reject(err ?? new Error('push failed')) : resolve())));
}

function manifestStatus(repo: string, tag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`http://${REGISTRY}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('Cluster view and Push Image in the workbench (Playwright, real cluster)', function () {
  this.timeout(600000);
  const namespace = `berth-ui-${suffix}`;
  const crowded = `berth-ui-many-${suffix}`;
  let wb: Workbench | undefined;
  let proxy: TcpProxy | undefined;

  const shot = async (page: Page, name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  const pane = (page: Page, title: string) => page.locator('.pane', { has: page.locator('.pane-header', { hasText: title }) });
  /** Opens or closes a view's pane, whatever state it is in. */
  const setPane = async (page: Page, title: string, expanded: boolean) => {
    const header = pane(page, title).locator('.pane-header').first();
    if (((await header.getAttribute('aria-expanded')) === 'true') !== expanded) await header.click();
    await eventually(async () => (((await header.getAttribute('aria-expanded')) === 'true') === expanded ? true : undefined), `${title} ${expanded ? 'open' : 'closed'}`);
  };
  /** Makes the side bar wide enough for a pod row's whole description (drags the sash, as a user would). */
  const widenSideBar = async (page: Page, width: number) => {
    const box = (await page.locator('.part.sidebar').boundingBox())!;
    await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + width, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
  };
  const dismissHover = async (page: Page) => {
    await page.mouse.move(900, 450);
    await page.keyboard.press('Escape');
    await page.locator('.monaco-hover').first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
  };

  before(async () => {
    assert.ok(KUBECONFIG && fs.existsSync(KUBECONFIG), `no test cluster: ${process.env.BERTH_TEST_CLUSTER_ERROR ?? 'BERTH_TEST_KUBECONFIG is not set'}`);
    await core().createNamespace({ body: { metadata: { name: namespace } } });
    await pushToRegistry();
    await core().createNamespacedPod({ namespace, body: pod('web') });
    await core().createNamespacedPod({
      namespace,
      body: pod('berth-kernel-3f9c2a', {
        labels: { 'berth.kernel': 'kubernetes', 'berth.image': 'berth-python-latest', 'berth.kernelspec': 'python3' },
        annotations: { 'berth.notebook': 'file:///home/ann/projects/churn/analysis.ipynb', 'berth.image': 'berth/python:latest' },
      }),
    });
    await core().createNamespacedPod({ namespace, body: pod('trainer', { image: `${REGISTRY}/berth-ui/trainer:missing` }) });
    wb = await openWorkbench('cluster-ui', { settings: { 'berth.kubernetes.kubeconfig': KUBECONFIG, 'berth.kubernetes.namespace': namespace } });
  });

  after(async () => {
    await proxy?.close();
    await wb?.close();
    for (const ns of [namespace, crowded]) {
      await core().deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 }).catch(() => undefined);
      await core().deleteNamespace({ name: ns }).catch(() => undefined);
    }
    await docker.getImage(`${PUSH_REPO}:latest`).remove({ force: true }).catch(() => undefined);
    if (addedRegistryTag) await docker.getImage(IMAGE).remove({ noprune: true }).catch(() => undefined);
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${process.pid}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  });

  it('shows a running pod, a Berth kernel pod with its notebook, and a failing pod with its reason', async () => {
    const { page } = wb!;
    await page.locator('.activitybar [aria-label^="Berth"]').first().click();
    await widenSideBar(page, 640);
    // Give the Cluster view the room.
    await setPane(page, 'Images', false);
    await setPane(page, 'Kernels', false);
    await setPane(page, 'Cluster', true);
    const cluster = pane(page, 'Cluster');
    const row = (name: string) => cluster.locator('.monaco-list-row', { hasText: name }).first();
    await row('web').waitFor({ timeout: 120000 });
    await eventually(async () => (/Running · 1\/1/.test((await row('web').textContent()) ?? '') ? true : undefined), 'web Running', 120000);
    await eventually(async () => (/Running · 1\/1 .*kernel for analysis\.ipynb/.test((await row('berth-kernel-3f9c2a').textContent()) ?? '') ? true : undefined), 'the Berth kernel pod', 60000);
    await eventually(async () => (/ImagePullBackOff/.test((await row('trainer').textContent()) ?? '') ? true : undefined), 'trainer in ImagePullBackOff', 180000);
    assert.equal(await row('berth-kernel-3f9c2a').locator('.codicon-notebook').count(), 1, 'the Berth pod has the notebook icon');
    await dismissHover(page);
    await shot(page, 'cluster-view');
    await row('trainer').hover();
    await page.locator('.monaco-hover', { hasText: 'Back-off pulling image' }).waitFor({ timeout: 15000 });
    await shot(page, 'cluster-pod-tooltip');
    await dismissHover(page);

    await row('trainer').click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu');
    for (const item of ['Show Logs', 'Describe', 'Open Shell', 'Copy Name', 'Delete Pod…']) {
      await menu.locator('.action-label', { hasText: item }).first().waitFor({ timeout: 10000 });
    }
    await shot(page, 'cluster-pod-menu');
    // Describe from the menu: a read-only document beside the view, with the pull failures among its events.
    await menu.locator('.action-label', { hasText: 'Describe' }).first().click();
    const editor = page.locator('.editor-instance .view-lines');
    await eventually(async () => (/Name:\s+trainer/.test((await editor.textContent()) ?? '') ? true : undefined), 'the Describe document', 30000);
    await eventually(async () => (/Failed|BackOff/.test((await editor.textContent()) ?? '') ? true : undefined), 'the events in the Describe document', 30000);
    await dismissHover(page);
    await shot(page, 'cluster-describe');
  });

  it('Push Image shows per-layer progress in a notification, and Cancel stops it', async () => {
    const { page, workspace } = wb!;
    // A fresh 60 MB layer, pushed through a proxy that lets 1.5 MB/s through: the push runs long enough to be seen.
    const container = await docker.createContainer({ Image: 'berth/debian-base:bookworm', Cmd: ['sh', '-c', 'head -c 60000000 /dev/urandom > /blob'], Labels: { [OWNER_LABEL]: String(process.pid) } });
    await container.start();
    await container.wait();
    await container.commit({ repo: PUSH_REPO, tag: 'latest' });
    const [host, port] = REGISTRY.split(':');
    proxy = new TcpProxy(host, Number(port));
    const proxyPort = await proxy.start();
    proxy.throttle(1_500_000);
    const registry = `127.0.0.1:${proxyPort}`;
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ 'berth.registry': registry }));

    await setPane(page, 'Cluster', false);
    await setPane(page, 'Images', true);
    const images = pane(page, 'Images');
    const imageRow = images.locator('.monaco-list-row', { hasText: `${PUSH_REPO}:latest` }).first();
    await imageRow.waitFor({ timeout: 60000 });
    const input = page.locator('.quick-input-widget input');
    // The view re-renders on every Docker event (the engine is shared), which can close a context menu as it
    // opens: open it again until the click on its item brings up the input with the expected target.
    await eventually(
      async () => {
        await imageRow.click({ button: 'right' });
        const item = page.locator('.context-view .monaco-menu .action-label', { hasText: 'Push Image…' }).first();
        if ((await item.waitFor({ timeout: 5000 }).then(() => true, () => false)) && (await item.click({ timeout: 5000 }).then(() => true, () => false))) {
          // The workspace settings file was written just now: until VS Code has read it, the target lacks the registry.
          if ((await input.waitFor({ timeout: 5000 }).then(() => true, () => false)) && (await input.inputValue()) === `${registry}/${PUSH_REPO}:latest`) return true;
        }
        await page.keyboard.press('Escape');
        return undefined;
      },
      `the Push Image… input, prefilled from berth.registry with ${registry}/${PUSH_REPO}:latest`,
      60000,
    );
    await input.press('Enter');
    const toast = page.locator('.notification-toast', { hasText: `Pushing ${registry}/${PUSH_REPO}:latest` });
    await toast.waitFor({ timeout: 30000 });
    await eventually(async () => (/layers pushed · [0-9a-f]{12} Pushing \d+(\.\d)? MB\/\d+(\.\d)? MB/.test((await toast.textContent()) ?? '') ? true : undefined), 'per-layer byte progress in the notification', 60000);
    await shot(page, 'push-image-progress');
    await toast.getByRole('button', { name: 'Cancel' }).click();
    await toast.waitFor({ state: 'detached', timeout: 30000 });
    await eventually(async () => (proxy!.connections === 0 ? true : undefined), 'the engine to stop uploading', 30000);
    assert.equal(await manifestStatus(PUSH_REPO, 'latest'), 404, 'the cancelled push left no manifest in the registry');
    const tags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []);
    assert.ok(!tags.includes(`${registry}/${PUSH_REPO}:latest`), 'the tag Berth added for the push is gone');
    fs.writeFileSync(settingsFile, '{}');
  });

  it(`measures painting a namespace of ${MANY} pods (printed, not asserted)`, async () => {
    const { page } = wb!;
    await core().createNamespace({ body: { metadata: { name: crowded } } });
    const names = Array.from({ length: MANY }, (_, i) => `pending-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(names.slice(i, i + 25).map((n) => core().createNamespacedPod({ namespace: crowded, body: pod(n, { unschedulable: true }) })));
    }
    const cluster = pane(page, 'Cluster');
    await setPane(page, 'Images', false);
    await setPane(page, 'Cluster', true);
    const nsRow = cluster.locator('.monaco-list-row', { hasText: crowded }).first();
    await nsRow.waitFor({ timeout: 60000 });
    const samples: number[] = [];
    for (let run = 0; run < 5; run++) {
      const t0 = Date.now();
      await nsRow.click();
      await cluster.locator('.monaco-list-row', { hasText: 'pending-000' }).first().waitFor({ timeout: 60000 });
      samples.push(Date.now() - t0);
      await shot(page, 'cluster-many-pods');
      await nsRow.click();
      await cluster.locator('.monaco-list-row', { hasText: 'pending-000' }).first().waitFor({ state: 'detached', timeout: 30000 });
    }
    console.log(`      (expand a namespace of ${MANY} pods → first rows painted, list + watch included: median ${median(samples)} ms over ${samples.length} runs: ${samples.join(', ')} ms)`);
  });
});
