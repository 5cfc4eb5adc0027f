// Cluster access against the real test cluster: contexts from merged kubeconfig files, namespaces and pods listed
// and watched, and a clear message for each way of failing to get in (no answer, TLS, credentials, exec plugin).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import { ClientNodeKubernetes } from '../../../src/adapters/kubernetes/clientNodeKubernetes';
import { ClusterError } from '../../../src/core/kubernetes/clusterErrors';
import type { ClusterModel } from '../../../src/core/kubernetes/clusterModel';
import { kubeconfigSource, mergeKubeconfigs, singleContextDocument, type KubeconfigSource } from '../../../src/core/kubernetes/kubeconfig';
import {
  adminDocument,
  adminKubeconfig,
  adminServer,
  createNamespace,
  createPod,
  deleteNamespace,
  ensureKernelImageInRegistry, removeKernelImageTag,
  kubeconfigFor,
  RecordingLogger,
  realModel,
  TempFiles,
  waitForModel,
  admin,
} from './helpers';

function jwt(claims: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', kid: 'x' })}.${b64(claims)}.c2ln`;
}

describe('Kubernetes: cluster access (real cluster)', function () {
  this.timeout(180000);
  let namespace: string | undefined;
  let files: TempFiles;
  let model: ClusterModel | undefined;
  const log = new RecordingLogger();

  before(async () => {
    adminKubeconfig();
    files = new TempFiles();
    namespace = await createNamespace();
    await ensureKernelImageInRegistry();
  });

  afterEach(() => {
    model?.dispose();
    model = undefined;
  });

  after(async () => {
    await deleteNamespace(namespace);
    await removeKernelImageTag();
    files?.cleanup();
  });

  /** KUBECONFIG with the admin file first and a second file with more contexts, merged as kubectl does. */
  function mergedSource(extra: object): KubeconfigSource {
    const second = files.write(`extra-${Math.random().toString(36).slice(2)}.yaml`, extra);
    return kubeconfigSource('', { KUBECONFIG: `${adminKubeconfig()}:${second}` }, '/nonexistent-home');
  }

  async function connected(source: KubeconfigSource, context: string): Promise<ClusterModel> {
    const m = realModel(log);
    await m.load(source);
    m.open(context);
    return m;
  }

  async function failureOf(source: KubeconfigSource, context: string): Promise<ClusterError> {
    model = await connected(source, context);
    const m = model;
    await waitForModel(m, () => m.context(context)?.error !== undefined, 30000, () => `an error for ${context}: ${JSON.stringify(m.context(context)?.status)}`);
    return m.context(context)!.error!;
  }

  it('lists the contexts of every KUBECONFIG file; the first file sets current-context', async () => {
    const adminContext = adminDocument()['current-context']!;
    const source = mergedSource(kubeconfigFor('berth-it-other', 'https://127.0.0.1:1', { token: 'x' }));
    model = realModel(log);
    await model.load(source);
    const names = model.contexts.map((c) => c.context.name);
    assert.ok(names.includes(adminContext) && names.includes('berth-it-other'), names.join(', '));
    assert.equal(model.activeContext, adminContext);
  });

  it('lists namespaces and keeps the pods of one live: a pod created and deleted from outside comes and goes', async () => {
    const context = adminDocument()['current-context']!;
    model = await connected(kubeconfigSource(adminKubeconfig(), {}, '/'), context);
    const m = model;
    await waitForModel(m, () => m.context(context)?.namespaces?.some((n) => n.name === namespace) === true, 30000, () => `namespace ${namespace} listed`);
    assert.equal(m.context(context)?.status, 'ready');
    m.watchPods(context, namespace!);
    await waitForModel(m, () => m.pods(context, namespace!).status === 'ready', 30000, () => 'the pod list');
    assert.deepEqual(m.pods(context, namespace!).pods, []);

    await createPod(namespace!, 'watched');
    await waitForModel(m, () => m.pod(context, namespace!, 'watched')?.phase === 'Running', 120000, () => `pod watched Running: ${JSON.stringify(m.pod(context, namespace!, 'watched')?.phase)}`);
    await admin().core.deleteNamespacedPod({ namespace: namespace!, name: 'watched', gracePeriodSeconds: 0 });
    await waitForModel(m, () => m.pod(context, namespace!, 'watched') === undefined, 60000, () => 'pod watched gone');

    // A namespace created from outside appears too.
    const other = await createNamespace('berth-it-ns');
    try {
      await waitForModel(m, () => m.context(context)?.namespaces?.some((n) => n.name === other) === true, 30000, () => `namespace ${other} listed`);
    } finally {
      await deleteNamespace(other);
    }
  });

  it('an address where nothing answers gives a message with the address, and keeps reconnecting', async () => {
    const error = await failureOf(mergedSource(kubeconfigFor('berth-it-dead', 'https://127.0.0.1:1', { token: 'x' })), 'berth-it-dead');
    assert.equal(error.kind, 'unreachable');
    assert.equal(error.message, 'No answer from https://127.0.0.1:1 (context "berth-it-dead"): ECONNREFUSED.');
    assert.equal(model!.context('berth-it-dead')?.status, 'unreachable');
    assert.ok(model!.context('berth-it-dead')?.retryAtMs, 'a reconnect is scheduled');
  });

  it('a server certificate the kubeconfig does not trust is a TLS failure', async () => {
    const error = await failureOf(mergedSource(kubeconfigFor('berth-it-tls', adminServer(), { token: 'x' }, { ca: false })), 'berth-it-tls');
    assert.equal(error.kind, 'tls');
    assert.match(error.message, /^TLS failure talking to https:\/\/127\.0\.0\.1:\d+ \(context "berth-it-tls"\): the server's certificate is not signed by the cluster's certificate authority/);
  });

  it('credentials the server rejects', async () => {
    const error = await failureOf(mergedSource(kubeconfigFor('berth-it-badtoken', adminServer(), { token: 'not-a-real-token' })), 'berth-it-badtoken');
    assert.equal(error.kind, 'unauthorized');
    assert.match(error.message, /rejected the credentials of user "berth-it-badtoken-user" \(401 Unauthorized, context "berth-it-badtoken"\)/);
  });

  it('expired credentials say when they expired', async () => {
    const exp = Math.floor(Date.parse('2026-01-02T03:04:00Z') / 1000);
    const error = await failureOf(mergedSource(kubeconfigFor('berth-it-expired', adminServer(), { token: jwt({ iss: 'x', sub: 'y', exp }) })), 'berth-it-expired');
    assert.equal(error.kind, 'expired');
    assert.equal(error.message, 'The credentials of user "berth-it-expired-user" expired on 2026-01-02 03:04 UTC (context "berth-it-expired"): get new ones (log in again), then Refresh.');
  });

  it('an exec credential plugin that fails, and one that is not installed', async () => {
    const failing = await failureOf(
      mergedSource(kubeconfigFor('berth-it-exec', adminServer(), { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'sh', args: ['-c', 'echo "error: you must log in first" >&2; exit 1'] } })),
      'berth-it-exec',
    );
    assert.equal(failing.kind, 'execPlugin');
    assert.equal(failing.message, 'The credential plugin "sh" of user "berth-it-exec-user" failed (context "berth-it-exec"): error: you must log in first.');
    model?.dispose();
    const missing = await failureOf(
      mergedSource(kubeconfigFor('berth-it-noexec', adminServer(), { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'berth-no-such-credential-plugin' } })),
      'berth-it-noexec',
    );
    assert.equal(missing.kind, 'execPlugin');
    assert.match(missing.message, /"berth-no-such-credential-plugin" .* failed \(context "berth-it-noexec"\): the command is not installed or not on PATH\./);
  });

  it('the client reads the merged document as is: a request works through it', async () => {
    const source = kubeconfigSource(adminKubeconfig(), {}, '/');
    const merged = mergeKubeconfigs(source, [{ path: adminKubeconfig(), text: fs.readFileSync(adminKubeconfig(), 'utf8') }]);
    const context = merged.contexts[0];
    const client = new ClientNodeKubernetes(log).connect(singleContextDocument(merged, context.name), context);
    try {
      await client.probe(AbortSignal.timeout(10000));
      const events = await client.listPodEvents(namespace!, 'none');
      assert.deepEqual(events, []);
    } finally {
      client.dispose();
    }
  });
});
