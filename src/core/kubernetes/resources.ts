// Kubernetes objects as Berth sees them (domain types), and the pure mapping from the API's JSON into them.
// The `Api*` interfaces describe the subset of the wire format Berth reads, as the API spells it; the
// Kubernetes adapter hands core those objects and never its client library's own classes. Timestamps arrive
// as RFC 3339 strings from a watch and as Date objects from the client's typed list calls: both are accepted.

export type ApiTime = string | Date | undefined | null;

export interface ApiObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly creationTimestamp?: ApiTime;
  readonly deletionTimestamp?: ApiTime;
  readonly labels?: Readonly<Record<string, string>> | null;
  readonly annotations?: Readonly<Record<string, string>> | null;
  readonly ownerReferences?: readonly { readonly kind?: string; readonly name?: string; readonly controller?: boolean }[] | null;
}

export interface ApiContainerState {
  readonly waiting?: { readonly reason?: string; readonly message?: string } | null;
  readonly running?: { readonly startedAt?: ApiTime } | null;
  readonly terminated?: {
    readonly reason?: string;
    readonly message?: string;
    readonly exitCode?: number;
    readonly signal?: number;
    readonly startedAt?: ApiTime;
    readonly finishedAt?: ApiTime;
  } | null;
}

export interface ApiContainerStatus {
  readonly name?: string;
  readonly ready?: boolean;
  readonly restartCount?: number;
  readonly image?: string;
  readonly imageID?: string;
  readonly started?: boolean;
  readonly state?: ApiContainerState | null;
  readonly lastState?: ApiContainerState | null;
}

export interface ApiContainer {
  readonly name?: string;
  readonly image?: string;
  readonly command?: readonly string[] | null;
  readonly args?: readonly string[] | null;
  readonly ports?: readonly { readonly containerPort?: number; readonly protocol?: string; readonly name?: string }[] | null;
}

export interface ApiPod {
  readonly metadata?: ApiObjectMeta;
  readonly spec?: {
    readonly nodeName?: string;
    readonly containers?: readonly ApiContainer[];
    readonly initContainers?: readonly ApiContainer[] | null;
    readonly serviceAccountName?: string;
    readonly restartPolicy?: string;
    readonly nodeSelector?: Readonly<Record<string, string>> | null;
  } | null;
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly podIP?: string;
    readonly hostIP?: string;
    readonly qosClass?: string;
    readonly startTime?: ApiTime;
    readonly conditions?: readonly {
      readonly type?: string;
      readonly status?: string;
      readonly reason?: string;
      readonly message?: string;
      readonly lastTransitionTime?: ApiTime;
    }[] | null;
    readonly containerStatuses?: readonly ApiContainerStatus[] | null;
    readonly initContainerStatuses?: readonly ApiContainerStatus[] | null;
  } | null;
}

export interface ApiNamespace {
  readonly metadata?: ApiObjectMeta;
  readonly status?: { readonly phase?: string } | null;
}

export interface ApiEvent {
  readonly metadata?: ApiObjectMeta;
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly firstTimestamp?: ApiTime;
  readonly lastTimestamp?: ApiTime;
  readonly eventTime?: ApiTime;
  readonly source?: { readonly component?: string; readonly host?: string } | null;
  readonly reportingComponent?: string;
  readonly involvedObject?: { readonly kind?: string; readonly name?: string; readonly namespace?: string; readonly uid?: string };
}

export type ContainerState =
  | { readonly kind: 'waiting'; readonly reason?: string; readonly message?: string }
  | { readonly kind: 'running'; readonly startedMs?: number }
  | {
      readonly kind: 'terminated';
      readonly reason?: string;
      readonly message?: string;
      readonly exitCode: number;
      readonly signal?: number;
      readonly startedMs?: number;
      readonly finishedMs?: number;
    }
  | { readonly kind: 'unknown' };

export interface ContainerInfo {
  readonly name: string;
  readonly image: string;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly state: ContainerState;
  readonly lastState?: ContainerState;
  readonly ports: readonly string[];
}

export interface PodCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionMs?: number;
}

export interface PodInfo {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly resourceVersion: string;
  readonly createdMs?: number;
  /** Set once deletion was requested: the pod is terminating. */
  readonly deletionMs?: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly phase: string;
  /** The pod-level reason (e.g. Evicted, NodeLost) and message, when the kubelet gave one. */
  readonly reason?: string;
  readonly message?: string;
  readonly nodeName?: string;
  readonly podIP?: string;
  readonly hostIP?: string;
  readonly qosClass?: string;
  readonly serviceAccount?: string;
  readonly startMs?: number;
  readonly controlledBy?: string;
  readonly containers: readonly ContainerInfo[];
  readonly initContainers: readonly ContainerInfo[];
  readonly conditions: readonly PodCondition[];
}

export interface NamespaceInfo {
  readonly name: string;
  readonly uid: string;
  readonly phase: string;
}

export interface KubeEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly firstMs?: number;
  readonly lastMs?: number;
  readonly source: string;
}

export function timeMs(value: ApiTime): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function toContainerState(state: ApiContainerState | null | undefined): ContainerState | undefined {
  if (!state) {
    return undefined;
  }
  if (state.waiting) {
    return { kind: 'waiting', reason: state.waiting.reason || undefined, message: state.waiting.message || undefined };
  }
  if (state.running) {
    return { kind: 'running', startedMs: timeMs(state.running.startedAt) };
  }
  if (state.terminated) {
    const t = state.terminated;
    return {
      kind: 'terminated',
      reason: t.reason || undefined,
      message: t.message || undefined,
      exitCode: t.exitCode ?? 0,
      signal: t.signal || undefined,
      startedMs: timeMs(t.startedAt),
      finishedMs: timeMs(t.finishedAt),
    };
  }
  return undefined;
}

function toContainers(spec: readonly ApiContainer[] | null | undefined, statuses: readonly ApiContainerStatus[] | null | undefined): ContainerInfo[] {
  const byName = new Map((statuses ?? []).map((s) => [s.name ?? '', s]));
  // A container in the status but not the spec cannot happen in a valid pod; the spec's order is kubectl's.
  return (spec ?? []).map((c): ContainerInfo => {
    const name = c.name ?? '';
    const status = byName.get(name);
    return {
      name,
      image: c.image ?? status?.image ?? '',
      ready: status?.ready ?? false,
      restartCount: status?.restartCount ?? 0,
      state: toContainerState(status?.state) ?? { kind: 'waiting' },
      lastState: toContainerState(status?.lastState),
      ports: (c.ports ?? []).map((p) => `${p.containerPort ?? '?'}/${p.protocol ?? 'TCP'}${p.name ? ` (${p.name})` : ''}`),
    };
  });
}

export function toPodInfo(pod: ApiPod): PodInfo {
  const meta = pod.metadata ?? {};
  const status = pod.status ?? {};
  const owner = meta.ownerReferences?.find((o) => o.controller) ?? meta.ownerReferences?.[0];
  return {
    uid: meta.uid ?? '',
    name: meta.name ?? '',
    namespace: meta.namespace ?? '',
    resourceVersion: meta.resourceVersion ?? '',
    createdMs: timeMs(meta.creationTimestamp),
    deletionMs: timeMs(meta.deletionTimestamp),
    labels: { ...(meta.labels ?? {}) },
    annotations: { ...(meta.annotations ?? {}) },
    phase: status.phase || 'Unknown',
    reason: status.reason || undefined,
    message: status.message || undefined,
    nodeName: pod.spec?.nodeName || undefined,
    podIP: status.podIP || undefined,
    hostIP: status.hostIP || undefined,
    qosClass: status.qosClass || undefined,
    serviceAccount: pod.spec?.serviceAccountName || undefined,
    startMs: timeMs(status.startTime),
    controlledBy: owner?.kind && owner.name ? `${owner.kind}/${owner.name}` : undefined,
    containers: toContainers(pod.spec?.containers, status.containerStatuses),
    initContainers: toContainers(pod.spec?.initContainers, status.initContainerStatuses),
    conditions: (status.conditions ?? []).map((c) => ({
      type: c.type ?? '',
      status: c.status ?? 'Unknown',
      reason: c.reason || undefined,
      message: c.message || undefined,
      lastTransitionMs: timeMs(c.lastTransitionTime),
    })),
  };
}

export function toNamespaceInfo(ns: ApiNamespace): NamespaceInfo {
  return { name: ns.metadata?.name ?? '', uid: ns.metadata?.uid ?? '', phase: ns.status?.phase || 'Active' };
}

export function toKubeEvent(event: ApiEvent): KubeEvent {
  const last = timeMs(event.lastTimestamp) ?? timeMs(event.eventTime) ?? timeMs(event.metadata?.creationTimestamp);
  return {
    type: event.type || 'Normal',
    reason: event.reason ?? '',
    message: (event.message ?? '').trim(),
    count: event.count ?? 1,
    firstMs: timeMs(event.firstTimestamp) ?? last,
    lastMs: last,
    source: event.source?.component ? `${event.source.component}${event.source.host ? `, ${event.source.host}` : ''}` : (event.reportingComponent ?? ''),
  };
}
