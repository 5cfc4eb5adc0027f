import { strict as assert } from 'assert';
import { BerthError } from '../../../src/core/common/errors';
import type { CellOutput } from '../../../src/core/kernels/api';
import { cellSource, fromNbOutput, parseNotebook, serializeNotebook, splitLines, toNbOutput } from '../../../src/core/kernels/nbformat';

const minimal = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'python3' } }, cells: [{ cell_type: 'code', id: 'a', source: ['x = 1\n', 'x'], metadata: {}, outputs: [], execution_count: null }], ...extra });

describe('nbformat helpers', () => {
  describe('parseNotebook', () => {
    it('reads an nbformat 4 notebook', () => {
      const nb = parseNotebook(minimal(), 'n.ipynb');
      assert.equal(nb.cells.length, 1);
      assert.equal(cellSource(nb.cells[0]), 'x = 1\nx');
    });
    it('rejects text that is not JSON, naming the file', () => {
      assert.throws(() => parseNotebook('{"cells": [', 'bad.ipynb'), (e: unknown) => e instanceof BerthError && /bad\.ipynb is not a notebook: not valid JSON/.test(e.message));
    });
    it('rejects JSON that is not an object', () => {
      assert.throws(() => parseNotebook('[1,2]', 'n.ipynb'), /expected a JSON object/);
    });
    it('rejects nbformat 3 with the conversion command', () => {
      assert.throws(() => parseNotebook(minimal({ nbformat: 3 }), 'old.ipynb'), /nbformat 3.*jupyter nbconvert --to notebook old\.ipynb/);
    });
    it('rejects a file without an nbformat version', () => {
      assert.throws(() => parseNotebook('{"cells": []}', 'n.ipynb'), /no nbformat version/);
    });
    it('rejects a notebook without cells', () => {
      assert.throws(() => parseNotebook('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', 'n.ipynb'), /no "cells" list/);
    });
    it('rejects a cell without a source, saying which', () => {
      assert.throws(() => parseNotebook('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": "", "metadata": {}}, {"cell_type": "code"}]}', 'n.ipynb'), /cell 2/);
    });
    it('fills in missing metadata so writers can rely on it', () => {
      const nb = parseNotebook('{"nbformat": 4, "cells": [{"cell_type": "markdown", "source": "# t"}]}', 'n.ipynb');
      assert.deepEqual(nb.metadata, {});
      assert.deepEqual(nb.cells[0].metadata, {});
      assert.equal(nb.nbformat_minor, 4);
    });
  });

  describe('serializeNotebook', () => {
    it('writes like nbformat: sorted keys, one-space indent, trailing newline', () => {
      const text = serializeNotebook(parseNotebook('{"nbformat": 4, "nbformat_minor": 5, "metadata": {"z": 1, "a": 2}, "cells": []}', 'n'));
      assert.equal(text, '{\n "cells": [],\n "metadata": {\n  "a": 2,\n  "z": 1\n },\n "nbformat": 4,\n "nbformat_minor": 5\n}\n');
    });
    it('leaves base64 images as one string and splits SVG, as nbformat does', () => {
      const nb = parseNotebook(minimal(), 'n');
      nb.cells[0].outputs = [{ output_type: 'display_data', data: { 'image/png': 'AAAA\n', 'image/jpeg': '/9j/\n', 'image/svg+xml': '<svg>\n</svg>', 'application/javascript': 'a;\nb;' }, metadata: {} }];
      const data = JSON.parse(serializeNotebook(nb)).cells[0].outputs[0].data;
      assert.deepEqual(data, { 'application/javascript': ['a;\n', 'b;'], 'image/jpeg': '/9j/\n', 'image/png': 'AAAA\n', 'image/svg+xml': ['<svg>\n', '</svg>'] });
    });
    it('splits source and text outputs into lines, leaving JSON outputs alone', () => {
      const nb = parseNotebook(minimal(), 'n');
      nb.cells[0].outputs = [
        { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
        { output_type: 'display_data', data: { 'text/html': '<p>\n</p>', 'application/json': { k: 'a\nb' } }, metadata: {} },
      ];
      const back = JSON.parse(serializeNotebook(nb));
      assert.deepEqual(back.cells[0].source, ['x = 1\n', 'x']);
      assert.deepEqual(back.cells[0].outputs[0].text, ['a\n', 'b\n']);
      assert.deepEqual(back.cells[0].outputs[1].data['text/html'], ['<p>\n', '</p>']);
      assert.deepEqual(back.cells[0].outputs[1].data['application/json'], { k: 'a\nb' });
    });
    it('keeps unknown fields and all metadata through a round trip', () => {
      const text = minimal({ metadata: { berth: { image: 'x' }, custom: [1] }, extra_top: true });
      const nb = parseNotebook(text, 'n');
      nb.cells[0].metadata = { tags: ['t'], collapsed: true };
      const back = JSON.parse(serializeNotebook(nb));
      assert.deepEqual(back.metadata, { berth: { image: 'x' }, custom: [1] });
      assert.equal(back.extra_top, true);
      assert.deepEqual(back.cells[0].metadata, { collapsed: true, tags: ['t'] });
      assert.equal(back.cells[0].id, 'a');
    });
    it('writes non-ASCII text as is (ensure_ascii=False)', () => {
      const nb = parseNotebook(minimal(), 'n');
      nb.cells[0].source = 'print("héllo ✓")';
      assert.ok(serializeNotebook(nb).includes('héllo ✓'));
    });
  });

  describe('splitLines', () => {
    it('keeps line ends', () => assert.deepEqual(splitLines('a\nb\n'), ['a\n', 'b\n']));
    it('keeps a last line without a newline', () => assert.deepEqual(splitLines('a\nb'), ['a\n', 'b']));
    it('gives nothing for the empty string', () => assert.deepEqual(splitLines(''), []));
    it('keeps empty lines', () => assert.deepEqual(splitLines('\n\n'), ['\n', '\n']));
    it('splits at \r\n, \r and the other line breaks Python knows', () => assert.deepEqual(splitLines('a\r\nb\rc\u2028d'), ['a\r\n', 'b\r', 'c\u2028', 'd']));
  });

  describe('toNbOutput / fromNbOutput', () => {
    const outputs: CellOutput[] = [
      { kind: 'stream', name: 'stdout', text: 'a\n' },
      { kind: 'stream', name: 'stderr', text: 'e\n' },
      { kind: 'display', outputType: 'display_data', data: { 'text/plain': 'x', 'image/png': 'AAAA\n' }, metadata: { 'image/png': { width: 2 } } },
      { kind: 'display', outputType: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, executionCount: 3 },
      { kind: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['l1', 'l2'] },
    ];
    for (const o of outputs) {
      it(`round-trips ${o.kind}${o.kind === 'display' ? ` (${o.outputType})` : ''}`, () => {
        assert.deepEqual(fromNbOutput(toNbOutput(o)), o);
      });
    }
    it('writes the nbformat field names', () => {
      assert.deepEqual(toNbOutput(outputs[3]), { output_type: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, execution_count: 3 });
      assert.deepEqual(toNbOutput(outputs[2]), { output_type: 'display_data', data: outputs[2].kind === 'display' ? outputs[2].data : {}, metadata: { 'image/png': { width: 2 } } });
    });
    it('drops the display id (transient, not part of nbformat)', () => {
      assert.ok(!('transient' in toNbOutput({ kind: 'display', outputType: 'display_data', data: {}, metadata: {}, displayId: 'd' })));
    });
    it('writes a null execution count when there is none', () => {
      assert.equal(toNbOutput({ kind: 'display', outputType: 'execute_result', data: {}, metadata: {} }).execution_count, null);
    });
    it('reads outputs whose text is a list of lines', () => {
      assert.deepEqual(fromNbOutput({ output_type: 'stream', name: 'stdout', text: ['a\n', 'b'] }), { kind: 'stream', name: 'stdout', text: 'a\nb' });
      assert.deepEqual(fromNbOutput({ output_type: 'display_data', data: { 'text/plain': ['a\n', 'b'] }, metadata: {} }), { kind: 'display', outputType: 'display_data', data: { 'text/plain': 'a\nb' }, metadata: {} });
    });
    it('ignores unknown output types', () => {
      assert.equal(fromNbOutput({ output_type: 'pyout' }), undefined);
      assert.equal(fromNbOutput('nope'), undefined);
    });
  });
});
