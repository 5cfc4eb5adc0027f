// The Cluster view's rows as plain data: label, description, tooltip, icon and contextValue for each
// context, namespace, pod and message. The tree provider turns them into TreeItems and nothing more.
import { berthKernelOf } from './berthPods';
import type { ContextState, PodsState } from './clusterModel';
import { podAge, summarizePod, type PodHealth } from './podStatus';
import type { ContainerInfo, PodInfo } from './resources';

/** A codicon id and an optional theme color id. */
export interface RowIcon {
  readonly id: string;
  readonly color?: string;
}

interface RowBase {
  /** Stable across refreshes, unique in the view. */
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly icon: RowIcon;
  readonly contextValue: string;
}

export interface ContextRow extends RowBase {
  readonly kind: 'context';
  readonly context: string;
  readonly expanded: boolean;
}

export interface NamespaceRow extends RowBase {
  readonly kind: 'namespace';
  readonly context: string;
  readonly namespace: string;
  readonly expanded: boolean;
}

export interface PodRow extends RowBase {
  readonly kind: 'pod';
  readonly context: string;
  readonly namespace: string;
  readonly name: string;
  readonly berthKernel: boolean;
}

export interface MessageRow extends RowBase {
  readonly kind: 'message';
}

export type ClusterRow = ContextRow | NamespaceRow | PodRow | MessageRow;

export const ClusterItems = {
  context: 'berth.cluster.context',
  activeContext: 'berth.cluster.context.active',
  namespace: 'berth.cluster.namespace',
  activeNamespace: 'berth.cluster.namespace.active',
  pod: 'berth.cluster.pod',
  berthPod: 'berth.cluster.pod.berth',
  message: 'berth.cluster.message',
} as const;

export function contextRowId(context: string): string {
  return JSON.stringify(['ctx', context]);
}

export function namespaceRowId(context: string, namespace: string): string {
  return JSON.stringify(['ns', context, namespace]);
}

export function podRowId(context: string, namespace: string, name: string): string {
  return JSON.stringify(['pod', context, namespace, name]);
}

function message(parentId: string, key: string, label: string, icon: RowIcon, tooltip?: string): MessageRow {
  return { kind: 'message', id: `${parentId}#${key}`, label, tooltip: tooltip ?? label, icon, contextValue: ClusterItems.message };
}

const ERROR_ICON: RowIcon = { id: 'error', color: 'list.errorForeground' };
const WARNING_ICON: RowIcon = { id: 'warning', color: 'list.warningForeground' };
const INFO_ICON: RowIcon = { id: 'info' };
const LOADING_ICON: RowIcon = { id: 'loading~spin' };

function failureShort(state: ContextState): string {
  switch (state.error?.kind) {
    case 'tls':
      return 'TLS failure';
    case 'unauthorized':
      return 'credentials rejected';
    case 'expired':
      return 'credentials expired';
    case 'execPlugin':
      return 'credential plugin failed';
    case 'config':
      return 'kubeconfig problem';
    case 'forbidden':
      return 'forbidden';
    default:
      return 'failed';
  }
}

export function contextRow(state: ContextState): ContextRow {
  const { context } = state;
  const server = context.server ?? 'no server';
  let description: string;
  let icon: RowIcon;
  switch (state.status) {
    case 'idle':
      description = server;
      icon = { id: 'server-environment' };
      break;
    case 'connecting':
      description = `connecting to ${server}…`;
      icon = LOADING_ICON;
      break;
    case 'ready':
      description = server;
      icon = { id: 'server-environment', color: 'testing.iconPassed' };
      break;
    case 'unreachable':
      description = 'no answer · reconnecting';
      icon = { id: 'debug-disconnect', color: 'list.warningForeground' };
      break;
    case 'failed':
      description = failureShort(state);
      icon = ERROR_ICON;
      break;
  }
  if (context.problem) {
    description = 'kubeconfig problem';
    icon = ERROR_ICON;
  }
  const tooltip = [
    `Context ${context.name}${state.active ? ' (used by Berth)' : ''}`,
    `Cluster: ${context.cluster} at ${server}`,
    `User: ${context.user || '<none>'}`,
    `Namespace: ${state.namespace}`,
    ...(context.problem ? [`Cannot be used: ${context.problem}.`] : []),
    ...(state.error ? [state.error.message] : []),
    ...(state.retryAtMs ? [`Next attempt at ${new Date(state.retryAtMs).toLocaleTimeString()}`] : []),
  ].join('\n');
  return {
    kind: 'context',
    id: contextRowId(context.name),
    context: context.name,
    label: context.name,
    description: state.active ? `active · ${description}` : description,
    tooltip,
    icon,
    contextValue: state.active ? ClusterItems.activeContext : ClusterItems.context,
    expanded: state.active,
  };
}

export function namespaceRow(state: ContextState, namespace: string): NamespaceRow {
  const used = namespace === state.namespace;
  const phase = state.namespaces?.find((n) => n.name === namespace)?.phase;
  const notes = [used ? 'used by Berth' : '', phase && phase !== 'Active' ? phase : ''].filter(Boolean);
  return {
    kind: 'namespace',
    id: namespaceRowId(state.context.name, namespace),
    context: state.context.name,
    namespace,
    label: namespace,
    description: notes.join(' · ') || undefined,
    tooltip: `Namespace ${namespace} in context ${state.context.name}${used ? ' (the namespace Berth uses there)' : ''}`,
    icon: { id: 'symbol-namespace' },
    contextValue: used ? ClusterItems.activeNamespace : ClusterItems.namespace,
    expanded: used && state.active,
  };
}

/** The rows under a context: what went wrong or why the list is short, then its namespaces. */
export function contextChildren(state: ContextState): ClusterRow[] {
  const parent = contextRowId(state.context.name);
  const rows: ClusterRow[] = [];
  if (state.context.problem) {
    return [message(parent, 'problem', `This context cannot be used: ${state.context.problem}.`, ERROR_ICON)];
  }
  if (state.error) {
    const retry = state.status === 'unreachable' ? ' Berth reconnects by itself.' : ' Fix it, then Refresh.';
    rows.push(message(parent, 'error', state.error.message, state.status === 'unreachable' ? WARNING_ICON : ERROR_ICON, `${state.error.message}${retry}`));
  }
  if (state.namespacesNote) {
    rows.push(message(parent, 'note', state.namespacesNote, INFO_ICON));
  }
  if (state.namespaces === undefined) {
    if (state.status === 'connecting' || state.status === 'idle') {
      rows.push(message(parent, 'loading', `Connecting to ${state.context.server}…`, LOADING_ICON));
    }
    return rows;
  }
  rows.push(...state.namespaces.map((ns) => namespaceRow(state, ns.name)));
  return rows;
}

const HEALTH_ICONS: Readonly<Record<PodHealth, RowIcon>> = {
  running: { id: 'pass-filled', color: 'testing.iconPassed' },
  notReady: { id: 'circle-large-outline', color: 'list.warningForeground' },
  pending: { id: 'clock', color: 'list.warningForeground' },
  succeeded: { id: 'check' },
  failing: { id: 'error', color: 'list.errorForeground' },
  failed: { id: 'error', color: 'list.errorForeground' },
  terminating: { id: 'trash', color: 'disabledForeground' },
  unknown: { id: 'question' },
};

function containerLine(c: ContainerInfo): string {
  const s = c.state;
  const state =
    s.kind === 'waiting'
      ? `waiting${s.reason ? ` (${s.reason}${s.message ? `: ${s.message}` : ''})` : ''}`
      : s.kind === 'terminated'
        ? `terminated (${s.reason ?? `exit code ${s.exitCode}`})`
        : s.kind;
  return `  ${c.name}: ${state}${c.ready ? ', ready' : ''}${c.restartCount ? `, ${c.restartCount} restart${c.restartCount === 1 ? '' : 's'}` : ''} — ${c.image}`;
}

export function podRow(context: string, pod: PodInfo, nowMs: number): PodRow {
  const summary = summarizePod(pod);
  const kernel = berthKernelOf(pod);
  const parts = [
    summary.status,
    `${summary.readyContainers}/${summary.totalContainers}`,
    `${summary.restarts} restart${summary.restarts === 1 ? '' : 's'}`,
    podAge(pod, nowMs),
    pod.nodeName ?? 'no node',
  ];
  if (kernel) parts.push(kernel.notebookName ? `kernel for ${kernel.notebookName}` : 'Berth kernel');
  const tooltip = [
    `Pod ${pod.namespace}/${pod.name}`,
    ...(kernel ? [`Berth kernel${kernel.notebook ? ` for ${kernel.notebook}` : ''}`] : []),
    `Status: ${summary.status}${summary.status !== pod.phase ? ` (phase ${pod.phase})` : ''}`,
    ...(summary.waiting?.message ? [`${summary.waiting.reason}: ${summary.waiting.message}`] : []),
    ...(pod.message ? [pod.message] : []),
    // Why a pod is not scheduled or not ready, in the scheduler's and kubelet's words.
    ...pod.conditions.filter((c) => c.status === 'False' && c.message).map((c) => `${c.type}: ${c.reason ? `${c.reason}: ` : ''}${c.message}`),
    `Node: ${pod.nodeName ?? '<none>'}${pod.podIP ? ` · IP ${pod.podIP}` : ''}`,
    `Created: ${pod.createdMs === undefined ? '<unknown>' : new Date(pod.createdMs).toISOString()}`,
    'Containers:',
    ...pod.initContainers.map((c) => `${containerLine(c)} (init)`),
    ...pod.containers.map(containerLine),
  ].join('\n');
  const icon = HEALTH_ICONS[summary.health];
  return {
    kind: 'pod',
    id: podRowId(context, pod.namespace, pod.name),
    context,
    namespace: pod.namespace,
    name: pod.name,
    label: pod.name,
    description: parts.join(' · '),
    tooltip,
    icon: kernel ? { id: 'notebook', color: icon.color } : icon,
    contextValue: kernel ? ClusterItems.berthPod : ClusterItems.pod,
    berthKernel: kernel !== undefined,
  };
}

/** The rows under a namespace: its pods, or why there are none. */
export function namespaceChildren(context: string, namespace: string, state: PodsState, nowMs: number): ClusterRow[] {
  const parent = namespaceRowId(context, namespace);
  switch (state.status) {
    case 'idle':
    case 'loading':
      return state.pods.length ? state.pods.map((p) => podRow(context, p, nowMs)) : [message(parent, 'loading', 'Loading pods…', LOADING_ICON)];
    case 'failed':
      return [message(parent, 'error', state.error?.message ?? 'Could not list the pods.', ERROR_ICON)];
    case 'ready':
      return state.pods.length ? state.pods.map((p) => podRow(context, p, nowMs)) : [message(parent, 'empty', 'No pods in this namespace.', INFO_ICON)];
  }
}
