// A user whom RBAC limits to one namespace (a ServiceAccount, a Role, a RoleBinding and a kubeconfig of its own,
// all made by this test with the admin kubeconfig) sees that namespace's pods, and a clear message for the rest.
import { strict as assert } from 'assert';
import type { ClusterModel } from '../../../src/core/kubernetes/clusterModel';
import { kubeconfigSource } from '../../../src/core/kubernetes/kubeconfig';
import { admin, adminServer, createNamespace, createPod, deleteNamespace, ensureKernelImageInRegistry, removeKernelImageTag, kubeconfigFor, RecordingLogger, realModel, TempFiles, waitFor, waitForModel } from './helpers';

const SA = 'berth-limited';

describe('Kubernetes: a user limited to one namespace by RBAC (real cluster)', function () {
  this.timeout(180000);
  let namespace: string | undefined;
  let files: TempFiles | undefined;
  let model: ClusterModel | undefined;
  let kubeconfig: string;
  const log = new RecordingLogger();

  before(async () => {
    files = new TempFiles();
    namespace = await createNamespace();
    await ensureKernelImageInRegistry();
    const { core, rbac } = admin();
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: SA } } });
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'pod-reader' },
        rules: [
          { apiGroups: [''], resources: ['pods', 'pods/log', 'events'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: { metadata: { name: 'pod-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: SA, namespace }] },
    });
    // Kubernetes 1.20's token controller writes the ServiceAccount's token into a Secret.
    const ns = namespace;
    const token = await waitFor(
      async () => {
        const secrets = await core.listNamespacedSecret({ namespace: ns });
        const secret = secrets.items.find((s) => s.type === 'kubernetes.io/service-account-token' && s.metadata?.annotations?.['kubernetes.io/service-account.name'] === SA);
        return secret?.data?.token ? Buffer.from(secret.data.token, 'base64').toString('utf8') : undefined;
      },
      60000,
      () => `no token Secret for ServiceAccount ${SA}`,
    );
    kubeconfig = files.write('limited.yaml', kubeconfigFor('berth-it-limited', adminServer(), { token }, { namespace }));
    await createPod(namespace, 'visible');
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

  it('sees its own namespace with its pods, and is told why no other namespace is listed', async () => {
    const m = (model = realModel(log));
    await m.load(kubeconfigSource(kubeconfig, {}, '/'));
    m.open('berth-it-limited');
    await waitForModel(m, () => m.context('berth-it-limited')?.namespaces !== undefined, 30000, () => `namespaces: ${JSON.stringify(m.context('berth-it-limited'))}`);
    const state = m.context('berth-it-limited')!;
    assert.equal(state.status, 'ready');
    assert.deepEqual(state.namespaces?.map((n) => n.name), [namespace]);
    assert.equal(state.namespacesNote, `"system:serviceaccount:${namespace}:${SA}" may not list namespaces: showing only "${namespace}", the context's namespace.`);

    m.watchPods('berth-it-limited', namespace!);
    await waitForModel(m, () => m.pod('berth-it-limited', namespace!, 'visible') !== undefined, 60000, () => `pod visible: ${JSON.stringify(m.pods('berth-it-limited', namespace!))}`);
  });

  it('gets a clear message for the pods of a namespace it may not read', async () => {
    const m = (model = realModel(log));
    await m.load(kubeconfigSource(kubeconfig, {}, '/'));
    m.setPreferences({ chosenNamespaces: { 'berth-it-limited': 'default' } });
    m.watchPods('berth-it-limited', 'default');
    await waitForModel(m, () => m.pods('berth-it-limited', 'default').status === 'failed', 30000, () => `a failure: ${JSON.stringify(m.pods('berth-it-limited', 'default'))}`);
    const { error } = m.pods('berth-it-limited', 'default');
    assert.equal(error?.kind, 'forbidden');
    assert.equal(error?.message, `"system:serviceaccount:${namespace}:${SA}" may not list pods in namespace "default" (403 Forbidden, context "berth-it-limited").`);
    assert.equal(m.context('berth-it-limited')?.status, 'ready', 'the context itself still answers');
    assert.match(m.context('berth-it-limited')?.namespacesNote ?? '', /showing only "default", the namespace chosen in the Cluster view/);
  });
});
