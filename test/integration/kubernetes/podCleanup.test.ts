// What a window's activation cleanup does to Berth pods on a real cluster: the pod launcher lists them by label
// (finished ones marked), core's dispositionOf decides, and remove() deletes the pod with its Secret — as
// features/kernels/register.ts cleanUpOrphans does. Finished pods of any host and this host's pods whose owner is gone
// are removed; another host's live pod, a live owner's pod on this host and a kept-alive pod stay.
import { strict as assert } from 'assert';
import { spawn } from 'node:child_process';
import { localHost } from '../../../src/adapters/host/localHost';
import { KubernetesServerLauncher } from '../../../src/adapters/kubernetes/kubernetesServerLauncher';
import type { KernelOwner, RunningServer } from '../../../src/core/kernels/api';
import { kernelPodLabels } from '../../../src/core/kubernetes/kernelPod';
import { dispositionOf, type Disposition } from '../../../src/core/notebook/kernelOwnership';
import { admin, createNamespace, deleteNamespace, podManifest, RecordingLogger, waitFor } from './helpers';
import { berthObjectsNotDeleted, podTarget, pushPodTestImage, removeBerthObjects, removePodTestImageTag } from './podHelpers';

/** An owner on this host whose process has ended: spawned, stamped while alive, then stopped. */
async function deadOwner(id: string): Promise<KernelOwner> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  const stamp = localHost().stampOf(child.pid!);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
  return { kind: 'vscode', id, ...stamp, pid: child.pid! };
}

describe('Kubernetes: activation cleanup of Berth pods (real cluster)', function () {
  this.timeout(240_000);
  let namespace: string;

  before(async () => {
    namespace = await createNamespace('berth-cleanup');
    await pushPodTestImage();
  });
  after(async () => {
    await removeBerthObjects(namespace);
    await deleteNamespace(namespace);
    await removePodTestImageTag();
  });

  /** A pod labelled as Berth labels a kernel pod, running `command`, with its Secret owned by it. */
  async function berthPod(name: string, owner: KernelOwner, command: string[], over: { keepAlive?: boolean } = {}): Promise<void> {
    const target = podTarget(namespace);
    const { labels, annotations } = kernelPodLabels(target, { notebookKey: `file:///work/${name}.ipynb`, env: {}, extraMounts: [], owner, keepAlive: over.keepAlive ?? false });
    const { core } = admin();
    const pod = await core.createNamespacedPod({ namespace, body: podManifest(name, { labels, annotations, command, image: target.image, restartPolicy: 'Never' }) });
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name, labels, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid: pod.metadata!.uid! }] }, stringData: { token: 'not-a-real-token' } },
    });
  }

  it('removes finished pods and this host\'s pods whose owner is gone, with their Secrets; leaves live owners\' pods alone', async () => {
    const host = localHost();
    const me = { kind: 'vscode', id: 'this-window', ...host.stampOf(process.pid), pid: process.pid };
    const liveElsewhereOnThisHost = { ...me, id: 'another-window-here' };
    const otherHost = { kind: 'vscode', id: 'a-window-elsewhere', host: 'another-host-identity', pid: 1, pidStart: '1' };
    const sleep = ['sh', '-c', 'exec sleep 3600'];
    await berthPod('dead-owner', await deadOwner('a-closed-window'), sleep);
    await berthPod('finished-here', me, ['true']);
    await berthPod('finished-elsewhere', otherHost, ['true']);
    await berthPod('live-elsewhere', otherHost, sleep);
    await berthPod('live-here', liveElsewhereOnThisHost, sleep);
    await berthPod('dead-owner-kept', await deadOwner('a-closed-window'), sleep, { keepAlive: true });

    const launcher = new KubernetesServerLauncher(new RecordingLogger(), { scopes: [{ context: podTarget(namespace).context, namespace, kubeconfig: podTarget(namespace).kubeconfig }] });
    const nameOf = (s: RunningServer) => s.resourceId.split('/')[1];
    // The cluster has to get there first: the sleeping pods run, the `true` ones have ended.
    const listed = await waitFor(
      async () => {
        const servers = await launcher.listRunning();
        const by = new Map(servers.map((s) => [nameOf(s), s]));
        const settled = ['dead-owner', 'live-elsewhere', 'live-here', 'dead-owner-kept'].every((n) => by.get(n)?.running) && ['finished-here', 'finished-elsewhere'].every((n) => by.get(n)?.finished);
        return settled && servers.length === 6 ? servers : undefined;
      },
      120_000,
      () => 'the six pods did not reach their states',
    );
    assert.ok(listed.every((s) => s.running !== s.finished), 'a pod is either running or finished here');

    const window = { ownerId: me.id, host, isNotebookOpen: () => false };
    const decided = new Map<string, Disposition>(listed.map((s) => [nameOf(s), dispositionOf(s, window)]));
    assert.deepEqual(Object.fromEntries([...decided].sort()), {
      'dead-owner': 'orphan',
      'dead-owner-kept': 'keep',
      'finished-elsewhere': 'orphan',
      'finished-here': 'orphan',
      'live-elsewhere': 'keep',
      'live-here': 'keep',
    });
    for (const s of listed) if (decided.get(nameOf(s)) === 'orphan') await s.remove();

    await waitFor(
      async () => {
        const left = await berthObjectsNotDeleted(namespace);
        return left.pods.sort().join() === 'dead-owner-kept,live-elsewhere,live-here' && left.secrets.sort().join() === 'dead-owner-kept,live-elsewhere,live-here' ? true : undefined;
      },
      60_000,
      () => 'the orphans (and only they) were not deleted with their Secrets',
    );
  });

  it('reads the kubeconfig setting when it connects: scopes read before the setting arrived still reach the cluster', async () => {
    const setting: { value?: string } = {};
    const launcher = new KubernetesServerLauncher(new RecordingLogger(), { scopes: [{ context: podTarget(namespace).context, namespace }], kubeconfig: () => setting.value });
    // No kubeconfig yet (and none in KUBECONFIG or ~/.kube/config that has this context): nothing to connect with.
    await assert.rejects(launcher.listRunning(), /no context/);
    setting.value = podTarget(namespace).kubeconfig;
    const names = (await launcher.listRunning()).map((s) => s.resourceId.split('/')[1]);
    assert.ok(names.includes('live-here'), `listed: ${names.join(', ')}`);
  });
});
