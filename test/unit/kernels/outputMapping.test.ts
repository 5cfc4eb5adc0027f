import { strict as assert } from 'assert';
import { toOutputAction } from '../../../src/core/kernels/outputMapping';

const msg = (msgType: string, content: Record<string, unknown>) => toOutputAction({ msgType, content });

describe('toOutputAction (IOPub message → output action)', () => {
  describe('stream', () => {
    it('maps stdout text to a stream output', () => {
      assert.deepEqual(msg('stream', { name: 'stdout', text: 'hi\n' }), { type: 'append', output: { kind: 'stream', name: 'stdout', text: 'hi\n' } });
    });
    it('maps stderr text to a stderr stream output', () => {
      assert.deepEqual(msg('stream', { name: 'stderr', text: 'warn\n' }), { type: 'append', output: { kind: 'stream', name: 'stderr', text: 'warn\n' } });
    });
    it('joins text sent as a list of lines', () => {
      assert.deepEqual(msg('stream', { name: 'stdout', text: ['a\n', 'b'] }), { type: 'append', output: { kind: 'stream', name: 'stdout', text: 'a\nb' } });
    });
    it('keeps an empty chunk (it may carry nothing but is still a valid stream)', () => {
      assert.deepEqual(msg('stream', { name: 'stdout', text: '' }), { type: 'append', output: { kind: 'stream', name: 'stdout', text: '' } });
    });
    it('ignores a stream with an unknown name', () => {
      assert.deepEqual(msg('stream', { name: 'stdin', text: 'x' }), { type: 'none' });
    });
    it('ignores a stream without text', () => {
      assert.deepEqual(msg('stream', { name: 'stdout' }), { type: 'none' });
    });
    it('keeps carriage returns and backspaces for the accumulator to resolve', () => {
      assert.deepEqual(msg('stream', { name: 'stdout', text: '10%\r20%\b' }), { type: 'append', output: { kind: 'stream', name: 'stdout', text: '10%\r20%\b' } });
    });
  });

  describe('execute_result', () => {
    it('carries data, metadata and the execution count', () => {
      assert.deepEqual(msg('execute_result', { data: { 'text/plain': '2' }, metadata: {}, execution_count: 3 }), {
        type: 'append',
        output: { kind: 'display', outputType: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, executionCount: 3 },
      });
    });
    it('omits an execution count that is not a non-negative integer', () => {
      const a = msg('execute_result', { data: { 'text/plain': '2' }, metadata: {}, execution_count: null });
      assert.equal(a.type, 'append');
      assert.ok(a.type === 'append' && a.output.kind === 'display' && !('executionCount' in a.output));
    });
    it('keeps a display id from transient', () => {
      const a = msg('execute_result', { data: { 'text/plain': '2' }, metadata: {}, execution_count: 1, transient: { display_id: 'd1' } });
      assert.ok(a.type === 'append' && a.output.kind === 'display' && a.output.displayId === 'd1');
    });
    it('defaults missing metadata to an empty object', () => {
      const a = msg('execute_result', { data: { 'text/plain': 'x' }, execution_count: 1 });
      assert.ok(a.type === 'append' && a.output.kind === 'display');
      assert.deepEqual(a.type === 'append' && a.output.kind === 'display' && a.output.metadata, {});
    });
  });

  describe('display_data', () => {
    const mimes: Record<string, unknown> = {
      'text/plain': '<IPython.core.display.HTML object>',
      'text/html': '<b>bold</b>',
      'text/markdown': '# Title',
      'text/latex': '$x^2$',
      'image/png': 'iVBORw0KGgo=\n',
      'image/jpeg': '/9j/4AAQ\n',
      'image/svg+xml': '<svg xmlns="http://www.w3.org/2000/svg"/>',
      'application/json': { a: [1, 2], b: { c: null } },
      'application/vnd.plotly.v1+json': { data: [] },
      'application/vnd.custom': 'opaque',
    };
    for (const [mime, value] of Object.entries(mimes)) {
      it(`passes ${mime} through unchanged`, () => {
        const a = msg('display_data', { data: { [mime]: value }, metadata: {} });
        assert.deepEqual(a, { type: 'append', output: { kind: 'display', outputType: 'display_data', data: { [mime]: value }, metadata: {} } });
      });
    }
    it('keeps every MIME type of one bundle together', () => {
      const a = msg('display_data', { data: mimes, metadata: { 'image/png': { width: 10 } } });
      assert.ok(a.type === 'append' && a.output.kind === 'display');
      assert.deepEqual(a.type === 'append' && a.output.kind === 'display' && Object.keys(a.output.data).sort(), Object.keys(mimes).sort());
    });
    it('keeps per-MIME metadata (image sizes)', () => {
      const a = msg('display_data', { data: { 'image/png': 'x' }, metadata: { 'image/png': { width: 10, height: 5 } } });
      assert.deepEqual(a.type === 'append' && a.output.kind === 'display' && a.output.metadata, { 'image/png': { width: 10, height: 5 } });
    });
    it('joins a multiline text value sent as a list of lines', () => {
      const a = msg('display_data', { data: { 'text/html': ['<p>\n', '</p>'] }, metadata: {} });
      assert.deepEqual(a.type === 'append' && a.output.kind === 'display' && a.output.data, { 'text/html': '<p>\n</p>' });
    });
    it('keeps a JSON array value as an array', () => {
      const a = msg('display_data', { data: { 'application/json': [1, 'two'] }, metadata: {} });
      assert.deepEqual(a.type === 'append' && a.output.kind === 'display' && a.output.data, { 'application/json': [1, 'two'] });
    });
    it('records the display id for later updates', () => {
      const a = msg('display_data', { data: { 'text/plain': 'x' }, metadata: {}, transient: { display_id: 'abc' } });
      assert.ok(a.type === 'append' && a.output.kind === 'display' && a.output.displayId === 'abc');
    });
    it('ignores an empty display id', () => {
      const a = msg('display_data', { data: { 'text/plain': 'x' }, metadata: {}, transient: { display_id: '' } });
      assert.ok(a.type === 'append' && a.output.kind === 'display' && !('displayId' in a.output));
    });
    it('never gives a display_data an execution count', () => {
      const a = msg('display_data', { data: { 'text/plain': 'x' }, metadata: {}, execution_count: 4 });
      assert.ok(a.type === 'append' && a.output.kind === 'display' && !('executionCount' in a.output));
    });
    it('ignores a display without a data bundle', () => {
      assert.deepEqual(msg('display_data', { metadata: {} }), { type: 'none' });
      assert.deepEqual(msg('display_data', { data: 'nope', metadata: {} }), { type: 'none' });
    });
  });

  describe('update_display_data', () => {
    it('becomes an update of that display id', () => {
      assert.deepEqual(msg('update_display_data', { data: { 'text/plain': 'v2' }, metadata: {}, transient: { display_id: 'd' } }), {
        type: 'update-display',
        displayId: 'd',
        output: { kind: 'display', outputType: 'display_data', data: { 'text/plain': 'v2' }, metadata: {}, displayId: 'd' },
      });
    });
    it('is ignored without a display id (nothing to update)', () => {
      assert.deepEqual(msg('update_display_data', { data: { 'text/plain': 'v2' }, metadata: {} }), { type: 'none' });
    });
  });

  describe('error', () => {
    it('carries ename, evalue and the traceback lines', () => {
      assert.deepEqual(msg('error', { ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: ['\u001b[0;31mTraceback', 'line 2'] }), {
        type: 'append',
        output: { kind: 'error', ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: ['\u001b[0;31mTraceback', 'line 2'] },
      });
    });
    it('fills in what a kernel left out', () => {
      assert.deepEqual(msg('error', {}), { type: 'append', output: { kind: 'error', ename: 'Error', evalue: '', traceback: [] } });
    });
    it('drops traceback entries that are not strings', () => {
      const a = msg('error', { ename: 'E', evalue: 'v', traceback: ['ok', 3, null] });
      assert.deepEqual(a.type === 'append' && a.output.kind === 'error' && a.output.traceback, ['ok']);
    });
  });

  describe('clear_output', () => {
    it('clears now without wait', () => {
      assert.deepEqual(msg('clear_output', { wait: false }), { type: 'clear', wait: false });
    });
    it('defers the clear with wait=True', () => {
      assert.deepEqual(msg('clear_output', { wait: true }), { type: 'clear', wait: true });
    });
    it('treats a missing wait as false', () => {
      assert.deepEqual(msg('clear_output', {}), { type: 'clear', wait: false });
    });
  });

  describe('execute_input and the rest', () => {
    it('turns execute_input into the execution count', () => {
      assert.deepEqual(msg('execute_input', { code: '1+1', execution_count: 7 }), { type: 'execution-count', count: 7 });
    });
    it('ignores an execute_input without a count', () => {
      assert.deepEqual(msg('execute_input', { code: '1+1' }), { type: 'none' });
    });
    for (const t of ['status', 'comm_open', 'comm_msg', 'comm_close', 'shutdown_reply', 'debug_event', 'unknown_type']) {
      it(`ignores ${t}`, () => {
        assert.deepEqual(msg(t, { execution_state: 'busy' }), { type: 'none' });
      });
    }
  });
});
