// Pre-started kernels in the real extension host, watched on the Docker Engine: a notebook whose metadata records a
// Berth kernel gets its container when it opens, before any run, and the first run uses that container; the kernel
// VS Code selects (and restores when the notebook opens again) is pre-started too; closing a notebook no run used
// removes its container, also while it still starts; with berth.kernel.prestart off nothing starts on open.
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { BerthApi } from '../../../src/api';
import { api, poll, until, workspace } from './hostHelpers';

const IMAGE = 'berth/python:latest';
const CONTROLLER = `docker:${IMAGE}:python3`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const decoder = new TextDecoder();

const containersOf = (uri: vscode.Uri) => docker.listContainers({ all: true, filters: { label: [`berth.notebook=${uri.toString()}`] } });
const ids = async (uri: vscode.Uri) => (await containersOf(uri)).map((c) => c.Id);
const prestartSetting = () => vscode.workspace.getConfiguration('berth');

/** A notebook with one cell that prints the kernel's hostname (Docker names a container's host by its id). */
async function writeNotebook(name: string, recorded: boolean): Promise<vscode.Uri> {
  const [image] = await docker.listImages({ filters: { reference: [IMAGE] } });
  assert.ok(image, `${IMAGE} is not on the engine`);
  const record = { image: IMAGE, imageId: image.Id, kernelspec: 'python3', mounts: [], startedAt: '2026-01-01T00:00:00.000Z' };
  const notebook = {
    cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: 'import socket\nprint(socket.gethostname())' }],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' }, ...(recorded ? { berth: record } : {}) },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = path.join(workspace(), 'notebooks', name);
  fs.writeFileSync(file, JSON.stringify(notebook, null, 1));
  return vscode.Uri.file(file);
}

async function controllerReady(berth: BerthApi): Promise<void> {
  await until([berth.kernels.onDidChangeControllers], () => berth.kernels.controllerIds().includes(CONTROLLER), () => `the controller "Berth: ${IMAGE}"`);
}

/** Opened the way the explorer opens it; resolves once the extension host shows its editor. */
async function open(uri: vscode.Uri): Promise<vscode.NotebookEditor> {
  await vscode.commands.executeCommand('vscode.openWith', uri, 'jupyter-notebook');
  const shown = () => vscode.window.visibleNotebookEditors.find((e) => e.notebook.uri.toString() === uri.toString());
  await until([vscode.window.onDidChangeVisibleNotebookEditors], () => shown() !== undefined, () => `${path.basename(uri.fsPath)} in an editor`);
  return shown()!;
}

async function select(editor: vscode.NotebookEditor): Promise<void> {
  await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, id: CONTROLLER, extension: 'berth.berth' });
}

async function untilContainer(uri: vscode.Uri, what: string): Promise<string> {
  await poll(async () => (await containersOf(uri)).length > 0, () => what);
  const found = await ids(uri);
  assert.equal(found.length, 1, `one container for ${path.basename(uri.fsPath)}: ${found.join(', ')}`);
  return found[0];
}

async function untilIdle(berth: BerthApi, uri: vscode.Uri): Promise<void> {
  await until([berth.kernels.onDidChangeKernels], () => berth.kernels.kernelOf(uri)?.state === 'idle', () => `the kernel of ${path.basename(uri.fsPath)} to be idle (${JSON.stringify(berth.kernels.kernelOf(uri))})`);
}

/** Runs the first cell and returns what it printed. */
async function runFirstCell(notebook: vscode.NotebookDocument): Promise<string> {
  const cell = notebook.cellAt(0);
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: notebook.uri });
  await until([vscode.workspace.onDidChangeNotebookDocument], () => cell.executionSummary?.success !== undefined, () => 'the cell to finish');
  assert.equal(cell.executionSummary?.success, true, JSON.stringify(cell.outputs.map((o) => o.items.map((i) => decoder.decode(i.data)))));
  return cell.outputs.flatMap((o) => o.items).map((i) => decoder.decode(i.data)).join('').trim();
}

const neverRan = (notebook: vscode.NotebookDocument) => notebook.getCells().every((c) => c.executionSummary?.timing === undefined && c.outputs.length === 0);

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

async function untilNoContainer(uri: vscode.Uri): Promise<void> {
  await poll(async () => (await containersOf(uri)).length === 0, async () => `the container(s) of ${path.basename(uri.fsPath)} to be removed: ${(await ids(uri)).join(', ')}`);
}

describe('Pre-started kernels (extension host)', function () {
  this.timeout(300000);
  const written: vscode.Uri[] = [];
  const notebook = async (name: string, recorded: boolean) => {
    const uri = await writeNotebook(name, recorded);
    written.push(uri);
    return uri;
  };

  afterEach(async () => {
    await closeAll();
    await prestartSetting().update('kernel.prestart', undefined, vscode.ConfigurationTarget.Workspace);
    for (const uri of written.splice(0)) {
      for (const id of await ids(uri)) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
      fs.rmSync(uri.fsPath, { force: true });
    }
  });

  it('starts the kernel a notebook\'s metadata records as it opens, before any run, and the first run uses that container', async () => {
    const berth = await api();
    await controllerReady(berth);
    const uri = await notebook('prestart-recorded.ipynb', true);
    const editor = await open(uri);
    const container = await untilContainer(uri, 'a kernel container for the notebook, before any run');
    assert.ok(neverRan(editor.notebook), 'a cell ran');
    await untilIdle(berth, uri);
    // VS Code only suggests the recorded kernel: the user picks the suggestion, then runs.
    await select(editor);
    const hostname = await runFirstCell(editor.notebook);
    assert.equal(hostname, container.slice(0, 12), 'the cell ran in another container');
    assert.deepEqual(await ids(uri), [container]);
    assert.equal(berth.kernels.kernelOf(uri)?.resourceId, container);
  });

  it('pre-starts the kernel VS Code selects, and again when it restores the selection as the notebook opens again', async () => {
    const berth = await api();
    await controllerReady(berth);
    const uri = await notebook('prestart-selected.ipynb', false);
    const first = await open(uri);
    await select(first);
    const before = await untilContainer(uri, 'a kernel container once the kernel is selected, before any run');
    await untilIdle(berth, uri);
    assert.equal(first.notebook.isDirty, false, 'the pre-start changed the notebook');
    await closeAll();
    await untilNoContainer(uri);
    const again = await open(uri);
    const after = await untilContainer(uri, 'a kernel container when the notebook opens again with its kernel selected');
    assert.notEqual(after, before);
    await untilIdle(berth, uri);
    assert.ok(neverRan(again.notebook), 'a cell ran');
    assert.equal(await runFirstCell(again.notebook), after.slice(0, 12));
    assert.deepEqual(await ids(uri), [after]);
  });

  it('removes the container of a notebook closed before any run', async () => {
    const berth = await api();
    await controllerReady(berth);
    const uri = await notebook('prestart-unused.ipynb', true);
    const editor = await open(uri);
    await untilContainer(uri, 'the pre-started kernel container');
    await untilIdle(berth, uri);
    assert.ok(neverRan(editor.notebook));
    await closeAll();
    await untilNoContainer(uri);
    assert.equal(berth.kernels.kernelOf(uri), undefined);
  });

  it('removes the container of a notebook closed while its kernel still starts', async () => {
    const berth = await api();
    await controllerReady(berth);
    const uri = await notebook('prestart-closed-early.ipynb', true);
    await open(uri);
    await untilContainer(uri, 'the pre-start to create its container');
    assert.equal(berth.kernels.kernelOf(uri)?.state, 'launching', 'the kernel was ready before the notebook could be closed during its start');
    await closeAll();
    await untilNoContainer(uri);
    assert.equal(berth.kernels.kernelOf(uri), undefined);
  });

  it('starts nothing on open with berth.kernel.prestart off; turned on, the open notebook\'s kernel starts', async () => {
    const berth = await api();
    await controllerReady(berth);
    await prestartSetting().update('kernel.prestart', false, vscode.ConfigurationTarget.Workspace);
    await until([vscode.workspace.onDidChangeConfiguration], () => prestartSetting().get('kernel.prestart') === false, () => 'berth.kernel.prestart to be false');
    const uri = await notebook('prestart-off.ipynb', true);
    await open(uri);
    // The controller exists and the editor is shown: a pre-start would have begun by now (it begins on these events).
    assert.equal(berth.kernels.kernelOf(uri), undefined, 'a kernel started on open');
    assert.deepEqual(await ids(uri), []);
    await prestartSetting().update('kernel.prestart', true, vscode.ConfigurationTarget.Workspace);
    await untilContainer(uri, 'the kernel container once berth.kernel.prestart is on');
    await untilIdle(berth, uri);
  });
});
