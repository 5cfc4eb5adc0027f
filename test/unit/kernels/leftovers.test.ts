import { strict as assert } from 'assert';
import { nullLogger } from '../../../src/core/common/logger';
import type { RunningServer } from '../../../src/core/kernels/api';
import { removeLapsedLeftovers } from '../../../src/core/kernels/leftovers';
import type { ThisHost } from '../../../src/core/kernels/ownerLiveness';

const NOW = 2_000_000_000;
const here: ThisHost = { id: 'host-a', process: (pid) => (pid === 100 ? { running: true, start: 's' } : { running: false }) };

function fakeServer(id: string, over: Partial<RunningServer>, removed: string[]): RunningServer {
  return {
    resourceId: id,
    target: { kind: 'docker', image: 'img', kernelspec: 'python3' },
    notebookKey: `file:///${id}.ipynb`,
    owner: { kind: 'cli', id: `cli-${id}`, pid: 100, host: 'host-a', pidStart: 's' },
    keepAlive: false,
    running: true,
    startedAtMs: NOW - 1000,
    attach: () => Promise.reject(new Error('not in this test')),
    remove: async () => {
      if (id === 'fails') throw new Error('engine said no');
      removed.push(id);
    },
    ...over,
  };
}

describe('removeLapsedLeftovers', () => {
  it('removes this host’s servers whose owner is gone and finished ones, keeps the live and the other host’s', async () => {
    const removed: string[] = [];
    const servers = [
      fakeServer('live', {}, removed),
      fakeServer('dead', { owner: { kind: 'cli', id: 'c', pid: 7, host: 'host-a' } }, removed),
      fakeServer('legacy-dead', { owner: { kind: 'cli', id: 'c', pid: 7 } }, removed),
      fakeServer('elsewhere', { owner: { kind: 'cli', id: 'c', pid: 7, host: 'host-b' } }, removed),
      fakeServer('kept', { owner: { kind: 'vscode', id: 'w', pid: 7, host: 'host-a' }, keepAlive: true }, removed),
      fakeServer('finished-elsewhere', { owner: { kind: 'cli', id: 'c', pid: 7, host: 'host-b' }, running: false, finished: true }, removed),
    ];
    const result = await removeLapsedLeftovers({ listRunning: async () => servers, removeLapsedProbes: async () => 2 }, here, nullLogger, NOW);
    assert.deepEqual(removed, ['dead', 'legacy-dead', 'finished-elsewhere']);
    assert.deepEqual(result, { kernels: 3, probes: 2 });
  });

  it('logs a failed removal and goes on with the others', async () => {
    const removed: string[] = [];
    const warnings: string[] = [];
    const log = { ...nullLogger, warn: (m: string | Error) => warnings.push(String(m)) };
    const dead = { owner: { kind: 'cli', id: 'c', pid: 7, host: 'host-a' } };
    const result = await removeLapsedLeftovers({ listRunning: async () => [fakeServer('fails', dead, removed), fakeServer('next', dead, removed)] }, here, log, NOW);
    assert.deepEqual(removed, ['next']);
    assert.deepEqual(result, { kernels: 1, probes: 0 });
    assert.match(warnings.join('\n'), /removing leftover kernel fails failed: engine said no/);
  });
});
