// "Start Kernel Here" and "Sync Notebook Folder to Kernel Pod" in the real extension host, against the real test
// cluster and registry: Start Kernel Here on a namespace pushes an image that exists only locally to berth.registry,
// makes "IMAGE on CONTEXT/NAMESPACE" the notebook's kernel and starts it; a cell then runs in the pod. Sync copies
// a file changed and a file added after the start into the pod, and refuses a folder over the size limit, naming
// the limit, without copying anything. Closing the notebook leaves no pod or Secret (checked through the API).
import { strict as assert } from 'assert';
import * as k8s from '@kubernetes/client-node';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { BerthApi } from '../../../src/api';
import { KERNEL_SELECTOR } from '../../../src/core/kubernetes/kernelPod';
import { podControllerId } from '../../../src/core/kubernetes/kernelTargets';
import type { StartKernelHereResult } from '../../../src/features/cluster/startKernelHere';
import type { FolderSyncOutcome } from '../../../src/features/kernels/register';
import { api, poll, until, workspace } from './hostHelpers';

const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG;
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const BASE_IMAGE = 'berth/python:latest';
/**
 * A tag of the Python image that no registry has (the engine holds no digest of `docker.io/berth/python`): Start
 * Kernel Here must push it. Pushed into the registry's berth/python, as the other tests push this image: the
 * cluster's containerd then knows its content under that one repository, whose name the kubelet reports.
 */
const LOCAL_REPO = 'berth/python';
const TAG = 'start-here-e2e';
const LOCAL_IMAGE = `${LOCAL_REPO}:${TAG}`;
const PUSHED_IMAGE = `${REGISTRY}/${LOCAL_IMAGE}`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const decoder = new TextDecoder();
const changes = vscode.workspace.onDidChangeNotebookDocument;


const NOTEBOOK = {
  cells: [
    { cell_type: 'code', source: ['import os\n', 'print(os.getcwd(), 6 * 7)'], metadata: {}, outputs: [], execution_count: null },
    { cell_type: 'code', source: ['print(open("data.txt").read(), open("added/new.txt").read() if os.path.exists("added/new.txt") else "no new.txt", os.path.exists("big.bin"))'], metadata: {}, outputs: [], execution_count: null },
  ],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
};

describe('Start Kernel Here and Sync Notebook Folder (extension host, real cluster)', function () {
  this.timeout(300000);
  const namespace = `berth-e2e-here-${Math.random().toString(36).slice(2, 8)}`;
  let core: k8s.CoreV1Api;
  let context: string;
  let berth: BerthApi;
  let dir: string;
  let notebook: vscode.NotebookDocument | undefined;
  let registryBefore: string | undefined;
  const config = () => vscode.workspace.getConfiguration('berth');
  const podId = () => podControllerId({ context, namespace, image: PUSHED_IMAGE, kernelspec: 'python3' });
  const livePods = async () => (await core.listNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR })).items.filter((p) => !p.metadata!.deletionTimestamp).map((p) => p.metadata!.name!);
  const secrets = async () => (await core.listNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR })).items.map((s) => s.metadata!.name!);
  const nothingLeft = async () => (await livePods()).length === 0 && (await secrets()).length === 0;
  const leftovers = async () => `no Berth pod (undeleted) or Secret in ${namespace}; left: pods ${JSON.stringify(await livePods())}, Secrets ${JSON.stringify(await secrets())}`;
  const text = (cell: vscode.NotebookCell) => cell.outputs.flatMap((o) => o.items).map((i) => decoder.decode(i.data)).join('');

  async function run(index: number): Promise<string> {
    const cell = notebook!.cellAt(index);
    const before = cell.executionSummary?.timing?.endTime;
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: notebook!.uri });
    await until([changes], () => cell.executionSummary?.timing?.endTime !== undefined && cell.executionSummary.timing.endTime !== before && cell.executionSummary.success !== undefined, () => `cell ${index} to finish; kernel ${JSON.stringify(berth.kernels.kernelOf(notebook!.uri))}`);
    assert.equal(cell.executionSummary?.success, true, text(cell));
    return text(cell);
  }

  const sync = () => vscode.commands.executeCommand<FolderSyncOutcome | undefined>('berth.kernel.syncFolder', notebook!.uri);

  before(async function () {
    assert.ok(KUBECONFIG && fs.existsSync(KUBECONFIG), `no test cluster: ${process.env.BERTH_TEST_CLUSTER_ERROR ?? 'BERTH_TEST_KUBECONFIG is not set'}`);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(KUBECONFIG);
    context = kc.getCurrentContext();
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await docker.getImage(BASE_IMAGE).tag({ repo: LOCAL_REPO, tag: TAG });
    dir = path.join(workspace(), 'start-here-e2e');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'here.ipynb'), JSON.stringify(NOTEBOOK, null, 1));
    fs.writeFileSync(path.join(dir, 'data.txt'), 'v1');
    berth = await api();
    registryBefore = config().inspect<string>('registry')?.workspaceValue;
    await config().update('kubernetes.kubeconfig', KUBECONFIG, vscode.ConfigurationTarget.Workspace);
    await config().update('registry', REGISTRY, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    for (const n of vscode.workspace.notebookDocuments) if (n.isDirty) await vscode.workspace.save(n.uri).then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (core) {
      await poll(nothingLeft, leftovers).catch(() => undefined);
      await core.deleteCollectionNamespacedPod({ namespace, labelSelector: KERNEL_SELECTOR, gracePeriodSeconds: 0 }).catch(() => undefined);
      await core.deleteCollectionNamespacedSecret({ namespace, labelSelector: KERNEL_SELECTOR }).catch(() => undefined);
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
    await config().update('registry', registryBefore, vscode.ConfigurationTarget.Workspace).then(undefined, () => undefined);
    await config().update('kubernetes.kubeconfig', undefined, vscode.ConfigurationTarget.Workspace).then(undefined, () => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    for (const tag of [LOCAL_IMAGE, PUSHED_IMAGE]) await docker.getImage(tag).remove({ noprune: true }).catch(() => undefined);
  });

  it("'Start Kernel Here' pushes a local-only image to berth.registry, makes it the notebook's kernel, and a cell runs in the pod", async () => {
    // The local tag is probed (its image serves Jupyter) before the command is run, as a user would see it in the pick.
    const dockerId = `docker:${LOCAL_IMAGE}:python3`;
    await until([berth.kernels.onDidChangeControllers], () => berth.kernels.controllerIds().includes(dockerId), () => `the local image's controller ${dockerId}`, 60000);
    const uri = vscode.Uri.file(path.join(dir, 'here.ipynb'));
    await vscode.commands.executeCommand('vscode.openWith', uri, 'jupyter-notebook');
    notebook = vscode.window.activeNotebookEditor?.notebook;
    assert.equal(notebook?.uri.toString(), uri.toString());

    const node = { kind: 'namespace', id: JSON.stringify(['ns', context, namespace]), context, namespace };
    const result = await vscode.commands.executeCommand<StartKernelHereResult | undefined>('berth.cluster.startKernelHere', node, { image: LOCAL_IMAGE, push: true });
    assert.ok(result, 'Start Kernel Here did not start a kernel (see the Berth log)');
    console.log(`      push ${result.pushSeconds?.toFixed(1)} s, kernel start ${result.startSeconds.toFixed(1)} s`);
    assert.equal(result.image, PUSHED_IMAGE);
    assert.equal(result.controllerId, podId());
    assert.ok(result.pushSeconds !== undefined, 'the local-only image was not pushed');
    const tags = (await (await fetch(`http://${REGISTRY}/v2/${LOCAL_REPO}/tags/list`)).json()) as { tags?: string[] };
    assert.ok(tags.tags?.includes(TAG), `the registry has no ${PUSHED_IMAGE}: ${JSON.stringify(tags)}`);

    const kernel = berth.kernels.kernelOf(uri);
    assert.equal(kernel?.controllerId, podId());
    assert.ok(['idle', 'busy'].includes(kernel.state), `kernel state ${kernel.state}`);
    assert.deepEqual(await livePods(), [kernel.resourceId!.split('/')[1]]);
    assert.ok(berth.kernels.controllerIds().includes(podId()), 'the started target is not in the kernel picker');

    assert.equal(await run(0), '/workspace 42\n');
    const row = (await berth.kernels.kernelRows()).find((r) => r.resourceId === kernel.resourceId);
    assert.ok(row?.description.startsWith(`${PUSHED_IMAGE} on ${context}/${namespace} · `), JSON.stringify(row));
  });

  it('Sync Notebook Folder: a file changed and a file added after the start reach the kernel', async () => {
    assert.ok(notebook && berth.kernels.kernelOf(notebook.uri), 'no pod kernel from the test before');
    assert.equal(await run(1), 'v1 no new.txt False\n');
    fs.writeFileSync(path.join(dir, 'data.txt'), 'v2');
    fs.mkdirSync(path.join(dir, 'added'));
    fs.writeFileSync(path.join(dir, 'added', 'new.txt'), 'new');
    assert.equal(await run(1), 'v1 no new.txt False\n', 'the pod has its own copy: nothing changes before Sync');
    const outcome = await sync();
    assert.ok(outcome && 'copied' in outcome, `Sync did not copy: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.copied.files, 3, JSON.stringify(outcome));
    assert.equal(outcome.copied.directories, 1);
    assert.equal(await run(1), 'v2 new False\n');
  });

  it('Sync Notebook Folder over the size limit: refused with a message naming the limit, nothing copied', async () => {
    assert.ok(notebook && berth.kernels.kernelOf(notebook.uri), 'no pod kernel from the tests before');
    // Sparse: 101 MiB by its size, nothing on disk.
    fs.writeFileSync(path.join(dir, 'big.bin'), '');
    fs.truncateSync(path.join(dir, 'big.bin'), 101 * 1024 * 1024);
    fs.writeFileSync(path.join(dir, 'data.txt'), 'v3');
    const outcome = await sync();
    assert.ok(outcome && 'refused' in outcome, `Sync was not refused: ${JSON.stringify(outcome)}`);
    assert.match(outcome.refused, new RegExp(`^The notebook's folder ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds 101 MB in 4 files, over the limit of 100 MB for copying it into the kernel pod`));
    assert.equal(await run(1), 'v2 new False\n', 'something was copied although the folder is over the limit');
    fs.rmSync(path.join(dir, 'big.bin'));
  });

  it('deletes the pod and its Secret when the notebook closes', async () => {
    assert.ok(notebook, 'no notebook from the tests before');
    for (const n of vscode.workspace.notebookDocuments) if (n.isDirty) await vscode.workspace.save(n.uri);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await poll(nothingLeft, leftovers);
    const uri = notebook.uri;
    await until([berth.kernels.onDidChangeKernels], () => berth.kernels.kernelOf(uri) === undefined, () => 'the kernel to be forgotten', 30000);
  });
});
