import { strict as assert } from 'assert';
import type { CellOutput, OutputAction } from '../../../src/core/kernels/api';
import { NotebookOutputs } from '../../../src/core/kernels/notebookOutputs';

const out = (name: 'stdout' | 'stderr', text: string): OutputAction => ({ type: 'append', output: { kind: 'stream', name, text } });
const display = (data: Record<string, unknown>, displayId?: string, outputType: 'display_data' | 'execute_result' = 'display_data'): Extract<CellOutput, { kind: 'display' }> => ({
  kind: 'display',
  outputType,
  data,
  metadata: {},
  ...(displayId ? { displayId } : {}),
});
const append = (output: CellOutput): OutputAction => ({ type: 'append', output });
const error: CellOutput = { kind: 'error', ename: 'E', evalue: 'v', traceback: ['t'] };

describe('NotebookOutputs (how a frontend keeps outputs while cells run)', () => {
  let nb: NotebookOutputs;
  beforeEach(() => (nb = new NotebookOutputs()));

  it('has no outputs for a cell that never ran', () => {
    assert.deepEqual(nb.outputs('c1'), []);
  });

  it('appends outputs in order', () => {
    nb.apply('c1', out('stdout', 'a\n'));
    nb.apply('c1', append(error));
    assert.deepEqual(nb.outputs('c1'), [{ kind: 'stream', name: 'stdout', text: 'a\n' }, error]);
  });

  it('reports the running cell as changed by an append', () => {
    assert.deepEqual(nb.apply('c1', out('stdout', 'a')), ['c1']);
  });

  it('merges consecutive chunks of the same stream', () => {
    nb.apply('c1', out('stdout', 'a\n'));
    nb.apply('c1', out('stdout', 'b\n'));
    assert.deepEqual(nb.outputs('c1'), [{ kind: 'stream', name: 'stdout', text: 'a\nb\n' }]);
  });

  it('does not merge stdout into stderr', () => {
    nb.apply('c1', out('stdout', 'a'));
    nb.apply('c1', out('stderr', 'b'));
    assert.equal(nb.outputs('c1').length, 2);
  });

  it('does not merge streams separated by another output', () => {
    nb.apply('c1', out('stdout', 'a'));
    nb.apply('c1', append(display({ 'text/plain': 'x' })));
    nb.apply('c1', out('stdout', 'b'));
    assert.deepEqual(
      nb.outputs('c1').map((o) => o.kind),
      ['stream', 'display', 'stream'],
    );
  });

  it('resolves a carriage return across chunks (progress bars)', () => {
    nb.apply('c1', out('stdout', '10%\r'));
    nb.apply('c1', out('stdout', '20%\r'));
    nb.apply('c1', out('stdout', '100%\n'));
    assert.deepEqual(nb.outputs('c1'), [{ kind: 'stream', name: 'stdout', text: '100%\n' }]);
  });

  it('resolves backspaces within the first chunk too', () => {
    nb.apply('c1', out('stdout', 'ab\bc'));
    assert.deepEqual(nb.outputs('c1'), [{ kind: 'stream', name: 'stdout', text: 'ac' }]);
  });

  it('clears at once without wait', () => {
    nb.apply('c1', out('stdout', 'a'));
    assert.deepEqual(nb.apply('c1', { type: 'clear', wait: false }), ['c1']);
    assert.deepEqual(nb.outputs('c1'), []);
  });

  it('with wait=True keeps the old output until the next one arrives', () => {
    nb.apply('c1', out('stdout', 'old'));
    assert.deepEqual(nb.apply('c1', { type: 'clear', wait: true }), []);
    assert.deepEqual(nb.outputs('c1'), [{ kind: 'stream', name: 'stdout', text: 'old' }]);
    nb.apply('c1', out('stdout', 'new'));
    assert.deepEqual(nb.outputs('c1'), [{ kind: 'stream', name: 'stdout', text: 'new' }]);
  });

  it('with wait=True a new stream chunk does not merge into the cleared one', () => {
    nb.apply('c1', out('stdout', '1'));
    nb.apply('c1', { type: 'clear', wait: true });
    nb.apply('c1', out('stdout', '2'));
    nb.apply('c1', { type: 'clear', wait: true });
    nb.apply('c1', out('stdout', '3'));
    assert.deepEqual(nb.outputs('c1'), [{ kind: 'stream', name: 'stdout', text: '3' }]);
  });

  it('a pending clear followed by a clear without wait clears once and forgets the pending one', () => {
    nb.apply('c1', out('stdout', 'a'));
    nb.apply('c1', { type: 'clear', wait: true });
    nb.apply('c1', { type: 'clear', wait: false });
    nb.apply('c1', out('stdout', 'b'));
    nb.apply('c1', out('stdout', 'c'));
    assert.deepEqual(nb.outputs('c1'), [{ kind: 'stream', name: 'stdout', text: 'bc' }]);
  });

  it('a pending clear that is never followed by output leaves the outputs', () => {
    nb.apply('c1', out('stdout', 'a'));
    nb.apply('c1', { type: 'clear', wait: true });
    assert.equal(nb.outputs('c1').length, 1);
  });

  it('updates a display by id in place, keeping its position', () => {
    nb.apply('c1', append(display({ 'text/plain': 'v1' }, 'd')));
    nb.apply('c1', out('stdout', 'after'));
    nb.apply('c1', { type: 'update-display', displayId: 'd', output: display({ 'text/plain': 'v2' }, 'd') });
    assert.deepEqual(nb.outputs('c1'), [display({ 'text/plain': 'v2' }, 'd'), { kind: 'stream', name: 'stdout', text: 'after' }]);
  });

  it('updates a display in another cell and reports that cell as changed', () => {
    nb.apply('c1', append(display({ 'text/plain': 'v1' }, 'd')));
    const changed = nb.apply('c2', { type: 'update-display', displayId: 'd', output: display({ 'text/plain': 'v2' }, 'd') });
    assert.deepEqual(changed, ['c1']);
    assert.deepEqual(nb.outputs('c1'), [display({ 'text/plain': 'v2' }, 'd')]);
    assert.deepEqual(nb.outputs('c2'), []);
  });

  it('updates every output that shares the display id', () => {
    nb.apply('c1', append(display({ 'text/plain': 'v1' }, 'd')));
    nb.apply('c2', append(display({ 'text/plain': 'v1' }, 'd')));
    const changed = nb.apply('c3', { type: 'update-display', displayId: 'd', output: display({ 'text/plain': 'v2' }, 'd') });
    assert.deepEqual(changed.sort(), ['c1', 'c2']);
  });

  it('an update of an unknown display id changes nothing', () => {
    nb.apply('c1', append(display({ 'text/plain': 'v1' }, 'd')));
    assert.deepEqual(nb.apply('c1', { type: 'update-display', displayId: 'other', output: display({ 'text/plain': 'v2' }, 'other') }), []);
    assert.deepEqual(nb.outputs('c1'), [display({ 'text/plain': 'v1' }, 'd')]);
  });

  it('an update keeps an execute_result an execute_result with its count', () => {
    nb.apply('c1', append({ ...display({ 'text/plain': '1' }, 'd', 'execute_result'), executionCount: 5 }));
    nb.apply('c1', { type: 'update-display', displayId: 'd', output: display({ 'text/plain': '2' }, 'd') });
    assert.deepEqual(nb.outputs('c1'), [{ ...display({ 'text/plain': '2' }, 'd', 'execute_result'), executionCount: 5 }]);
  });

  it('a new display with a known id updates the earlier ones and is appended too', () => {
    nb.apply('c1', append(display({ 'text/plain': 'v1' }, 'd')));
    const changed = nb.apply('c2', append(display({ 'text/plain': 'v2' }, 'd')));
    assert.deepEqual(changed.sort(), ['c1', 'c2']);
    assert.deepEqual(nb.outputs('c1'), [display({ 'text/plain': 'v2' }, 'd')]);
    assert.deepEqual(nb.outputs('c2'), [display({ 'text/plain': 'v2' }, 'd')]);
  });

  it('an update does not trigger a pending clear', () => {
    nb.apply('c1', append(display({ 'text/plain': 'v1' }, 'd')));
    nb.apply('c1', { type: 'clear', wait: true });
    nb.apply('c1', { type: 'update-display', displayId: 'd', output: display({ 'text/plain': 'v2' }, 'd') });
    assert.deepEqual(nb.outputs('c1'), [display({ 'text/plain': 'v2' }, 'd')]);
  });

  it('a cleared display is no longer updated', () => {
    nb.apply('c1', append(display({ 'text/plain': 'v1' }, 'd')));
    nb.apply('c1', { type: 'clear', wait: false });
    assert.deepEqual(nb.apply('c2', { type: 'update-display', displayId: 'd', output: display({ 'text/plain': 'v2' }, 'd') }), []);
  });

  it('reset empties a cell that runs again and drops its pending clear', () => {
    nb.apply('c1', out('stdout', 'a'));
    nb.apply('c1', { type: 'clear', wait: true });
    nb.reset('c1');
    nb.apply('c1', out('stdout', 'b'));
    nb.apply('c1', out('stdout', 'c'));
    assert.deepEqual(nb.outputs('c1'), [{ kind: 'stream', name: 'stdout', text: 'bc' }]);
  });

  it('set seeds outputs (read from disk) whose display ids can be updated', () => {
    nb.set('c1', [display({ 'text/plain': 'v1' }, 'd')]);
    assert.deepEqual(nb.apply('c2', { type: 'update-display', displayId: 'd', output: display({ 'text/plain': 'v2' }, 'd') }), ['c1']);
  });

  it('execution-count and none actions change no outputs', () => {
    assert.deepEqual(nb.apply('c1', { type: 'execution-count', count: 1 }), []);
    assert.deepEqual(nb.apply('c1', { type: 'none' }), []);
    assert.deepEqual(nb.outputs('c1'), []);
  });

  it('returns a snapshot the caller cannot use to corrupt later merges', () => {
    nb.apply('c1', out('stdout', 'a'));
    const before = nb.outputs('c1')[0];
    nb.apply('c1', out('stdout', 'b'));
    assert.deepEqual(before, { kind: 'stream', name: 'stdout', text: 'a' });
  });
});
