import { strict as assert } from 'assert';
import type { CellOutput } from '../../src/core/kernels/api';
import { encodeMimeValue, ErrorMime, isJsonMime, mimeBundleToItems, StreamMime, toNotebookOutput } from '../../src/core/notebook/outputItems';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
// 1×1 transparent PNG.
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('outputItems', () => {
  it('maps stdout and stderr streams to VS Code stream items', () => {
    const out = toNotebookOutput({ kind: 'stream', name: 'stderr', text: 'oops\n' });
    assert.equal(out.items.length, 1);
    assert.equal(out.items[0].mime, StreamMime.stderr);
    assert.equal(text(out.items[0].data), 'oops\n');
    assert.equal(out.metadata.outputType, 'stream');
    assert.equal(toNotebookOutput({ kind: 'stream', name: 'stdout', text: 'x' }).items[0].mime, StreamMime.stdout);
  });

  it('maps an error to the error item with the traceback as its stack', () => {
    const out = toNotebookOutput({ kind: 'error', ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: ['line 1', 'line 2'] });
    assert.equal(out.items[0].mime, ErrorMime);
    assert.deepEqual(JSON.parse(text(out.items[0].data)), { name: 'ZeroDivisionError', message: 'division by zero', stack: 'line 1\nline 2' });
    assert.equal(out.metadata.outputType, 'error');
  });

  it('gives an error without traceback a one-line stack', () => {
    const out = toNotebookOutput({ kind: 'error', ename: 'KeyboardInterrupt', evalue: '', traceback: [] });
    assert.equal(JSON.parse(text(out.items[0].data)).stack, 'KeyboardInterrupt: ');
  });

  it('decodes base64 images to raw bytes, ignoring line breaks in the base64', () => {
    const [item] = mimeBundleToItems({ 'image/png': `${PNG_B64.slice(0, 20)}\n${PNG_B64.slice(20)}` });
    assert.equal(item.mime, 'image/png');
    assert.deepEqual([...item.data.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const jpeg = encodeMimeValue('image/jpeg', Buffer.from([0xff, 0xd8, 0xff]).toString('base64'));
    assert.deepEqual([...(jpeg ?? [])], [0xff, 0xd8, 0xff]);
  });

  it('keeps svg, html, markdown and latex as UTF-8 text', () => {
    for (const mime of ['image/svg+xml', 'text/html', 'text/markdown', 'text/latex']) {
      assert.equal(text(encodeMimeValue(mime, '<b>é</b>') ?? new Uint8Array()), '<b>é</b>', mime);
    }
  });

  it('joins nbformat multi-line arrays', () => {
    assert.equal(text(encodeMimeValue('text/plain', ['a\n', 'b']) ?? new Uint8Array()), 'a\nb');
  });

  it('serialises JSON objects for application/json and json-ish vendor types', () => {
    assert.deepEqual(JSON.parse(text(encodeMimeValue('application/json', { a: [1, 2] }) ?? new Uint8Array())), { a: [1, 2] });
    assert.deepEqual(JSON.parse(text(encodeMimeValue('application/vnd.vegalite.v5+json', { mark: 'bar' }) ?? new Uint8Array())), { mark: 'bar' });
    assert.equal(isJsonMime('application/vnd.plotly.v1+json'), true);
    assert.equal(isJsonMime('application/geo+json'), true);
    assert.equal(isJsonMime('text/plain'), false);
  });

  it('keeps a JSON value that arrives as a string unchanged', () => {
    assert.equal(text(encodeMimeValue('application/json', '{"a":1}') ?? new Uint8Array()), '{"a":1}');
  });

  it('orders items richest first with text/plain last', () => {
    const items = mimeBundleToItems({ 'text/plain': 'p', 'text/latex': '$x$', 'text/html': '<i>h</i>', 'application/vnd.custom': 'c' });
    assert.deepEqual(items.map((i) => i.mime), ['text/html', 'application/vnd.custom', 'text/latex', 'text/plain']);
  });

  it('drops an image whose value is not text instead of writing garbage', () => {
    assert.deepEqual(mimeBundleToItems({ 'image/png': 42, 'text/plain': '42' }).map((i) => i.mime), ['text/plain']);
  });

  it('records output type, metadata, execution count and display id for the ipynb serializer', () => {
    const out = toNotebookOutput({ kind: 'display', outputType: 'execute_result', data: { 'text/plain': '2' }, metadata: { isolated: true }, executionCount: 3 });
    assert.deepEqual(out.metadata, { outputType: 'execute_result', metadata: { isolated: true }, executionCount: 3 });
    const shown: CellOutput = { kind: 'display', outputType: 'display_data', data: { 'text/plain': 'v1' }, metadata: {}, displayId: 'd1' };
    assert.deepEqual(toNotebookOutput(shown).metadata, { outputType: 'display_data', metadata: {}, transient: { display_id: 'd1' } });
  });
});
