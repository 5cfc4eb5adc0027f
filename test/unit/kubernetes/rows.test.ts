// What the Cluster view's rows say: pod columns, Berth kernel pods with their notebook, context states.
import { strict as assert } from 'assert';
import { berthKernelOf } from '../../../src/core/kubernetes/berthPods';
import { ClusterError } from '../../../src/core/kubernetes/clusterErrors';
import type { ContextState } from '../../../src/core/kubernetes/clusterModel';
import { ClusterItems, contextChildren, contextRow, namespaceChildren, podRow } from '../../../src/core/kubernetes/clusterRows';
import { describePod } from '../../../src/core/kubernetes/describePod';
import { LogBuffer } from '../../../src/core/kubernetes/logBuffer';
import { toPodInfo } from '../../../src/core/kubernetes/resources';
import { apiPod, T0, waiting } from './pods';

const NOW = T0 + 5 * 60 * 1000 + 12 * 1000;

function ctx(over: Partial<ContextState> = {}): ContextState {
  return {
    context: { name: 'dev', cluster: 'c', user: 'ann', server: 'https://127.0.0.1:6443' },
    active: true,
    status: 'ready',
    namespace: 'ns1',
    namespaceOrigin: 'context',
    namespaces: [
      { name: 'default', uid: '1', phase: 'Active' },
      { name: 'ns1', uid: '2', phase: 'Active' },
    ],
    ...over,
  };
}

describe('Cluster view rows', () => {
  it('a pod row shows status, ready, restarts, age and node', () => {
    const row = podRow('dev', toPodInfo(apiPod('web')), NOW);
    assert.equal(row.label, 'web');
    assert.equal(row.description, 'Running · 1/1 · 0 restarts · 5m12s · localhost');
    assert.deepEqual(row.icon, { id: 'pass-filled', color: 'testing.iconPassed' });
    assert.equal(row.contextValue, ClusterItems.pod);
  });

  it('a failing pod row shows the waiting reason and its message in the tooltip', () => {
    const row = podRow('dev', toPodInfo(apiPod('bad', { phase: 'Pending', statuses: [waiting('main', 'ImagePullBackOff', 'Back-off pulling image "x"')] })), NOW);
    assert.match(row.description ?? '', /^ImagePullBackOff · 0\/1 /);
    assert.match(row.tooltip ?? '', /ImagePullBackOff: Back-off pulling image "x"/);
    assert.equal(row.icon.id, 'error');
  });

  it('an unschedulable pod says why in its tooltip', () => {
    const api = apiPod('stuck', { phase: 'Pending', statuses: [] });
    const pod = toPodInfo({ ...api, status: { ...api.status, conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: "0/1 nodes are available: 1 node(s) didn't match node selector." }] } });
    assert.match(podRow('dev', pod, NOW).tooltip ?? '', /PodScheduled: Unschedulable: 0\/1 nodes are available: 1 node\(s\) didn't match node selector\./);
  });

  it('a Berth kernel pod is marked, with the notebook from its annotation', () => {
    const pod = toPodInfo(apiPod('k', { labels: { 'berth.kernel': 'kubernetes', 'berth.notebook': 'h4sh' }, annotations: { 'berth.notebook': 'file:///work/my%20analysis.ipynb' } }));
    assert.deepEqual(berthKernelOf(pod)?.notebookName, 'my analysis.ipynb');
    const row = podRow('dev', pod, NOW);
    assert.equal(row.contextValue, ClusterItems.berthPod);
    assert.equal(row.icon.id, 'notebook');
    assert.match(row.description ?? '', /kernel for my analysis\.ipynb$/);
    assert.match(row.tooltip ?? '', /Berth kernel for file:\/\/\/work\/my%20analysis\.ipynb/);
  });

  it('falls back to the notebook label when there is no annotation; other pods are not Berth kernels', () => {
    assert.equal(berthKernelOf({ labels: { 'berth.kernel': 'x', 'berth.notebook': 'nb.ipynb' }, annotations: {} })?.notebook, 'nb.ipynb');
    assert.equal(berthKernelOf({ labels: { app: 'x' }, annotations: { 'berth.notebook': 'nb' } }), undefined);
  });

  it('pod row ids are stable and distinct per context, namespace and name', () => {
    const a = podRow('dev', toPodInfo(apiPod('web')), NOW).id;
    assert.equal(a, podRow('dev', toPodInfo(apiPod('web')), NOW + 1000).id);
    assert.notEqual(a, podRow('prod', toPodInfo(apiPod('web')), NOW).id);
  });

  it('the active context is expanded and marked; the namespace Berth uses is expanded', () => {
    const row = contextRow(ctx());
    assert.equal(row.expanded, true);
    assert.equal(row.contextValue, ClusterItems.activeContext);
    assert.match(row.description ?? '', /^active · https:\/\/127\.0\.0\.1:6443$/);
    const children = contextChildren(ctx());
    assert.deepEqual(children.map((c) => c.label), ['default', 'ns1']);
    assert.deepEqual(children.map((c) => c.kind === 'namespace' && c.expanded), [false, true]);
  });

  it('an unreachable context says so, with the error as its first child', () => {
    const error = new ClusterError('unreachable', 'No answer from https://127.0.0.1:6443 (context "dev"): ECONNREFUSED.', 'dev');
    const state = ctx({ status: 'unreachable', error });
    assert.match(contextRow(state).description ?? '', /no answer · reconnecting/);
    assert.equal(contextRow(state).icon.id, 'debug-disconnect');
    const first = contextChildren(state)[0];
    assert.equal(first.kind, 'message');
    assert.equal(first.label, error.message);
    assert.match(first.tooltip ?? '', /reconnects by itself/);
  });

  it('a namespace fallback is explained above the one namespace shown', () => {
    const state = ctx({ namespaces: [{ name: 'team', uid: '', phase: 'Active' }], namespace: 'team', namespacesNote: '"sa" may not list namespaces: showing only "team", the context\'s namespace.' });
    const rows = contextChildren(state);
    assert.deepEqual(rows.map((r) => r.kind), ['message', 'namespace']);
  });

  it('a namespace without pods, still loading, or forbidden says which', () => {
    assert.equal(namespaceChildren('dev', 'ns1', { status: 'ready', pods: [] }, NOW)[0].label, 'No pods in this namespace.');
    assert.equal(namespaceChildren('dev', 'ns1', { status: 'loading', pods: [] }, NOW)[0].label, 'Loading pods…');
    const error = new ClusterError('forbidden', '"x" may not list pods in namespace "ns1" (403 Forbidden, context "dev").', 'dev');
    assert.equal(namespaceChildren('dev', 'ns1', { status: 'failed', pods: [], error }, NOW)[0].label, error.message);
  });
});

describe('Describe document', () => {
  it('has the status, the containers with their state, the conditions and the events', () => {
    const pod = toPodInfo(apiPod('bad', { phase: 'Pending', statuses: [waiting('main', 'ImagePullBackOff', 'Back-off pulling image "x"')], ready: false }));
    const text = describePod(
      pod,
      [
        { type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned ns1/bad to localhost', count: 1, firstMs: T0, lastMs: T0, source: 'default-scheduler' },
        { type: 'Warning', reason: 'Failed', message: 'Failed to pull image "x"', count: 4, firstMs: T0 + 1000, lastMs: T0 + 60000, source: 'kubelet, localhost' },
      ],
      NOW,
    );
    assert.match(text, /^Name: +bad$/m);
    assert.match(text, /^Status: +Pending \(ImagePullBackOff\)$/m);
    assert.match(text, /^ {4}State: +Waiting\n {6}Reason: +ImagePullBackOff\n {6}Message: +Back-off pulling image "x"$/m);
    assert.match(text, /^Conditions:\n {2}Type +Status +Reason\n {2}Ready +False$/m);
    assert.match(text, /^ {2}Warning +Failed +4m12s \(x4 over 5m11s\) +kubelet, localhost +Failed to pull image "x"$/m);
  });

  it('says <none> when there are no events', () => {
    assert.match(describePod(toPodInfo(apiPod('web')), [], NOW), /^Events:\n {2}<none>\n$/m);
  });
});

describe('LogBuffer', () => {
  it('keeps everything under the limit', () => {
    const b = new LogBuffer(100);
    b.append('a\n');
    b.append('b\n');
    assert.equal(b.text, 'a\nb\n');
  });

  it('drops the oldest whole lines beyond the limit and says how much', () => {
    const b = new LogBuffer(100);
    for (let i = 0; i < 30; i++) b.append(`line ${String(i).padStart(2, '0')}\n`);
    const [header, ...rest] = b.text.split('\n');
    assert.match(header, /^\[… \d+ earlier characters dropped/);
    assert.match(rest[0], /^line \d\d$/);
    assert.equal(rest.at(-2), 'line 29');
    assert.ok(b.dropped > 0);
  });
});
