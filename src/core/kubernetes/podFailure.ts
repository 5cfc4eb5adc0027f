// Why a kernel pod is not coming up, in one line, in the cluster's own words: the scheduler's message for
// FailedScheduling, the kubelet's for image pulls, container config and crashes. A start waits on these
// instead of a timeout, so a pod stuck Pending always says why. Pure: every case is unit-tested.
import type { PodVolume } from '../kernels/api';
import { TARGET_VOLUME_PREFIX } from './kernelPod';
import type { ContainerInfo, KubeEvent, PodInfo } from './resources';

const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable']);
const CREATE_FAILURES = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'PreCreateHookError', 'PreStartHookError']);

function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

function withDetail(head: string, detail: string | undefined): string {
  const d = oneLine(detail);
  return d ? `${head}: ${d}` : head;
}

function containerFailure(c: ContainerInfo, limits: string | undefined): string | undefined {
  const s = c.state;
  if (s.kind === 'waiting' && s.reason) {
    if (PULL_FAILURES.has(s.reason)) {
      return withDetail(`The cluster cannot pull image ${c.image} (${s.reason})`, s.message);
    }
    if (CREATE_FAILURES.has(s.reason)) {
      return withDetail(`The kernel container could not be created (${s.reason})`, s.message);
    }
    if (s.reason === 'CrashLoopBackOff') {
      const last = c.lastState?.kind === 'terminated' ? `, last exit code ${c.lastState.exitCode}${c.lastState.reason ? ` (${c.lastState.reason})` : ''}` : '';
      return `The kernel container keeps crashing (CrashLoopBackOff${last})`;
    }
  }
  if (s.kind === 'terminated') {
    if (s.reason === 'OOMKilled') {
      return `The kernel container ran out of memory (OOMKilled${limits ? `; its limit is ${limits}` : ''}): ask for more memory in the target's resources`;
    }
    return withDetail(`The kernel container exited during start (exit code ${s.exitCode}${s.reason && s.reason !== 'Error' ? `, ${s.reason}` : ''})`, s.message);
  }
  return undefined;
}

/** What to do about a scheduler message that is about the target's claims (the scheduler's words stay first). */
function claimHint(message: string, namespace: string): string {
  const missing = /persistentvolumeclaim "([^"]+)" (not found|is being deleted)/.exec(message);
  if (missing) return ` (create the PersistentVolumeClaim "${missing[1]}" in namespace ${namespace}, or fix the target's "volumes")`;
  if (/unbound (immediate )?PersistentVolumeClaims/i.test(message)) return ` (a claim of the target's "volumes" is not bound to a volume: see kubectl get pvc -n ${namespace})`;
  return '';
}

/** Berth's own pod volumes, and the service-account token's (`default-token-…`, `kube-api-access-…`). */
const OWN_VOLUMES = /^(berth-config|workspace|.*-token-[a-z0-9]+|kube-api-access-[a-z0-9]+)$/;

/**
 * The volumes a FailedMount / FailedAttachVolume message is about, Berth's own left out: the pod's volume names
 * (`volume-N`, the target's Nth entry) or, for a claim, the PersistentVolume's name (the kubelet names that one).
 */
function failedTargetVolumes(message: string): string[] {
  const names = new Set<string>();
  for (const m of message.matchAll(/volume "([^"]+)"/g)) names.add(m[1]);
  const unmounted = /unmounted volumes=\[([^\]]*)\]/.exec(message);
  unmounted?.[1].split(/[\s,]+/).forEach((n) => n && names.add(n));
  return [...names].filter((n) => !OWN_VOLUMES.test(n));
}

function describeVolume(name: string, volumes: readonly PodVolume[] | undefined): string {
  const index = name.startsWith(TARGET_VOLUME_PREFIX) ? Number(name.slice(TARGET_VOLUME_PREFIX.length)) : Number.NaN;
  const v = Number.isInteger(index) ? volumes?.[index] : undefined;
  if (v) return `${v.source.kind === 'persistentVolumeClaim' ? `claim "${v.source.claimName}"` : 'emptyDir'} at ${v.mountPath}`;
  return Number.isInteger(index) ? name : `volume "${name}"`;
}

/**
 * The reason a kernel pod cannot start, or undefined while it may still come up. `events` are the pod's
 * events seen so far (any order); `memoryLimit` names the limit for the OOMKilled message; `volumes` (the target's)
 * name the mount paths of a volume the kubelet cannot mount. The config Secret's volume may fail to mount for a
 * moment (the pod is created before its Secret): only the target's own volumes count.
 */
export function podStartFailure(pod: PodInfo, events: readonly KubeEvent[], memoryLimit?: string, volumes?: readonly PodVolume[]): string | undefined {
  if (pod.deletionMs !== undefined) {
    return 'The kernel pod was deleted while it was starting';
  }
  for (const c of [...pod.initContainers, ...pod.containers]) {
    const failure = containerFailure(c, memoryLimit);
    if (failure) return failure;
  }
  const unschedulable = pod.conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  const scheduled = pod.conditions.some((c) => c.type === 'PodScheduled' && c.status === 'True') || pod.nodeName !== undefined;
  const failedScheduling = latest(events.filter((e) => e.reason === 'FailedScheduling'));
  if (!scheduled && (unschedulable || failedScheduling)) {
    const message = oneLine(failedScheduling?.message ?? unschedulable?.message);
    const hint = claimHint(message, pod.namespace);
    return `${withDetail('The kernel pod cannot be scheduled', hint ? message.replace(/\.$/, '') : message)}${hint}`;
  }
  const mountFailed = latest(events.filter((e) => e.type === 'Warning' && (e.reason === 'FailedMount' || e.reason === 'FailedAttachVolume') && failedTargetVolumes(e.message).length > 0));
  if (mountFailed) {
    const which = failedTargetVolumes(mountFailed.message).map((n) => describeVolume(n, volumes));
    return withDetail(`The kernel pod cannot mount ${which.join(', ')}`, mountFailed.message);
  }
  // The kubelet reports a failed pull as a Warning event before the container status says so.
  const pullFailed = latest(events.filter((e) => e.type === 'Warning' && e.reason === 'Failed' && /pull/i.test(e.message)));
  if (pullFailed) {
    const image = pod.containers[0]?.image ?? 'the image';
    return withDetail(`The cluster cannot pull image ${image}`, pullFailed.message);
  }
  if (pod.phase === 'Failed') {
    return withDetail(`The kernel pod failed${pod.reason ? ` (${pod.reason})` : ''}`, pod.message);
  }
  if (pod.phase === 'Succeeded') {
    return 'The kernel pod ended during start';
  }
  return undefined;
}

/** Why a pod that was serving stopped, for onDidExit: its failure, or the phase it reached. */
export function podEndReason(pod: PodInfo): string | undefined {
  if (pod.deletionMs !== undefined) {
    return 'the kernel pod is being deleted';
  }
  const container = pod.containers[0];
  if (container?.state.kind === 'terminated') {
    const s = container.state;
    return s.reason === 'OOMKilled' ? 'the kernel pod ran out of memory (OOMKilled)' : `the kernel pod's server exited with code ${s.exitCode}${s.reason ? ` (${s.reason})` : ''}`;
  }
  if (pod.phase === 'Failed' || pod.phase === 'Succeeded') {
    return `the kernel pod ${pod.phase === 'Failed' ? 'failed' : 'ended'}${pod.reason ? ` (${pod.reason})` : ''}`;
  }
  return undefined;
}

/** One progress line for a pod event (Scheduled, Pulling, Pulled, Created, Started …), in the cluster's words. */
export function podEventProgress(event: KubeEvent): string | undefined {
  if (event.type !== 'Normal' || !event.reason) return undefined;
  return withDetail(event.reason, event.message);
}

/** Whether the pod's server container runs (so a port-forward can reach it). */
export function podServerRunning(pod: PodInfo): boolean {
  return pod.phase === 'Running' && pod.containers.length > 0 && pod.containers.every((c) => c.state.kind === 'running');
}

/**
 * Whether the pod will never serve again: it reached Succeeded or Failed, or its server container exited (the kernel
 * pod's restartPolicy is Never, so the phase follows a moment later). A finished pod is anybody's to remove.
 */
export function podFinished(pod: PodInfo): boolean {
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return true;
  return pod.containers.some((c) => c.state.kind === 'terminated');
}

function latest(events: readonly KubeEvent[]): KubeEvent | undefined {
  return [...events].sort((a, b) => (a.lastMs ?? 0) - (b.lastMs ?? 0)).pop();
}

/** The short name of a start step, for a trail of them: a pod event's reason ("Pulled: …" → "Pulled"), or "Jupyter up". */
export function progressStep(message: string): string | undefined {
  const event = /^([A-Z][A-Za-z]+): /.exec(message);
  if (event) return event[1];
  return message === 'Jupyter up' ? message : undefined;
}
