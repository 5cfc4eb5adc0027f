import { strict as assert } from 'assert';
import { CopyLimitError, planFolderCopy, type FolderEntry } from '../../../src/core/kubernetes/folderCopy';

const file = (path: string, size = 10): FolderEntry => ({ path, kind: 'file', size });
const dir = (path: string): FolderEntry => ({ path, kind: 'directory', size: 0 });

describe('copying the notebook folder into a kernel pod', () => {
  it('copies regular files and folders, parents first', () => {
    const plan = planFolderCopy('/w', [file('b/c/d.csv'), dir('b/c'), dir('b'), file('n.ipynb', 5)], 1000);
    assert.deepEqual(plan.directories, ['b', 'b/c']);
    assert.deepEqual(plan.files, [{ path: 'b/c/d.csv', size: 10 }, { path: 'n.ipynb', size: 5 }]);
    assert.equal(plan.totalBytes, 15);
  });

  it('skips hidden entries and everything under them, symlinks and special files', () => {
    const plan = planFolderCopy('/w', [dir('.git'), file('.git/HEAD'), file('.env'), dir('a/.venv'), file('a/.venv/lib.py'), { path: 'link', kind: 'symlink', size: 0 }, { path: 'fifo', kind: 'other', size: 0 }, file('a/x.py')], 1000);
    assert.deepEqual(plan.files.map((f) => f.path), ['a/x.py']);
    assert.deepEqual(plan.directories, []);
  });

  it('refuses a folder over the limit with a message naming the limit and the size', () => {
    assert.throws(
      () => planFolderCopy('/w/data', [file('big.bin', 150 * 1024 * 1024), file('n.ipynb', 100)], 100 * 1024 * 1024),
      (e: Error) => e instanceof CopyLimitError && /over the limit of 100 MB/.test(e.message) && /\/w\/data holds 150 MB in 2 files/.test(e.message),
    );
  });

  it('does not count hidden files against the limit', () => {
    assert.equal(planFolderCopy('/w', [file('.git/pack', 10 ** 9), file('n.ipynb')], 100).totalBytes, 10);
  });
});
