// The pod actions of the Cluster view through the real client against the real cluster: logs (last N lines,
// then follow), describe (status, conditions, events), exec (output, exit code, a tty that resizes), delete.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import { ClientNodeKubernetes } from '../../../src/adapters/kubernetes/clientNodeKubernetes';
import type { ClusterClient } from '../../../src/core/kubernetes/clusterClient';
import { describePod } from '../../../src/core/kubernetes/describePod';
import { kubeconfigSource, mergeKubeconfigs, singleContextDocument } from '../../../src/core/kubernetes/kubeconfig';
import { summarizePod } from '../../../src/core/kubernetes/podStatus';
import { admin, adminKubeconfig, createNamespace, createPod, deleteNamespace, ensureKernelImageInRegistry, removeKernelImageTag, readPod, RecordingLogger, waitFor, waitForRunning, REGISTRY } from './helpers';

function adminClient(): ClusterClient {
  const file = adminKubeconfig();
  const merged = mergeKubeconfigs(kubeconfigSource(file, {}, '/'), [{ path: file, text: fs.readFileSync(file, 'utf8') }]);
  const context = merged.contexts.find((c) => c.name === merged.currentContext)!;
  return new ClientNodeKubernetes(new RecordingLogger()).connect(singleContextDocument(merged, context.name), context);
}

interface Collected {
  text: string;
  ended?: { error?: string };
}

describe('Kubernetes: pod logs, describe, exec and delete (real cluster)', function () {
  this.timeout(240000);
  let namespace: string | undefined;
  let client: ClusterClient | undefined;

  before(async () => {
    namespace = await createNamespace();
    await ensureKernelImageInRegistry();
    client = adminClient();
    await createPod(namespace, 'chatty', { containers: ['main', 'side'] });
    await createPod(namespace, 'broken', { image: `${REGISTRY}/berth-it/no-such-image:nope` });
    await waitForRunning(namespace, 'chatty');
  });

  after(async () => {
    client?.dispose();
    await deleteNamespace(namespace);
    await removeKernelImageTag();
  });

  function collect(): { sink: { onData(t: string): void; onEnd(e?: { message: string }): void }; got: Collected } {
    const got: Collected = { text: '' };
    return { got, sink: { onData: (t) => (got.text += t), onEnd: (e) => (got.ended = { error: e?.message }) } };
  }

  it('logs start with the last N lines, then follow new ones', async () => {
    // Wait until the container has printed a few ticks, so that "last 2 lines" is a strict subset.
    await waitFor(async () => ((await admin().core.readNamespacedPodLog({ namespace: namespace!, name: 'chatty', container: 'main' })) as string).includes('tick 3'), 60000, () => 'tick 3');
    const { sink, got } = collect();
    const stream = await client!.streamLogs(namespace!, 'chatty', { container: 'main', follow: true, tailLines: 2 }, sink);
    try {
      await waitFor(() => got.text.split('\n').filter(Boolean).length >= 2, 10000, () => `two lines: ${JSON.stringify(got.text)}`);
      const first = got.text.split('\n').filter(Boolean);
      assert.ok(!got.text.includes('line-1'), `only the last lines first: ${JSON.stringify(got.text)}`);
      assert.match(first[0], /^tick \d+$/);
      const lastTick = Number(/tick (\d+)\s*$/.exec(got.text.trim())![1]);
      await waitFor(() => new RegExp(`tick ${lastTick + 2}\\b`).test(got.text), 15000, () => `followed lines after tick ${lastTick}: ${JSON.stringify(got.text)}`);
      assert.equal(got.ended, undefined, 'still following');
    } finally {
      stream.dispose();
    }
  });

  it('logs of a container that never started say why, in the server\'s words', async () => {
    await waitFor(async () => summarizePod(await client!.readPod(namespace!, 'broken')).waiting !== undefined, 120000, () => 'broken waiting');
    await assert.rejects(
      client!.streamLogs(namespace!, 'broken', { container: 'main', follow: true, tailLines: 10 }, collect().sink),
      (e: Error) => /container "main" in pod "broken" is waiting to start/.test(e.message) && /\(context "/.test(e.message),
    );
  });

  it('describe shows the status, the containers, the conditions and the events', async () => {
    const pod = await client!.readPod(namespace!, 'broken');
    const events = await client!.listPodEvents(namespace!, 'broken');
    assert.ok(events.some((e) => e.reason === 'Scheduled'), events.map((e) => e.reason).join(', '));
    const text = describePod(pod, events, Date.now());
    assert.match(text, /^Status: +Pending \((ErrImagePull|ImagePullBackOff)\)$/m);
    assert.match(text, /^ {4}State: +Waiting\n {6}Reason: +(ErrImagePull|ImagePullBackOff)$/m);
    assert.match(text, /^ {2}PodScheduled +True/m);
    assert.match(text, /^ {2}Normal +Scheduled +.*default-scheduler +Successfully assigned/m);
    assert.match(text, /^ {2}(Warning|Normal) +(Failed|BackOff) .*no-such-image/m);
  });

  it('exec runs a command: its output and its exit code', async () => {
    const run = (command: string[]) =>
      new Promise<{ out: string; err: string; exitCode?: number }>((resolve, reject) => {
        let out = '';
        let err = '';
        client!
          .exec(namespace!, 'chatty', {
            container: 'side',
            command,
            tty: false,
            onStdout: (d) => (out += Buffer.from(d).toString()),
            onStderr: (d) => (err += Buffer.from(d).toString()),
            onExit: ({ exitCode, error }) => (error ? reject(error) : resolve({ out, err, exitCode })),
          })
          .catch(reject);
      });
    assert.deepEqual(await run(['hostname']), { out: 'chatty\n', err: '', exitCode: 0 });
    const failed = await run(['sh', '-c', 'echo oops >&2; exit 3']);
    assert.equal(failed.exitCode, 3);
    assert.equal(failed.err, 'oops\n');
  });

  it('exec with a tty: keystrokes go in, and a resize reaches the terminal', async () => {
    let out = '';
    const exited = new Promise<number | undefined>((resolve) => {
      void client!
        .exec(namespace!, 'chatty', {
          container: 'main',
          command: ['sh'],
          tty: true,
          columns: 100,
          rows: 30,
          onStdout: (d) => (out += Buffer.from(d).toString()),
          onStderr: () => undefined,
          onExit: ({ exitCode }) => resolve(exitCode),
        })
        .then(async (session) => {
          session.write('stty size\n');
          await waitFor(() => /30 100/.test(out), 10000, () => `initial size: ${JSON.stringify(out)}`);
          session.resize(120, 40);
          // The resize goes on its own channel; give the shell a command after it.
          await waitFor(
            async () => {
              session.write('stty size\n');
              await new Promise((r) => setTimeout(r, 300));
              return /40 120/.test(out);
            },
            10000,
            () => `resized: ${JSON.stringify(out)}`,
          );
          session.write('exit 0\n');
        });
    });
    assert.equal(await exited, 0);
  });

  it('delete removes the pod with a short grace period', async () => {
    await createPod(namespace!, 'doomed');
    await waitForRunning(namespace!, 'doomed');
    const t0 = Date.now();
    await client!.deletePod(namespace!, 'doomed', 3);
    await waitFor(async () => (await readPod(namespace!, 'doomed')) === undefined, 30000, () => 'pod doomed still there');
    console.log(`      (delete with a 3 s grace period: gone after ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  });
});
