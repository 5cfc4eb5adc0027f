// Whether the owner of something Berth started (a kernel container or pod, a probe container) is still there, judged
// from the labels alone, and whether the thing has lapsed. Pure: the adapters read labels, this host's identity and
// the process table, and hand them in. The same rules serve containers and pods.
//
// An engine or a cluster may be shared by several machines, and a pid means something only in the pid namespace it
// was taken in. So:
// - an owner on THIS host is alive iff a process with that pid runs AND it started when the owner did (a pid reused
//   by another program is not the owner);
// - an owner on ANOTHER host is never judged dead: Berth cannot see its processes. Such a server ends through its
//   own idle shutdown (see idleShutdownConfig), after which it is finished and anybody may remove it;
// - a container from before host labels (no berth.owner.host) counts as this host's: that was the only case then.

/** Who started a resource, as its labels say. */
export interface OwnerStamp {
  /** Host identity (see adapters/host/localHost): undefined on resources from before host labels. */
  readonly host?: string;
  /** The owner's pid on that host: NaN or 0 when the label is missing or garbled. */
  readonly pid: number;
  /** When that pid started (an opaque stamp from the same host): undefined when the host could not tell. */
  readonly pidStart?: string;
}

export type ProcessState = { readonly running: false } | { readonly running: true; readonly start?: string };

/** This machine as the liveness rule needs it. */
export interface ThisHost {
  readonly id: string;
  /** Whether `pid` runs here, and its start stamp when the host can tell. */
  process(pid: number): ProcessState;
}

export type OwnerLiveness = 'alive' | 'gone' | 'other-host';

export function ownerLiveness(owner: OwnerStamp, host: ThisHost): OwnerLiveness {
  if (owner.host !== undefined && owner.host !== host.id) return 'other-host';
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return 'gone';
  const state = host.process(owner.pid);
  if (!state.running) return 'gone';
  // Both stamps known and different: the pid was reused. One unknown: the pid alone decides (legacy labels, or a
  // platform without start times), erring on the side of keeping.
  if (owner.pidStart !== undefined && state.start !== undefined && owner.pidStart !== state.start) return 'gone';
  return 'alive';
}

/** `finished`: exited or dead, it will never run again. `created`: made but never started. */
export type ResourceState = 'created' | 'running' | 'finished';

export interface OwnedResource {
  readonly owner: OwnerStamp;
  readonly state: ResourceState;
  readonly keepAlive: boolean;
  readonly createdAtMs: number;
}

/**
 * A resource is created and started within a second or two (the create → start gap is a config upload); one still
 * only created after this long was left by an owner that died in between, whichever host it was on.
 */
export const NEVER_STARTED_AFTER_MS = 5 * 60_000;

/**
 * Whether anybody may remove the resource now: it finished (nothing can use an exited container, kept alive or not),
 * it was never started and never will be, or it is this host's, not kept alive, and its owner is gone.
 * Another host's running resource is never lapsed.
 */
export function isLapsed(resource: OwnedResource, host: ThisHost, nowMs: number): boolean {
  if (resource.state === 'finished') return true;
  if (resource.state === 'created' && nowMs - resource.createdAtMs > NEVER_STARTED_AFTER_MS) return true;
  if (resource.keepAlive) return false;
  return ownerLiveness(resource.owner, host) === 'gone';
}

/**
 * Probe containers live for seconds. One without owner labels comes from a Berth before they existed: it is lapsed
 * once finished, never started, or running far longer than any probe does.
 */
export const PROBE_STUCK_AFTER_MS = 10 * 60_000;

export function isLapsedProbe(probe: Omit<OwnedResource, 'keepAlive'>, host: ThisHost, nowMs: number): boolean {
  const legacy = probe.owner.host === undefined && !(probe.owner.pid > 0);
  if (legacy && probe.state === 'running') return nowMs - probe.createdAtMs > PROBE_STUCK_AFTER_MS;
  return isLapsed({ ...probe, keepAlive: false }, host, nowMs);
}
