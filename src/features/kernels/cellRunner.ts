import * as vscode from 'vscode';
import { errorMessage, isCancellation } from '../../core/common/errors';
import type { KernelSource } from '../../core/images/imageProbes';
import type { CellOutput, OutputAction } from '../../core/kernels/api';
import { KernelDiedError, ServerGoneError } from '../../core/kernels/errors';
import { NotebookOutputs } from '../../core/kernels/notebookOutputs';
import { toNotebookOutput } from '../../core/notebook/outputItems';
import type { NotebookKernels } from './notebookKernels';

export function toVscodeOutput(output: CellOutput): vscode.NotebookCellOutput {
  const { items, metadata } = toNotebookOutput(output);
  return new vscode.NotebookCellOutput(
    items.map((i) => new vscode.NotebookCellOutputItem(i.data, i.mime)),
    metadata as unknown as Record<string, unknown>,
  );
}

/**
 * Writes a cell's outputs to VS Code. Writes are serialised and coalesced: while one is in flight, further
 * changes collapse into a single write of the latest outputs (a chatty loop costs one write per round trip).
 */
class OutputWriter {
  private chain: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(
    private readonly write: (outputs: vscode.NotebookCellOutput[]) => Thenable<void>,
    private readonly current: () => readonly CellOutput[],
    private readonly log: vscode.LogOutputChannel,
  ) {}

  schedule(): void {
    if (this.queued) return;
    this.queued = true;
    this.chain = this.chain.then(async () => {
      this.queued = false;
      await this.write(this.current().map(toVscodeOutput));
    }).catch((error: unknown) => this.log.warn(`Writing cell outputs failed: ${errorMessage(error)}`));
  }

  flush(): Promise<void> {
    return this.chain;
  }
}

/**
 * Runs cells on a notebook's Berth kernel: queued per notebook and run in order (Run All, or cells started while
 * others run), outputs mirrored from core's NotebookOutputs (clear_output(wait=True), display_id updates across
 * cells, merged streams), input() answered through an input box. A failing cell stops the rest of its batch, as in
 * Jupyter.
 */
export class CellRunner implements vscode.Disposable {
  private readonly outputs = new NotebookOutputs();
  private readonly queues = new Map<string, Promise<void>>();
  /** The executing cell's writer per cell key, so a display update from another cell reuses its execution. */
  private readonly writers = new Map<string, OutputWriter>();

  constructor(
    private readonly kernels: NotebookKernels,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  execute(cells: readonly vscode.NotebookCell[], notebook: vscode.NotebookDocument, controller: vscode.NotebookController, source: KernelSource): void {
    const executions: vscode.NotebookCellExecution[] = [];
    for (const cell of cells) {
      try {
        executions.push(controller.createNotebookCellExecution(cell));
      } catch (error) {
        // The cell is already queued or running: VS Code keeps that execution.
        this.log.debug(`Cell ${cell.index} not queued again: ${errorMessage(error)}`);
      }
    }
    const key = notebook.uri.toString();
    const run = (this.queues.get(key) ?? Promise.resolve()).then(() => this.runBatch(executions, notebook, controller, source));
    this.queues.set(key, run.catch((error: unknown) => this.log.error(error instanceof Error ? error : String(error))));
  }

  private async runBatch(executions: vscode.NotebookCellExecution[], notebook: vscode.NotebookDocument, controller: vscode.NotebookController, source: KernelSource): Promise<void> {
    let stopped = false;
    for (const execution of executions) {
      if (stopped || execution.token.isCancellationRequested || notebook.isClosed) {
        execution.start();
        execution.end(undefined);
        continue;
      }
      stopped = !(await this.runCell(execution, notebook, controller, source));
    }
  }

  private async runCell(execution: vscode.NotebookCellExecution, notebook: vscode.NotebookDocument, controller: vscode.NotebookController, source: KernelSource): Promise<boolean> {
    const cell = execution.cell;
    const key = cell.document.uri.toString();
    execution.start(Date.now());
    await execution.clearOutput();
    this.outputs.reset(key);
    const code = cell.document.getText();
    if (code.trim() === '') {
      execution.end(true, Date.now());
      return true;
    }
    let session;
    try {
      session = await this.kernels.session(notebook, source);
    } catch (error) {
      execution.end(undefined);
      if (!isCancellation(error)) {
        this.log.error(error instanceof Error ? error : String(error));
        void vscode.window.showErrorMessage(errorMessage(error), 'Show Log').then((c) => c && this.log.show());
      }
      return false;
    }
    const writer = new OutputWriter((o) => execution.replaceOutput(o), () => this.outputs.outputs(key), this.log);
    this.writers.set(key, writer);
    try {
      const result = await session.execute(code, {
        onAction: (action) => this.apply(execution, key, action, notebook, controller),
        onInputRequest: (prompt, password) => askForInput(prompt, password),
      });
      if (result.executionCount !== undefined) execution.executionOrder = result.executionCount;
      await writer.flush();
      execution.end(result.status === 'ok', Date.now());
      return result.status === 'ok';
    } catch (error) {
      // The kernel died or its container went away mid-cell: say so where the user looks, then once more with a Restart.
      const name = error instanceof KernelDiedError ? 'KernelDied' : error instanceof ServerGoneError ? 'ContainerGone' : 'BerthError';
      this.outputs.apply(key, { type: 'append', output: { kind: 'error', ename: name, evalue: errorMessage(error), traceback: [] } });
      writer.schedule();
      await writer.flush();
      execution.end(false, Date.now());
      if (error instanceof KernelDiedError) this.kernels.announceDeath(notebook.uri, 'The kernel died');
      else if (error instanceof ServerGoneError) this.kernels.announceDeath(notebook.uri, "The kernel's container is gone");
      else this.log.error(error instanceof Error ? error : String(error));
      return false;
    } finally {
      this.writers.delete(key);
    }
  }

  private apply(execution: vscode.NotebookCellExecution, key: string, action: OutputAction, notebook: vscode.NotebookDocument, controller: vscode.NotebookController): void {
    if (action.type === 'execution-count') {
      execution.executionOrder = action.count;
      return;
    }
    for (const changed of this.outputs.apply(key, action)) {
      const writer = this.writers.get(changed);
      if (writer) writer.schedule();
      else void this.updateIdleCell(changed, notebook, controller);
    }
  }

  /** update_display_data for an output in a cell that is not running: a short execution that only swaps outputs. */
  private async updateIdleCell(key: string, notebook: vscode.NotebookDocument, controller: vscode.NotebookController): Promise<void> {
    const cell = notebook.getCells().find((c) => c.document.uri.toString() === key);
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

  dispose(): void {
    this.queues.clear();
    this.writers.clear();
  }
}

async function askForInput(prompt: string, password: boolean): Promise<string> {
  const value = await vscode.window.showInputBox({
    title: password ? 'The kernel asks for a password' : 'The kernel asks for input',
    prompt: prompt || undefined,
    password,
    ignoreFocusOut: true,
  });
  return value ?? '';
}
