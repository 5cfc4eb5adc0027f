// ClusterModel against a scripted cluster port: the model's state machine (connect, fallback, reconnect with
// backoff, resume) is pure logic, so a fake is allowed here. The real client is tested in test/integration.
import { strict as assert } from 'assert';
import type { Disposable } from '../../../src/core/common/lifecycle';
import { nullLogger } from '../../../src/core/common/logger';
import type { ClusterClient, ExecSession, KubernetesPort, ResourceWatch, WatchHandlers } from '../../../src/core/kubernetes/clusterClient';
import { ClusterError } from '../../../src/core/kubernetes/clusterErrors';
import { ClusterModel, type ClusterChange } from '../../../src/core/kubernetes/clusterModel';
import type { KubeconfigDocument, KubeContext } from '../../../src/core/kubernetes/kubeconfig';
import { toPodInfo, type NamespaceInfo, type PodInfo } from '../../../src/core/kubernetes/resources';
import { apiPod } from './pods';

const CONFIG = `
current-context: dev
clusters:
- { name: c1, cluster: { server: 'https://127.0.0.1:6443' } }
- { name: c2, cluster: { server: 'https://127.0.0.1:7443' } }
users:
- { name: ann, user: { token: abc } }
contexts:
- { name: dev, context: { cluster: c1, user: ann, namespace: team } }
- { name: prod, context: { cluster: c2, user: ann } }
`;

class ScriptedWatch<T> implements ResourceWatch {
  resumes = 0;
  disposed = false;
  constructor(readonly handlers: WatchHandlers<T>) {}
  resume(): void {
    this.resumes++;
  }
  dispose(): void {
    this.disposed = true;
  }
}

class ScriptedClient implements ClusterClient {
  namespaces?: ScriptedWatch<NamespaceInfo>;
  readonly pods = new Map<string, ScriptedWatch<PodInfo>>();
  probeResult: ClusterError | undefined;
  probes = 0;
  disposed = false;
  constructor(readonly context: KubeContext) {}
  async probe(): Promise<void> {
    this.probes++;
    if (this.probeResult) throw this.probeResult;
  }
  watchNamespaces(handlers: WatchHandlers<NamespaceInfo>): ResourceWatch {
    return (this.namespaces = new ScriptedWatch(handlers));
  }
  watchPods(namespace: string, handlers: WatchHandlers<PodInfo>): ResourceWatch {
    const w = new ScriptedWatch(handlers);
    this.pods.set(namespace, w);
    return w;
  }
  readPod(): Promise<PodInfo> {
    throw new Error('unused');
  }
  listPodEvents(): Promise<never[]> {
    throw new Error('unused');
  }
  deletePod(): Promise<void> {
    throw new Error('unused');
  }
  streamLogs(): Promise<Disposable> {
    throw new Error('unused');
  }
  exec(): Promise<ExecSession> {
    throw new Error('unused');
  }
  dispose(): void {
    this.disposed = true;
  }
}

class ScriptedPort implements KubernetesPort {
  files = new Map<string, string>([['/kube/config', CONFIG]]);
  readonly clients: ScriptedClient[] = [];
  documents: KubeconfigDocument[] = [];
  async readKubeconfig(path: string): Promise<string | undefined> {
    return this.files.get(path);
  }
  connect(document: KubeconfigDocument, context: KubeContext): ClusterClient {
    this.documents.push(document);
    const c = new ScriptedClient(context);
    this.clients.push(c);
    return c;
  }
  latest(name: string): ScriptedClient {
    const c = [...this.clients].reverse().find((x) => x.context.name === name);
    assert.ok(c, `no client for ${name}`);
    return c;
  }
}

const SOURCE = { origin: 'default' as const, paths: ['/kube/config'] };
const ns = (name: string): NamespaceInfo => ({ name, uid: name, phase: 'Active' });
const pod = (name: string, uid = `uid-${name}`): PodInfo => ({ ...toPodInfo(apiPod(name)), uid, namespace: 'team' });
const unreachable = () => new ClusterError('unreachable', 'No answer from https://127.0.0.1:6443 (context "dev"): ECONNREFUSED.', 'dev');

function waitForChange(model: ClusterModel, accept: (c: ClusterChange) => boolean, ms = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('timed out waiting for a model change'));
    }, ms);
    const sub = model.onDidChange((c) => {
      if (accept(c)) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

describe('ClusterModel', () => {
  let port: ScriptedPort;
  let model: ClusterModel;
  beforeEach(async () => {
    port = new ScriptedPort();
    model = new ClusterModel(port, nullLogger, { reconnectMinMs: 10, reconnectMaxMs: 40, stableMs: 60000, probeTimeoutMs: 500 });
    await model.load(SOURCE);
  });
  afterEach(() => model.dispose());

  it('lists the kubeconfig contexts; current-context is active unless a preference names another', () => {
    assert.deepEqual(model.contexts.map((c) => [c.context.name, c.active, c.status]), [
      ['dev', true, 'idle'],
      ['prod', false, 'idle'],
    ]);
    model.setPreferences({ context: 'prod' });
    assert.equal(model.activeContext, 'prod');
    model.setPreferences({ context: 'gone' });
    assert.equal(model.activeContext, 'dev');
  });

  it('picks the namespace: chosen in the view, then the setting (active context only), then the context, then default', () => {
    assert.deepEqual(model.namespaceOf('dev'), { namespace: 'team', origin: 'context' });
    assert.deepEqual(model.namespaceOf('prod'), { namespace: 'default', origin: 'default' });
    model.setPreferences({ namespace: 'set' });
    assert.deepEqual(model.namespaceOf('dev'), { namespace: 'set', origin: 'setting' });
    assert.deepEqual(model.namespaceOf('prod'), { namespace: 'default', origin: 'default' });
    model.setPreferences({ namespace: 'set', chosenNamespaces: { dev: 'picked' } });
    assert.deepEqual(model.namespaceOf('dev'), { namespace: 'picked', origin: 'chosen' });
  });

  it('connects with a one-context document and becomes ready when the namespaces are listed', () => {
    model.open('dev');
    assert.equal(model.context('dev')?.status, 'connecting');
    assert.deepEqual(port.documents[0].contexts.map((c) => c.name), ['dev']);
    port.latest('dev').namespaces!.handlers.onSync([ns('team'), ns('default')]);
    const state = model.context('dev')!;
    assert.equal(state.status, 'ready');
    assert.deepEqual(state.namespaces?.map((n) => n.name), ['default', 'team']);
  });

  it('keeps namespaces live from watch events', () => {
    model.open('dev');
    const w = port.latest('dev').namespaces!;
    w.handlers.onSync([ns('team')]);
    w.handlers.onAdd(ns('new'));
    w.handlers.onDelete(ns('team'));
    assert.deepEqual(model.context('dev')?.namespaces?.map((n) => n.name), ['new']);
  });

  it('watches pods only once the context answers, and keeps each pod once', () => {
    model.watchPods('dev', 'team');
    const client = port.latest('dev');
    assert.equal(client.pods.size, 0, 'no pod watch before the context answered');
    assert.equal(model.pods('dev', 'team').status, 'loading');
    client.namespaces!.handlers.onSync([ns('team')]);
    const w = client.pods.get('team')!;
    w.handlers.onSync([pod('a'), pod('b')]);
    w.handlers.onAdd(pod('a'));
    w.handlers.onUpdate({ ...pod('b'), phase: 'Succeeded' });
    w.handlers.onAdd(pod('c'));
    const state = model.pods('dev', 'team');
    assert.equal(state.status, 'ready');
    assert.deepEqual(state.pods.map((p) => `${p.name}:${p.phase}`), ['a:Running', 'b:Succeeded', 'c:Running']);
  });

  it('a delete of an older pod with the same name does not remove the new one', () => {
    model.watchPods('dev', 'team');
    port.latest('dev').namespaces!.handlers.onSync([ns('team')]);
    const w = port.latest('dev').pods.get('team')!;
    w.handlers.onSync([pod('a', 'new-uid')]);
    w.handlers.onDelete(pod('a', 'old-uid'));
    assert.deepEqual(model.pods('dev', 'team').pods.map((p) => p.uid), ['new-uid']);
    w.handlers.onDelete(pod('a', 'new-uid'));
    assert.deepEqual(model.pods('dev', 'team').pods, []);
  });

  it('a relist replaces the whole set (what was deleted meanwhile goes)', () => {
    model.watchPods('dev', 'team');
    port.latest('dev').namespaces!.handlers.onSync([ns('team')]);
    const w = port.latest('dev').pods.get('team')!;
    w.handlers.onSync([pod('a'), pod('b')]);
    w.handlers.onSync([pod('b'), pod('c')]);
    assert.deepEqual(model.pods('dev', 'team').pods.map((p) => p.name), ['b', 'c']);
  });

  it('falls back to the context namespace when namespaces are forbidden, and says so', () => {
    model.watchPods('dev', 'team');
    const client = port.latest('dev');
    client.namespaces!.handlers.onError(
      new ClusterError('forbidden', '"system:serviceaccount:team:limited" may not list namespaces (403 Forbidden, context "dev").', 'dev', 403, { identity: 'system:serviceaccount:team:limited' }),
    );
    const state = model.context('dev')!;
    assert.equal(state.status, 'ready');
    assert.deepEqual(state.namespaces?.map((n) => n.name), ['team']);
    assert.equal(state.namespacesNote, '"system:serviceaccount:team:limited" may not list namespaces: showing only "team", the context\'s namespace.');
    assert.ok(client.namespaces!.disposed);
    assert.ok(client.pods.has('team'), 'pods of the fallback namespace are watched');
  });

  it('pods it may not list fail that namespace only', () => {
    model.watchPods('dev', 'other');
    const client = port.latest('dev');
    client.namespaces!.handlers.onSync([ns('other')]);
    const error = new ClusterError('forbidden', '"x" may not list pods in namespace "other" (403 Forbidden, context "dev").', 'dev', 403);
    client.pods.get('other')!.handlers.onError(error);
    assert.equal(model.context('dev')?.status, 'ready');
    assert.deepEqual(model.pods('dev', 'other'), { status: 'failed', pods: [], error });
  });

  it('an unreachable context reconnects with backoff and resumes its watches where they stopped', async () => {
    model.watchPods('dev', 'team');
    const client = port.latest('dev');
    client.namespaces!.handlers.onSync([ns('team')]);
    client.pods.get('team')!.handlers.onSync([pod('a')]);

    client.probeResult = unreachable();
    client.pods.get('team')!.handlers.onError(unreachable());
    const down = model.context('dev')!;
    assert.equal(down.status, 'unreachable');
    assert.match(down.error?.message ?? '', /No answer from/);
    assert.ok(down.retryAtMs !== undefined);
    assert.deepEqual(model.pods('dev', 'team').pods.map((p) => p.name), ['a'], 'the last known pods stay listed');

    // Two failed probes: the delay grows (10 ms, 20 ms, then 40 ms).
    await waitForChange(model, () => client.probes >= 2);
    assert.equal(model.context('dev')?.status, 'unreachable');
    client.probeResult = undefined;
    await waitForChange(model, (c) => c.kind === 'context' && model.context('dev')?.status === 'ready');
    assert.equal(client.namespaces!.resumes, 1);
    assert.equal(client.pods.get('team')!.resumes, 1);
    assert.equal(port.clients.length, 1, 'the same client resumes; nothing is relisted from scratch');
  });

  it('rejected credentials fail the context without retrying', async () => {
    model.open('dev');
    const client = port.latest('dev');
    client.namespaces!.handlers.onError(new ClusterError('unauthorized', 'rejected', 'dev', 401));
    assert.equal(model.context('dev')?.status, 'failed');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(client.probes, 0);
  });

  it('refresh of a context reconnects it from scratch and rewatches its pods', async () => {
    model.watchPods('dev', 'team');
    const first = port.latest('dev');
    await model.refresh(SOURCE, 'dev');
    assert.ok(first.disposed);
    const second = port.latest('dev');
    assert.notEqual(first, second);
    second.namespaces!.handlers.onSync([ns('team')]);
    assert.ok(second.pods.has('team'));
  });

  it('collapsing a namespace stops its pod watch', () => {
    model.watchPods('dev', 'team');
    port.latest('dev').namespaces!.handlers.onSync([ns('team')]);
    const w = port.latest('dev').pods.get('team')!;
    model.unwatchPods('dev', 'team');
    assert.ok(w.disposed);
    assert.equal(model.pods('dev', 'team').status, 'idle');
  });

  it('reloading the kubeconfig reconnects open contexts with their pod watches', async () => {
    model.watchPods('dev', 'team');
    const first = port.latest('dev');
    port.files.set('/kube/config', CONFIG.replace('7443', '8443'));
    await model.load(SOURCE);
    assert.ok(first.disposed);
    assert.equal(model.context('prod')?.context.server, 'https://127.0.0.1:8443');
    const second = port.latest('dev');
    second.namespaces!.handlers.onSync([ns('team')]);
    assert.ok(second.pods.has('team'));
  });

  it('says when no kubeconfig exists and when one cannot be read', async () => {
    port.files.clear();
    await model.load(SOURCE);
    assert.equal(model.configState.kind, 'none');
    assert.deepEqual(model.contexts, []);
    port.files.set('/kube/config', 'clusters: [');
    await model.load(SOURCE);
    const state = model.configState as { kind: string; message?: string };
    assert.ok(state.kind === 'invalid' && /\/kube\/config cannot be read: it is not valid YAML/.test(state.message ?? ''), JSON.stringify(state));
  });

  it('a context whose cluster is missing fails with the reason, without a client', () => {
    port.files.set('/kube/config', `${CONFIG}\n`.replace('- { name: prod, context: { cluster: c2, user: ann } }', '- { name: prod, context: { cluster: nope, user: ann } }'));
    return model.load(SOURCE).then(() => {
      model.open('prod');
      const state = model.context('prod')!;
      assert.equal(state.status, 'failed');
      assert.match(state.error?.message ?? '', /cluster "nope", which no kubeconfig file defines/);
      assert.equal(port.clients.filter((c) => c.context.name === 'prod').length, 0);
    });
  });
});
