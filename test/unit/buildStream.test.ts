// The legacy builder's JSON progress stream → events.
import { strict as assert } from 'assert';
import { BuildStreamParser } from '../../src/core/build/buildStream';

describe('BuildStreamParser', () => {
  it('turns stream messages into log events and recognises steps', () => {
    const events = new BuildStreamParser().push('{"stream":"Step 2/5 : RUN echo hi"}\r\n{"stream":"\\n"}\n{"stream":" ---> Running in abc\\n"}\n');
    assert.deepEqual(events, [
      { kind: 'log', text: 'Step 2/5 : RUN echo hi' },
      { kind: 'step', index: 2, total: 5, instruction: 'RUN echo hi' },
      { kind: 'log', text: '\n' },
      { kind: 'log', text: ' ---> Running in abc\n' },
    ]);
  });
  it('reassembles objects split across chunks', () => {
    const parser = new BuildStreamParser();
    assert.deepEqual(parser.push('{"aux":{"ID":"sha256:'), []);
    assert.deepEqual(parser.push('abc"}}\n{"stre'), [{ kind: 'imageId', id: 'sha256:abc' }]);
    assert.deepEqual(parser.push('am":"x\\n"}'), []);
    assert.deepEqual(parser.end(), [{ kind: 'log', text: 'x\n' }]);
  });
  it('reports errorDetail with its code', () => {
    const events = new BuildStreamParser().push('{"errorDetail":{"code":3,"message":"The command \'/bin/sh -c exit 3\' returned a non-zero code: 3"},"error":"ignored"}\n');
    assert.deepEqual(events, [{ kind: 'error', message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3", code: 3 }]);
  });
  it('falls back to error when there is no errorDetail', () => {
    assert.deepEqual(new BuildStreamParser().push('{"error":"boom"}\n'), [{ kind: 'error', message: 'boom' }]);
  });
  it('logs pull status lines', () => {
    assert.deepEqual(new BuildStreamParser().push('{"status":"Downloading","id":"abc","progress":"[=> ]"}\n'), [{ kind: 'log', text: 'abc: Downloading [=> ]\n' }]);
  });
  it('passes a line that is not JSON through as log text', () => {
    assert.deepEqual(new BuildStreamParser().push('plain text\n'), [{ kind: 'log', text: 'plain text\n' }]);
  });
  it('ignores blank lines', () => {
    assert.deepEqual(new BuildStreamParser().push('\n\r\n'), []);
  });
});
