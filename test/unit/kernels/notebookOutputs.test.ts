import { strict as assert } from 'assert';
import type { CellOutput, OutputAction } from '../../../src/core/kernels/api';
import { resolveControlChars } from '../../../src/core/kernels/streamText';
import { cutOf, formatBytes, NotebookOutputs, type OutputChange } from '../../../src/core/kernels/notebookOutputs';

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

describe('NotebookOutputs with a stream limit (berth.output.maxBytes, --max-output-bytes)', () => {
  const limited = (maxStreamBytes: number) => new NotebookOutputs({ limits: { maxStreamBytes, describeCut: (cut, limit) => `cut ${cut} of limit ${limit}` } });
  const stream = (text: string, name: 'stdout' | 'stderr' = 'stdout'): CellOutput => ({ kind: 'stream', name, text });

  it('keeps everything under the limit', () => {
    const nb = limited(10);
    nb.apply('c', out('stdout', '0123456789'));
    assert.deepEqual(nb.outputs('c'), [stream('0123456789')]);
  });

  it('cuts at the last whole line that fits and adds a note with the bytes cut', () => {
    const nb = limited(10);
    nb.apply('c', out('stdout', 'abc\ndefg\nhijkl\n'));
    const [kept, note] = nb.outputs('c');
    assert.deepEqual(kept, stream('abc\ndefg\n'));
    assert.ok(note.kind === 'display');
    assert.equal(note.data['text/plain'], 'cut 6 of limit 10');
    assert.deepEqual(cutOf(note), { cutBytes: 6, limitBytes: 10 });
  });

  it('cuts before a line that does not fit when whole lines were kept', () => {
    const nb = limited(6);
    nb.apply('c', out('stdout', 'ab\n'));
    nb.apply('c', out('stdout', 'cdefgh\n'));
    assert.deepEqual(nb.outputs('c')[0], stream('ab\n'));
    assert.deepEqual(cutOf(nb.outputs('c')[1]), { cutBytes: 7, limitBytes: 6 });
  });

  it('cuts inside a line when the first line alone is too long', () => {
    const nb = limited(4);
    nb.apply('c', out('stdout', 'abcdefgh'));
    assert.deepEqual(nb.outputs('c')[0], stream('abcd'));
    assert.deepEqual(cutOf(nb.outputs('c')[1]), { cutBytes: 4, limitBytes: 4 });
  });

  it('counts UTF-8 bytes and never splits a character', () => {
    const nb = limited(5);
    nb.apply('c', out('stdout', 'ééé'));
    assert.deepEqual(nb.outputs('c')[0], stream('éé'));
    assert.deepEqual(cutOf(nb.outputs('c')[1]), { cutBytes: 2, limitBytes: 5 });
  });

  it('counts every later stream chunk, of either stream, into the one note', () => {
    const nb = limited(3);
    nb.apply('c', out('stdout', 'abcd'));
    nb.apply('c', out('stderr', 'ef'));
    nb.apply('c', out('stdout', 'g'));
    assert.equal(nb.outputs('c').length, 2);
    assert.deepEqual(cutOf(nb.outputs('c')[1]), { cutBytes: 4, limitBytes: 3 });
  });

  it('still shows displays and errors after the cut, after the note', () => {
    const nb = limited(2);
    nb.apply('c', out('stdout', 'abc'));
    nb.apply('c', append(display({ 'text/plain': 'x' })));
    nb.apply('c', append(error));
    assert.deepEqual(nb.outputs('c').map((o) => (cutOf(o) ? 'note' : o.kind)), ['stream', 'note', 'display', 'error']);
  });

  it('a clear starts the budget again', () => {
    const nb = limited(3);
    nb.apply('c', out('stdout', 'abcdef'));
    nb.apply('c', { type: 'clear', wait: false });
    nb.apply('c', out('stdout', 'xyz'));
    assert.deepEqual(nb.outputs('c'), [stream('xyz')]);
  });

  it('limits each cell on its own', () => {
    const nb = limited(3);
    nb.apply('a', out('stdout', 'abc'));
    nb.apply('b', out('stdout', 'abc'));
    assert.deepEqual([nb.outputs('a'), nb.outputs('b')], [[stream('abc')], [stream('abc')]]);
  });

  it('0 means no limit', () => {
    const nb = limited(0);
    nb.apply('c', out('stdout', 'x'.repeat(100_000)));
    assert.deepEqual(nb.outputs('c'), [stream('x'.repeat(100_000))]);
  });

  it('says sizes the way people read them', () => {
    assert.deepEqual([formatBytes(512), formatBytes(2048), formatBytes(10 * 1024 * 1024), formatBytes(150 * 1024 * 1024)], ['512 B', '2.0 KB', '10.0 MB', '150 MB']);
  });
});

describe('NotebookOutputs.takeChanges (what the VS Code client posts)', () => {
  let nb: NotebookOutputs;
  beforeEach(() => (nb = new NotebookOutputs({ trackChanges: true, limits: { maxStreamBytes: 8 } })));
  const stream = (text: string): CellOutput => ({ kind: 'stream', name: 'stdout', text });

  /** Applies changes the way a client does, to check that a client that follows them ends where the model is. */
  function follow(shown: CellOutput[], changes: OutputChange[]): CellOutput[] {
    let result = [...shown];
    for (const c of changes) {
      if (c.type === 'replace') result = [...c.outputs];
      else if (c.type === 'append') result.push(...c.outputs);
      else if (c.type === 'set') result[c.index] = c.output;
      else {
        const s = result[c.index];
        assert.ok(s.kind === 'stream');
        result[c.index] = { ...s, text: resolveControlChars(s.text + c.text) };
      }
    }
    return result;
  }

  it('sends a new output once, then only the text appended to it', () => {
    nb.reset('c');
    nb.apply('c', out('stdout', 'a'));
    assert.deepEqual(nb.takeChanges('c'), [{ type: 'append', outputs: [stream('a')] }]);
    nb.apply('c', out('stdout', 'b'));
    nb.apply('c', out('stdout', 'c'));
    assert.deepEqual(nb.takeChanges('c'), [{ type: 'append-text', index: 0, text: 'bc' }]);
    assert.deepEqual(nb.takeChanges('c'), []);
  });

  it('sends many new outputs in one append', () => {
    nb.reset('c');
    for (let i = 0; i < 5; i++) nb.apply('c', append(display({ 'text/plain': String(i) })));
    const changes = nb.takeChanges('c');
    assert.equal(changes.length, 1);
    assert.equal(changes[0].type === 'append' && changes[0].outputs.length, 5);
  });

  it('replaces everything after a clear', () => {
    nb.reset('c');
    nb.apply('c', out('stdout', 'a'));
    nb.takeChanges('c');
    nb.apply('c', { type: 'clear', wait: true });
    nb.apply('c', out('stdout', 'b'));
    assert.deepEqual(nb.takeChanges('c'), [{ type: 'replace', outputs: [stream('b')] }]);
  });

  it('sets a display updated in place, and the note as its count grows', () => {
    nb.reset('c');
    nb.apply('c', append(display({ 'text/plain': 'v1' }, 'd')));
    nb.apply('c', out('stdout', '123456789'));
    const first = nb.takeChanges('c');
    nb.apply('x', { type: 'update-display', displayId: 'd', output: display({ 'text/plain': 'v2' }, 'd') });
    nb.apply('c', out('stdout', 'more'));
    const second = nb.takeChanges('c');
    assert.deepEqual(second.map((c) => [c.type, c.type === 'set' ? c.index : -1]), [['set', 0], ['set', 2]]);
    const shown = follow(follow([], first), second);
    assert.deepEqual(shown, nb.outputs('c'));
    // A live note says its count in its text; its metadata (kept as first written by VS Code) names the limit only.
    assert.deepEqual(cutOf(shown[2]), { limitBytes: 8 });
    assert.match(String(shown[2].kind === 'display' && shown[2].data['text/plain']), /5 B \(5 bytes\) more/);
  });

  it('a client that follows every change ends with the model\'s outputs (random actions)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let run = 0; run < 200; run++) {
      const model = new NotebookOutputs({ trackChanges: true, limits: { maxStreamBytes: run % 2 ? 0 : 12 } });
      model.reset('c');
      let shown: CellOutput[] = [];
      for (let step = 0; step < 30; step++) {
        const r = rnd();
        // A client resolves \r and \b per batch of appended text, the model per message: they agree unless a
        // backspace follows an overwritten segment across messages (Jupyter frontends differ there too).
        const pieces = run % 4 < 2 ? ['a', 'bc\n', 'd\re', '\r'] : ['a', 'bc\n', 'f\bg', '\b'];
        if (r < 0.5) model.apply('c', out(rnd() < 0.7 ? 'stdout' : 'stderr', pieces[Math.floor(rnd() * 4)]));
        else if (r < 0.65) model.apply('c', append(display({ 'text/plain': String(step) }, rnd() < 0.5 ? 'd' : undefined)));
        else if (r < 0.75) model.apply('c', { type: 'update-display', displayId: 'd', output: display({ 'text/plain': `u${step}` }, 'd') });
        else if (r < 0.82) model.apply('c', { type: 'clear', wait: rnd() < 0.5 });
        if (rnd() < 0.4) shown = follow(shown, model.takeChanges('c'));
      }
      shown = follow(shown, model.takeChanges('c'));
      const resolve = (os: readonly CellOutput[]) => os.map((o) => (o.kind === 'stream' ? { ...o, text: resolveControlChars(o.text) } : o));
      assert.deepEqual(resolve(shown), resolve(model.outputs('c')), `run ${run}`);
    }
  });
});

