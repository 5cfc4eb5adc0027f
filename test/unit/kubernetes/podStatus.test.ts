// The STATUS/READY/RESTARTS/AGE of a pod row follow kubectl's printer, and the icon's health follows them.
import { strict as assert } from 'assert';
import { humanDuration, summarizePod } from '../../../src/core/kubernetes/podStatus';
import { toPodInfo } from '../../../src/core/kubernetes/resources';
import { apiPod, running, terminated, waiting } from './pods';

const summary = (...args: Parameters<typeof apiPod>) => summarizePod(toPodInfo(apiPod(...args)));

describe('pod status (kubectl get pods columns)', () => {
  it('a running, ready pod', () => {
    assert.deepEqual(summary('web'), { status: 'Running', readyContainers: 1, totalContainers: 1, restarts: 0, health: 'running', waiting: undefined });
  });

  it('shows ImagePullBackOff as the status, with the waiting message', () => {
    const s = summary('bad', { phase: 'Pending', statuses: [waiting('main', 'ImagePullBackOff', 'Back-off pulling image "nope"')] });
    assert.equal(s.status, 'ImagePullBackOff');
    assert.equal(s.health, 'failing');
    assert.deepEqual(s.waiting, { container: 'main', reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope"' });
  });

  it('shows CrashLoopBackOff with the restart count summed over containers', () => {
    const s = summary('crash', { statuses: [running('a', 2), waiting('b', 'CrashLoopBackOff', 'back-off 40s', 5)] });
    assert.equal(s.status, 'CrashLoopBackOff');
    assert.equal(s.restarts, 7);
    assert.equal(s.readyContainers, 1);
    assert.equal(s.totalContainers, 2);
    assert.equal(s.health, 'failing');
  });

  it('ContainerCreating is a normal start, not a problem', () => {
    const s = summary('new', { phase: 'Pending', statuses: [waiting('main', 'ContainerCreating')] });
    assert.equal(s.status, 'ContainerCreating');
    assert.equal(s.health, 'pending');
    assert.equal(s.waiting, undefined);
  });

  it('a pod being deleted is Terminating', () => {
    const s = summary('bye', { deleting: true });
    assert.equal(s.status, 'Terminating');
    assert.equal(s.health, 'terminating');
  });

  it('init containers: Init:N/M while they run, Init:reason when one fails', () => {
    assert.equal(summary('i', { phase: 'Pending', init: [terminated('one', 0), running('two')], statuses: [waiting('main', 'PodInitializing')] }).status, 'Init:1/2');
    assert.equal(summary('i', { phase: 'Pending', init: [waiting('one', 'CrashLoopBackOff')], statuses: [waiting('main', 'PodInitializing')] }).status, 'Init:CrashLoopBackOff');
    const failed = summary('i', { phase: 'Pending', init: [terminated('one', 3)], statuses: [waiting('main', 'PodInitializing')] });
    assert.equal(failed.status, 'Init:ExitCode:3');
    assert.equal(failed.health, 'failed');
  });

  it('a finished pod is Completed, a failed one shows its reason', () => {
    assert.deepEqual(
      (({ status, health }) => ({ status, health }))(summary('job', { phase: 'Succeeded', statuses: [terminated('main', 0, 'Completed')], ready: false })),
      { status: 'Completed', health: 'succeeded' },
    );
    assert.deepEqual(
      (({ status, health }) => ({ status, health }))(summary('oom', { phase: 'Failed', statuses: [terminated('main', 137, 'OOMKilled')] })),
      { status: 'OOMKilled', health: 'failed' },
    );
    assert.equal(summary('sig', { phase: 'Failed', statuses: [terminated('main', 0, undefined, 9)] }).status, 'Signal:9');
  });

  it('running but not ready is NotReady health', () => {
    const s = summary('slow', { statuses: [{ name: 'main', ready: false, restartCount: 0, state: { running: {} } }], ready: false });
    assert.equal(s.status, 'Running');
    assert.equal(s.readyContainers, 0);
    assert.equal(s.health, 'notReady');
  });

  it('an evicted pod shows the pod-level reason', () => {
    assert.equal(summary('ev', { phase: 'Failed', reason: 'Evicted', statuses: [terminated('main', 137)] }).status, 'ExitCode:137');
    assert.equal(summary('ev', { phase: 'Failed', reason: 'Evicted', statuses: [] , containers: ['main']}).status, 'Evicted');
  });
});

describe('humanDuration (kubectl AGE)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  for (const [ms, text] of [
    [0, '0s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [5 * m + 12 * s, '5m12s'],
    [45 * m, '45m'],
    [3 * h + 20 * m, '3h20m'],
    [9 * h, '9h'],
    [3 * d + 4 * h, '3d4h'],
    [40 * d, '40d'],
    [800 * d, '2y70d'],
    [-5 * s, '0s'],
  ] as const) {
    it(`${ms} ms → ${text}`, () => assert.equal(humanDuration(ms), text));
  }
});
