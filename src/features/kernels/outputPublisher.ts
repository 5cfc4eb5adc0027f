import * as vscode from 'vscode';
import { errorMessage } from '../../core/common/errors';
import type { CellOutput } from '../../core/kernels/api';
import type { NotebookOutputs, OutputChange } from '../../core/kernels/notebookOutputs';
import { toNotebookOutput } from '../../core/notebook/outputItems';

/**
 * However fast a kernel writes, a cell's outputs are posted to the notebook at most this often (10 updates a second
 * per cell): every update crosses to the workbench and re-renders the output there, so a flood of IOPub messages
 * must not become a flood of updates. The first change after a pause is posted at once, so a quick cell shows its
 * result without delay.
 */
export const MIN_UPDATE_INTERVAL_MS = 100;

const encoder = new TextEncoder();

export function toVscodeOutput(output: CellOutput): vscode.NotebookCellOutput {
  const { items, metadata } = toNotebookOutput(output);
  return new vscode.NotebookCellOutput(
    items.map((i) => new vscode.NotebookCellOutputItem(i.data, i.mime)),
    metadata as unknown as Record<string, unknown>,
  );
}

/** Calls `run` at most once per MIN_UPDATE_INTERVAL_MS, never while a previous call is still in flight. */
class Throttle {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private wanted = false;
  private last = 0;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  schedule(): void {
    this.wanted = true;
    if (this.timer || this.running) return;
    const wait = Math.max(0, this.last + MIN_UPDATE_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, wait);
  }

  /** Runs whatever is pending now and resolves when every run so far has finished. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.wanted && !this.running) this.kick();
    await this.chain;
    if (this.wanted) await this.flush();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wanted = false;
  }

  private kick(): void {
    this.wanted = false;
    this.running = true;
    this.last = Date.now();
    this.chain = this.chain
      .then(() => this.run())
      .catch((error: unknown) => this.log.warn(`Writing cell outputs failed: ${errorMessage(error)}`))
      .finally(() => {
        this.running = false;
        if (this.wanted) this.schedule();
      });
  }
}

/**
 * Mirrors a running cell's outputs (core's NotebookOutputs, with change tracking) into its VS Code execution, in
 * bounded updates: new outputs are appended, stream text is appended to the stream output it belongs to, and only a
 * clear replaces everything. So a 50 MB print costs each byte once on its way to the workbench, not once per update.
 */
export class CellOutputPublisher {
  private shown: vscode.NotebookCellOutput[] = [];
  private readonly throttle: Throttle;

  constructor(
    private readonly execution: vscode.NotebookCellExecution,
    private readonly key: string,
    private readonly outputs: NotebookOutputs,
    log: vscode.LogOutputChannel,
  ) {
    this.throttle = new Throttle(() => this.post(), log);
  }

  schedule(): void {
    this.throttle.schedule();
  }

  /** Posts what is pending; resolves when the notebook has every output. */
  async finish(): Promise<void> {
    await this.throttle.flush();
  }

  dispose(): void {
    this.throttle.dispose();
  }

  private async post(): Promise<void> {
    for (const change of this.outputs.takeChanges(this.key)) await this.apply(change);
  }

  private async apply(change: OutputChange): Promise<void> {
    switch (change.type) {
      case 'replace':
        this.shown = change.outputs.map(toVscodeOutput);
        await this.execution.replaceOutput(this.shown);
        return;
      case 'append': {
        const added = change.outputs.map(toVscodeOutput);
        this.shown.push(...added);
        await this.execution.appendOutput(added);
        return;
      }
      case 'append-text': {
        const target = this.shown[change.index];
        const mime = target.items[0]?.mime;
        if (mime) await this.execution.appendOutputItems(new vscode.NotebookCellOutputItem(encoder.encode(change.text), mime), target);
        return;
      }
      case 'set': {
        const target = this.shown[change.index];
        const next = toVscodeOutput(change.output);
        if (JSON.stringify(target.metadata) === JSON.stringify(next.metadata)) {
          // Only the items changed (a display's new data, the note's count): swap them in that output alone.
          await this.execution.replaceOutputItems(next.items, target);
        } else {
          this.shown[change.index] = next;
          await this.execution.replaceOutput(this.shown);
        }
        return;
      }
    }
  }
}

/**
 * update_display_data for an output in a cell that is not running: a short execution that only swaps the cell's
 * outputs, throttled per cell like a running cell's updates.
 */
export class IdleCellUpdates implements vscode.Disposable {
  private readonly throttles = new Map<string, Throttle>();

  constructor(
    private readonly outputs: NotebookOutputs,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  schedule(key: string, notebook: vscode.NotebookDocument, controller: vscode.NotebookController): void {
    let throttle = this.throttles.get(key);
    if (!throttle) {
      throttle = new Throttle(() => this.update(key, notebook, controller), this.log);
      this.throttles.set(key, throttle);
    }
    throttle.schedule();
  }

  dispose(): void {
    this.throttles.forEach((t) => t.dispose());
    this.throttles.clear();
  }

  private async update(key: string, notebook: vscode.NotebookDocument, controller: vscode.NotebookController): Promise<void> {
    const cell = notebook.isClosed ? undefined : notebook.getCells().find((c) => c.document.uri.toString() === key);
    if (!cell) return;
    try {
      const execution = controller.createNotebookCellExecution(cell);
      const summary = cell.executionSummary;
      execution.executionOrder = summary?.executionOrder;
      execution.start(summary?.timing?.startTime);
      await execution.replaceOutput(this.outputs.outputs(key).map(toVscodeOutput));
      execution.end(summary?.success, summary?.timing?.endTime);
    } catch (error) {
      this.log.debug(`Display update for cell ${cell.index} skipped: ${errorMessage(error)}`);
    }
  }
}
