// Volumes of pod targets against the real cluster: emptyDirs mounted and writable (a tmpfs for medium Memory), a
// claim that keeps what one kernel pod wrote for the next one (bound to a hostPath PersistentVolume that the test
// makes as admin: the cluster has no provisioner; the kernel pod itself only ever names the claim), a read-only
// mount, and the scheduler's reasons for a missing and an unbound claim. Pods, claims and the volume are removed
// in the hooks, whatever happened.
import { strict as assert } from 'assert';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterKernelConnector } from '../../../src/adapters/jupyter/jupyterKernelConnector';
import { KubernetesServerLauncher } from '../../../src/adapters/kubernetes/kubernetesServerLauncher';
import type { CellOutput, KernelSession, KubernetesKernelTarget, PodVolume } from '../../../src/core/kernels/api';
import { launchKernel } from '../../../src/core/kernels/launchKernel';
import { launchOptions, testOwner } from '../kernels/helpers';
import { admin, createNamespace, deleteNamespace, randomSuffix, RecordingLogger, waitFor } from './helpers';
import { podTarget, pushPodTestImage, removeBerthObjects, removePodTestImageTag, waitForNoBerthObjects } from './podHelpers';

describe('Kubernetes: volumes of pod targets (real cluster)', function () {
  this.timeout(240_000);
  let namespace: string;
  let hostDir: string | undefined;
  let pvName: string | undefined;
  let brokenPv: string | undefined;
  const claim = 'results';
  const connector = new JupyterKernelConnector(new RecordingLogger());
  const launcher = new KubernetesServerLauncher(new RecordingLogger(), { podStartTimeoutMs: 300_000 });
  const sessions: KernelSession[] = [];
  const owner = testOwner('pod-volumes');

  const start = async (volumes: readonly PodVolume[]): Promise<KernelSession> => {
    const target: KubernetesKernelTarget = { ...podTarget(namespace), volumes };
    const session = await launchKernel({ launcher, connector }, target, launchOptions(owner), new AbortController().signal, () => {});
    sessions.push(session);
    return session;
  };
  const run = async (session: KernelSession, code: string): Promise<string> => {
    const outputs: CellOutput[] = [];
    const result = await session.execute(code, { onAction: (a) => a.type === 'append' && outputs.push(a.output) });
    const text = outputs.map((o) => (o.kind === 'stream' ? o.text : o.kind === 'display' ? String(o.data['text/plain']) : `${o.ename}: ${o.evalue}`)).join('');
    assert.equal(result.status, 'ok', text);
    return text.trim();
  };

  before(async () => {
    namespace = await createNamespace('berth-volumes');
    await pushPodTestImage();
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.shutdown().catch(() => undefined);
    await waitForNoBerthObjects(namespace).finally(() => removeBerthObjects(namespace));
  });
  after(async () => {
    await removeBerthObjects(namespace);
    await deleteNamespace(namespace);
    if (pvName) {
      const { core } = admin();
      await core.deletePersistentVolume({ name: pvName }).catch(() => undefined);
      // The volume goes once its claim has gone with the namespace (pv-protection); wait for that, with a deadline.
      const name = pvName;
      await waitFor(() => core.readPersistentVolume({ name }).then(() => false, () => true), 90_000, () => `PersistentVolume ${name} is still there`).catch((e: Error) => console.log(`      (${e.message})`));
    }
    if (brokenPv) await admin().core.deletePersistentVolume({ name: brokenPv }).catch(() => undefined);
    if (hostDir) rmSync(hostDir, { recursive: true, force: true });
    await removePodTestImageTag();
  });

  it('mounts emptyDirs writable: on the node\'s disk, and as a tmpfs for medium Memory', async () => {
    const session = await start([
      { mountPath: '/scratch', source: { kind: 'emptyDir', sizeLimit: '64Mi' } },
      { mountPath: '/fast', source: { kind: 'emptyDir', medium: 'Memory' } },
    ]);
    const out = await run(
      session,
      [
        'import os',
        "open('/scratch/a.txt', 'w').write('disk'); open('/fast/b.txt', 'w').write('memory')",
        "mounts = {l.split()[1]: l.split()[2] for l in open('/proc/mounts')}",
        "print(open('/scratch/a.txt').read(), open('/fast/b.txt').read(), os.stat('/scratch').st_dev != os.stat('/').st_dev, mounts.get('/fast'))",
      ].join('\n'),
    );
    assert.equal(out, 'disk memory True tmpfs');
  });

  describe('a PersistentVolumeClaim', () => {
    before(async () => {
      // A volume on this machine's disk, made by the admin and bound to the claim ahead of time.
      hostDir = mkdtempSync(join(tmpdir(), 'berth-it-pv-'));
      chmodSync(hostDir, 0o777);
      pvName = `berth-it-pv-${randomSuffix()}`;
      const { core } = admin();
      await core.createPersistentVolume({
        body: {
          metadata: { name: pvName, labels: { 'berth.test': 'integration' } },
          spec: {
            capacity: { storage: '100Mi' },
            accessModes: ['ReadWriteOnce'],
            persistentVolumeReclaimPolicy: 'Retain',
            storageClassName: '',
            hostPath: { path: hostDir, type: 'Directory' },
            claimRef: { namespace, name: claim },
          },
        },
      });
      await core.createNamespacedPersistentVolumeClaim({
        namespace,
        body: { metadata: { name: claim }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: pvName, resources: { requests: { storage: '100Mi' } } } },
      });
      await waitFor(async () => (await core.readNamespacedPersistentVolumeClaim({ namespace, name: claim })).status?.phase === 'Bound', 60_000, () => `claim ${claim} not bound`);
    });

    it('keeps what one kernel pod wrote for the next one (with a subPath)', async () => {
      const value = randomSuffix();
      const volumes: PodVolume[] = [{ mountPath: '/results', source: { kind: 'persistentVolumeClaim', claimName: claim }, subPath: 'run-1' }];
      const first = await start(volumes);
      assert.equal(await run(first, `open('/results/out.txt', 'w').write('${value}')\nprint('written')`), 'written');
      await first.shutdown();
      await waitForNoBerthObjects(namespace);
      const second = await start(volumes);
      assert.notEqual(second.server.resourceId, first.server.resourceId);
      assert.equal(await run(second, "print(open('/results/out.txt').read())"), value);
    });

    it('mounts it read-only when the target says so: reads work, writes fail', async () => {
      const session = await start([{ mountPath: '/reference', source: { kind: 'persistentVolumeClaim', claimName: claim }, readOnly: true }]);
      const out = await run(session, "import os\ntry:\n    open('/reference/new.txt', 'w')\n    print('wrote')\nexcept OSError as e:\n    print(e.errno == 30, os.path.isdir('/reference'))");
      assert.equal(out, 'True True');
    });
  });

  it('fails fast with the kubelet\'s reason when the claim\'s volume cannot be mounted', async () => {
    const name = `broken-${randomSuffix()}`;
    const { core } = admin();
    brokenPv = `berth-it-pv-${name}`;
    // A volume whose directory does not exist on the node: the kubelet's type check fails the mount.
    await core.createPersistentVolume({
      body: {
        metadata: { name: brokenPv, labels: { 'berth.test': 'integration' } },
        spec: { capacity: { storage: '1Mi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: '', hostPath: { path: `/nonexistent/berth-it/${name}`, type: 'Directory' }, claimRef: { namespace, name } },
      },
    });
    await core.createNamespacedPersistentVolumeClaim({ namespace, body: { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: brokenPv, resources: { requests: { storage: '1Mi' } } } } });
    await waitFor(async () => (await core.readNamespacedPersistentVolumeClaim({ namespace, name })).status?.phase === 'Bound', 60_000, () => `claim ${name} not bound`);
    await assert.rejects(
      start([{ mountPath: '/results', source: { kind: 'persistentVolumeClaim', claimName: name } }]),
      (e: Error) => e.message.startsWith(`The kernel pod cannot mount volume "${brokenPv}": MountVolume.SetUp failed for volume "${brokenPv}"`) || assert.fail(e.message),
    );
    await waitForNoBerthObjects(namespace);
  });

  it('fails fast naming a claim that does not exist, and deletes the pod', async () => {
    await assert.rejects(
      start([{ mountPath: '/results', source: { kind: 'persistentVolumeClaim', claimName: 'no-such-claim' } }]),
      (e: Error) => /^The kernel pod cannot be scheduled: .*persistentvolumeclaim "no-such-claim" not found.*\(create the PersistentVolumeClaim "no-such-claim" in namespace /.test(e.message) || assert.fail(e.message),
    );
    await waitForNoBerthObjects(namespace);
  });

  it('fails fast when the claim is not bound to a volume', async () => {
    const name = `unbound-${randomSuffix()}`;
    await admin().core.createNamespacedPersistentVolumeClaim({ namespace, body: { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Mi' } } } } });
    await assert.rejects(
      start([{ mountPath: '/results', source: { kind: 'persistentVolumeClaim', claimName: name } }]),
      (e: Error) => /^The kernel pod cannot be scheduled: .*unbound.*PersistentVolumeClaims/.test(e.message) || assert.fail(e.message),
    );
    await waitForNoBerthObjects(namespace);
  });
});
