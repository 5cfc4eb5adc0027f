import { strict as assert } from 'assert';
import { launchError } from '../../../src/adapters/docker/dockerErrors';
import { BerthError, EngineUnreachableError } from '../../../src/core/common/errors';

const dockerode = (statusCode: number, message: string) => Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });

describe('launchError (dockerode failure → message a user can act on)', () => {
  it('turns a missing socket into EngineUnreachableError naming the address', () => {
    const e = launchError(Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }), 'unix:///var/run/docker.sock', 'create the kernel container');
    assert.ok(e instanceof EngineUnreachableError);
    assert.equal(e.address, 'unix:///var/run/docker.sock');
  });
  it('turns a refused TCP connection into EngineUnreachableError', () => {
    assert.ok(launchError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'tcp://127.0.0.1:2375', 'x') instanceof EngineUnreachableError);
  });
  it('says a host port is taken', () => {
    const e = launchError(dockerode(500, 'driver failed programming external connectivity: Bind for 127.0.0.1:8888 failed: port is already allocated'), 'a', 'start the kernel container');
    assert.ok(e instanceof BerthError);
    assert.match(e.message, /^Could not start the kernel container: a host port is already taken \(.*port is already allocated\)\. Free the port or retry\.$/);
  });
  it("uses the engine's own message, not dockerode's framing", () => {
    const e = launchError(dockerode(500, 'invalid mount config for type "bind": bind source path does not exist: /nope'), 'a', 'create the kernel container');
    assert.equal(e.message, 'Could not create the kernel container: invalid mount config for type "bind": bind source path does not exist: /nope');
  });
  it('passes BerthErrors and aborts through unchanged', () => {
    const berth = new BerthError('already clear');
    assert.equal(launchError(berth, 'a', 'x'), berth);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    assert.equal(launchError(abort, 'a', 'x'), abort);
  });
});
