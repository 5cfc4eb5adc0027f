// "Describe" for a pod: status, containers, conditions and events as plain text, laid out like
// `kubectl describe pod` so it reads the way Kubernetes users expect.
import { berthKernelOf } from './berthPods';
import { humanDuration, summarizePod } from './podStatus';
import type { ContainerInfo, ContainerState, KubeEvent, PodInfo } from './resources';

function when(ms: number | undefined): string {
  return ms === undefined ? '<unknown>' : new Date(ms).toUTCString().replace('GMT', '+0000');
}

function field(label: string, value: string, indent = 0, width = 18): string {
  const pad = ' '.repeat(indent);
  return `${pad}${`${label}:`.padEnd(width)}${value}`;
}

function mapLines(label: string, values: Readonly<Record<string, string>>): string[] {
  const keys = Object.keys(values).sort();
  if (keys.length === 0) return [field(label, '<none>')];
  return keys.map((k, i) => (i === 0 ? field(label, `${k}=${values[k]}`) : `${' '.repeat(18)}${k}=${values[k]}`));
}

function stateLines(label: string, state: ContainerState, indent: number): string[] {
  switch (state.kind) {
    case 'waiting':
      return [field(label, 'Waiting', indent), ...(state.reason ? [field('Reason', state.reason, indent + 2, 14)] : []), ...(state.message ? [field('Message', state.message, indent + 2, 14)] : [])];
    case 'running':
      return [field(label, 'Running', indent), field('Started', when(state.startedMs), indent + 2, 14)];
    case 'terminated':
      return [
        field(label, 'Terminated', indent),
        ...(state.reason ? [field('Reason', state.reason, indent + 2, 14)] : []),
        ...(state.message ? [field('Message', state.message, indent + 2, 14)] : []),
        field('Exit Code', String(state.exitCode), indent + 2, 14),
        ...(state.signal ? [field('Signal', String(state.signal), indent + 2, 14)] : []),
        field('Started', when(state.startedMs), indent + 2, 14),
        field('Finished', when(state.finishedMs), indent + 2, 14),
      ];
    case 'unknown':
      return [field(label, 'Unknown', indent)];
  }
}

function containerLines(c: ContainerInfo): string[] {
  return [
    `  ${c.name}:`,
    field('Image', c.image, 4),
    ...(c.ports.length ? [field('Ports', c.ports.join(', '), 4)] : []),
    ...stateLines('State', c.state, 4),
    ...(c.lastState ? stateLines('Last State', c.lastState, 4) : []),
    field('Ready', c.ready ? 'True' : 'False', 4),
    field('Restart Count', String(c.restartCount), 4),
  ];
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] + 2))).join('')}`.trimEnd());
}

function eventAge(e: KubeEvent, nowMs: number): string {
  const last = e.lastMs === undefined ? '<unknown>' : humanDuration(nowMs - e.lastMs);
  if (e.count > 1 && e.firstMs !== undefined) {
    return `${last} (x${e.count} over ${humanDuration(nowMs - e.firstMs)})`;
  }
  return last;
}

/** The text of the Describe document. `events` oldest first, as the adapter lists them. */
export function describePod(pod: PodInfo, events: readonly KubeEvent[], nowMs: number): string {
  const summary = summarizePod(pod);
  const kernel = berthKernelOf(pod);
  const lines: string[] = [
    field('Name', pod.name),
    field('Namespace', pod.namespace),
    field('Node', pod.nodeName ? `${pod.nodeName}${pod.hostIP ? `/${pod.hostIP}` : ''}` : '<none>'),
    field('Start Time', when(pod.startMs)),
    ...mapLines('Labels', pod.labels),
    ...mapLines('Annotations', pod.annotations),
    field('Status', summary.status === pod.phase ? pod.phase : `${pod.phase} (${summary.status})`),
    ...(pod.reason ? [field('Reason', pod.reason)] : []),
    ...(pod.message ? [field('Message', pod.message)] : []),
    field('IP', pod.podIP ?? '<none>'),
    ...(pod.controlledBy ? [field('Controlled By', pod.controlledBy)] : []),
    ...(pod.serviceAccount ? [field('Service Account', pod.serviceAccount)] : []),
    ...(kernel ? [field('Berth kernel', kernel.notebook ? `serves ${kernel.notebook}` : 'yes')] : []),
  ];
  if (pod.initContainers.length) {
    lines.push('Init Containers:', ...pod.initContainers.flatMap(containerLines));
  }
  lines.push('Containers:', ...pod.containers.flatMap(containerLines));
  lines.push('Conditions:');
  if (pod.conditions.length) {
    lines.push(...table([['Type', 'Status', 'Reason'], ...pod.conditions.map((c) => [c.type, c.status, c.reason ?? ''])]));
  } else {
    lines.push('  <none>');
  }
  lines.push(field('QoS Class', pod.qosClass ?? '<none>'));
  lines.push('Events:');
  if (events.length) {
    lines.push(
      ...table([
        ['Type', 'Reason', 'Age', 'From', 'Message'],
        ['----', '------', '----', '----', '-------'],
        ...events.map((e) => [e.type, e.reason, eventAge(e, nowMs), e.source, e.message.replace(/\s*\n\s*/g, ' ')]),
      ]),
    );
  } else {
    lines.push('  <none>');
  }
  return `${lines.join('\n')}\n`;
}
