import { strict as assert } from 'assert';
import { BerthError } from '../../src/core/common/errors';
import { parseKernelEnv, parseKernelMounts } from '../../src/core/notebook/kernelSettings';

describe('kernelSettings', () => {
  it('accepts an env object and stringifies numbers and booleans', () => {
    assert.deepEqual(parseKernelEnv({ A: 'x', N: 3, B: true }), { A: 'x', N: '3', B: 'true' });
    assert.deepEqual(parseKernelEnv(undefined), {});
  });

  it('rejects an env that is not an object, a bad name or a nested value, naming the setting', () => {
    assert.throws(() => parseKernelEnv(['A=1']), (e: Error) => e instanceof BerthError && /berth\.kernel\.env/.test(e.message));
    assert.throws(() => parseKernelEnv({ '1A': 'x' }), /not a valid environment variable name/);
    assert.throws(() => parseKernelEnv({ A: { b: 1 } }), /value of A must be a string/);
  });

  it('resolves ${workspaceFolder} and relative host paths against the workspace folder', () => {
    const mounts = parseKernelMounts(
      [
        { hostPath: '${workspaceFolder}/data', containerPath: '/data', readOnly: true },
        { hostPath: 'models', containerPath: '/models' },
        { hostPath: '/srv/cache', containerPath: '/cache' },
      ],
      '/home/u/proj/',
    );
    assert.deepEqual(mounts, [
      { hostPath: '/home/u/proj/data', containerPath: '/data', readOnly: true },
      { hostPath: '/home/u/proj/models', containerPath: '/models' },
      { hostPath: '/srv/cache', containerPath: '/cache' },
    ]);
  });

  it('refuses a relative host path when the notebook has no workspace folder', () => {
    assert.throws(() => parseKernelMounts([{ hostPath: 'data', containerPath: '/data' }], undefined), /not in one: use an absolute path/);
  });

  it('refuses malformed mounts with the index of the bad entry', () => {
    assert.throws(() => parseKernelMounts({}, '/w'), /must be a list/);
    assert.throws(() => parseKernelMounts([{ hostPath: '/a', containerPath: 'rel' }], '/w'), /mounts\[0\]\.containerPath must be an absolute path/);
    assert.throws(() => parseKernelMounts([{ hostPath: '/a', containerPath: '/a' }, 'x'], '/w'), /mounts\[1\] must be an object/);
    assert.throws(() => parseKernelMounts([{ hostPath: '/a', containerPath: '/a', readOnly: 'yes' }], '/w'), /readOnly must be true or false/);
  });
});
