// Kernels in pods through the real launcher against the real cluster: outputs equal to the local Docker kernel's,
// fail-fast reasons from the scheduler and the kubelet, a dropped port-forward that heals, a pod deleted from
// outside, re-attach by label with the token from the Secret, cancel, the folder copy and its limit, least
// privilege. Each test removes what it started; the last one checks that nothing is left.
import { strict as assert } from 'assert';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesServerHandle } from '../../../src/adapters/kubernetes/kubernetesServerHandle';
import { KubernetesServerLauncher } from '../../../src/adapters/kubernetes/kubernetesServerLauncher';
import { JupyterKernelConnector } from '../../../src/adapters/jupyter/jupyterKernelConnector';
import { CancelledError } from '../../../src/core/common/errors';
import type { CellOutput, KernelSession, KubernetesKernelTarget, LaunchOptions, LaunchProgress } from '../../../src/core/kernels/api';
import { ServerGoneError } from '../../../src/core/kernels/errors';
import { executeNotebook } from '../../../src/core/kernels/executeNotebook';
import { launchKernel, reattachKernel } from '../../../src/core/kernels/launchKernel';
import { parseNotebook, serializeNotebook } from '../../../src/core/kernels/nbformat';
import { normalise, ROOT, type Json } from '../kernels/cliHelpers';
import { kernelStack, launchOptions, removeContainersOf, testOwner } from '../kernels/helpers';
import { admin, createNamespace, deleteNamespace, RecordingLogger, REGISTRY, waitFor } from './helpers';
import { berthObjectsNotDeleted, berthPods, berthSecrets, podTarget, pushPodTestImage, removeBerthObjects, removePodTestImageTag, waitForNoBerthObjects } from './podHelpers';

const FIXTURE = join(ROOT, 'test/fixtures/notebooks/all-outputs.ipynb');
/** Far above any start here: a failure that only this timeout ends would say "did not start within 300 s". */
const POD_START_TIMEOUT_MS = 300_000;

describe('Kubernetes: kernels in pods (real cluster, real registry)', function () {
  this.timeout(240_000);
  let namespace: string;
  let dir: string;
  let owner: string;
  let log: RecordingLogger;
  let launcher: KubernetesServerLauncher;
  const connector = new JupyterKernelConnector(new RecordingLogger());
  const sessions: KernelSession[] = [];

  const options = (over: Partial<LaunchOptions> = {}): LaunchOptions => launchOptions(owner, { notebookPath: join(dir, 'n.ipynb'), notebookKey: `file://${join(dir, 'n.ipynb')}`, ...over });
  const start = async (target: KubernetesKernelTarget = podTarget(namespace), over: Partial<LaunchOptions> = {}, progress: LaunchProgress[] = []): Promise<KernelSession> => {
    const session = await launchKernel({ launcher, connector }, target, options(over), new AbortController().signal, (p) => progress.push(p));
    sessions.push(session);
    return session;
  };
  const run = async (session: KernelSession, code: string): Promise<{ status: string; outputs: CellOutput[] }> => {
    const outputs: CellOutput[] = [];
    const result = await session.execute(code, { onAction: (a) => a.type === 'append' && outputs.push(a.output) });
    return { status: result.status, outputs };
  };
  const textOf = (outputs: CellOutput[]) => outputs.map((o) => (o.kind === 'stream' ? o.text : o.kind === 'display' ? String(o.data['text/plain']) : `${o.ename}: ${o.evalue}`)).join('');

  before(async () => {
    namespace = await createNamespace('berth-pods');
    await pushPodTestImage();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-it-pods-'));
    writeFileSync(join(dir, 'n.ipynb'), '{}');
    owner = testOwner('pods');
    log = new RecordingLogger();
    launcher = new KubernetesServerLauncher(log, { podStartTimeoutMs: POD_START_TIMEOUT_MS });
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.shutdown().catch(() => undefined);
    // Shutting down (or a failed start) must have removed the pod, and with it the Secret: checked, then forced.
    const left = await waitForNoBerthObjects(namespace).then(
      () => undefined,
      async () => `left behind, never deleted: ${JSON.stringify(await berthObjectsNotDeleted(namespace))}`,
    );
    await removeBerthObjects(namespace);
    await removeContainersOf(owner);
    rmSync(dir, { recursive: true, force: true });
    if (left) assert.fail(left);
  });
  after(async () => {
    await removeBerthObjects(namespace);
    await deleteNamespace(namespace);
    await removePodTestImageTag();
  });

  it('runs all-outputs.ipynb with outputs equal to the local Docker kernel\'s, reporting the pod\'s events on the way', async () => {
    copyFileSync(FIXTURE, join(dir, 'n.ipynb'));
    const progress: LaunchProgress[] = [];
    const inPod = parseNotebook(readFileSync(FIXTURE, 'utf8'), 'all-outputs.ipynb');
    const pod = await start(podTarget(namespace), {}, progress);
    assert.equal((await executeNotebook(inPod, pod, { allowErrors: true, signal: new AbortController().signal })).kind, 'ok');
    await pod.shutdown();

    const local = parseNotebook(readFileSync(FIXTURE, 'utf8'), 'all-outputs.ipynb');
    const stack = kernelStack();
    const docker = await launchKernel(stack, { kind: 'docker', image: 'berth/python:latest', kernelspec: 'python3' }, launchOptions(owner, { notebookPath: join(dir, 'n.ipynb'), workspaceFolder: dir }), new AbortController().signal, () => {});
    sessions.push(docker);
    assert.equal((await executeNotebook(local, docker, { allowErrors: true, signal: new AbortController().signal })).kind, 'ok');

    const podNb = JSON.parse(serializeNotebook(inPod)) as Json;
    assert.deepEqual(normalise(podNb), normalise(JSON.parse(serializeNotebook(local)) as Json));
    const kinds = new Set((podNb.cells as Json[]).flatMap((c) => ((c.outputs as Json[]) ?? []).flatMap((o) => [String(o.output_type), ...Object.keys((o.data as Json) ?? {})])));
    for (const k of ['stream', 'execute_result', 'display_data', 'error', 'text/html', 'image/png', 'image/svg+xml']) assert.ok(kinds.has(k), `no ${k} in the run`);
    const messages = progress.map((p) => p.message);
    for (const step of [/^Scheduled: /, /^(Pulling|Pulled): /, /^Created: /, /^Started: /, /^Jupyter up$/]) {
      assert.ok(messages.some((m) => step.test(m)), `no ${step} in ${JSON.stringify(messages)}`);
    }
  });

  it('creates a least-privilege pod: no API token, no privilege escalation, Jupyter on 127.0.0.1, the token only in a Secret the pod owns', async () => {
    const session = await start();
    const name = session.server.resourceId.split('/')[1];
    const pod = await admin().core.readNamespacedPod({ namespace, name });
    assert.equal(pod.spec!.automountServiceAccountToken, false);
    assert.ok(!(pod.spec!.containers[0].volumeMounts ?? []).some((m) => m.mountPath.includes('serviceaccount')), 'a service-account token is mounted');
    assert.equal(pod.spec!.containers[0].securityContext!.allowPrivilegeEscalation, false);
    assert.ok(!(pod.spec!.volumes ?? []).some((v) => v.hostPath), 'a hostPath volume');
    assert.ok(!JSON.stringify(pod).includes(session.server.token), 'the token is in the pod spec');
    assert.equal(pod.metadata!.labels!['berth.kernel'], 'kubernetes');
    assert.equal(pod.metadata!.annotations!['berth.notebook'], `file://${join(dir, 'n.ipynb')}`);
    const secret = await admin().core.readNamespacedSecret({ namespace, name });
    assert.deepEqual(secret.metadata!.ownerReferences!.map((o) => [o.kind, o.name, o.uid]), [['Pod', name, pod.metadata!.uid]]);
    // Jupyter listens on the pod's loopback only: from inside the pod, the pod's own address does not answer.
    const probe = await run(session, `import socket\ndef refused(host):\n    with socket.socket() as s:\n        s.settimeout(2)\n        return s.connect_ex((host, 8888)) != 0\nprint(refused(socket.gethostbyname(socket.gethostname())), refused('127.0.0.1'))`);
    assert.equal(textOf(probe.outputs).trim(), 'True False');
  });

  it('reads the server\'s log: its last lines, and followed as it grows', async () => {
    const session = await start();
    assert.match(await session.server.logTail(50), /Jupyter Server .* is running at/);
    const lines: string[] = [];
    const follow = session.server.followLogs((line) => lines.push(line));
    try {
      await run(session, 'import sys; print("to the log", file=sys.__stderr__, flush=True)');
      await waitFor(() => lines.some((l) => l.includes('to the log')), 30000, () => `not followed: ${lines.slice(-5).join(' | ')}`);
    } finally {
      follow.dispose();
    }
  });

  it('copies the notebook\'s folder in, without hidden files, so relative reads work', async () => {
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'table.csv'), 'a,b\n1,2\n');
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref');
    const session = await start();
    const r = await run(session, `import os\nprint(open('data/table.csv').read().splitlines()[1], os.path.exists('.git'), os.getcwd())`);
    assert.equal(textOf(r.outputs).trim(), '1,2 False /workspace');
  });

  it('refuses a folder over the copy limit, naming the limit, before creating anything', async () => {
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(2 * 1024 * 1024));
    const small = new KubernetesServerLauncher(log, { copyLimitBytes: 1024 * 1024 });
    await assert.rejects(
      launchKernel({ launcher: small, connector }, podTarget(namespace), options(), new AbortController().signal, () => {}),
      (e: Error) => /over the limit of 1\.0 MB for copying it into the kernel pod/.test(e.message),
    );
    assert.deepEqual(await berthPods(namespace), []);
  });

  for (const [what, resources, pattern] of [
    ['cpu: 64', { requests: { cpu: '64' } }, /^The kernel pod cannot be scheduled: 0\/1 nodes are available: 1 Insufficient cpu\.?$/],
    ['nvidia.com/gpu: 1', { limits: { 'nvidia.com/gpu': '1' } }, /^The kernel pod cannot be scheduled: 0\/1 nodes are available: 1 Insufficient nvidia\.com\/gpu\.?$/],
  ] as const) {
    it(`fails fast with the scheduler's reason for a target asking ${what}, and deletes the pod`, async () => {
      await assert.rejects(start(podTarget(namespace, { resources })), (e: Error) => pattern.test(e.message) || assert.fail(e.message));
      await waitForNoBerthObjects(namespace);
    });
  }

  it('fails with the kubelet\'s reason for an image missing from the registry', async () => {
    const image = `${REGISTRY}/berth-it/no-such-image:nope`;
    await assert.rejects(start(podTarget(namespace, { image })), (e: Error) => (e.message.startsWith(`The cluster cannot pull image ${image}`) && /not found|ErrImagePull|ImagePullBackOff/.test(e.message)) || assert.fail(e.message));
    await waitForNoBerthObjects(namespace);
  });

  it('fails with the kernels the image has when the target names one it lacks, and deletes the pod', async () => {
    await assert.rejects(start(podTarget(namespace, { kernelspec: 'nope' })), (e: Error) => e.message === `Image ${podTarget(namespace).image} has no kernel "nope" (it has: python3)` || assert.fail(e.message));
  });

  it('cancel deletes the pod (and with it the Secret) while the pod starts', async () => {
    const abort = new AbortController();
    const started = launchKernel({ launcher, connector }, podTarget(namespace), options(), abort.signal, (p) => /^Scheduled: /.test(p.message) && abort.abort());
    await assert.rejects(started, CancelledError);
    await waitForNoBerthObjects(namespace);
  });

  it('a dropped port-forward heals by itself: the next cell runs with the kernel\'s state intact', async () => {
    const session = await start();
    assert.equal((await run(session, 'x = 41')).status, 'ok');
    const handle = session.server as KubernetesServerHandle;
    const before = handle.forward.opened;
    handle.forward.dropConnections();
    // The user's next cell comes after the drop was noticed: the client has connected again, through a new forward.
    await waitFor(() => handle.forward.opened > before, 30000, () => 'the client never reconnected');
    const r = await run(session, 'x + 1');
    assert.equal(textOf(r.outputs), '42');
  });

  it('survives an API server restart mid-session: the next cell runs with the kernel\'s state intact', async () => {
    const session = await start();
    assert.equal((await run(session, 'z = 1')).status, 'ok');
    // Async, never spawnSync: the port-forward runs on this process's event loop.
    const restart = spawn(process.execPath, ['scripts/cluster.mjs', 'restart', 'kube-apiserver'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    restart.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => restart.on('close', resolve));
    assert.equal(code, 0, `restart failed: ${stderr}`);
    const r = await run(session, 'z + 1');
    assert.equal(textOf(r.outputs), '2');
  });

  it('reports a pod deleted from outside (onDidExit, then ServerGoneError on the next cell)', async () => {
    const session = await start();
    const exited = new Promise<string>((resolve) => session.server.onDidExit((e) => resolve(e.reason)));
    await admin().core.deleteNamespacedPod({ namespace, name: session.server.resourceId.split('/')[1], gracePeriodSeconds: 0 });
    assert.match(await exited, /the kernel pod (was deleted|is being deleted)/);
    await assert.rejects(session.execute('1', { onAction: () => {} }), ServerGoneError);
  });

  it('re-attaches by label with the token read back from the Secret, the kernel\'s state intact', async () => {
    const first = await start();
    assert.equal((await run(first, 'y = "kept"')).status, 'ok');
    first.dispose(); // disconnect only: the pod keeps running, as for a window reload
    const reloaded = new KubernetesServerLauncher(log, { scopes: [{ context: podTarget(namespace).context, namespace, kubeconfig: podTarget(namespace).kubeconfig }] });
    const running = (await reloaded.listRunning()).find((r) => r.resourceId === first.server.resourceId);
    assert.ok(running, 'the pod was not listed');
    assert.equal(running.notebookKey, `file://${join(dir, 'n.ipynb')}`);
    assert.equal(running.owner.id, owner);
    assert.equal(running.target.image, podTarget(namespace).image);
    assert.equal(running.running, true);
    const again = await reattachKernel({ connector }, running);
    sessions.push(again);
    assert.notEqual(again.server.baseUrl, first.server.baseUrl, 'a new forward on a new local port');
    assert.equal(textOf((await run(again, 'y')).outputs), "'kept'");
  });

  it('leaves no Berth pod or Secret behind in the namespace after the suite', async () => {
    assert.deepEqual(await berthPods(namespace), []);
    assert.deepEqual(await berthSecrets(namespace), []);
  });
});
