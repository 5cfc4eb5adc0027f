// "Berth: Build Image" in the real extension host, against the real Docker Engine.
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { BerthApi } from '../../../src/api';
import { waitForNoBuildLeftovers } from '../../support/buildLeftovers';

const BASE = 'berth/debian-base:bookworm';
const RUN_ID = `${process.pid}-${Date.now()}`;
const workspace = process.env.BERTH_E2E_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;

interface BuildResult {
  readonly imageId: string;
  readonly tag: string;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Build Image (e2e)', function () {
  const docker = new Docker();
  const tags: string[] = [];
  const dirs: string[] = [];

  function dockerfile(name: string, text: string): vscode.Uri {
    const dir = path.join(workspace, `build-e2e-${name}-${RUN_ID}`);
    fs.mkdirSync(dir, { recursive: true });
    dirs.push(dir);
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, text);
    return vscode.Uri.file(file);
  }

  function tagFor(name: string): string {
    const tag = `berth-e2e/${name}:${RUN_ID}`;
    tags.push(tag);
    return tag;
  }

  let berth: BerthApi;
  before(async () => {
    const ext = vscode.extensions.getExtension<BerthApi>('berth.berth');
    assert.ok(ext, 'the Berth extension is not installed in the host');
    berth = ext.isActive ? ext.exports : await ext.activate();
  });
  after(async () => {
    for (const tag of tags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is offered for Dockerfiles and registered', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('berth.build.image'));
    assert.ok(commands.includes('berth.build.cancel'));
  });

  it('builds a Dockerfile of the workspace, and the image appears in the Images view', async () => {
    const uri = dockerfile('ok', `FROM ${BASE}\nRUN echo built > /built.txt\n`);
    const tag = tagFor('ok');
    const result = await vscode.commands.executeCommand<BuildResult | undefined>('berth.build.image', uri, { tag });
    assert.ok(result, 'the build returned no result (see the Berth log)');
    assert.equal(result.tag, tag);
    const image = await docker.getImage(tag).inspect();
    assert.equal(image.Id, result.imageId);
    assert.equal(image.Config.Labels?.['berth.built-from'], vscode.workspace.asRelativePath(uri));
    // The model follows engine events; the tag event of the build reaches it shortly after the command returns.
    await until('the Images model to list the new image', () => {
      const state = berth.images.state;
      return (state.kind === 'ready' && state.images.some((i) => i.tags.includes(tag))) || undefined;
    });
    assert.equal(await vscode.commands.executeCommand<boolean>('berth.images.reveal', tag), true, 'the Images view does not list the new image');
  });

  it('takes args, target and context from the settings, with the override for this Dockerfile winning', async () => {
    const config = vscode.workspace.getConfiguration('berth');
    const dir = path.join(workspace, `build-e2e-settings-${RUN_ID}`);
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, 'docker'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'marker.txt'), 'from the context folder\n');
    const file = path.join(dir, 'docker', 'Dockerfile');
    fs.writeFileSync(file, `FROM ${BASE} AS one\nARG WHO\nARG OTHER\nLABEL who=$WHO other=$OTHER\nCOPY marker.txt /marker.txt\nFROM ${BASE} AS two\nRUN exit 1\n`);
    const uri = vscode.Uri.file(file);
    const key = vscode.workspace.asRelativePath(uri);
    try {
      await config.update('build.args', { WHO: 'global', OTHER: 'kept' }, vscode.ConfigurationTarget.Workspace);
      await config.update('build.overrides', { [key]: { args: { WHO: 'override' }, target: 'one', context: path.relative(workspace, dir) } }, vscode.ConfigurationTarget.Workspace);
      const settingsFile = JSON.parse(fs.readFileSync(path.join(workspace, '.vscode', 'settings.json'), 'utf8'));
      assert.ok(settingsFile['berth.build.overrides'][key], 'the override is not in .vscode/settings.json');
      const result = await vscode.commands.executeCommand<BuildResult | undefined>('berth.build.image', uri, { tag: tagFor('settings') });
      assert.ok(result, 'the build failed (see the Berth log)');
      const labels = (await docker.getImage(result.tag).inspect()).Config.Labels ?? {};
      assert.deepEqual([labels.who, labels.other], ['override', 'kept']);
    } finally {
      await config.update('build.args', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('build.overrides', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('puts a diagnostic on the failing line, and the next good build clears it', async () => {
    const uri = dockerfile('broken', `FROM ${BASE}\n# a comment\nRUN echo preparing \\\n  && echo the-cause >&2 \\\n  && exit 42\nRUN true\n`);
    const tag = tagFor('broken');
    const failed = await vscode.commands.executeCommand<BuildResult | undefined>('berth.build.image', uri, { tag });
    assert.equal(failed, undefined);
    const diagnostics = vscode.languages.getDiagnostics(uri);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    assert.equal(diagnostics[0].range.start.line, 2);
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(diagnostics[0].message, /RUN failed with exit code 42/);
    assert.match(diagnostics[0].message, /the-cause/);

    fs.writeFileSync(uri.fsPath, `FROM ${BASE}\nRUN true\n`);
    const fixed = await vscode.commands.executeCommand<BuildResult | undefined>('berth.build.image', uri, { tag });
    assert.ok(fixed, 'the fixed Dockerfile did not build');
    assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
  });

  it('marks an unknown instruction on its line', async () => {
    const uri = dockerfile('typo', `FROM ${BASE}\n\nCOPPY . /x\n`);
    const result = await vscode.commands.executeCommand<BuildResult | undefined>('berth.build.image', uri, { tag: tagFor('typo') });
    assert.equal(result, undefined);
    const [diagnostic] = vscode.languages.getDiagnostics(uri);
    assert.equal(diagnostic?.range.start.line, 2);
    assert.match(diagnostic.message, /Unknown instruction COPPY/);
  });

  it('Cancel during a slow RUN leaves no tag, no build container and no layer of the cancelled step', async () => {
    const marker = `berth-e2e-sleep-${RUN_ID}`;
    const uri = dockerfile('slow', `FROM ${BASE}\nRUN sleep 300 && echo ${marker}\n`);
    const tag = tagFor('slow');
    const since = Date.now();
    const building = vscode.commands.executeCommand<BuildResult | undefined>('berth.build.image', uri, { tag });
    await until('the slow RUN to start', async () => (await docker.listContainers()).some((c) => c.Command.includes(marker)) || undefined, 60000);
    assert.deepEqual(berth.builds.builds.map((b) => [b.tag, b.step]), [[tag, 'Step 2/3']], 'the Images view does not show the running build');
    await vscode.commands.executeCommand('berth.build.cancel');
    assert.equal(await building, undefined);
    assert.deepEqual(berth.builds.builds, [], 'the Images view still shows the cancelled build');
    const left = await waitForNoBuildLeftovers(docker, marker, tag, since);
    for (const c of left.containers) await docker.getContainer(c.split(' ')[0]).remove({ force: true }).catch(() => undefined);
    assert.deepEqual(left, { containers: [], images: [], tagged: false }, 'the cancelled build left something on the engine');
  });

  it('"Use as kernel" makes the new image the notebook\'s Berth kernel, and its cells run in that image', async () => {
    const uri = dockerfile('kernel', `FROM berth/python:latest\nRUN echo "built for a notebook ${RUN_ID}" > /opt/berth-e2e.txt\n`);
    const tag = tagFor('kernel');
    assert.ok(await vscode.commands.executeCommand<BuildResult | undefined>('berth.build.image', uri, { tag }), 'the build failed (see the Berth log)');
    // A notebook of this test's own, whose cell reads the file only the new image has.
    const notebookUri = vscode.Uri.file(path.join(path.dirname(uri.fsPath), 'use.ipynb'));
    fs.writeFileSync(notebookUri.fsPath, JSON.stringify({
      cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ["print(open('/opt/berth-e2e.txt').read().strip())"] }],
      metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
      nbformat: 4, nbformat_minor: 5,
    }));
    await vscode.commands.executeCommand('vscode.openWith', notebookUri, 'jupyter-notebook');
    try {
      await vscode.commands.executeCommand('berth.kernels.selectForNotebook', tag, notebookUri);
      const notebook = vscode.workspace.notebookDocuments.find((d) => d.uri.toString() === notebookUri.toString());
      assert.ok(notebook, 'the notebook is not open');
      const cell = notebook.cellAt(0);
      await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: 0, end: 1 }], document: notebookUri });
      await until('the cell to run on the new image', () => (cell.executionSummary?.success !== undefined ? true : undefined), 120000);
      const text = cell.outputs.flatMap((o) => o.items).map((i) => new TextDecoder().decode(i.data)).join('');
      assert.equal(cell.executionSummary?.success, true, `the cell failed: ${text}`);
      assert.equal(text, `built for a notebook ${RUN_ID}\n`);
      const kernel = berth.kernels.kernelOf(notebookUri);
      assert.equal(kernel?.state, 'idle');
      assert.equal(kernel.controllerId, `docker:${tag}:python3`);
      const container = await docker.getContainer(kernel.resourceId!).inspect();
      assert.equal(container.Config.Image, tag);
    } finally {
      await vscode.commands.executeCommand('berth.kernel.shutdown', notebookUri);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});
