// Container kernels in the real extension host: the Berth controller picked through `notebook.selectKernel`, Run All
// on a notebook with every output kind, interrupt, restart, a dying kernel, the environment record, and closing the
// notebook leaving no container behind (checked with the Docker API).
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import * as path from 'path';
import * as vscode from 'vscode';
import type { BerthApi } from '../../../src/api';
import { firstFileIn } from '../../../src/adapters/docker/tarArchive';
import { CONFIG_DIR, CONFIG_FILE, JUPYTER_PORT } from '../../../src/core/kernels/containerSpec';
import { DockerodeEngine } from '../../../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../../../src/adapters/docker/dockerServerLauncher';
import { localHost } from '../../../src/adapters/host/localHost';
import { nullLogger } from '../../../src/core/common/logger';
import type { ServerHandle } from '../../../src/core/kernels/api';

const IMAGE = 'berth/python:latest';
const CONTROLLER = `docker:${IMAGE}:python3`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const workspace = () => process.env.BERTH_E2E_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;
const decoder = new TextDecoder();

let lastApi: BerthApi | undefined;
const berthState = (uri: vscode.Uri) => lastApi?.kernels.kernelOf(uri);

async function api(): Promise<BerthApi> {
  const ext = vscode.extensions.getExtension<BerthApi>('berth.berth');
  assert.ok(ext, 'the Berth extension is not installed in the host');
  lastApi = ext.isActive ? ext.exports : await ext.activate();
  return lastApi;
}

/** Resolves when `done()` holds, re-checked on every event of `on`; fails with `what` after `ms`. */
function until<T>(on: vscode.Event<T>[], done: () => boolean, what: string, ms = 120000): Promise<void> {
  return new Promise((resolve, reject) => {
    const subs: vscode.Disposable[] = [];
    const finish = (error?: Error) => {
      clearTimeout(timer);
      subs.forEach((s) => s.dispose());
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}; Berth kernels: ${JSON.stringify(vscode.window.activeNotebookEditor && berthState(vscode.window.activeNotebookEditor.notebook.uri))}`)), ms);
    const check = () => {
      try {
        if (done()) finish();
      } catch (error) {
        finish(error as Error);
      }
    };
    on.forEach((e) => subs.push(e(check)));
    check();
  });
}

/** Polls the Docker Engine (an external system with no event hook in the test) until `done` holds. */
async function pollDocker(done: () => Promise<boolean>, what: string, ms = 60000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const containersOf = (uri: vscode.Uri) => docker.listContainers({ all: true, filters: { label: [`berth.notebook=${uri.toString()}`] } });
const outputText = (output: vscode.NotebookCellOutput) => output.items.map((i) => decoder.decode(i.data)).join('');
const items = (cell: vscode.NotebookCell) => cell.outputs.flatMap((o) => o.items);
const item = (cell: vscode.NotebookCell, mime: string) => items(cell).find((i) => i.mime === mime);
const changes = vscode.workspace.onDidChangeNotebookDocument;

async function openWithBerth(name: string): Promise<vscode.NotebookEditor> {
  const berth = await api();
  // Opened the way the explorer opens it: a document opened through the API would stay open for minutes after
  // its editor closes (VS Code holds API references), so closing it would not end the kernel promptly.
  const uri = vscode.Uri.file(path.join(workspace(), 'notebooks', name));
  await vscode.commands.executeCommand('vscode.openWith', uri, 'jupyter-notebook');
  const editor = vscode.window.activeNotebookEditor;
  assert.equal(editor?.notebook.uri.toString(), uri.toString());
  await until([berth.kernels.onDidChangeControllers], () => berth.kernels.controllerIds().includes(CONTROLLER), `the controller "Berth: ${IMAGE}"`);
  await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, id: CONTROLLER, extension: 'berth.berth' });
  return editor;
}

/** Runs cells [start, end) and waits until each has finished (success or failure). */
async function run(notebook: vscode.NotebookDocument, start: number, end = start + 1): Promise<void> {
  const cells = notebook.getCells().slice(start, end);
  const before = cells.map((c) => c.executionSummary?.timing?.endTime);
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start, end }], document: notebook.uri });
  await until([changes], () => cells.every((c, i) => c.executionSummary?.timing?.endTime !== undefined && c.executionSummary.timing.endTime !== before[i] && c.executionSummary.success !== undefined), `cells ${start}..${end - 1} to finish`);
}

type Rows = Awaited<ReturnType<BerthApi['kernels']['kernelRows']>>;

/** The Kernels view's rows as the watches keep them (no relist), re-read on each change until `ok` holds. */
function untilRows(berth: BerthApi, ok: (rows: Rows) => boolean, what: string, ms = 30000): Promise<Rows> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (rows?: Rows, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sub.dispose();
      if (rows) resolve(rows);
      else reject(error);
    };
    const check = () => void berth.kernels.kernelRows(false).then((rows) => ok(rows) && finish(rows), (e: Error) => finish(undefined, e));
    const timer = setTimeout(() => finish(undefined, new Error(`timed out waiting for ${what}`)), ms);
    const sub = berth.kernels.onDidChangeServers(check);
    check();
  });
}

async function closeAll(notebook: vscode.NotebookDocument): Promise<void> {
  if (notebook.isDirty) await vscode.workspace.save(notebook.uri);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('Container kernels (extension host)', function () {
  this.timeout(300000);

  describe('outputs.ipynb, Run All', () => {
    let notebook: vscode.NotebookDocument;
    before(async function () {
      this.timeout(300000);
      notebook = (await openWithBerth('outputs.ipynb')).notebook;
      await vscode.commands.executeCommand('notebook.execute');
      const code = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
      await until([changes], () => code.every((c) => c.executionSummary?.success !== undefined), 'Run All to finish');
    });
    after(async () => {
      if (notebook) await closeAll(notebook);
    });

    const cell = (i: number) => notebook.cellAt(i);

    it('runs every code cell in order with execution counts', () => {
      const counts = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code).map((c) => c.executionSummary?.executionOrder);
      assert.deepEqual(counts, [1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('streams stdout and stderr as separate merged outputs', () => {
      const c = cell(1);
      assert.equal(c.executionSummary?.success, true);
      assert.deepEqual(c.outputs.map((o) => o.items.map((i) => i.mime)[0]), ['application/vnd.code.notebook.stdout', 'application/vnd.code.notebook.stderr']);
      assert.equal(outputText(c.outputs[0]), 'hello stdout\nmore stdout\n');
      assert.equal(outputText(c.outputs[1]), 'hello stderr\n');
    });

    it('shows an execute_result as text/plain with its metadata', () => {
      const c = cell(2);
      assert.equal(decoder.decode(item(c, 'text/plain')?.data), '42');
      assert.equal(c.outputs[0].metadata?.outputType, 'execute_result');
    });

    it('renders html, markdown, latex, svg and json displays with their MIME types', () => {
      const c = cell(3);
      const firstMimes = c.outputs.map((o) => o.items[0].mime);
      assert.deepEqual(firstMimes, ['text/html', 'text/markdown', 'text/latex', 'image/svg+xml', 'application/json']);
      assert.equal(decoder.decode(item(c, 'text/html')?.data), '<b>bold html</b>');
      assert.equal(decoder.decode(item(c, 'text/markdown')?.data), '**bold markdown**');
      assert.equal(decoder.decode(item(c, 'text/latex')?.data), '$e^{i\\pi} + 1 = 0$');
      assert.match(decoder.decode(item(c, 'image/svg+xml')?.data), /<rect width="60" height="20" fill="teal"/);
      assert.deepEqual(JSON.parse(decoder.decode(item(c, 'application/json')?.data)), { answer: 42, list: [1, 2] });
    });

    it('decodes png and jpeg to image bytes and keeps vendor JSON as JSON', () => {
      const c = cell(4);
      assert.equal(c.executionSummary?.success, true);
      assert.deepEqual([...(item(c, 'image/png')?.data.slice(0, 8) ?? [])], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.deepEqual([...(item(c, 'image/jpeg')?.data.slice(0, 2) ?? [])], [0xff, 0xd8]);
      assert.deepEqual(JSON.parse(decoder.decode(item(c, 'application/vnd.berth.test+json')?.data)), { kind: 'vendor' });
    });

    it('clear_output(wait=True) clears when the next output arrives', () => {
      const c = cell(5);
      assert.equal(c.outputs.length, 1);
      assert.equal(outputText(c.outputs[0]), 'after clear\n');
    });

    it('update_display_data replaces the display in the earlier cell', () => {
      assert.equal(decoder.decode(item(cell(6), 'text/plain')?.data), "'version 2'");
      assert.equal(cell(6).outputs[0].metadata?.transient?.display_id !== undefined, true);
      assert.equal(outputText(cell(7).outputs[0]), 'updated\n');
    });

    it('shows an error with its traceback and marks the cell failed', () => {
      const c = cell(8);
      assert.equal(c.executionSummary?.success, false);
      const error = JSON.parse(decoder.decode(item(c, 'application/vnd.code.notebook.error')?.data));
      assert.equal(error.name, 'ZeroDivisionError');
      assert.equal(error.message, 'division by zero');
      assert.match(error.stack.replace(/\x1b\[[0-9;]*m/g, ''), /----> 1 1 \/ 0/);
    });

    it('records the environment in the notebook metadata', async () => {
      const record = (notebook.metadata.metadata as { berth?: Record<string, unknown> }).berth;
      const [image] = await docker.listImages({ filters: { reference: [IMAGE] } });
      assert.equal(record?.image, IMAGE);
      assert.equal(record?.imageId, image.Id);
      assert.equal(record?.kernelspec, 'python3');
      assert.match(String(record?.startedAt), /^\d{4}-\d\d-\d\dT/);
    });

    it('runs the kernel in a labelled container publishing Jupyter on 127.0.0.1 only', async () => {
      const [info] = await containersOf(notebook.uri);
      assert.ok(info, 'no container carries the notebook label');
      assert.equal(info.Labels['berth.kernel'] !== undefined, true);
      assert.ok(info.Ports.length > 0 && info.Ports.every((p) => p.IP === '127.0.0.1'), JSON.stringify(info.Ports));
    });

    it('labels the container with this host and the window\'s pid and its start, and gives the server the idle timeout', async () => {
      const [info] = await containersOf(notebook.uri);
      assert.ok(info, 'no container carries the notebook label');
      assert.match(info.Labels['berth.owner.host'] ?? '', /^[0-9a-f]{16}$/);
      assert.equal(info.Labels['berth.owner.pid'], String(process.ppid));
      assert.ok(info.Labels['berth.owner.pidStart'], JSON.stringify(info.Labels));
      const archive = await docker.getContainer(info.Id).getArchive({ path: `${CONFIG_DIR}/${CONFIG_FILE}` });
      const chunks: Buffer[] = [];
      for await (const chunk of archive) chunks.push(chunk as Buffer);
      const config = JSON.parse(firstFileIn(Buffer.concat(chunks))?.toString('utf8') ?? '{}');
      // berth.kernel.idleTimeout's default: an hour with no client.
      assert.equal(config.MappingKernelManager?.cull_idle_timeout, 3600);
      assert.equal(config.MappingKernelManager?.cull_connected, false);
      assert.equal(config.ServerApp?.shutdown_no_activity_timeout, 3600);
    });

    it('keeps the server token out of the container\'s labels, arguments and environment', async () => {
      const [info] = await containersOf(notebook.uri);
      assert.ok(info, 'no container carries the notebook label');
      const container = docker.getContainer(info.Id);
      // The token as the server knows it: from the config file Berth wrote into the container.
      const archive = await container.getArchive({ path: `${CONFIG_DIR}/${CONFIG_FILE}` });
      const chunks: Buffer[] = [];
      for await (const chunk of archive) chunks.push(chunk as Buffer);
      const token: unknown = JSON.parse(firstFileIn(Buffer.concat(chunks))?.toString('utf8') ?? '{}').ServerApp?.token;
      assert.ok(typeof token === 'string' && /^[0-9a-f]{64}$/.test(token), `no 256-bit token in ${CONFIG_DIR}/${CONFIG_FILE}`);
      // It is the token that opens the server (so the checks below look for the right string).
      const port = info.Ports.find((p) => p.PrivatePort === JUPYTER_PORT)?.PublicPort;
      assert.ok(port, JSON.stringify(info.Ports));
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { Authorization: `token ${token}` } })).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/status`)).status, 403);
      const inspect = await container.inspect();
      const places: Record<string, unknown> = {
        labels: inspect.Config.Labels,
        cmd: inspect.Config.Cmd,
        entrypoint: inspect.Config.Entrypoint,
        path: inspect.Path,
        args: inspect.Args,
        env: inspect.Config.Env,
      };
      assert.ok(Array.isArray(places.env) && places.env.length > 0, 'the container has no environment to check');
      assert.ok(Array.isArray(places.args) && places.args.length > 0, 'the container has no arguments to check');
      const holding = Object.entries(places).filter(([, value]) => JSON.stringify(value ?? null).includes(token)).map(([where]) => where);
      assert.deepEqual(holding, [], 'the token is visible in the container\'s configuration');
    });
  });

  describe('control.ipynb: interrupt, restart, a dying kernel, close', () => {
    let notebook: vscode.NotebookDocument;
    before(async function () {
      this.timeout(300000);
      notebook = (await openWithBerth('control.ipynb')).notebook;
    });
    after(async () => {
      if (notebook && !notebook.isClosed) await closeAll(notebook);
    });

    it('interrupts a while True loop', async () => {
      const berth = await api();
      const loop = notebook.cellAt(0);
      await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: notebook.uri });
      await until([berth.kernels.onDidChangeKernels], () => berth.kernels.kernelOf(notebook.uri)?.state === 'busy', 'the loop to run');
      // The notebook toolbar's Interrupt (the active editor is this notebook).
      await vscode.commands.executeCommand('notebook.cancelExecution');
      await until([changes], () => loop.executionSummary?.success === false, 'the interrupted cell to end');
      const error = JSON.parse(decoder.decode(item(loop, 'application/vnd.code.notebook.error')?.data));
      assert.equal(error.name, 'KeyboardInterrupt');
    });

    it('restart keeps the container and forgets variables', async () => {
      const berth = await api();
      await run(notebook, 1);
      const before = berth.kernels.kernelOf(notebook.uri)?.resourceId;
      await vscode.commands.executeCommand('berth.kernel.restart', notebook.uri);
      await run(notebook, 2);
      const error = JSON.parse(decoder.decode(item(notebook.cellAt(2), 'application/vnd.code.notebook.error')?.data));
      assert.equal(error.name, 'NameError');
      assert.equal(berth.kernels.kernelOf(notebook.uri)?.resourceId, before);
      assert.ok(before);
    });

    it('reports a kernel that dies on the running cell, and restart brings it back', async () => {
      const berth = await api();
      await run(notebook, 4);
      const died = notebook.cellAt(4);
      assert.equal(died.executionSummary?.success, false);
      assert.ok(died.outputs.length > 0, 'the dying cell shows no error');
      assert.match(outputText(died.outputs[died.outputs.length - 1]), /died|dead|restart/i);
      await vscode.commands.executeCommand('berth.kernel.restart', notebook.uri);
      assert.notEqual(berth.kernels.kernelOf(notebook.uri)?.state, 'dead');
      await run(notebook, 5);
      assert.equal(decoder.decode(item(notebook.cellAt(5), 'text/plain')?.data), '2');
    });

    it('reports a container killed from outside on the running cell, and the next run starts a new one', async () => {
      const berth = await api();
      const sleeper = notebook.cellAt(6);
      const before = berth.kernels.kernelOf(notebook.uri)?.resourceId;
      assert.ok(before);
      await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 6, end: 7 }], document: notebook.uri });
      await until([berth.kernels.onDidChangeKernels], () => berth.kernels.kernelOf(notebook.uri)?.state === 'busy', 'the sleeping cell to run');
      await docker.getContainer(before).kill();
      await until([changes], () => sleeper.executionSummary?.success === false, 'the cell on the killed container to fail');
      assert.match(outputText(sleeper.outputs[sleeper.outputs.length - 1]), /container|gone|died/i);
      await run(notebook, 5);
      assert.equal(decoder.decode(item(notebook.cellAt(5), 'text/plain')?.data), '2');
      assert.notEqual(berth.kernels.kernelOf(notebook.uri)?.resourceId, before);
    });

    it('closing the notebook shuts the kernel down and leaves no container', async () => {
      assert.ok((await containersOf(notebook.uri)).length > 0, 'expected a running kernel container before closing');
      const uri = notebook.uri;
      await closeAll(notebook);
      await pollDocker(async () => (await containersOf(uri)).length === 0, 'the kernel container to be removed');
    });
  });

  describe('Kernels view: another window\'s kernel, live from Docker\'s events', () => {
    let handle: ServerHandle | undefined;
    const notebookKey = vscode.Uri.file(path.join(workspace(), 'notebooks', 'elsewhere.ipynb')).toString();
    after(async () => {
      await handle?.dispose().catch(() => undefined);
    });

    it('shows a kernel another window starts, without a refresh, and Show Logs follows its log', async () => {
      const berth = await api();
      const before = await berth.kernels.kernelRows();
      // Another window of this machine (live owner: this process), started outside the extension.
      const launcher = new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger);
      handle = await launcher.start({ kind: 'docker', image: IMAGE, kernelspec: 'python3' }, {
        notebookKey, env: {}, extraMounts: [], keepAlive: false,
        owner: { kind: 'vscode', id: 'e2e-another-window', ...localHost().stampOf(process.pid) },
      }, new AbortController().signal, () => undefined);
      const id = handle.resourceId;
      assert.ok(!before.some((r) => r.resourceId === id));
      let rows = await untilRows(berth, (r) => r.some((x) => x.resourceId === id), 'the Kernels view to show the other window\'s container without a refresh');
      const row = rows.find((r) => r.resourceId === id)!;
      assert.equal(row.label, 'elsewhere.ipynb');
      assert.equal(row.contextValue, 'berth.kernel.detached');
      assert.match(row.description, /another window/);
      const channel = await vscode.commands.executeCommand<string>('berth.kernel.showLogs', { kind: 'detached', server: (await launcher.listRunning()).find((r) => r.resourceId === id), ownedByThisWindow: false });
      assert.equal(channel, `Berth kernel container ${id.slice(0, 12)}`);
      await pollDocker(async () => berth.kernels.serverLogLines(id).some((l) => /Jupyter Server .* is running at/.test(l)), 'the server\'s log in the Show Logs channel', 30000);
      await handle.dispose();
      handle = undefined;
      rows = await untilRows(berth, (r) => !r.some((x) => x.resourceId === id), 'the row to go once the container is removed');
    });
  });
});
