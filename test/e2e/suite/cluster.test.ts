// The Cluster view in the real extension host, against the real test cluster: it lists the test namespace's
// pods, follows pods created and deleted from outside (through the API, not through Berth), shows a pod stuck
// in ImagePullBackOff with its reason, and its Show Logs, Describe and Open Shell actions work.
import { strict as assert } from 'assert';
import * as k8s from '@kubernetes/client-node';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { BerthApi } from '../../../src/api';
import type { ClusterRow, PodRow } from '../../../src/core/kubernetes/clusterRows';

const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG;
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const IMAGE = `${REGISTRY}/berth/python:latest`;

async function api(): Promise<BerthApi> {
  const ext = vscode.extensions.getExtension<BerthApi>('berth.berth');
  assert.ok(ext, 'the Berth extension is not installed in the host');
  return ext.isActive ? ext.exports : await ext.activate();
}

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: () => string, ms = 60000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function client(): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(KUBECONFIG!);
  return kc.makeApiClient(k8s.CoreV1Api);
}

async function ensureImage(): Promise<void> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  await docker.getImage('berth/python:latest').tag({ repo: `${REGISTRY}/berth/python`, tag: 'latest' });
  const stream = (await docker.getImage(`${REGISTRY}/berth/python`).push({ tag: 'latest' })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err || out.some((o) => o.error) ? reject(err ?? new Error(out.find((o) => o.error)!.error)) : resolve())));
}

function pod(name: string, image = IMAGE): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo line-1; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done'] }],
    },
  };
}

describe('Cluster view (extension host, real cluster)', function () {
  this.timeout(240000);
  const namespace = `berth-e2e-${Math.random().toString(36).slice(2, 8)}`;
  let context: string;
  const config = () => vscode.workspace.getConfiguration('berth');
  const rows = async (ns = namespace): Promise<ClusterRow[]> => (await vscode.commands.executeCommand<ClusterRow[]>('_berth.cluster.tree', context, ns)) ?? [];
  const podRow = async (name: string): Promise<PodRow | undefined> => (await rows()).find((r): r is PodRow => r.kind === 'pod' && r.name === name);
  const node = (name: string) => ({ kind: 'pod', id: JSON.stringify(['pod', context, namespace, name]), context, namespace, name });

  before(async () => {
    assert.ok(KUBECONFIG && fs.existsSync(KUBECONFIG), `no test cluster: ${process.env.BERTH_TEST_CLUSTER_ERROR ?? 'BERTH_TEST_KUBECONFIG is not set'}`);
    await client().createNamespace({ body: { metadata: { name: namespace } } });
    await ensureImage();
    await client().createNamespacedPod({ namespace, body: pod('web') });
    await client().createNamespacedPod({ namespace, body: pod('broken', `${REGISTRY}/berth-e2e/no-such-image:nope`) });
    await config().update('kubernetes.kubeconfig', KUBECONFIG, vscode.ConfigurationTarget.Workspace);
    await config().update('kubernetes.namespace', namespace, vscode.ConfigurationTarget.Workspace);
    const berth = await api();
    context = await eventually(() => berth.cluster.activeContext, () => `a context from ${KUBECONFIG}: ${JSON.stringify(berth.cluster.configState)}`);
  });

  after(async () => {
    for (const t of vscode.window.terminals) t.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await client().deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    await client().deleteNamespace({ name: namespace }).catch(() => undefined);
    await config().update('kubernetes.namespace', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('kubernetes.kubeconfig', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('shows the context as the one Berth uses, with the test namespace', async () => {
    const root = (await vscode.commands.executeCommand<ClusterRow[]>('_berth.cluster.tree')) ?? [];
    const ctx = root.find((r) => r.kind === 'context' && r.context === context);
    assert.ok(ctx, JSON.stringify(root));
    assert.match(ctx.description ?? '', /^active · https:\/\/127\.0\.0\.1:\d+$/);
    const namespaces = await eventually(async () => {
      const children = (await vscode.commands.executeCommand<ClusterRow[]>('_berth.cluster.tree', context)) ?? [];
      return children.some((r) => r.kind === 'namespace' && r.namespace === namespace) ? children : undefined;
    }, () => `namespace ${namespace} under ${context}`);
    const row = namespaces.find((r) => r.kind === 'namespace' && r.namespace === namespace)!;
    assert.equal(row.description, 'used by Berth');
  });

  it("lists the test namespace's pods with status, ready count, restarts, age and node", async () => {
    const web = await eventually(async () => {
      const r = await podRow('web');
      return r && /^Running · 1\/1 · 0 restarts · \d+s · localhost$/.test(r.description ?? '') ? r : undefined;
    }, () => 'web Running, ready, on localhost', 120000);
    assert.equal(web.icon.id, 'pass-filled');
  });

  it('shows a pod stuck in ImagePullBackOff with its reason', async () => {
    const broken = await eventually(async () => {
      const r = await podRow('broken');
      return r && /^ImagePullBackOff · 0\/1 /.test(r.description ?? '') ? r : undefined;
    }, () => 'broken in ImagePullBackOff', 180000);
    assert.equal(broken.icon.id, 'error');
    assert.match(broken.tooltip ?? '', /ImagePullBackOff: Back-off pulling image/);
  });

  it('follows a pod created and then deleted from outside, through the API', async () => {
    await client().createNamespacedPod({ namespace, body: pod('outsider') });
    await eventually(() => podRow('outsider'), () => 'outsider listed');
    await client().deleteNamespacedPod({ namespace, name: 'outsider', gracePeriodSeconds: 0 });
    await eventually(async () => ((await podRow('outsider')) ? undefined : true), () => 'outsider gone');
  });

  it('Show Logs opens a document with the last lines that keeps following', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('berth.cluster.showLogs', node('web'));
    assert.ok(uri, 'Show Logs returned the document');
    const text = () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.getText() ?? '';
    await eventually(() => (/tick \d+/.test(text()) ? true : undefined), () => `ticks in the log: ${text()}`);
    assert.match(text(), new RegExp(`^# Logs of container main in pod ${namespace}/web \\(context ${context.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) — the last 500 lines, then following`));
    assert.match(text(), /^line-1$/m);
    const last = Number(/tick (\d+)\s*$/.exec(text().trim())![1]);
    await eventually(() => (new RegExp(`^tick ${last + 2}$`, 'm').test(text()) ? true : undefined), () => `tick ${last + 2} (following): ${text().slice(-200)}`, 30000);
  });

  it('Describe opens a read-only document with status, conditions and events', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('berth.cluster.describe', node('broken'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = doc.getText();
    assert.match(text, /^Name: +broken$/m);
    assert.match(text, new RegExp(`^Namespace: +${namespace}$`, 'm'));
    assert.match(text, /^Status: +Pending \((ErrImagePull|ImagePullBackOff)\)$/m);
    assert.match(text, /^Conditions:$/m);
    assert.match(text, /^ {2}Normal +Scheduled .*Successfully assigned/m);
    assert.match(text, /no-such-image/);
    assert.ok(vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === uri.toString()), 'the document is shown');
    // A content provider's document: VS Code opens it read-only, and a save has nowhere to go.
    assert.equal(uri.scheme, 'berth-pod-describe');
  });

  it("Open Shell runs `hostname` in the pod and shows the pod's name", async () => {
    const name = await vscode.commands.executeCommand<string>('berth.cluster.openShell', node('web'));
    assert.equal(name, 'web (main)');
    const terminal = await eventually(() => vscode.window.terminals.find((t) => t.name === name), () => 'the terminal');
    let seen = '';
    const transcript = async () => (seen = (await vscode.commands.executeCommand<string>('_berth.cluster.shellTranscript', name)) ?? '');
    // Wait for the shell's prompt before typing, as a user would.
    await eventually(async () => (/[#$] ?$/.test((await transcript()).trimEnd()) ? true : undefined), () => `a prompt: ${JSON.stringify(seen)}`, 30000);
    terminal.sendText('hostname');
    await eventually(async () => (/hostname\r?\n(?:\x1b\[[0-9;?]*[a-zA-Z]|\r)*web\r?\n/.test(await transcript()) ? true : undefined), () => `the pod's name after hostname: ${JSON.stringify(seen.slice(-300))}`, 30000);
    terminal.sendText('exit');
    await eventually(() => (vscode.window.terminals.includes(terminal) ? undefined : true), () => 'the terminal to close after exit', 30000);
  });

  it('Delete (confirmed) removes the pod, and the view follows', async () => {
    await client().createNamespacedPod({ namespace, body: pod('doomed') });
    await eventually(() => podRow('doomed'), () => 'doomed listed');
    assert.equal(await vscode.commands.executeCommand('berth.cluster.deletePod', node('doomed'), { confirmed: true }), true);
    await eventually(async () => ((await podRow('doomed')) ? undefined : true), () => 'doomed gone', 60000);
  });
});
