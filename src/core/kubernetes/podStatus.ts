// What a pod row says about a pod: the STATUS, READY, RESTARTS and AGE columns of `kubectl get pods`
// (the same rules as kubectl's printer, so the two never disagree), and a coarse state for the row's icon.
import type { ContainerInfo, PodInfo } from './resources';

/** The coarse state a pod row's icon shows. */
export type PodHealth = 'running' | 'notReady' | 'pending' | 'succeeded' | 'failing' | 'failed' | 'terminating' | 'unknown';

export interface PodSummary {
  /** kubectl's STATUS column: the phase, or a waiting/terminated reason such as ImagePullBackOff. */
  readonly status: string;
  readonly readyContainers: number;
  readonly totalContainers: number;
  readonly restarts: number;
  readonly health: PodHealth;
  /** The first waiting reason of a container that is not starting normally, with its message. */
  readonly waiting?: { readonly container: string; readonly reason: string; readonly message?: string };
}

/** Waiting reasons that are part of a normal start, not a problem to flag. */
const STARTING_REASONS = new Set(['ContainerCreating', 'PodInitializing', 'Pending']);

function hasReadyCondition(pod: PodInfo): boolean {
  return pod.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** kubectl's printPod status logic (pkg/printers/internalversion/printers.go). */
function kubectlStatus(pod: PodInfo): { status: string; ready: number; restarts: number; initializing: boolean } {
  let reason = pod.reason ?? pod.phase;
  let restarts = 0;
  let ready = 0;
  let initializing = false;
  for (const [i, c] of pod.initContainers.entries()) {
    restarts += c.restartCount;
    const s = c.state;
    if (s.kind === 'terminated' && s.exitCode === 0) {
      continue;
    }
    if (s.kind === 'terminated') {
      reason = s.reason ? `Init:${s.reason}` : s.signal ? `Init:Signal:${s.signal}` : `Init:ExitCode:${s.exitCode}`;
    } else if (s.kind === 'waiting' && s.reason && s.reason !== 'PodInitializing') {
      reason = `Init:${s.reason}`;
    } else {
      reason = `Init:${i}/${pod.initContainers.length}`;
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    for (const c of [...pod.containers].reverse()) {
      restarts += c.restartCount;
      const s = c.state;
      if (s.kind === 'waiting' && s.reason) {
        reason = s.reason;
      } else if (s.kind === 'terminated' && s.reason) {
        reason = s.reason;
      } else if (s.kind === 'terminated') {
        reason = s.signal ? `Signal:${s.signal}` : `ExitCode:${s.exitCode}`;
      } else if (c.ready && s.kind === 'running') {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = hasReadyCondition(pod) ? 'Running' : 'NotReady';
    }
  }
  if (pod.deletionMs !== undefined) {
    reason = pod.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  }
  return { status: reason, ready, restarts, initializing };
}

function firstProblem(containers: readonly ContainerInfo[]): PodSummary['waiting'] {
  for (const c of containers) {
    if (c.state.kind === 'waiting' && c.state.reason && !STARTING_REASONS.has(c.state.reason)) {
      return { container: c.name, reason: c.state.reason, message: c.state.message };
    }
  }
  return undefined;
}

export function summarizePod(pod: PodInfo): PodSummary {
  const { status, ready, restarts } = kubectlStatus(pod);
  const waiting = firstProblem(pod.initContainers) ?? firstProblem(pod.containers);
  const total = pod.containers.length;
  let health: PodHealth;
  if (pod.deletionMs !== undefined) {
    health = 'terminating';
  } else if (pod.phase === 'Failed' || /^Init:(Error|ExitCode|Signal|OOMKilled)/.test(status)) {
    health = 'failed';
  } else if (waiting || pod.containers.some((c) => c.state.kind === 'terminated' && c.state.exitCode !== 0 && pod.phase === 'Running')) {
    health = 'failing';
  } else if (pod.phase === 'Succeeded') {
    health = 'succeeded';
  } else if (pod.phase === 'Pending') {
    health = 'pending';
  } else if (pod.phase === 'Running') {
    health = ready === total && total > 0 ? 'running' : 'notReady';
  } else {
    health = 'unknown';
  }
  return { status, readyContainers: ready, totalContainers: total, restarts, health, waiting };
}

/** kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration): "45s", "5m12s", "3h", "2d4h", "400d", "3y20d". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (seconds < 60 * 2) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) {
    return `${minutes}m`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) {
    return `${hours}h`;
  }
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) {
    return `${Math.floor(hours / 24)}d`;
  }
  const years = Math.floor(hours / 24 / 365);
  if (years < 8) {
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

export function podAge(pod: PodInfo, nowMs: number): string {
  return pod.createdMs === undefined ? '<unknown>' : humanDuration(nowMs - pod.createdMs);
}
