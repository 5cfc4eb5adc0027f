import { strict as assert } from 'assert';
import { BerthError } from '../../../src/core/common/errors';
import type { KernelTarget, LaunchOptions, RunningServer, ServerHandle, ServerLauncher } from '../../../src/core/kernels/api';
import { launcherFor, TargetLaunchers } from '../../../src/core/kernels/launchers';

const options: LaunchOptions = { notebookKey: 'k', env: {}, extraMounts: [], owner: { kind: 'cli', id: 'o', pid: 1 }, keepAlive: false };
const docker: KernelTarget = { kind: 'docker', image: 'img', kernelspec: 'python3' };
const pod: KernelTarget = { kind: 'kubernetes', image: 'r/img', kernelspec: 'python3', context: 'c', namespace: 'n' };

function fake(name: string, started: string[]): ServerLauncher {
  return {
    probe: async () => ({ imageId: name, kernelspecs: [] }),
    start: async (t) => (started.push(`${name}:${t.kind}`), { resourceId: name } as ServerHandle),
    listRunning: async () => [{ resourceId: name } as RunningServer],
  };
}

describe('one launcher per target kind', () => {
  it('picks the launcher by the target\'s kind', async () => {
    const started: string[] = [];
    const all = new TargetLaunchers({ docker: fake('d', started), kubernetes: fake('k', started) });
    await all.start(pod, options, new AbortController().signal, () => {});
    await all.start(docker, options, new AbortController().signal, () => {});
    assert.deepEqual(started, ['k:kubernetes', 'd:docker']);
  });

  it('lists the running servers of every kind', async () => {
    const all = new TargetLaunchers({ docker: fake('d', []), kubernetes: fake('k', []) });
    assert.deepEqual((await all.listRunning()).map((r) => r.resourceId), ['d', 'k']);
  });

  it('probes local images with the Docker launcher', async () => {
    const all = new TargetLaunchers({ docker: fake('d', []), kubernetes: fake('k', []) });
    assert.equal((await all.probe('img')).imageId, 'd');
  });

  it('says clearly when a kind has no launcher', () => {
    assert.throws(() => launcherFor({ docker: fake('d', []) }, pod), (e: Error) => e instanceof BerthError && /kernels in Kubernetes pods/.test(e.message));
  });
});
