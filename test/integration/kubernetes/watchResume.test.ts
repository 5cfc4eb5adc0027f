// The Cluster view's watches under failure, against the real cluster: a dropped connection resumes from the
// watch's resourceVersion (the server replays what happened meanwhile: nothing lost, nothing twice), and a
// restarted API server (whose new watch cache no longer has that version: 410 Gone) leads to a relist.
// The pods stay Pending (no node matches them): their creates and deletes are API events like any other, and a
// delete needs no kubelet to confirm it (the kubelet's own watch takes minutes to recover from an API restart).
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import type { ClusterModel } from '../../../src/core/kubernetes/clusterModel';
import { kubeconfigSource } from '../../../src/core/kubernetes/kubeconfig';
import { admin, adminDocument, adminKubeconfig, adminServer, createNamespace, createPod, deleteNamespace, RecordingLogger, realModel, TempFiles, waitFor, waitForModel } from './helpers';
import { TcpProxy } from '../../support/tcpProxy';

const ROOT = path.resolve(__dirname, '../../../..');

async function apiPodNames(namespace: string): Promise<string[]> {
  const list = await admin().core.listNamespacedPod({ namespace });
  return list.items.map((p) => p.metadata!.name!).sort();
}

function modelPodNames(model: ClusterModel, context: string, namespace: string): string[] {
  return model.pods(context, namespace).pods.map((p) => p.name);
}

describe('Kubernetes: watches that drop (real cluster)', function () {
  this.timeout(300000);
  let namespace: string | undefined;
  let files: TempFiles | undefined;
  let proxy: TcpProxy | undefined;
  let model: ClusterModel | undefined;

  before(async () => {
    adminKubeconfig();
    files = new TempFiles();
  });

  // Each test watches a namespace of its own.
  beforeEach(async () => {
    namespace = await createNamespace();
  });

  afterEach(async () => {
    model?.dispose();
    model = undefined;
    await proxy?.close();
    proxy = undefined;
    await deleteNamespace(namespace);
    namespace = undefined;
  });

  after(() => {
    files?.cleanup();
  });

  it('a dropped connection: reconnects by itself and resumes from the resourceVersion, replaying a create and a delete', async () => {
    const ns = namespace!;
    const server = new URL(adminServer());
    proxy = new TcpProxy(server.hostname, Number(server.port));
    const port = await proxy.start();
    // The admin kubeconfig, pointed at the proxy: the server's certificate names 127.0.0.1, whatever the port.
    const doc = adminDocument();
    const viaProxy = { ...doc, clusters: doc.clusters.map((c) => ({ ...c, cluster: { ...c.cluster, server: `https://127.0.0.1:${port}` } })) };
    const file = files!.write('via-proxy.yaml', viaProxy);
    const context = doc['current-context']!;
    const log = new RecordingLogger();
    const m = (model = realModel(log, { reconnectMinMs: 300, reconnectMaxMs: 1500 }));
    await m.load(kubeconfigSource(file, {}, '/'));
    await createPod(ns, 'before', { unschedulable: true });
    m.watchPods(context, ns);
    await waitForModel(m, () => m.pod(context, ns, 'before') !== undefined, 60000, () => 'pod before listed');
    const listsBefore = log.matching(new RegExp(`listed /api/v1/namespaces/${ns}/pods`)).length;

    proxy.cut();
    await waitForModel(m, () => m.context(context)?.status === 'unreachable', 30000, () => `unreachable: ${m.context(context)?.status}`);
    assert.match(m.context(context)!.error!.message, new RegExp(`^No answer from https://127\\.0\\.0\\.1:${port} \\(context "${context}"\\)`));
    assert.deepEqual(modelPodNames(m, context, ns), ['before'], 'the last known pods stay while the context is unreachable');

    // Meanwhile, another user of the cluster changes the namespace.
    await createPod(ns, 'during', { unschedulable: true });
    await admin().core.deleteNamespacedPod({ namespace: ns, name: 'before', gracePeriodSeconds: 0 });
    await waitFor(async () => (await apiPodNames(ns)).join() === 'during', 60000, () => 'pod before gone from the API');

    proxy.restore();
    await waitForModel(m, () => modelPodNames(m, context, ns).join() === 'during', 60000, () => `the model to show only "during": ${modelPodNames(m, context, ns)}`);
    assert.equal(m.context(context)?.status, 'ready');
    assert.deepEqual(modelPodNames(m, context, ns), await apiPodNames(ns), 'the model equals the API server: no pod lost, none twice');
    const lists = log.matching(new RegExp(`listed /api/v1/namespaces/${ns}/pods`)).length;
    const resumed = log.matching(new RegExp(`watch /api/v1/namespaces/${ns}/pods from resourceVersion \\d+`));
    assert.equal(lists, listsBefore, 'no relist: the watch resumed from its resourceVersion');
    assert.ok(resumed.length >= 2, `the watch was reopened from a resourceVersion: ${resumed.join(' | ')}`);
    console.log(`      (resumed from resourceVersion; pod lists before/after: ${listsBefore}/${lists}; watch opened ${resumed.length} times)`);
  });

  it('survives an API server restart: back by itself, and the pods equal the server\'s', async () => {
    const ns = namespace!;
    const context = adminDocument()['current-context']!;
    const log = new RecordingLogger();
    const m = (model = realModel(log, { reconnectMinMs: 1000, reconnectMaxMs: 3000 }));
    await m.load(kubeconfigSource(adminKubeconfig(), {}, '/'));
    await createPod(ns, 'survivor', { unschedulable: true });
    m.watchPods(context, ns);
    await waitForModel(m, () => m.pod(context, ns, 'survivor') !== undefined, 60000, () => 'pod survivor listed');
    const statuses: string[] = [];
    const sub = m.onDidChange(() => statuses.push(m.context(context)?.status ?? 'none'));
    const listsBefore = log.matching(new RegExp(`listed /api/v1/namespaces/${ns}/pods`)).length;
    try {
      const t0 = Date.now();
      const restart = spawnSync(process.execPath, ['scripts/cluster.mjs', 'restart', 'kube-apiserver'], { cwd: ROOT, encoding: 'utf8', timeout: 180000 });
      assert.equal(restart.status, 0, `restart failed: ${restart.stderr}`);
      const restartMs = Date.now() - t0;
      await createPod(ns, 'after-restart', { unschedulable: true });
      await admin().core.deleteNamespacedPod({ namespace: ns, name: 'survivor', gracePeriodSeconds: 0 });
      let names: string[] = [];
      await waitFor(async () => (names = await apiPodNames(ns)).join() === 'after-restart', 60000, () => `the API to list only after-restart: ${names.join(', ')}`);
      const back = Date.now();
      await waitForModel(m, () => m.context(context)?.status === 'ready' && modelPodNames(m, context, ns).join() === 'after-restart', 90000, () => `the model to follow: ${m.context(context)?.status} ${modelPodNames(m, context, ns)}`);
      assert.ok(statuses.includes('unreachable'), `the context showed as unreachable during the restart: ${[...new Set(statuses)].join(', ')}`);
      assert.deepEqual(modelPodNames(m, context, ns), await apiPodNames(ns), 'no pod lost, none twice');
      const lists = log.matching(new RegExp(`listed /api/v1/namespaces/${ns}/pods`)).length;
      // The restarted server builds a fresh watch cache from etcd; the watch's older resourceVersion is gone from
      // it, so it answers 410 Gone and the informer relists.
      const gone = log.matching(new RegExp(`watch /api/v1/namespaces/${ns}/pods answered 410 `));
      assert.ok(gone.length > 0 && lists > listsBefore, `a 410 Gone and a relist: ${gone.join(' | ')}; lists ${listsBefore} → ${lists}`);
      console.log(
        `      (apiserver restart took ${(restartMs / 1000).toFixed(1)} s; model caught up ${((Date.now() - back) / 1000).toFixed(1)} s after the changes; ` +
          `${lists > listsBefore ? 'relisted (the new server answered 410 Gone to the old resourceVersion)' : 'resumed from the resourceVersion without a relist'})`,
      );
    } finally {
      sub.dispose();
    }
  });
});
