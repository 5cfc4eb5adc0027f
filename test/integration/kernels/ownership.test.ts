// Nothing outlives its owner, against the real engine: `berth run` killed with SIGKILL, another host's kernels,
// Jupyter's own idle shutdown, and probes interrupted by a killed process.
import { strict as assert } from 'assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { localHost } from '../../../src/adapters/host/localHost';
import { nullLogger } from '../../../src/core/common/logger';
import type { ServerHandle } from '../../../src/core/kernels/api';
import { removeLapsedLeftovers } from '../../../src/core/kernels/leftovers';
import { cliContainers, ROOT, runCli, startCli } from './cliHelpers';
import { docker, KERNEL_IMAGE, kernelStack, launchOptions, PLAIN_IMAGE, removeContainersOf, target, testOwner, waitFor, withDeadline } from './helpers';

const OUT = join(ROOT, 'out/src');

function notebook(...sources: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: sources.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  });
}

/** The pid of a process that ran on this host and has exited: nobody owns it any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(child.pid);
  return child.pid;
}

async function state(id: string): Promise<string> {
  try {
    return (await docker.getContainer(id).inspect()).State.Status;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 'gone';
    throw error;
  }
}

describe('ownership and leftovers (real Docker Engine)', function () {
  this.timeout(240_000);
  const owner = testOwner('ownership');
  const host = localHost();
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-it-owners-'));
  });
  afterEach(async () => {
    for (const c of await cliContainers(dir)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    await removeContainersOf(owner);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A running container labelled as a Berth kernel of `stamp`, tagged with this test's owner for cleanup. */
  async function fakeKernel(stamp: Record<string, string>): Promise<Docker.Container> {
    const container = await docker.createContainer({
      Image: PLAIN_IMAGE,
      Entrypoint: ['sleep', '600'],
      Labels: { 'berth.kernel': 'docker', 'berth.notebook': `test:${owner}`, 'berth.owner': owner, 'berth.owner.kind': 'cli', 'berth.keepAlive': 'false', 'berth.image': PLAIN_IMAGE, 'berth.kernelspec': 'python3', ...stamp },
      HostConfig: { Init: true, NetworkMode: 'none' },
    });
    await container.start();
    return container;
  }

  describe('berth run', () => {
    it('a berth run killed with SIGKILL mid-run leaves its container, and the next berth run removes it', async () => {
      writeFileSync(join(dir, 'slow.ipynb'), notebook('import time\ntime.sleep(600)'));
      const killed = startCli(['run', join(dir, 'slow.ipynb'), '--image', KERNEL_IMAGE, '--verbose']);
      let leftover: string;
      try {
        await waitFor(() => /running cell 1\/1/.test(killed.stderr()) || undefined, 120_000, () => `the run never reached its cell:\n${killed.stderr()}`);
        const [container] = await cliContainers(dir);
        assert.ok(container, 'no container for the run');
        leftover = container.Id;
        assert.equal(container.Labels['berth.owner.host'], host.id);
        assert.equal(container.Labels['berth.owner.pid'], String(killed.child.pid));
        assert.equal(container.Labels['berth.owner.pidStart'], host.stampOf(killed.child.pid ?? 0).pidStart);
      } finally {
        killed.child.kill('SIGKILL');
      }
      const result = await withDeadline(killed.done, 30_000, 'the killed run did not end');
      assert.equal(result.signal, 'SIGKILL');
      // SIGKILL leaves no chance to clean up: the container is still there, its kernel busy in the cell.
      assert.equal(await state(leftover), 'running');

      writeFileSync(join(dir, 'next.ipynb'), notebook('1 + 1'));
      const next = await runCli('run', join(dir, 'next.ipynb'), '--image', KERNEL_IMAGE, '--verbose');
      assert.equal(next.code, 0, next.stderr);
      assert.match(next.stderr, /removed \d+ leftover kernel and \d+ probe container\(s\) of earlier runs/);
      assert.equal(await state(leftover), 'gone');
      assert.deepEqual(await cliContainers(dir), []);
    });

    it('never removes another host’s running kernel, whatever its pid, but removes this host’s whose owner is gone', async () => {
      const dead = await deadPid();
      const elsewhereDead = await fakeKernel({ 'berth.owner.host': 'another-host-0001', 'berth.owner.pid': String(dead), 'berth.owner.pidStart': 'x-1' });
      // A pid that runs here (this test's) but, on the other host, means some other process: still not ours to judge.
      const elsewhereLivePid = await fakeKernel({ 'berth.owner.host': 'another-host-0001', 'berth.owner.pid': String(process.pid), 'berth.owner.pidStart': 'x-2' });
      const mineDead = await fakeKernel({ 'berth.owner.host': host.id, 'berth.owner.pid': String(dead) });
      // This host, a live pid, but started at another time: the pid was reused, the owner is gone.
      const mineReused = await fakeKernel({ 'berth.owner.host': host.id, 'berth.owner.pid': String(process.pid), 'berth.owner.pidStart': 'not-the-start-of-this-pid' });
      const mineLive = await fakeKernel({ 'berth.owner.host': host.id, 'berth.owner.pid': String(process.pid), 'berth.owner.pidStart': host.stampOf(process.pid).pidStart ?? '' });
      const legacyDead = await fakeKernel({ 'berth.owner.pid': String(dead) });

      writeFileSync(join(dir, 'n.ipynb'), notebook('1 + 1'));
      const r = await runCli('run', join(dir, 'n.ipynb'), '--image', KERNEL_IMAGE);
      assert.equal(r.code, 0, r.stderr);

      assert.equal(await state(elsewhereDead.id), 'running');
      assert.equal(await state(elsewhereLivePid.id), 'running');
      assert.equal(await state(mineLive.id), 'running');
      assert.equal(await state(mineDead.id), 'gone');
      assert.equal(await state(mineReused.id), 'gone');
      assert.equal(await state(legacyDead.id), 'gone');
    });

    it('removes another host’s kernel once it has finished (stopped by its idle shutdown)', async () => {
      const elsewhere = await fakeKernel({ 'berth.owner.host': 'another-host-0001', 'berth.owner.pid': '1' });
      await elsewhere.stop({ t: 1 });
      assert.equal(await state(elsewhere.id), 'exited');
      await removeLapsedLeftovers(kernelStack().launcher, host, nullLogger);
      assert.equal(await state(elsewhere.id), 'gone');
    });
  });

  describe('idle shutdown', () => {
    const handles: ServerHandle[] = [];
    afterEach(async () => {
      for (const h of handles.splice(0)) await h.dispose().catch(() => undefined);
    });

    it('a server whose client went away culls its kernel, shuts itself down, and cleanup removes the exited container', async () => {
      const { launcher, connector } = kernelStack();
      const handle = await launcher.start(target, launchOptions(owner, { idleTimeoutS: 3 }), new AbortController().signal, () => {});
      handles.push(handle);
      const session = await connector.startKernel(handle, 'python3');
      const result = await session.execute('x = 41 + 1', { onAction: () => {} });
      assert.equal(result.status, 'ok');
      // The client goes away without shutting anything down, as a killed process does.
      session.dispose();
      // Jupyter checks for no activity once a minute: up to a minute plus the timeout.
      await waitFor(async () => (await state(handle.resourceId)) !== 'running' || undefined, 180_000, () => `the idle server still runs`);
      const log = await handle.logTail(200);
      assert.match(log, /Culling 'idle' kernel 'python3'/);
      assert.match(log, /No kernels or terminals for \d+ seconds; shutting down/);
      assert.equal(await state(handle.resourceId), 'exited');
      const removed = await removeLapsedLeftovers(launcher, host, nullLogger);
      assert.ok(removed.kernels >= 1);
      assert.equal(await state(handle.resourceId), 'gone');
    });
  });

  describe('probes', () => {
    /** A process that probes over and over (a fresh launcher each time, so nothing is cached) until it is killed. */
    function startProber() {
      const script = `
        const { DockerodeEngine } = require(${JSON.stringify(`${OUT}/adapters/docker/dockerEngine.js`)});
        const { DockerServerLauncher } = require(${JSON.stringify(`${OUT}/adapters/docker/dockerServerLauncher.js`)});
        const { nullLogger } = require(${JSON.stringify(`${OUT}/core/common/logger.js`)});
        (async () => { for (;;) await new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger).probe(${JSON.stringify(KERNEL_IMAGE)}); })();
      `;
      const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const filters = { label: ['berth.probe', `berth.owner.pid=${child.pid}`] };
      const probes = () => docker.listContainers({ all: true, filters });
      const cleanUp = async () => {
        child.kill('SIGKILL');
        for (const c of await probes()) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      };
      return { child, exited, probes, cleanUp };
    }

    it('a probe interrupted by SIGKILL of the probing process leaves no probe container after the next cleanup', async () => {
      const seen: string[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const prober = startProber();
        try {
          const [probe] = await waitFor(async () => {
            const found = await prober.probes();
            return found.length ? found : undefined;
          }, 60_000, () => 'the prober never created a probe container');
          seen.push(probe.State);
          assert.equal(probe.Labels['berth.owner.host'], host.id);
          prober.child.kill('SIGKILL');
          await withDeadline(prober.exited, 10_000, 'the prober did not die');
          await kernelStack().launcher.removeLapsedProbes(host);
          await waitFor(async () => ((await prober.probes()).length === 0) || undefined, 30_000, () => `a probe container of pid ${prober.child.pid} is still there`);
        } finally {
          await prober.cleanUp();
        }
      }
      console.log(`      (probe states at the kill: ${seen.join(', ')})`);
    });

    it('a probe already running when its prober is killed is removed by the engine itself, with no cleanup', async () => {
      const prober = startProber();
      try {
        const running = await waitFor(async () => (await prober.probes()).find((c) => c.State === 'running'), 60_000, () => 'never saw a probe container running');
        prober.child.kill('SIGKILL');
        await withDeadline(prober.exited, 10_000, 'the prober did not die');
        await waitFor(async () => (await state(running.Id)) === 'gone' || undefined, 60_000, () => `the engine did not remove probe ${running.Id.slice(0, 12)}`);
      } finally {
        await prober.cleanUp();
      }
    });

    it('cleanup removes probe containers whose prober is gone or that have finished, never one in progress', async () => {
      const dead = await deadPid();
      const probe = async (labels: Record<string, string>, start: boolean) => {
        const c = await docker.createContainer({ Image: PLAIN_IMAGE, Entrypoint: start ? ['sleep', '600'] : ['true'], Labels: { 'berth.probe': PLAIN_IMAGE, 'berth.owner': owner, ...labels }, HostConfig: { NetworkMode: 'none' } });
        if (start) await c.start();
        return c;
      };
      const deadCreated = await probe({ 'berth.owner.host': host.id, 'berth.owner.pid': String(dead) }, false);
      const deadRunning = await probe({ 'berth.owner.host': host.id, 'berth.owner.pid': String(dead) }, true);
      const liveRunning = await probe({ 'berth.owner.host': host.id, 'berth.owner.pid': String(process.pid), 'berth.owner.pidStart': host.stampOf(process.pid).pidStart ?? '' }, true);
      const elsewhereCreated = await probe({ 'berth.owner.host': 'another-host-0001', 'berth.owner.pid': String(dead) }, false);
      const legacyExited = await probe({}, false);
      await legacyExited.start();
      await waitFor(async () => (await state(legacyExited.id)) === 'exited' || undefined, 30_000, () => 'the legacy probe did not exit');

      await kernelStack().launcher.removeLapsedProbes(host);

      assert.equal(await state(deadCreated.id), 'gone');
      assert.equal(await state(deadRunning.id), 'gone');
      assert.equal(await state(legacyExited.id), 'gone');
      assert.equal(await state(liveRunning.id), 'running');
      assert.equal(await state(elsewhereCreated.id), 'created');
    });

    it('a probe removes itself (AutoRemove) and its output still decides the result', async () => {
      const { launcher } = kernelStack();
      const probe = await launcher.probe(KERNEL_IMAGE);
      assert.deepEqual(probe.serverCommand, ['jupyter-server']);
      assert.deepEqual(probe.kernelspecs.map((k) => k.name), ['python3']);
      const left = await docker.listContainers({ all: true, filters: { label: ['berth.probe', `berth.owner.pid=${process.pid}`] } });
      assert.deepEqual(left, []);
    });
  });
});
