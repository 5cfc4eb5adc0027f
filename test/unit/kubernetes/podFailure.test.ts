import { strict as assert } from 'assert';
import type { ApiContainerStatus, ApiPod } from '../../../src/core/kubernetes/resources';
import { toPodInfo, type KubeEvent } from '../../../src/core/kubernetes/resources';
import { podEndReason, podEventProgress, podFinished, podServerRunning, podStartFailure, progressStep } from '../../../src/core/kubernetes/podFailure';
import { apiPod, running, T0, terminated, waiting } from './pods';

const pending = (over: { statuses?: ApiContainerStatus[]; unschedulable?: string } = {}): ApiPod => {
  const pod = apiPod('k', { phase: 'Pending', statuses: over.statuses ?? [waiting('main', 'ContainerCreating')] });
  return {
    ...pod,
    spec: { ...pod.spec, nodeName: over.unschedulable ? undefined : 'localhost' },
    status: { ...pod.status, conditions: over.unschedulable ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: over.unschedulable }] : [{ type: 'PodScheduled', status: 'True' }] },
  };
};
const event = (reason: string, message: string, type = 'Normal', at = 0): KubeEvent => ({ type, reason, message, count: 1, firstMs: T0 + at, lastMs: T0 + at, source: 'kubelet' });

describe('why a kernel pod is not starting', () => {
  it('says nothing while the pod is on its way', () => {
    assert.equal(podStartFailure(toPodInfo(pending()), [event('Scheduled', 'Successfully assigned ns1/k to localhost'), event('Pulling', 'Pulling image "img"')]), undefined);
  });

  it('gives the scheduler\'s own reason for FailedScheduling (insufficient cpu)', () => {
    const pod = toPodInfo(pending({ unschedulable: '0/1 nodes are available: 1 Insufficient cpu.', statuses: [] }));
    assert.equal(podStartFailure(pod, [event('FailedScheduling', '0/1 nodes are available: 1 Insufficient cpu.', 'Warning')]), 'The kernel pod cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('reads the Unschedulable condition when the event has not arrived yet (nvidia.com/gpu)', () => {
    const pod = toPodInfo(pending({ unschedulable: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.', statuses: [] }));
    assert.equal(podStartFailure(pod, []), 'The kernel pod cannot be scheduled: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu.');
  });

  it('ignores an old FailedScheduling once the pod is scheduled', () => {
    assert.equal(podStartFailure(toPodInfo(pending()), [event('FailedScheduling', '0/1 nodes are available', 'Warning')]), undefined);
  });

  for (const reason of ['ErrImagePull', 'ImagePullBackOff']) {
    it(`names the image and the kubelet's message for ${reason}`, () => {
      const pod = toPodInfo(pending({ statuses: [waiting('main', reason, 'rpc error: code = NotFound desc = failed to pull and unpack image "r/x:1": not found')] }));
      assert.equal(podStartFailure(pod, []), `The cluster cannot pull image img/main:1 (${reason}): rpc error: code = NotFound desc = failed to pull and unpack image "r/x:1": not found`);
    });
  }

  it('reports a failed pull from the kubelet\'s Warning event before the status says so', () => {
    const failure = podStartFailure(toPodInfo(pending()), [event('Failed', 'Failed to pull image "img/main:1": not found', 'Warning')]);
    assert.equal(failure, 'The cluster cannot pull image img/main:1: Failed to pull image "img/main:1": not found');
  });

  it('reports CreateContainerConfigError with its message', () => {
    const pod = toPodInfo(pending({ statuses: [waiting('main', 'CreateContainerConfigError', 'secret "p1" not found')] }));
    assert.equal(podStartFailure(pod, []), 'The kernel container could not be created (CreateContainerConfigError): secret "p1" not found');
  });

  it('reports CrashLoopBackOff with the last exit code', () => {
    const status: ApiContainerStatus = { ...waiting('main', 'CrashLoopBackOff', 'back-off 10s restarting failed container', 3), lastState: { terminated: { exitCode: 127, reason: 'Error' } } };
    assert.equal(podStartFailure(toPodInfo(apiPod('k', { statuses: [status] })), []), 'The kernel container keeps crashing (CrashLoopBackOff, last exit code 127 (Error))');
  });

  it('reports OOMKilled with the memory limit', () => {
    const pod = toPodInfo(apiPod('k', { phase: 'Failed', statuses: [terminated('main', 137, 'OOMKilled')] }));
    assert.equal(podStartFailure(pod, [], '256Mi'), "The kernel container ran out of memory (OOMKilled; its limit is 256Mi): ask for more memory in the target's resources");
  });

  it('reports a server that exited during start with its code', () => {
    const pod = toPodInfo(apiPod('k', { phase: 'Failed', statuses: [terminated('main', 127, 'Error')] }));
    assert.equal(podStartFailure(pod, []), 'The kernel container exited during start (exit code 127)');
  });

  it('reports an evicted pod and a deleted one', () => {
    assert.equal(podStartFailure(toPodInfo(apiPod('k', { phase: 'Failed', statuses: [], reason: 'Evicted' })), []), 'The kernel pod failed (Evicted)');
    assert.equal(podStartFailure(toPodInfo(apiPod('k', { deleting: true })), []), 'The kernel pod was deleted while it was starting');
  });

  it('keeps every message on one line', () => {
    const pod = toPodInfo(pending({ statuses: [waiting('main', 'ErrImagePull', 'line one\nline two')] }));
    assert.ok(!podStartFailure(pod, [])!.includes('\n'));
  });

  it('turns Normal events into progress lines and skips warnings', () => {
    assert.equal(podEventProgress(event('Pulling', 'Pulling image "img"')), 'Pulling: Pulling image "img"');
    assert.equal(podEventProgress(event('BackOff', 'x', 'Warning')), undefined);
  });

  it('knows when the server container runs, and why a serving pod ended', () => {
    assert.equal(podServerRunning(toPodInfo(apiPod('k', { statuses: [running('main')] }))), true);
    assert.equal(podServerRunning(toPodInfo(pending())), false);
    assert.equal(podEndReason(toPodInfo(apiPod('k', { statuses: [running('main')] }))), undefined);
    assert.equal(podEndReason(toPodInfo(apiPod('k', { deleting: true }))), 'the kernel pod is being deleted');
    assert.equal(podEndReason(toPodInfo(apiPod('k', { phase: 'Failed', statuses: [terminated('main', 137, 'OOMKilled')] }))), 'the kernel pod ran out of memory (OOMKilled)');
  });

  it('calls a pod finished once it ended or its server exited, never while it starts or serves', () => {
    assert.equal(podFinished(toPodInfo(apiPod('k', { phase: 'Succeeded', statuses: [terminated('main', 0, 'Completed')] }))), true);
    assert.equal(podFinished(toPodInfo(apiPod('k', { phase: 'Failed', statuses: [terminated('main', 1, 'Error')] }))), true);
    assert.equal(podFinished(toPodInfo(apiPod('k', { phase: 'Failed', reason: 'Evicted', statuses: [] }))), true);
    // The server exited; the kubelet has not moved the phase on yet.
    assert.equal(podFinished(toPodInfo(apiPod('k', { phase: 'Running', statuses: [terminated('main', 0, 'Completed')] }))), true);
    assert.equal(podFinished(toPodInfo(apiPod('k', { statuses: [running('main')] }))), false);
    assert.equal(podFinished(toPodInfo(pending())), false);
    assert.equal(podFinished(toPodInfo(pending({ unschedulable: '0/1 nodes are available' }))), false);
  });
});

describe('the start trail of a kernel pod', () => {
  it('names each pod event by its reason, and Jupyter up', () => {
    assert.equal(progressStep('Scheduled: Successfully assigned ns/berth-kernel-1 to node'), 'Scheduled');
    assert.equal(progressStep('Pulled: Container image "x" already present on machine'), 'Pulled');
    assert.equal(progressStep('Jupyter up'), 'Jupyter up');
    assert.equal(progressStep('Kernel pod Pending'), undefined);
    assert.equal(progressStep('Creating kernel pod ns/berth-kernel-1 from x'), undefined);
  });

  describe('volumes', () => {
    const volumes = [
      { mountPath: '/data', source: { kind: 'persistentVolumeClaim' as const, claimName: 'results' } },
      { mountPath: '/scratch', source: { kind: 'emptyDir' as const } },
    ];

    it('names a missing claim in the scheduler\'s words and says what to do (v1.20 FailedScheduling)', () => {
      const message = '0/1 nodes are available: 1 persistentvolumeclaim "results" not found.';
      const pod = toPodInfo(pending({ unschedulable: message, statuses: [] }));
      assert.equal(
        podStartFailure(pod, [event('FailedScheduling', message, 'Warning')], undefined, volumes),
        'The kernel pod cannot be scheduled: 0/1 nodes are available: 1 persistentvolumeclaim "results" not found (create the PersistentVolumeClaim "results" in namespace ns1, or fix the target\'s "volumes")',
      );
    });

    it('says that a claim is not bound', () => {
      const message = '0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims.';
      const pod = toPodInfo(pending({ unschedulable: message, statuses: [] }));
      assert.equal(podStartFailure(pod, []), `The kernel pod cannot be scheduled: ${message.slice(0, -1)} (a claim of the target's "volumes" is not bound to a volume: see kubectl get pvc -n ns1)`);
    });

    it('fails on a mount failure of a target volume, naming the claim and its mount path', () => {
      const message = 'MountVolume.SetUp failed for volume "volume-0" : mount failed: exit status 32';
      assert.equal(podStartFailure(toPodInfo(pending()), [event('FailedMount', message, 'Warning')], undefined, volumes), `The kernel pod cannot mount claim "results" at /data: ${message}`);
    });

    it('reads the unmounted volumes of the kubelet\'s timeout message', () => {
      const message = 'Unable to attach or mount volumes: unmounted volumes=[volume-1], unattached volumes=[berth-config workspace volume-1]: timed out waiting for the condition';
      assert.equal(podStartFailure(toPodInfo(pending()), [event('FailedMount', message, 'Warning')], undefined, volumes), `The kernel pod cannot mount emptyDir at /scratch: ${message}`);
    });

    it('fails on a mount failure of a claim\'s PersistentVolume (the kubelet names the volume, not the pod\'s)', () => {
      const message = 'MountVolume.SetUp failed for volume "pv-results" : hostPath type check failed: /srv/gone is not a directory';
      assert.equal(podStartFailure(toPodInfo(pending()), [event('FailedMount', message, 'Warning')], undefined, volumes), `The kernel pod cannot mount volume "pv-results": ${message}`);
    });

    it('waits while only Berth\'s own volumes or the token are named (unmounted volumes of a timeout)', () => {
      const message = 'Unable to attach or mount volumes: unmounted volumes=[berth-config default-token-x7k2p], unattached volumes=[berth-config workspace default-token-x7k2p]: timed out waiting for the condition';
      assert.equal(podStartFailure(toPodInfo(pending()), [event('FailedMount', message, 'Warning')], undefined, volumes), undefined);
    });

    it('waits while only the config Secret is not mountable yet (the Secret follows the pod)', () => {
      const message = 'MountVolume.SetUp failed for volume "berth-config" : secret "berth-kernel-1" not found';
      assert.equal(podStartFailure(toPodInfo(pending()), [event('FailedMount', message, 'Warning')], undefined, volumes), undefined);
    });
  });
});
