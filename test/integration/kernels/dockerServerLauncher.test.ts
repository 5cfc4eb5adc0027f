// The Docker launcher against the real engine and the real Jupyter image: probe, start, security, cancel,
// failures, re-attach.
import { strict as assert } from 'assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerodeEngine } from '../../../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../../../src/adapters/docker/dockerServerLauncher';
import { BerthError, CancelledError, EngineUnreachableError } from '../../../src/core/common/errors';
import type { LaunchStage, ServerHandle } from '../../../src/core/kernels/api';
import { containersOf, docker, KERNEL_IMAGE, kernelStack, launchOptions, PLAIN_IMAGE, removeContainersOf, target, testOwner, waitFor, withDeadline } from './helpers';

describe('DockerServerLauncher (real Docker Engine, real Jupyter)', function () {
  this.timeout(120_000);
  const owner = testOwner('launcher');
  const { launcher } = kernelStack();
  const handles: ServerHandle[] = [];
  let workspace: string;

  before(() => {
    workspace = mkdtempSync(join(tmpdir(), 'berth-it-ws-'));
  });
  afterEach(async () => {
    for (const h of handles.splice(0)) {
      await h.dispose().catch(() => undefined);
    }
    await removeContainersOf(owner);
  });
  after(async () => {
    await removeContainersOf(owner);
    rmSync(workspace, { recursive: true, force: true });
  });

  describe('probe', () => {
    it('finds jupyter-server and the python3 kernelspec in the kernel image', async () => {
      const probe = await launcher.probe(KERNEL_IMAGE);
      assert.deepEqual(probe.serverCommand, ['jupyter-server']);
      assert.deepEqual(probe.kernelspecs.map((k) => k.name), ['python3']);
      assert.equal(probe.kernelspecs[0].language, 'python');
      assert.match(probe.imageId, /^sha256:/);
      assert.equal(probe.unusableReason, undefined);
    });

    it('explains what to install for an image without Jupyter', async () => {
      const probe = await launcher.probe(PLAIN_IMAGE);
      assert.equal(probe.serverCommand, undefined);
      assert.equal(probe.unusableReason, `Image ${PLAIN_IMAGE} has no Jupyter server: install jupyter-server (pip install jupyter-server ipykernel) or choose another image`);
    });

    it('leaves no probe container behind', async () => {
      await new DockerServerLauncher(new DockerodeEngine(undefined), { trace() {}, debug() {}, info() {}, warn() {}, error() {} }).probe(PLAIN_IMAGE);
      const left = await docker.listContainers({ all: true, filters: { label: [`berth.probe=${PLAIN_IMAGE}`] } });
      assert.deepEqual(left, []);
    });

    it('says an unknown image is not there locally', async () => {
      await assert.rejects(launcher.probe('berth-test/does-not-exist:nope'), (e: unknown) => e instanceof BerthError && e.message === 'Image berth-test/does-not-exist:nope not found locally: build or pull it');
    });

    it('reports a missing engine as unreachable', async () => {
      const nowhere = new DockerServerLauncher(new DockerodeEngine('unix:///tmp/berth-no-engine.sock'), { trace() {}, debug() {}, info() {}, warn() {}, error() {} });
      await assert.rejects(nowhere.probe(KERNEL_IMAGE), EngineUnreachableError);
    });
  });

  describe('start', () => {
    it('starts Jupyter on a loopback-only port, reporting the stages, with every label', async () => {
      const stages: LaunchStage[] = [];
      const handle = await launcher.start(target, launchOptions(owner, { workspaceFolder: workspace, notebookPath: join(workspace, 'n.ipynb') }), new AbortController().signal, (p) => stages.push(p.stage));
      handles.push(handle);
      assert.deepEqual(stages, ['probing-image', 'creating-container', 'waiting-for-jupyter']);
      assert.match(handle.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      const status = await fetch(`${handle.baseUrl}/api/status`, { headers: { Authorization: `token ${handle.token}` } });
      assert.equal(status.status, 200);
      const info = await docker.getContainer(handle.resourceId).inspect();
      assert.deepEqual(info.HostConfig.PortBindings, { '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
      const published = info.NetworkSettings.Ports['8888/tcp'];
      assert.ok(published.length > 0 && published.every((b) => b.HostIp === '127.0.0.1'), JSON.stringify(published));
      assert.equal(info.HostConfig.Init, true);
      assert.deepEqual(info.HostConfig.Binds, [`${workspace}:/workspace`]);
      assert.equal(info.Config.WorkingDir, '/workspace');
      const ours = new Set(['berth.kernel', 'berth.notebook', 'berth.owner', 'berth.owner.kind', 'berth.owner.pid', 'berth.keepAlive', 'berth.image', 'berth.kernelspec']);
      assert.deepEqual(
        // The image's own labels (berth.dockerfile.hash from the build) are inherited; compare Berth's.
        Object.fromEntries(Object.entries(info.Config.Labels).filter(([k]) => ours.has(k))),
        {
          'berth.kernel': 'docker',
          'berth.notebook': `test:${owner}`,
          'berth.owner': owner,
          'berth.owner.kind': 'test',
          'berth.owner.pid': String(process.pid),
          'berth.keepAlive': 'false',
          'berth.image': KERNEL_IMAGE,
          'berth.kernelspec': 'python3',
        },
      );
    });

    it('refuses requests without the token', async () => {
      const handle = await launcher.start(target, launchOptions(owner), new AbortController().signal, () => {});
      handles.push(handle);
      assert.equal((await fetch(`${handle.baseUrl}/api/kernels`)).status, 403);
      assert.equal((await fetch(`${handle.baseUrl}/api/kernels`, { headers: { Authorization: 'token wrong' } })).status, 403);
    });

    it('uses a fresh token of at least 128 bits that appears nowhere in inspect, labels or logs', async () => {
      const a = await launcher.start(target, launchOptions(owner), new AbortController().signal, () => {});
      handles.push(a);
      const b = await launcher.start(target, launchOptions(owner), new AbortController().signal, () => {});
      handles.push(b);
      assert.notEqual(a.token, b.token);
      assert.match(a.token, /^[0-9a-f]{64}$/);
      const info = await docker.getContainer(a.resourceId).inspect();
      const visible = JSON.stringify({ args: info.Args, path: info.Path, cmd: info.Config.Cmd, entrypoint: info.Config.Entrypoint, env: info.Config.Env, labels: info.Config.Labels });
      assert.ok(!visible.includes(a.token), 'token visible in docker inspect');
      assert.ok(!JSON.stringify(info).includes(a.token), 'token somewhere in docker inspect');
      const logs = await a.logTail(200);
      assert.ok(logs.length > 0, 'the server logged nothing');
      assert.ok(!logs.includes(a.token), 'token in the container log');
    });

    it('passes env vars and extra mounts from the options', async () => {
      writeFileSync(join(workspace, 'data.txt'), 'payload');
      const handle = await launcher.start(target, launchOptions(owner, { env: { BERTH_IT: 'yes' }, extraMounts: [{ hostPath: workspace, containerPath: '/data', readOnly: true }] }), new AbortController().signal, () => {});
      handles.push(handle);
      const info = await docker.getContainer(handle.resourceId).inspect();
      assert.ok(info.Config.Env.includes('BERTH_IT=yes'));
      assert.ok(info.HostConfig.Binds?.includes(`${workspace}:/data:ro`));
    });

    it('names a kernelspec the image does not have', async () => {
      await assert.rejects(launcher.start({ ...target, kernelspec: 'julia-1.9' }, launchOptions(owner), new AbortController().signal, () => {}), /has no kernel "julia-1.9" \(it has: python3\)/);
      assert.deepEqual(await containersOf(owner), []);
    });

    it('starts from the probe it is handed while the tag still names the probed image, without probing again', async () => {
      const probe = await launcher.probe(KERNEL_IMAGE);
      // The same image as the handed probe says, with no kernelspec: only the handed probe can make the start say so.
      const handed = { ...probe, kernelspecs: [{ name: 'handed-only', displayName: 'Handed', language: 'python' }] };
      await assert.rejects(launcher.start(target, { ...launchOptions(owner), probe: handed }, new AbortController().signal, () => {}), /has no kernel "python3" \(it has: handed-only\)/);
      assert.deepEqual(await containersOf(owner), []);
    });

    it('probes again when the probe it is handed is of another image (the tag moved since)', async () => {
      const stale = { imageId: 'sha256:0000000000000000000000000000000000000000000000000000000000000000', kernelspecs: [] };
      const handle = await launcher.start(target, { ...launchOptions(owner), probe: stale }, new AbortController().signal, () => {});
      handles.push(handle);
      assert.equal(handle.target.kernelspec, 'python3');
    });

    it('refuses an image without Jupyter before creating anything', async () => {
      await assert.rejects(launcher.start({ ...target, image: PLAIN_IMAGE }, launchOptions(owner), new AbortController().signal, () => {}), /has no Jupyter server: install jupyter-server/);
      assert.deepEqual(await containersOf(owner), []);
    });

    it('shows the last log lines of a server that exits during start, and removes its container', async () => {
      const fake = join(workspace, 'crashing-server.sh');
      writeFileSync(fake, '#!/bin/sh\necho "berth-test: config broken, giving up" >&2\nexit 3\n');
      chmodSync(fake, 0o755);
      await assert.rejects(
        launcher.start(target, launchOptions(owner, { extraMounts: [{ hostPath: fake, containerPath: '/usr/bin/jupyter-server', readOnly: true }] }), new AbortController().signal, () => {}),
        (e: unknown) => e instanceof BerthError && /exited during start \((the container stopped with )?exit code 3\)/.test(e.message) && e.message.includes('berth-test: config broken, giving up'),
      );
      assert.deepEqual(await containersOf(owner), []);
    });

    for (const stage of ['probing-image', 'creating-container', 'waiting-for-jupyter'] as LaunchStage[]) {
      it(`cancel during ${stage} rejects with CancelledError and leaves no container`, async () => {
        const abort = new AbortController();
        await assert.rejects(
          launcher.start(target, launchOptions(owner), abort.signal, (p) => {
            if (p.stage === stage) {
              abort.abort();
            }
          }),
          CancelledError,
        );
        assert.deepEqual(await containersOf(owner), []);
      });
    }
  });

  describe('lifetime', () => {
    it('dispose stops and removes the container, and is idempotent', async () => {
      const handle = await launcher.start(target, launchOptions(owner), new AbortController().signal, () => {});
      await Promise.all([handle.dispose(), handle.dispose()]);
      await handle.dispose();
      assert.deepEqual(await containersOf(owner), []);
    });

    it('reports a container killed from outside', async () => {
      const handle = await launcher.start(target, launchOptions(owner), new AbortController().signal, () => {});
      handles.push(handle);
      const exited = new Promise<string>((resolve) => handle.onDidExit((e) => resolve(e.reason)));
      await docker.getContainer(handle.resourceId).kill();
      assert.match(await withDeadline(exited, 15_000, 'no exit event'), /exit code 137/);
    });

    it('reports a container removed from outside', async () => {
      const handle = await launcher.start(target, launchOptions(owner), new AbortController().signal, () => {});
      handles.push(handle);
      const exited = new Promise<string>((resolve) => handle.onDidExit((e) => resolve(e.reason)));
      await docker.getContainer(handle.resourceId).remove({ force: true });
      assert.ok(await withDeadline(exited, 15_000, 'no exit event'));
    });

    it('follows the container log line by line', async () => {
      const handle = await launcher.start(target, launchOptions(owner), new AbortController().signal, () => {});
      handles.push(handle);
      const lines: string[] = [];
      const follow = handle.followLogs((l) => lines.push(l));
      try {
        await waitFor(() => lines.some((l) => /Jupyter Server .* is running at/.test(l)) || undefined, 15_000, () => `log so far: ${lines.join('\n')}`);
      } finally {
        follow.dispose();
      }
    });
  });

  describe('re-attach', () => {
    it('lists a running server by label and re-attaches without the token, reading it from the container', async () => {
      const handle = await launcher.start(target, launchOptions(owner, { keepAlive: true }), new AbortController().signal, () => {});
      handles.push(handle);
      const found = (await launcher.listRunning()).find((r) => r.resourceId === handle.resourceId);
      assert.ok(found, 'not listed');
      assert.equal(found.notebookKey, `test:${owner}`);
      assert.deepEqual(found.owner, { kind: 'test', id: owner, pid: process.pid });
      assert.equal(found.keepAlive, true);
      assert.equal(found.running, true);
      assert.deepEqual(found.target, target);
      const again = await found.attach();
      assert.equal(again.token, handle.token);
      assert.equal(again.baseUrl, handle.baseUrl);
      assert.equal((await fetch(`${again.baseUrl}/api/status`, { headers: { Authorization: `token ${again.token}` } })).status, 200);
      await found.remove();
      assert.deepEqual(await containersOf(owner), []);
    });

    it('lists a stopped container as not running, for cleanup', async () => {
      const handle = await launcher.start(target, launchOptions(owner), new AbortController().signal, () => {});
      handles.push(handle);
      await docker.getContainer(handle.resourceId).stop({ t: 1 });
      const found = (await launcher.listRunning()).find((r) => r.resourceId === handle.resourceId);
      assert.ok(found, 'not listed');
      assert.equal(found.running, false);
      assert.equal(found.finished, true);
      await assert.rejects(found.attach(), /not running any more/);
    });
  });
});
