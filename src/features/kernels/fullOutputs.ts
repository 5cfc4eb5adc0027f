import { createWriteStream, mkdirSync, readdirSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, Notebooks } from '../../constants';
import { cutOf, formatBytes } from '../../core/kernels/notebookOutputs';
import { StreamText } from '../../core/kernels/streamText';
import { pidAliveFrom } from '../../core/notebook/kernelOwnership';
import { registerCommand } from '../commandBoundary';

const DIR_PREFIX = 'berth-outputs-';
const pidAlive = pidAliveFrom((pid, signal) => process.kill(pid, signal));

/**
 * The whole stream text of one cell run, for "Show full output" when the cell's output was cut. Kept in memory
 * until the cut happens (it is then at most the limit), and from then on written to a temporary file as lines
 * complete, so memory stays bounded however much the cell prints. Control characters are resolved as in the cell.
 */
class CellTextRecorder {
  private text = new StreamText();
  private stream: WriteStream | undefined;

  constructor(readonly file: string) {}

  get spilled(): boolean {
    return this.stream !== undefined;
  }

  append(chunk: string): void {
    this.text.append(chunk);
    if (this.stream) this.write(this.text.takeFinished());
  }

  /** The output was cut: from now on the text goes to the file. */
  spill(): void {
    if (this.stream) return;
    this.stream = createWriteStream(this.file, { flags: 'w', encoding: 'utf8' });
    this.write(this.text.takeFinished());
  }

  /** clear_output: the full text starts again, as the cell's outputs do. */
  reset(): void {
    this.text = new StreamText();
    if (this.stream) {
      this.stream.destroy();
      this.stream = createWriteStream(this.file, { flags: 'w', encoding: 'utf8' });
    }
  }

  /** The cell finished: the last line goes to the file too. Resolves when the file is complete. */
  end(): Promise<void> {
    const stream = this.stream;
    if (!stream) return Promise.resolve();
    this.write(this.text.text());
    this.text = new StreamText();
    return new Promise((resolve) => stream.end(resolve));
  }

  dispose(): void {
    this.stream?.destroy();
    rmSync(this.file, { force: true });
  }

  private write(text: string): void {
    if (text) this.stream?.write(text);
  }
}

/**
 * Full outputs of cut cells, one temporary file per cell, in a folder of this extension host (removed when it ends;
 * folders of hosts that died are removed at the next activation). Offers "Show full output" in the status bar of
 * each cut cell.
 */
export class FullOutputs implements vscode.Disposable {
  private readonly dir = path.join(tmpdir(), `${DIR_PREFIX}${process.pid}`);
  private readonly recorders = new Map<string, CellTextRecorder>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  private counter = 0;

  constructor(log: vscode.LogOutputChannel) {
    removeDeadHostsFolders();
    this.disposables.push(
      this.changed,
      vscode.notebooks.registerNotebookCellStatusBarItemProvider(Notebooks.type, {
        onDidChangeCellStatusBarItems: this.changed.event,
        provideCellStatusBarItems: (cell) => this.statusItems(cell),
      }),
      registerCommand(Commands.showFullOutput, 'Show full output', log, (arg?: unknown) => this.show(arg)),
    );
  }

  /** A cell starts running: its previous full output goes. */
  begin(cellKey: string): CellTextRecorder {
    this.recorders.get(cellKey)?.dispose();
    mkdirSync(this.dir, { recursive: true });
    const recorder = new CellTextRecorder(path.join(this.dir, `cell-${++this.counter}.txt`));
    this.recorders.set(cellKey, recorder);
    return recorder;
  }

  /** The cell's output was cut: keep its full text on disk and offer it. */
  spill(recorder: CellTextRecorder): void {
    if (recorder.spilled) return;
    recorder.spill();
    this.changed.fire();
  }

  /** The file holding a cell's full output, when it was cut in this window. */
  fileOf(cellKey: string): string | undefined {
    const r = this.recorders.get(cellKey);
    return r?.spilled ? r.file : undefined;
  }

  dispose(): void {
    this.recorders.forEach((r) => r.dispose());
    this.recorders.clear();
    this.disposables.forEach((d) => d.dispose());
    rmSync(this.dir, { recursive: true, force: true });
  }

  private statusItems(cell: vscode.NotebookCell): vscode.NotebookCellStatusBarItem[] {
    const cut = cell.outputs.map((o) => noteCut(o)).find((c) => c !== undefined);
    if (!cut) return [];
    const available = this.fileOf(cell.document.uri.toString()) !== undefined;
    const item = new vscode.NotebookCellStatusBarItem(`$(output) Show full output`, vscode.NotebookCellStatusBarAlignment.Left);
    item.command = { title: 'Show Full Output', command: Commands.showFullOutput, arguments: [cell.document.uri] };
    item.tooltip = available
      ? `This cell's output was cut at ${formatBytes(cut.limitBytes)} (berth.output.maxBytes); open the whole text in an editor.`
      : 'The full output was kept only while the window that ran the cell was open. Run the cell again to see it.';
    return [item];
  }

  private async show(arg?: unknown): Promise<void> {
    const cellUri = arg instanceof vscode.Uri ? arg : activeCellUri();
    const file = cellUri && this.fileOf(cellUri.toString());
    if (!file) {
      void vscode.window.showInformationMessage('Berth: this cell has no full output in this window. Run the cell again to keep it.');
      return;
    }
    await this.recorders.get(cellUri.toString())?.end();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  }
}

function noteCut(output: vscode.NotebookCellOutput): { limitBytes: number } | undefined {
  const meta = output.metadata as { metadata?: Record<string, unknown> } | undefined;
  return meta?.metadata ? cutOf({ kind: 'display', outputType: 'display_data', data: {}, metadata: meta.metadata }) : undefined;
}

function activeCellUri(): vscode.Uri | undefined {
  const editor = vscode.window.activeNotebookEditor;
  const index = editor?.selection.start;
  return editor && index !== undefined && index < editor.notebook.cellCount ? editor.notebook.cellAt(index).document.uri : undefined;
}

/** Folders of extension hosts that are gone (crashed, killed): nobody will show them again. */
function removeDeadHostsFolders(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const pid = Number(name.slice(DIR_PREFIX.length));
    if (Number.isInteger(pid) && pid !== process.pid && !pidAlive(pid)) rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
  }
}
