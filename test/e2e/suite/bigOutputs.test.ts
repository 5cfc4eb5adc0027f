// Big outputs in the real extension host: a 50 MB print completes and is cut at berth.output.maxBytes with a note,
// "Show full output" opens the whole text, and the saved notebook holds what the cell shows; with no limit the
// document and the saved file hold every byte; 100,000 flushed prints and 200 PNG displays arrive complete and in
// order; and however fast the kernel writes, the notebook gets a bounded number of output updates per second.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as vscode from 'vscode';
import type { BerthApi } from '../../../src/api';

const IMAGE = 'berth/python:latest';
const CONTROLLER = `docker:${IMAGE}:python3`;
const STDOUT = 'application/vnd.code.notebook.stdout';
const LIMIT = 2 * 1024 * 1024;
const LINE = `${'x'.repeat(99)}\n`;
const workspace = () => process.env.BERTH_E2E_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;
const decoder = new TextDecoder();
const changes = vscode.workspace.onDidChangeNotebookDocument;

async function api(): Promise<BerthApi> {
  const ext = vscode.extensions.getExtension<BerthApi>('berth.berth');
  assert.ok(ext, 'the Berth extension is not installed in the host');
  return ext.isActive ? ext.exports : await ext.activate();
}

function until<T>(on: vscode.Event<T>[], done: () => boolean, what: string, ms = 600000): Promise<void> {
  return new Promise((resolve, reject) => {
    const subs: vscode.Disposable[] = [];
    const finish = (error?: Error) => {
      clearTimeout(timer);
      subs.forEach((s) => s.dispose());
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), ms);
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

/** Writes a one-notebook-per-test file into the workspace, so the tests share nothing but the host. */
function writeNotebook(name: string, ...cells: string[]): vscode.Uri {
  const file = path.join(workspace(), 'notebooks', name);
  fs.writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
      cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, source, metadata: {}, outputs: [], execution_count: null })),
    }),
  );
  return vscode.Uri.file(file);
}

async function openWithBerth(uri: vscode.Uri): Promise<vscode.NotebookDocument> {
  const berth = await api();
  await vscode.commands.executeCommand('vscode.openWith', uri, 'jupyter-notebook');
  const editor = vscode.window.activeNotebookEditor;
  assert.equal(editor?.notebook.uri.toString(), uri.toString());
  await until([berth.kernels.onDidChangeControllers], () => berth.kernels.controllerIds().includes(CONTROLLER), `the controller "Berth: ${IMAGE}"`, 120000);
  await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, id: CONTROLLER, extension: 'berth.berth' });
  return editor.notebook;
}

interface RunStats {
  readonly ms: number;
  /** Output changes the notebook reported for the cell. */
  readonly updates: number;
  /** The extension host's worst event-loop stall while the cell ran (Berth shares that loop with every extension). */
  readonly maxStallMs: number;
}

/** Runs one cell; resolves with its wall time, the output updates the notebook received, and the host's worst stall. */
async function run(notebook: vscode.NotebookDocument, index: number): Promise<RunStats> {
  const cell = notebook.cellAt(index);
  const before = cell.executionSummary?.timing?.endTime;
  let updates = 0;
  const counter = changes((e) => (updates += e.cellChanges.filter((c) => c.cell === cell && c.outputs !== undefined).length));
  const stalls = monitorEventLoopDelay({ resolution: 20 });
  stalls.enable();
  const t0 = Date.now();
  try {
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: notebook.uri });
    await until([changes], () => cell.executionSummary?.timing?.endTime !== undefined && cell.executionSummary.timing.endTime !== before && cell.executionSummary.success !== undefined, `cell ${index} to finish`);
  } finally {
    counter.dispose();
    stalls.disable();
  }
  return { ms: Date.now() - t0, updates, maxStallMs: stalls.max / 1e6 };
}

async function close(notebook: vscode.NotebookDocument | undefined): Promise<void> {
  if (!notebook) return;
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

const stdoutOf = (cell: vscode.NotebookCell) =>
  cell.outputs
    .flatMap((o) => o.items)
    .filter((i) => i.mime === STDOUT)
    .map((i) => decoder.decode(i.data))
    .join('');

type Json = Record<string, unknown>;
const savedCell = (uri: vscode.Uri, index: number) => (JSON.parse(fs.readFileSync(uri.fsPath, 'utf8')).cells as Json[])[index];
const savedText = (outputs: Json[], name: string) =>
  outputs
    .filter((o) => o.output_type === 'stream' && o.name === name)
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : String(o.text)))
    .join('');

/** At most one update per 100 ms reaches the notebook, plus the first one, a clear and the final exact write. */
function assertBoundedUpdates(r: RunStats, what: string): void {
  const bound = Math.ceil(r.ms / 100) + 5;
  console.log(`      ${what}: ${r.updates} output updates in ${(r.ms / 1000).toFixed(1)} s (bound ${bound}); extension host's worst stall ${r.maxStallMs.toFixed(0)} ms`);
  assert.ok(r.updates <= bound, `${r.updates} output updates in ${r.ms} ms`);
}

describe('Big outputs (extension host)', function () {
  this.timeout(900000);
  let notebook: vscode.NotebookDocument | undefined;
  afterEach(async () => {
    await close(notebook);
    await vscode.workspace.getConfiguration('berth').update('output.maxBytes', undefined, vscode.ConfigurationTarget.Workspace);
    notebook = undefined;
  });

  it('cuts a 50 MB print at berth.output.maxBytes with a note, opens the full text, and saves what the cell shows', async () => {
    const uri = writeNotebook('big-cut.ipynb', "for _ in range(500_000):\n    print('x' * 99)", "print('still running')");
    notebook = await openWithBerth(uri);
    const r = await run(notebook, 0);
    assertBoundedUpdates(r, '50 MB print, cut');
    const cell = notebook.cellAt(0);
    assert.equal(cell.executionSummary?.success, true);
    const kept = stdoutOf(cell);
    assert.ok(kept.length > LIMIT - 200 && kept.length <= LIMIT, `the cell shows ${kept.length} bytes`);
    assert.ok(kept.endsWith('\n') && LINE.repeat(500_000).startsWith(kept), 'the kept text is not the start of the output');
    const note = cell.outputs[cell.outputs.length - 1];
    const noteText = decoder.decode(note.items.find((i) => i.mime === 'text/plain')?.data);
    const cut = 50_000_000 - kept.length;
    assert.match(noteText, new RegExp(`^Output cut at 2\\.0 MB \\(berth\\.output\\.maxBytes\\): .* \\(${cut.toLocaleString('en-US')} bytes\\) not shown`));
    assert.deepEqual(((note.metadata?.metadata as Json).berth as Json).outputCut, { limitBytes: LIMIT });

    // The kernel keeps running after the cut.
    await run(notebook, 1);
    assert.equal(stdoutOf(notebook.cellAt(1)), 'still running\n');

    await vscode.commands.executeCommand('berth.output.showFull', cell.document.uri);
    const full = vscode.window.activeTextEditor?.document;
    assert.ok(full, 'Show full output opened no editor');
    assert.equal(full.getText().length, 50_000_000);
    assert.ok(full.getText() === LINE.repeat(500_000), 'the full output differs from what the cell printed');

    await vscode.workspace.save(uri);
    const saved = savedCell(uri, 0).outputs as Json[];
    assert.equal(savedText(saved, 'stdout'), kept);
    const savedNote = saved[saved.length - 1];
    assert.deepEqual(((savedNote.metadata as Json).berth as Json).outputCut, { limitBytes: LIMIT });
    assert.match(Array.isArray((savedNote.data as Json)['text/plain']) ? ((savedNote.data as Json)['text/plain'] as string[]).join('') : String((savedNote.data as Json)['text/plain']), new RegExp(`\\(${cut.toLocaleString('en-US')} bytes\\)`));
  });

  it('with no limit, a 50 MB print reaches the document and the saved notebook whole', async () => {
    await vscode.workspace.getConfiguration('berth').update('output.maxBytes', 0, vscode.ConfigurationTarget.Workspace);
    const uri = writeNotebook('big-whole.ipynb', "for _ in range(500_000):\n    print('x' * 99)");
    notebook = await openWithBerth(uri);
    const r = await run(notebook, 0);
    assertBoundedUpdates(r, '50 MB print, whole');
    const cell = notebook.cellAt(0);
    assert.equal(cell.outputs.length, 1);
    assert.ok(stdoutOf(cell) === LINE.repeat(500_000), `the cell holds ${stdoutOf(cell).length} bytes, not the 50,000,000 printed`);
    await vscode.workspace.save(uri);
    assert.ok(savedText(savedCell(uri, 0).outputs as Json[], 'stdout') === LINE.repeat(500_000), 'the saved notebook lost output');
  });

  it('keeps 100,000 flushed prints complete and in order, in bounded updates', async () => {
    const uri = writeNotebook('big-loop.ipynb', 'for i in range(100_000):\n    print(i, flush=True)');
    notebook = await openWithBerth(uri);
    const r = await run(notebook, 0);
    assertBoundedUpdates(r, '100,000 flushed prints');
    const lines = stdoutOf(notebook.cellAt(0)).split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 100_000);
    assert.ok(lines.every((l, i) => l === String(i)), 'lines missing or out of order');
  });

  it('keeps 200 PNG displays complete and in order', async () => {
    const maker = [
      'import struct, zlib',
      'from IPython.display import Image, display',
      'def png(w, h, rgb):',
      '    def chunk(kind, data):',
      "        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)",
      "    raw = b''.join(b'\\x00' + bytes(rgb) * w for _ in range(h))",
      "    return b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')",
      'for i in range(200):',
      '    display(Image(png(8, 8, (i, 255 - i, 0))), metadata={"index": i})',
    ].join('\n');
    const uri = writeNotebook('big-pngs.ipynb', maker);
    notebook = await openWithBerth(uri);
    const r = await run(notebook, 0);
    assertBoundedUpdates(r, '200 PNG displays');
    const outputs = notebook.cellAt(0).outputs;
    assert.equal(outputs.length, 200);
    outputs.forEach((o, i) => {
      const png = o.items.find((it) => it.mime === 'image/png');
      assert.ok(png && png.data[0] === 0x89, `output ${i} is not a PNG`);
      assert.equal((o.metadata?.metadata as Json | undefined)?.index, i, `output ${i} out of order`);
    });
  });
});
