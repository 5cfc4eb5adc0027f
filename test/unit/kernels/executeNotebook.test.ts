import { strict as assert } from 'assert';
import { BerthError, CancelledError } from '../../../src/core/common/errors';
import type { ExecuteHandlers, ExecuteResult, KernelSession, OutputAction } from '../../../src/core/kernels/api';
import { executeNotebook } from '../../../src/core/kernels/executeNotebook';
import { parseNotebook, type Notebook } from '../../../src/core/kernels/nbformat';

type Script = (code: string, emit: (a: OutputAction) => void, signal?: AbortSignal) => Promise<ExecuteResult>;

/** A session that runs each cell through a script; the kernel itself is exercised in the integration tier. */
function session(script: Script): KernelSession & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    kernelId: 'k',
    status: 'idle',
    execute: (code: string, h: ExecuteHandlers, signal?: AbortSignal) => {
      ran.push(code);
      return script(code, h.onAction, signal);
    },
  } as unknown as KernelSession & { ran: string[] };
}

function notebook(...cells: [string, string][]): Notebook {
  return parseNotebook(
    JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: cells.map(([t, s], i) => ({ cell_type: t, id: `c${i}`, source: s, metadata: {}, ...(t === 'code' ? { outputs: [{ output_type: 'stream', name: 'stdout', text: 'stale' }], execution_count: 99 } : {}) })) }),
    'n',
  );
}

let count = 0;
const ok: Script = async (code, emit) => {
  count++;
  emit({ type: 'execution-count', count });
  emit({ type: 'append', output: { kind: 'stream', name: 'stdout', text: `${code}\n` } });
  return { status: 'ok', executionCount: count };
};
const signal = () => new AbortController().signal;

describe('executeNotebook (the CLI run loop)', () => {
  beforeEach(() => (count = 0));

  it('runs code cells in order, skipping markdown, and writes outputs and counts', async () => {
    const nb = notebook(['code', 'a'], ['markdown', '# t'], ['code', 'b']);
    const s = session(ok);
    assert.deepEqual(await executeNotebook(nb, s, { allowErrors: false, signal: signal() }), { kind: 'ok', cellsRun: 2 });
    assert.deepEqual(s.ran, ['a', 'b']);
    assert.deepEqual(nb.cells[0].outputs, [{ output_type: 'stream', name: 'stdout', text: 'a\n' }]);
    assert.equal(nb.cells[0].execution_count, 1);
    assert.equal(nb.cells[2].execution_count, 2);
    assert.ok(!('outputs' in nb.cells[1]));
  });

  it('stops at the first error, naming the cell and the exception', async () => {
    const nb = notebook(['code', 'a'], ['code', 'boom'], ['code', 'c']);
    const s = session(async (code, emit) => {
      if (code === 'boom') {
        emit({ type: 'append', output: { kind: 'error', ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: [] } });
        return { status: 'error', executionCount: 2 };
      }
      return ok(code, emit);
    });
    assert.deepEqual(await executeNotebook(nb, s, { allowErrors: false, signal: signal() }), { kind: 'cell-error', cellsRun: 2, message: 'cell 2 raised ZeroDivisionError: division by zero' });
    assert.deepEqual(s.ran, ['a', 'boom']);
    assert.deepEqual(nb.cells[1].outputs, [{ output_type: 'error', ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: [] }]);
    assert.deepEqual(nb.cells[2].outputs, [{ output_type: 'stream', name: 'stdout', text: 'stale' }], 'a cell that never ran keeps what it had');
  });

  it('with allowErrors runs every cell and reports ok', async () => {
    const nb = notebook(['code', 'boom'], ['code', 'b']);
    const s = session(async (code, emit) => (code === 'boom' ? { status: 'error' } : ok(code, emit)));
    assert.deepEqual(await executeNotebook(nb, s, { allowErrors: true, signal: signal() }), { kind: 'ok', cellsRun: 2 });
    assert.deepEqual(s.ran, ['boom', 'b']);
  });

  it('interrupts a cell that runs past the timeout and reports it', async () => {
    const nb = notebook(['code', 'while True: pass']);
    const s = session(
      (_code, _emit, sig) =>
        new Promise((resolve) => sig?.addEventListener('abort', () => resolve({ status: 'error', executionCount: 1 }))),
    );
    const r = await executeNotebook(nb, s, { allowErrors: false, cellTimeoutMs: 20, signal: signal() });
    assert.deepEqual(r, { kind: 'cell-error', cellsRun: 1, message: 'cell 1 did not finish within 0.02 s' });
  });

  it('applies display updates to earlier cells', async () => {
    const nb = notebook(['code', 'show'], ['code', 'update']);
    const s = session(async (code, emit) => {
      const output = { kind: 'display' as const, outputType: 'display_data' as const, data: { 'text/plain': code }, metadata: {}, displayId: 'd' };
      emit(code === 'show' ? { type: 'append', output } : { type: 'update-display', displayId: 'd', output });
      return { status: 'ok' };
    });
    await executeNotebook(nb, s, { allowErrors: false, signal: signal() });
    assert.deepEqual(nb.cells[0].outputs, [{ output_type: 'display_data', data: { 'text/plain': 'update' }, metadata: {} }]);
    assert.deepEqual(nb.cells[1].outputs, []);
  });

  it('stops when cancelled and keeps the outputs gathered so far', async () => {
    const abort = new AbortController();
    const nb = notebook(['code', 'a'], ['code', 'b']);
    const s = session(async (code, emit) => {
      const r = await ok(code, emit);
      abort.abort();
      return r;
    });
    await assert.rejects(executeNotebook(nb, s, { allowErrors: false, signal: abort.signal }), CancelledError);
    assert.deepEqual(s.ran, ['a']);
    assert.deepEqual(nb.cells[0].outputs, [{ output_type: 'stream', name: 'stdout', text: 'a\n' }]);
  });

  it('a cancel ends the run at once even when the kernel never honours the interrupt', async () => {
    const abort = new AbortController();
    const nb = notebook(['code', 'a']);
    let interrupted = false;
    const s = session((_code, emit, sig) => {
      emit({ type: 'append', output: { kind: 'stream', name: 'stdout', text: 'started\n' } });
      sig?.addEventListener('abort', () => (interrupted = true));
      queueMicrotask(() => abort.abort());
      return new Promise<ExecuteResult>(() => undefined);
    });
    await assert.rejects(executeNotebook(nb, s, { allowErrors: false, signal: abort.signal }), CancelledError);
    assert.ok(interrupted, 'the kernel was asked to interrupt');
    assert.deepEqual(nb.cells[0].outputs, [{ output_type: 'stream', name: 'stdout', text: 'started\n' }]);
  });

  it('passes a dead kernel on as the BerthError it is', async () => {
    const nb = notebook(['code', 'a']);
    const s = session(async () => Promise.reject(new BerthError('The kernel died')));
    await assert.rejects(executeNotebook(nb, s, { allowErrors: true, signal: signal() }), /The kernel died/);
  });

  it('wraps a library failure in a BerthError', async () => {
    const nb = notebook(['code', 'a']);
    const s = session(async () => Promise.reject(new Error('socket hang up')));
    await assert.rejects(executeNotebook(nb, s, { allowErrors: false, signal: signal() }), (e: unknown) => e instanceof BerthError && /socket hang up/.test(e.message));
  });
});
