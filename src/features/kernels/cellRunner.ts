import * as vscode from 'vscode';
import { errorMessage, isCancellation } from '../../core/common/errors';
import type { KernelChoice } from './kernelChoice';
import type { OutputAction } from '../../core/kernels/api';
import { KernelDiedError, ServerGoneError } from '../../core/kernels/errors';
import { formatBytes, NotebookOutputs } from '../../core/kernels/notebookOutputs';
import type { FullOutputs } from './fullOutputs';
import type { NotebookKernels } from './notebookKernels';
import { CellOutputPublisher, IdleCellUpdates } from './outputPublisher';

/** What the cell shows where its output was cut. */
const describeCut = (cutBytes: number, limitBytes: number) =>
  `Output cut at ${formatBytes(limitBytes)} (berth.output.maxBytes): ${formatBytes(cutBytes)} more (${cutBytes.toLocaleString('en-US')} bytes) not shown. ` +
  `"Show full output" in this cell's status bar opens the whole text.`;

interface Running {
  readonly execution: vscode.NotebookCellExecution;
  readonly publisher: CellOutputPublisher;
  /** The cell's whole stream text, for "Show full output" when the shown output is cut. */
  readonly recorder: ReturnType<FullOutputs['begin']>;
  /** clear_output(wait=True) seen: the recorded text starts again with the next output, as the outputs do. */
  clearPending: boolean;
}

/**
 * Runs cells on a notebook's Berth kernel: queued per notebook and run in order (Run All, or cells started while
 * others run), outputs mirrored from core's NotebookOutputs (clear_output(wait=True), display_id updates across
 * cells, merged streams), input() answered through an input box. A failing cell stops the rest of its batch, as in
 * Jupyter.
 */
export class CellRunner implements vscode.Disposable {
  private readonly outputs = new NotebookOutputs({ trackChanges: true, limits: { maxStreamBytes: 0, describeCut } });
  private readonly queues = new Map<string, Promise<void>>();
  /** The executing cell's publisher per cell key, so a display update from another cell reuses its execution. */
  private readonly running = new Map<string, Running>();
  private readonly idle: IdleCellUpdates;

  constructor(
    private readonly kernels: NotebookKernels,
    private readonly fullOutputs: FullOutputs,
    /** berth.output.maxBytes for a notebook, read when each cell starts. */
    private readonly maxBytes: (notebook: vscode.NotebookDocument) => number,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.idle = new IdleCellUpdates(this.outputs, log);
  }

  execute(cells: readonly vscode.NotebookCell[], notebook: vscode.NotebookDocument, controller: vscode.NotebookController, source: KernelChoice): void {
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

  private async runBatch(executions: vscode.NotebookCellExecution[], notebook: vscode.NotebookDocument, controller: vscode.NotebookController, source: KernelChoice): Promise<void> {
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

  private async runCell(execution: vscode.NotebookCellExecution, notebook: vscode.NotebookDocument, controller: vscode.NotebookController, source: KernelChoice): Promise<boolean> {
    const cell = execution.cell;
    const key = cell.document.uri.toString();
    execution.start(Date.now());
    await execution.clearOutput();
    this.outputs.reset(key, this.maxBytes(notebook));
    const code = cell.document.getText();
    if (code.trim() === '') {
      execution.end(true, Date.now());
      return true;
    }
    let session;
    try {
      session = await this.kernels.session(notebook, source);
    } catch (error) {
      if (isCancellation(error)) {
        execution.end(undefined);
        return false;
      }
      // Why the kernel did not start (a pod's scheduler or kubelet reason among them): on the cell, and once as a message.
      const message = errorMessage(error);
      await execution.replaceOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name: 'KernelStartFailed', message })])).then(undefined, () => undefined);
      execution.end(false, Date.now());
      this.log.error(error instanceof Error ? error : String(error));
      void vscode.window.showErrorMessage(message, 'Show Log').then((c) => c && this.log.show());
      return false;
    }
    const run: Running = { execution, publisher: new CellOutputPublisher(execution, key, this.outputs, this.log), recorder: this.fullOutputs.begin(key), clearPending: false };
    this.running.set(key, run);
    try {
      const result = await session.execute(code, {
        onAction: (action) => this.apply(run, key, action, notebook, controller),
        onInputRequest: (prompt, password) => askForInput(prompt, password),
      });
      if (result.executionCount !== undefined) execution.executionOrder = result.executionCount;
      await run.publisher.finish();
      execution.end(result.status === 'ok', Date.now());
      return result.status === 'ok';
    } catch (error) {
      // The kernel died or its container went away mid-cell: say so where the user looks, then once more with a Restart.
      const name = error instanceof KernelDiedError ? 'KernelDied' : error instanceof ServerGoneError ? 'ContainerGone' : 'BerthError';
      this.outputs.apply(key, { type: 'append', output: { kind: 'error', ename: name, evalue: errorMessage(error), traceback: [] } });
      run.publisher.schedule();
      await run.publisher.finish();
      execution.end(false, Date.now());
      if (error instanceof KernelDiedError) this.kernels.announceDeath(notebook.uri, 'The kernel died');
      else if (error instanceof ServerGoneError) this.kernels.announceDeath(notebook.uri, "The kernel's container is gone");
      else this.log.error(error instanceof Error ? error : String(error));
      return false;
    } finally {
      run.publisher.dispose();
      void run.recorder.end();
      this.running.delete(key);
    }
  }

  private apply(run: Running, key: string, action: OutputAction, notebook: vscode.NotebookDocument, controller: vscode.NotebookController): void {
    if (action.type === 'execution-count') {
      run.execution.executionOrder = action.count;
      return;
    }
    if (action.type === 'clear') {
      run.clearPending = action.wait;
      if (!action.wait) run.recorder.reset();
    } else if (action.type === 'append') {
      if (run.clearPending) run.recorder.reset();
      run.clearPending = false;
      if (action.output.kind === 'stream') run.recorder.append(action.output.text);
    }
    const changed = this.outputs.apply(key, action);
    if (this.outputs.cutBytes(key) > 0) this.fullOutputs.spill(run.recorder);
    for (const k of changed) {
      const other = this.running.get(k);
      if (other) other.publisher.schedule();
      else this.idle.schedule(k, notebook, controller);
    }
  }

  dispose(): void {
    this.queues.clear();
    this.running.forEach((r) => r.publisher.dispose());
    this.running.clear();
    this.idle.dispose();
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
