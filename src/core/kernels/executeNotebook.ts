// Runs every code cell of a notebook on a kernel session and writes the outputs into the notebook, the
// way `jupyter nbconvert --execute` does: in order, stopping at the first error unless errors are allowed.
import { BerthError, CancelledError } from '../common/errors';
import type { KernelSession } from './api';
import { cellSource, toNbOutput, type Notebook } from './nbformat';
import { NotebookOutputs } from './notebookOutputs';

export interface ExecuteNotebookOptions {
  readonly allowErrors: boolean;
  /** Per-cell limit; the kernel is interrupted when a cell exceeds it. */
  readonly cellTimeoutMs?: number;
  readonly signal: AbortSignal;
  /** Stream text each cell keeps before it is cut with a note (0 or undefined: every byte is kept). */
  readonly maxOutputBytes?: number;
  /** The note that stands for cut text. */
  readonly describeCut?: (cutBytes: number, limitBytes: number) => string;
  /** Called before each code cell runs (1-based index among all cells, for progress). */
  readonly onCell?: (index: number, total: number) => void;
}

export type NotebookRunResult =
  | { readonly kind: 'ok'; readonly cellsRun: number }
  | { readonly kind: 'cell-error'; readonly cellsRun: number; readonly message: string };

export async function executeNotebook(nb: Notebook, session: KernelSession, options: ExecuteNotebookOptions): Promise<NotebookRunResult> {
  const outputs = new NotebookOutputs({ limits: { maxStreamBytes: options.maxOutputBytes ?? 0, describeCut: options.describeCut } });
  const keys = nb.cells.map((_, i) => String(i));
  const written = new Set<number>();
  const flush = () => {
    for (const i of written) {
      nb.cells[i].outputs = outputs.outputs(keys[i]).map(toNbOutput);
    }
  };
  let cellsRun = 0;
  try {
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i];
      if (cell.cell_type !== 'code') {
        continue;
      }
      if (options.signal.aborted) {
        throw new CancelledError();
      }
      options.onCell?.(i + 1, nb.cells.length);
      outputs.reset(keys[i]);
      written.add(i);
      cell.execution_count = null;
      const source = cellSource(cell);
      const result = await runCell(session, source, options, (action) => {
        if (action.type === 'execution-count') {
          cell.execution_count = action.count;
        }
        outputs.apply(keys[i], action);
      });
      cellsRun++;
      if (result.executionCount !== undefined) {
        cell.execution_count = result.executionCount;
      }
      if (result.status !== 'ok') {
        const error = outputs.outputs(keys[i]).find((o) => o.kind === 'error');
        const what = result.timedOut
          ? `did not finish within ${(options.cellTimeoutMs ?? 0) / 1000} s`
          : error?.kind === 'error'
            ? `raised ${error.ename}${error.evalue ? `: ${error.evalue}` : ''}`
            : `ended with status ${result.status}`;
        if (!options.allowErrors) {
          return { kind: 'cell-error', cellsRun, message: `cell ${i + 1} ${what}` };
        }
      }
    }
    return { kind: 'ok', cellsRun };
  } finally {
    flush();
  }
}

async function runCell(
  session: KernelSession,
  code: string,
  options: ExecuteNotebookOptions,
  onAction: Parameters<KernelSession['execute']>[1]['onAction'],
): Promise<{ status: string; executionCount?: number; timedOut: boolean }> {
  const cellAbort = new AbortController();
  // Cancelling the run does not wait for the kernel to honour the interrupt: a cell that catches
  // KeyboardInterrupt or blocks in native code would hold the caller (a Ctrl-C'd CLI) until it ends. The
  // caller shuts the kernel down anyway.
  let cancel!: (error: Error) => void;
  const cancelled = new Promise<never>((_, reject) => (cancel = reject));
  const onOuterAbort = () => {
    cellAbort.abort();
    cancel(new CancelledError());
  };
  options.signal.addEventListener('abort', onOuterAbort, { once: true });
  let timedOut = false;
  const timer = options.cellTimeoutMs
    ? setTimeout(() => {
        timedOut = true;
        cellAbort.abort();
      }, options.cellTimeoutMs)
    : undefined;
  try {
    const execution = session.execute(code, { onAction }, cellAbort.signal, { stopOnError: !options.allowErrors });
    // After a cancel the kernel's late answer (or failure) is of no interest.
    execution.catch(() => undefined);
    const result = await Promise.race([execution, cancelled]);
    if (options.signal.aborted) {
      throw new CancelledError();
    }
    return { ...result, timedOut, status: timedOut && result.status === 'ok' ? 'timeout' : result.status };
  } catch (error) {
    if (error instanceof BerthError || error instanceof CancelledError) {
      throw error;
    }
    throw new BerthError(`The kernel failed while running a cell: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onOuterAbort);
  }
}
