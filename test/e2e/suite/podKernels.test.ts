// Kernels in pods in the real extension host, against the real test cluster and registry: targets from
// `berth.kubernetes.targets` appear in the kernel picker, picking one and running a cell starts a pod (its events
// reported as start progress), the Kernels view lists the pod kernel, closing the notebook leaves no pod or Secret
// (checked through the API by label), and a target asking for 64 CPUs fails on the cell with the scheduler's reason.
import { strict as assert } from 'assert';
import * as k8s from '@kubernetes/client-node';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { BerthApi } from '../../../src/api';
import { KERNEL_SELECTOR } from '../../../src/core/kubernetes/kernelPod';
import { podControllerId } from '../../../src/core/kubernetes/kernelTargets';
import { api, poll, until, workspace } from './hostHelpers';

const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG;
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const LOCAL_IMAGE = 'berth/python:latest';
const TAG = 'berth-podui-e2e';
const IMAGE = `${REGISTRY}/berth/python:${TAG}`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const decoder = new TextDecoder();
const changes = vscode.workspace.onDidChangeNotebookDocument;


function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(KUBECONFIG!);
  return kc;
}

async function push(): Promise<boolean> {
  const existed = await docker.getImage(IMAGE).inspect().then(() => true, () => false);
  await docker.getImage(LOCAL_IMAGE).tag({ repo: `${REGISTRY}/berth/python`, tag: TAG });
  const stream = (await docker.getImage(`${REGISTRY}/berth/python`).push({ tag: TAG })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err || out.some((o) => o.error) ? reject(err ?? new Error(out.find((o) => o.error)!.error)) : resolve())));
  return !existed;
}

const NOTEBOOK = {
  cells: [
    { cell_type: 'code', source: ['import os\n', 'print(os.getcwd(), 6 * 7)'], metadata: {}, outputs: [], execution_count: null },
    { cell_type: 'code', source: ['print(open("pod-data.txt").read())'], metadata: {}, outputs: [], execution_count: null },
  ],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
};

describe('Pod kernels (extension host, real cluster)', function () {
  this.timeout(300000);
  const namespace = `berth-e2e-pods-${Math.random().toString(36).slice(2, 8)}`;
  let core: k8s.CoreV1Api;
  let context: string;
  let berth: BerthApi;
  let tagAdded = false;
  let dir: string;
  const config = () => vscode.workspace.getConfiguration('berth');
  const podId = () => podControllerId({ context, namespace, image: IMAGE, kernelspec: 'python3' });
  const hugeId = () => podControllerId({ context, namespace, image: IMAGE, kernelspec: 'python3' }, 'huge');
  const pods = async () => (await core.listNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR })).items.map((p) => p.metadata!.name!);
  // Deleted: gone, or being deleted (the kubelet may take longer than a test to confirm a pod's volumes are torn down).
  const livePods = async () => (await core.listNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR })).items.filter((p) => !p.metadata!.deletionTimestamp).map((p) => p.metadata!.name!);
  const secrets = async () => (await core.listNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR })).items.map((s) => s.metadata!.name!);
  const nothingLeft = async () => (await livePods()).length === 0 && (await secrets()).length === 0;
  const leftovers = async () => `no Berth pod (undeleted) or Secret in ${namespace}; left: pods ${JSON.stringify(await livePods())}, Secrets ${JSON.stringify(await secrets())}`;

  async function open(name: string, controller: string): Promise<vscode.NotebookDocument> {
    const uri = vscode.Uri.file(path.join(dir, name));
    await vscode.commands.executeCommand('vscode.openWith', uri, 'jupyter-notebook');
    const editor = vscode.window.activeNotebookEditor;
    assert.equal(editor?.notebook.uri.toString(), uri.toString());
    await until([berth.kernels.onDidChangeControllers], () => berth.kernels.controllerIds().includes(controller), () => `the controller ${controller}; have ${JSON.stringify(berth.kernels.controllerIds())}`);
    await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, id: controller, extension: 'berth.berth' });
    return editor!.notebook;
  }

  async function run(notebook: vscode.NotebookDocument, index: number): Promise<vscode.NotebookCell> {
    const cell = notebook.cellAt(index);
    const before = cell.executionSummary?.timing?.endTime;
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: notebook.uri });
    await until([changes], () => cell.executionSummary?.timing?.endTime !== undefined && cell.executionSummary.timing.endTime !== before && cell.executionSummary.success !== undefined, () => `cell ${index} to finish; kernel ${JSON.stringify(berth.kernels.kernelOf(notebook.uri))}`);
    return cell;
  }

  const text = (cell: vscode.NotebookCell) => cell.outputs.flatMap((o) => o.items).map((i) => decoder.decode(i.data)).join('');

  async function closeAll(): Promise<void> {
    for (const n of vscode.workspace.notebookDocuments) if (n.isDirty) await vscode.workspace.save(n.uri);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }

  before(async function () {
    assert.ok(KUBECONFIG && fs.existsSync(KUBECONFIG), `no test cluster: ${process.env.BERTH_TEST_CLUSTER_ERROR ?? 'BERTH_TEST_KUBECONFIG is not set'}`);
    const kc = kubeConfig();
    context = kc.getCurrentContext();
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    tagAdded = await push();
    dir = path.join(workspace(), 'pods-e2e');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'pod.ipynb'), JSON.stringify(NOTEBOOK, null, 1));
    fs.writeFileSync(path.join(dir, 'huge.ipynb'), JSON.stringify(NOTEBOOK, null, 1));
    fs.writeFileSync(path.join(dir, 'pod-data.txt'), 'copied into the pod');
    berth = await api();
    await config().update('kubernetes.kubeconfig', KUBECONFIG, vscode.ConfigurationTarget.Workspace);
    await config().update(
      'kubernetes.targets',
      [
        { context, namespace, image: IMAGE, imagePullPolicy: 'IfNotPresent' },
        { name: 'huge', context, namespace, image: IMAGE, imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: '64' } } },
      ],
      vscode.ConfigurationTarget.Workspace,
    );
  });

  after(async () => {
    await closeAll().catch(() => undefined);
    await config().update('kubernetes.targets', undefined, vscode.ConfigurationTarget.Workspace).then(undefined, () => undefined);
    await config().update('kubernetes.kubeconfig', undefined, vscode.ConfigurationTarget.Workspace).then(undefined, () => undefined);
    if (core) {
      await core.deleteCollectionNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR, gracePeriodSeconds: 0 }).catch(() => undefined);
      await core.deleteCollectionNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR }).catch(() => undefined);
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (tagAdded) await docker.getImage(IMAGE).remove({ noprune: true }).catch(() => undefined);
  });

  it('lists each configured target in the kernel picker as "Berth: IMAGE on CONTEXT/NAMESPACE", and says what is wrong with a bad one', async () => {
    await until([berth.kernels.onDidChangeControllers], () => berth.kernels.controllerIds().includes(podId()) && berth.kernels.controllerIds().includes(hugeId()), () => `both pod controllers; have ${JSON.stringify(berth.kernels.controllerIds())}`);
    // (The local tag the push left is a Docker image with Jupyter, so a Docker kernel for it may be listed too: that is right.)
    assert.ok(podId().startsWith('kubernetes:') && hugeId().startsWith('kubernetes:'), 'pod targets get kubernetes: controller ids');
    assert.deepEqual(berth.kernels.targetProblems(), []);
    const good = config().get<unknown[]>('kubernetes.targets')!;
    await config().update('kubernetes.targets', [...good, { context, image: IMAGE, resources: { requests: { cpu: 'lots' } } }], vscode.ConfigurationTarget.Workspace);
    await until([berth.kernels.onDidChangeControllers, vscode.workspace.onDidChangeConfiguration], () => berth.kernels.targetProblems().length === 1, () => `one problem; have ${JSON.stringify(berth.kernels.targetProblems())}`, 30000);
    assert.equal(berth.kernels.targetProblems()[0], 'berth.kubernetes.targets[2] is skipped: "resources.requests.cpu": "lots" is not a quantity (e.g. "500m", "2Gi", "1")');
    assert.ok(berth.kernels.controllerIds().includes(podId()), 'the good targets stay in the picker');
    await config().update('kubernetes.targets', good, vscode.ConfigurationTarget.Workspace);
    await until([vscode.workspace.onDidChangeConfiguration], () => berth.kernels.targetProblems().length === 0, () => 'the problem to go', 30000);
  });

  describe('a cell run in a pod', () => {
    let notebook: vscode.NotebookDocument;
    let resourceId: string | undefined;

    it('starts a pod kernel when the target is picked and a cell runs, reporting the pod\'s events on the way', async () => {
      notebook = await open('pod.ipynb', podId());
      const cell = await run(notebook, 0);
      assert.equal(cell.executionSummary?.success, true, text(cell));
      assert.equal(text(cell), '/workspace 42\n');
      const kernel = berth.kernels.kernelOf(notebook.uri);
      assert.equal(kernel?.controllerId, podId());
      resourceId = kernel?.resourceId;
      assert.match(resourceId ?? '', new RegExp(`^${namespace}/berth-kernel-`));
      assert.deepEqual(await pods(), [resourceId!.split('/')[1]]);
      const progress = berth.kernels.startProgress(notebook.uri);
      for (const step of [/^Scheduled: /, /^(Pulling|Pulled): /, /^Created: /, /^Started: /, /^Jupyter up$/, /^Kernel idle$/]) {
        assert.ok(progress.some((line) => step.test(line)), `no ${step} in the start progress: ${JSON.stringify(progress)}`);
      }
    });

    it('copied the notebook\'s folder into the pod', async () => {
      const cell = await run(notebook, 1);
      assert.equal(cell.executionSummary?.success, true, text(cell));
      assert.equal(text(cell), 'copied into the pod\n');
    });

    it('lists the pod kernel in the Kernels view, with the image, the cluster place and the pod', async () => {
      const rows = await berth.kernels.kernelRows();
      const row = rows.find((r) => r.resourceId === resourceId);
      assert.ok(row, `no row for ${resourceId}: ${JSON.stringify(rows)}`);
      assert.equal(row.label, 'pod.ipynb');
      assert.equal(row.contextValue, 'berth.kernel.attached');
      assert.ok(row.description.startsWith(`${IMAGE} on ${context}/${namespace} · idle`), row.description);
      assert.ok(row.description.endsWith(resourceId!.split('/')[1]), row.description);
      assert.match(row.tooltip, new RegExp(`Pod: ${resourceId}`));
    });

    it('deletes the pod and its Secret when the notebook closes', async () => {
      assert.ok(resourceId, 'the pod kernel did not start');
      await closeAll();
      await poll(nothingLeft, leftovers);
      await until([berth.kernels.onDidChangeKernels], () => berth.kernels.kernelOf(notebook.uri) === undefined, () => 'the kernel to be forgotten', 30000);
    });
  });

  it('fails a target asking for 64 CPUs on the cell with the scheduler\'s reason, and leaves no pod', async () => {
    const notebook = await open('huge.ipynb', hugeId());
    const cell = await run(notebook, 0);
    assert.equal(cell.executionSummary?.success, false);
    const error = cell.outputs.flatMap((o) => o.items).find((i) => i.mime === 'application/vnd.code.notebook.error');
    assert.ok(error, `no error output: ${text(cell)}`);
    const { name, message } = JSON.parse(decoder.decode(error.data)) as { name: string; message: string };
    assert.equal(name, 'KernelStartFailed');
    assert.match(message, /^The kernel pod cannot be scheduled: .*Insufficient cpu/);
    assert.equal(berth.kernels.kernelOf(notebook.uri), undefined);
    await poll(nothingLeft, leftovers);
    await closeAll();
  });
});
