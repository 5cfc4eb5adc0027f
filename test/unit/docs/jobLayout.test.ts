import { strict as assert } from 'assert';
import { jobLayout } from '../../../src/core/docs/jobLayout';

describe('knit and export job layout', () => {
  it('mounts the workspace folder and works in the document folder', () => {
    const l = jobLayout('/ws/docs/paper.Rmd', '/ws', '/ws/docs');
    assert.deepEqual(l.mounts, [{ hostPath: '/ws', containerPath: '/workspace' }]);
    assert.equal(l.cwd, '/workspace/docs');
    assert.equal(l.outDir, '/workspace/docs');
  });
  it('mounts an output folder outside the workspace on its own', () => {
    const l = jobLayout('/ws/paper.Rmd', '/ws', '/tmp/out');
    assert.deepEqual(l.mounts, [
      { hostPath: '/ws', containerPath: '/workspace' },
      { hostPath: '/tmp/out', containerPath: '/berth-out' },
    ]);
    assert.equal(l.outDir, '/berth-out');
    assert.equal(l.toHost('/berth-out/paper.pdf'), '/tmp/out/paper.pdf');
  });
  it('maps paths both ways, and says so when a path is in no mount', () => {
    const l = jobLayout('/ws/a/b.md', '/ws', '/ws/a');
    assert.equal(l.toHost('/workspace/a/b.html'), '/ws/a/b.html');
    assert.equal(l.toContainer('/ws/a/b.html'), '/workspace/a/b.html');
    assert.equal(l.toHost('/etc/passwd'), undefined);
    assert.equal(l.toContainer('/elsewhere/x'), undefined);
  });
  it('mounts the document folder when the document is outside the workspace folder', () => {
    const l = jobLayout('/other/paper.md', '/ws', '/other');
    assert.deepEqual(l.mounts, [{ hostPath: '/other', containerPath: '/workspace' }]);
    assert.equal(l.cwd, '/workspace');
  });
});
