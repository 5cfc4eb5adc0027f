import { strict as assert } from 'assert';
import { dispositionOf, pidAliveFrom, type OwnedServer, type WindowIdentity } from '../../src/core/notebook/kernelOwnership';

const me: WindowIdentity = { ownerId: 'ws-1', isPidAlive: (pid) => pid === 100, isNotebookOpen: (key) => key === 'file:///open.ipynb' };
const server = (ownerId: string, pid: number, notebookKey: string, keepAlive = false, kind = 'vscode', running = true): OwnedServer => ({
  owner: { kind, id: ownerId, pid },
  keepAlive,
  notebookKey,
  running,
});

describe('kernelOwnership', () => {
  it('re-attaches this workspace’s container when its notebook is open again after a reload', () => {
    assert.equal(dispositionOf(server('ws-1', 7, 'file:///open.ipynb'), me), 'mine');
  });

  it('removes this workspace’s container whose notebook did not come back, unless kept alive', () => {
    assert.equal(dispositionOf(server('ws-1', 7, 'file:///closed.ipynb'), me), 'orphan');
    assert.equal(dispositionOf(server('ws-1', 7, 'file:///closed.ipynb', true), me), 'keep');
  });

  it('removes a stopped container of this workspace even when its notebook is open', () => {
    assert.equal(dispositionOf(server('ws-1', 7, 'file:///open.ipynb', false, 'vscode', false), me), 'orphan');
  });

  it('leaves a not-yet-started container of another live window alone', () => {
    assert.equal(dispositionOf(server('ws-2', 100, 'file:///x.ipynb', false, 'vscode', false), me), 'keep');
  });

  it('never touches the container of another window that is alive', () => {
    assert.equal(dispositionOf(server('ws-2', 100, 'file:///open.ipynb'), me), 'keep');
    assert.equal(dispositionOf(server('cli-9', 100, 'file:///x.ipynb', false, 'cli'), me), 'keep');
  });

  it('removes another owner’s container once that owner’s process is gone, unless kept alive', () => {
    assert.equal(dispositionOf(server('ws-2', 7, 'file:///open.ipynb'), me), 'orphan');
    assert.equal(dispositionOf(server('ws-2', 7, 'file:///open.ipynb', true), me), 'keep');
  });

  it('reads a pid as alive on success or EPERM, dead on ESRCH or a nonsense pid', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    assert.equal(pidAliveFrom(() => true)(5), true);
    assert.equal(pidAliveFrom(() => { throw errno('EPERM'); })(5), true);
    assert.equal(pidAliveFrom(() => { throw errno('ESRCH'); })(5), false);
    assert.equal(pidAliveFrom(() => true)(0), false);
    assert.equal(pidAliveFrom(() => true)(Number.NaN), false);
  });
});
