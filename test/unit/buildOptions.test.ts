// Settings + per-Dockerfile overrides → context folder, Dockerfile path, args and target.
import { strict as assert } from 'assert';
import { resolveBuildOptions } from '../../src/core/build/buildOptions';
import { BerthError } from '../../src/core/common/errors';

const ws = '/ws';

describe('resolveBuildOptions', () => {
  it('uses the Dockerfile folder as context by default', () => {
    assert.deepEqual(resolveBuildOptions({ workspaceFolder: ws, dockerfile: '/ws/app/Dockerfile', settings: {}, overrides: {} }), {
      contextDir: '/ws/app', dockerfileInContext: 'Dockerfile', buildArgs: {},
    });
  });
  it('resolves the context setting against the workspace folder', () => {
    const o = resolveBuildOptions({ workspaceFolder: ws, dockerfile: '/ws/docker/Dockerfile.dev', settings: { context: '.' }, overrides: {} });
    assert.deepEqual([o.contextDir, o.dockerfileInContext], ['/ws', 'docker/Dockerfile.dev']);
  });
  it('lets the override for this Dockerfile win per field and merges args', () => {
    const o = resolveBuildOptions({
      workspaceFolder: ws,
      dockerfile: '/ws/docker/Dockerfile',
      settings: { args: { A: '1', B: '2' }, target: 'prod', context: '' },
      overrides: { 'docker/Dockerfile': { args: { B: 'x' }, target: 'dev', context: '.' }, 'other/Dockerfile': { target: 'no' } },
    });
    assert.deepEqual(o, { contextDir: '/ws', dockerfileInContext: 'docker/Dockerfile', buildArgs: { A: '1', B: 'x' }, target: 'dev' });
  });
  it('accepts override keys written with ./', () => {
    const o = resolveBuildOptions({ workspaceFolder: ws, dockerfile: '/ws/Dockerfile', settings: {}, overrides: { './Dockerfile': { target: 't' } } });
    assert.equal(o.target, 't');
  });
  it('omits an empty target and stringifies arg values', () => {
    const o = resolveBuildOptions({ workspaceFolder: ws, dockerfile: '/ws/Dockerfile', settings: { target: ' ', args: { N: 3 as unknown as string } }, overrides: {} });
    assert.deepEqual(o, { contextDir: '/ws', dockerfileInContext: 'Dockerfile', buildArgs: { N: '3' } });
  });
  it('refuses a context that does not contain the Dockerfile', () => {
    assert.throws(
      () => resolveBuildOptions({ workspaceFolder: ws, dockerfile: '/ws/a/Dockerfile', settings: { context: 'b' }, overrides: {} }),
      (e: unknown) => e instanceof BerthError && /outside its build context \/ws\/b/.test(e.message),
    );
  });
});
