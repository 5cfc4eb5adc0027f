// Pod fixtures in the API's own JSON shape, as a watch delivers them.
import type { ApiContainerStatus, ApiPod } from '../../../src/core/kubernetes/resources';

export const T0 = Date.parse('2026-12-01T10:00:00Z');

export function apiPod(name: string, over: { phase?: string; statuses?: ApiContainerStatus[]; init?: ApiContainerStatus[]; labels?: Record<string, string>; annotations?: Record<string, string>; deleting?: boolean; ready?: boolean; containers?: string[]; reason?: string } = {}): ApiPod {
  const containers = over.containers ?? (over.statuses ?? [{ name: 'main' }]).map((s) => s.name ?? 'main');
  return {
    metadata: {
      name,
      namespace: 'ns1',
      uid: `uid-${name}`,
      resourceVersion: '10',
      creationTimestamp: new Date(T0).toISOString(),
      deletionTimestamp: over.deleting ? new Date(T0 + 60000).toISOString() : undefined,
      labels: over.labels ?? { app: name },
      annotations: over.annotations,
    },
    spec: {
      nodeName: 'localhost',
      containers: containers.map((c) => ({ name: c, image: `img/${c}:1` })),
      initContainers: over.init?.map((s) => ({ name: s.name, image: 'img/init:1' })),
    },
    status: {
      phase: over.phase ?? 'Running',
      reason: over.reason,
      podIP: '100.96.0.7',
      startTime: new Date(T0).toISOString(),
      conditions: [{ type: 'Ready', status: over.ready === false ? 'False' : 'True' }],
      containerStatuses: over.statuses ?? [{ name: 'main', ready: true, restartCount: 0, state: { running: { startedAt: new Date(T0).toISOString() } } }],
      initContainerStatuses: over.init,
    },
  };
}

export const running = (name: string, restarts = 0): ApiContainerStatus => ({ name, ready: true, restartCount: restarts, state: { running: { startedAt: new Date(T0).toISOString() } } });
export const waiting = (name: string, reason: string, message?: string, restarts = 0): ApiContainerStatus => ({ name, ready: false, restartCount: restarts, state: { waiting: { reason, message } } });
export const terminated = (name: string, exitCode: number, reason?: string, signal?: number): ApiContainerStatus => ({
  name,
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode, reason, signal, startedAt: new Date(T0).toISOString(), finishedAt: new Date(T0 + 5000).toISOString() } },
});
