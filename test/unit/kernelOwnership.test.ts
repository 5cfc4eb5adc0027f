import { strict as assert } from 'assert';
import type { ThisHost } from '../../src/core/kernels/ownerLiveness';
import { dispositionOf, pidAliveFrom, type OwnedServer, type WindowIdentity } from '../../src/core/notebook/kernelOwnership';

const NOW = 1_000_000_000;
// On this host only pid 100 runs (started at s-100).
const host: ThisHost = { id: 'host-a', process: (pid) => (pid === 100 ? { running: true, start: 's-100' } : { running: false }) };
const me: WindowIdentity = { ownerId: 'ws-1', host, nowMs: NOW, isNotebookOpen: (key) => key === 'file:///open.ipynb' };
const server = (ownerId: string, pid: number, notebookKey: string, keepAlive = false, kind = 'vscode', running = true, over: Partial<OwnedServer> = {}): OwnedServer => ({
  owner: { kind, id: ownerId, pid },
  keepAlive,
  notebookKey,
  running,
  startedAtMs: NOW - 1000,
  ...over,
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

  it('removes a finished container of anybody, another host’s and kept-alive ones included', () => {
    assert.equal(dispositionOf(server('ws-2', 100, 'file:///x.ipynb', false, 'vscode', false, { finished: true }), me), 'orphan');
    assert.equal(dispositionOf(server('ws-2', 7, 'file:///x.ipynb', true, 'vscode', false, { finished: true, owner: { kind: 'vscode', id: 'ws-2', pid: 7, host: 'host-b' } }), me), 'orphan');
  });

  it('never removes another host’s running container, even when its pid means nothing here', () => {
    const elsewhere = { kind: 'vscode', id: 'ws-2', pid: 7, host: 'host-b', pidStart: 's-7' };
    assert.equal(dispositionOf(server('ws-2', 7, 'file:///x.ipynb', false, 'vscode', true, { owner: elsewhere }), me), 'keep');
  });

  it('does not take another host’s container with this workspace’s owner id for its own', () => {
    const sameIdElsewhere = { kind: 'vscode', id: 'ws-1', pid: 7, host: 'host-b' };
    assert.equal(dispositionOf(server('ws-1', 7, 'file:///closed.ipynb', false, 'vscode', true, { owner: sameIdElsewhere }), me), 'keep');
  });

  it('removes a container of this host whose pid now belongs to another process (start time differs)', () => {
    const reused = { kind: 'vscode', id: 'ws-2', pid: 100, host: 'host-a', pidStart: 's-old' };
    assert.equal(dispositionOf(server('ws-2', 100, 'file:///x.ipynb', false, 'vscode', true, { owner: reused }), me), 'orphan');
  });

  it('removes a container only ever created, long ago, whoever created it', () => {
    const elsewhere = { kind: 'vscode', id: 'ws-2', pid: 100, host: 'host-b' };
    assert.equal(dispositionOf(server('ws-2', 100, 'file:///x.ipynb', false, 'vscode', false, { owner: elsewhere, startedAtMs: NOW - 6 * 60_000 }), me), 'orphan');
    assert.equal(dispositionOf(server('ws-2', 100, 'file:///x.ipynb', false, 'vscode', false, { owner: elsewhere }), me), 'keep');
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
