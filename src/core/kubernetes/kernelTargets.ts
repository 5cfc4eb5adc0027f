// `berth.kubernetes.targets`: the pod kernel sources the user configured, parsed and checked into
// KubernetesKernelTargets. A bad entry is skipped with one line saying which entry and what is wrong; the others
// still become kernels. Pure: unit-tested without VS Code or a cluster.
import type { KernelSpecInfo, KubernetesKernelTarget, PodResources, PodToleration, PodVolume } from '../kernels/api';
import { RESERVED_POD_PATHS } from './kernelPod';

/** One configured target as the picker shows it. */
export interface PodKernelTarget {
  /** The controller id: stable across reloads, never equal to a Docker controller's (`docker:` prefix). */
  readonly id: string;
  /** "Berth: IMAGE on CONTEXT/NAMESPACE". */
  readonly label: string;
  /** "IMAGE on CONTEXT/NAMESPACE": what the status bar and the Kernels view show. */
  readonly where: string;
  readonly name?: string;
  /** One line: kernelspec, requests/limits, node selector (the picker's detail). */
  readonly detail: string;
  readonly target: KubernetesKernelTarget;
  /** Whether the setting names the kernelspec; if not, `target.kernelspec` is python3 until the image's are known. */
  readonly kernelspecNamed: boolean;
  /** The kernelspec as the image's probe describes it (display name, language), once known. */
  readonly kernelspecInfo?: KernelSpecInfo;
}

export interface ParsedTargets {
  readonly targets: readonly PodKernelTarget[];
  /** One line per skipped entry (or for a setting that is not a list). */
  readonly problems: readonly string[];
}

const SETTING = 'berth.kubernetes.targets';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Kubernetes quantity: `2`, `500m`, `1.5`, `2Gi`, `1e3`. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
/** A resource name: `cpu`, `memory`, `nvidia.com/gpu`, `ephemeral-storage`. */
const RESOURCE_NAME = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
const OPERATORS = ['Exists', 'Equal'] as const;
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const KNOWN_KEYS = new Set(['name', 'context', 'namespace', 'image', 'kernelspec', 'resources', 'nodeSelector', 'tolerations', 'imagePullPolicy', 'imagePullSecrets', 'serviceAccount', 'env', 'volumes']);
const VOLUME_KEYS = new Set(['mountPath', 'persistentVolumeClaim', 'emptyDir', 'readOnly', 'subPath']);
/** Kernel-managed file systems a volume must not cover. */
const SYSTEM_PATHS = ['/proc', '/sys', '/dev'];

class EntryError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(entry: Record<string, unknown>, key: string): string | undefined {
  const value = entry[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EntryError(`"${key}" must be a string`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function requiredString(entry: Record<string, unknown>, key: string, example: string): string {
  const value = optionalString(entry, key);
  if (value === undefined) throw new EntryError(`"${key}" is missing (e.g. "${key}": "${example}")`);
  return value;
}

function stringMap(entry: Record<string, unknown>, key: string, checkKey?: (k: string) => string | undefined): Record<string, string> | undefined {
  const value = entry[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new EntryError(`"${key}" must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    const bad = checkKey?.(k);
    if (bad) throw new EntryError(`"${key}": ${bad}`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new EntryError(`"${key}.${k}" must be a string`);
    out[k] = String(v);
  }
  return Object.keys(out).length ? out : undefined;
}

function quantities(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new EntryError(`"${where}" must be an object such as { "cpu": "500m", "memory": "2Gi", "nvidia.com/gpu": "1" }`);
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!RESOURCE_NAME.test(name)) throw new EntryError(`"${where}": "${name}" is not a resource name`);
    const q = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
    if (q === undefined || !QUANTITY.test(q)) throw new EntryError(`"${where}.${name}": ${JSON.stringify(raw)} is not a quantity (e.g. "500m", "2Gi", "1")`);
    out[name] = q;
  }
  return Object.keys(out).length ? out : undefined;
}

function resourcesOf(entry: Record<string, unknown>): PodResources | undefined {
  const value = entry.resources;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new EntryError('"resources" must be an object with "requests" and/or "limits"');
  const unknown = Object.keys(value).filter((k) => k !== 'requests' && k !== 'limits');
  if (unknown.length) throw new EntryError(`"resources" takes "requests" and "limits", not "${unknown[0]}"`);
  const requests = quantities(value.requests, 'resources.requests');
  const limits = quantities(value.limits, 'resources.limits');
  if (!requests && !limits) return undefined;
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

function tolerationsOf(entry: Record<string, unknown>): PodToleration[] | undefined {
  const value = entry.tolerations;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new EntryError('"tolerations" must be a list');
  return value.map((t, i): PodToleration => {
    const where = `tolerations[${i}]`;
    if (!isObject(t)) throw new EntryError(`"${where}" must be an object`);
    const key = optionalString(t, 'key');
    const val = optionalString(t, 'value');
    const operator = optionalString(t, 'operator');
    const effect = optionalString(t, 'effect');
    if (operator !== undefined && !(OPERATORS as readonly string[]).includes(operator)) throw new EntryError(`"${where}.operator" must be ${OPERATORS.join(' or ')}`);
    if (effect !== undefined && !(EFFECTS as readonly string[]).includes(effect)) throw new EntryError(`"${where}.effect" must be one of ${EFFECTS.join(', ')}`);
    if (operator === 'Exists' && val !== undefined) throw new EntryError(`"${where}": operator Exists takes no value`);
    const seconds = t.tolerationSeconds;
    if (seconds !== undefined && (typeof seconds !== 'number' || !Number.isInteger(seconds))) throw new EntryError(`"${where}.tolerationSeconds" must be a whole number`);
    return {
      ...(key !== undefined ? { key } : {}),
      ...(operator !== undefined ? { operator: operator as PodToleration['operator'] } : {}),
      ...(val !== undefined ? { value: val } : {}),
      ...(effect !== undefined ? { effect: effect as PodToleration['effect'] } : {}),
      ...(typeof seconds === 'number' ? { tolerationSeconds: seconds } : {}),
    };
  });
}

function pullSecretsOf(entry: Record<string, unknown>): string[] | undefined {
  const value = entry.imagePullSecrets;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new EntryError('"imagePullSecrets" must be a list of Secret names');
  const names = value.map((s, i) => {
    const name = typeof s === 'string' ? s.trim() : isObject(s) && typeof s.name === 'string' ? s.name.trim() : undefined;
    if (!name || !DNS_SUBDOMAIN.test(name)) throw new EntryError(`"imagePullSecrets[${i}]" is not a Secret name`);
    return name;
  });
  return names.length ? names : undefined;
}

/** Whether `inner` is `outer` or lies inside it (both normalised absolute paths). */
function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
}

function mountPathOf(raw: unknown, where: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new EntryError(`"${where}.mountPath" is missing (e.g. "mountPath": "/data")`);
  const mountPath = raw.trim();
  const segments = mountPath.split('/').slice(1);
  if (!mountPath.startsWith('/') || mountPath === '/' || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new EntryError(`"${where}.mountPath" ${JSON.stringify(mountPath)} must be an absolute path below "/" without "." or ".." parts, e.g. "/data"`);
  }
  if (mountPath.includes(':')) throw new EntryError(`"${where}.mountPath" ${JSON.stringify(mountPath)} must not contain ":"`);
  const system = SYSTEM_PATHS.find((p) => within(mountPath, p));
  if (system) throw new EntryError(`"${where}.mountPath" ${JSON.stringify(mountPath)} is inside ${system}, which the container runtime manages`);
  for (const reserved of RESERVED_POD_PATHS) {
    if (within(mountPath, reserved.path)) {
      throw new EntryError(`"${where}.mountPath" ${JSON.stringify(mountPath)} collides with ${reserved.what} at ${reserved.path}: mount the volume elsewhere, e.g. "/data"`);
    }
  }
  return mountPath;
}

function volumeOf(raw: unknown, i: number): PodVolume {
  const where = `volumes[${i}]`;
  if (!isObject(raw)) throw new EntryError(`"${where}" must be an object such as { "mountPath": "/data", "persistentVolumeClaim": "results" }`);
  if ('hostPath' in raw) throw new EntryError(`"${where}": Berth never mounts a host path into a kernel pod; use a "persistentVolumeClaim" (or an "emptyDir" for scratch)`);
  const unknown = Object.keys(raw).find((k) => !VOLUME_KEYS.has(k));
  if (unknown) throw new EntryError(`"${where}": unknown key "${unknown}" (known: ${[...VOLUME_KEYS].join(', ')})`);
  const mountPath = mountPathOf(raw.mountPath, where);
  const claim = raw.persistentVolumeClaim;
  const empty = raw.emptyDir;
  if ((claim === undefined) === (empty === undefined)) throw new EntryError(`"${where}" needs exactly one of "persistentVolumeClaim" (a claim's name) and "emptyDir" ({} or { "sizeLimit": "1Gi" })`);
  let source: PodVolume['source'];
  if (claim !== undefined) {
    const claimName = typeof claim === 'string' ? claim.trim() : isObject(claim) && typeof claim.claimName === 'string' ? claim.claimName.trim() : undefined;
    if (!claimName || claimName.length > 253 || !DNS_SUBDOMAIN.test(claimName)) throw new EntryError(`"${where}.persistentVolumeClaim" must be the name of a PersistentVolumeClaim in the namespace, e.g. "results"`);
    source = { kind: 'persistentVolumeClaim', claimName };
  } else {
    if (!isObject(empty)) throw new EntryError(`"${where}.emptyDir" must be an object: {} or { "sizeLimit": "1Gi", "medium": "Memory" }`);
    const extra = Object.keys(empty).find((k) => k !== 'sizeLimit' && k !== 'medium');
    if (extra) throw new EntryError(`"${where}.emptyDir" takes "sizeLimit" and "medium", not "${extra}"`);
    const sizeLimit = empty.sizeLimit === undefined ? undefined : typeof empty.sizeLimit === 'number' ? String(empty.sizeLimit) : typeof empty.sizeLimit === 'string' ? empty.sizeLimit.trim() : undefined;
    if (empty.sizeLimit !== undefined && (sizeLimit === undefined || !QUANTITY.test(sizeLimit))) throw new EntryError(`"${where}.emptyDir.sizeLimit": ${JSON.stringify(empty.sizeLimit)} is not a quantity (e.g. "1Gi")`);
    if (empty.medium !== undefined && empty.medium !== '' && empty.medium !== 'Memory') throw new EntryError(`"${where}.emptyDir.medium" must be "Memory" (a tmpfs) or left out (the node's disk)`);
    source = { kind: 'emptyDir', ...(sizeLimit ? { sizeLimit } : {}), ...(empty.medium === 'Memory' ? { medium: 'Memory' as const } : {}) };
  }
  const readOnly = raw.readOnly;
  if (readOnly !== undefined && typeof readOnly !== 'boolean') throw new EntryError(`"${where}.readOnly" must be true or false`);
  if (readOnly && source.kind === 'emptyDir') throw new EntryError(`"${where}": a read-only emptyDir stays empty; drop "readOnly"`);
  let subPath: string | undefined;
  if (raw.subPath !== undefined) {
    subPath = typeof raw.subPath === 'string' ? raw.subPath.trim() : undefined;
    if (!subPath || subPath.startsWith('/') || subPath.split('/').some((s) => s === '..')) throw new EntryError(`"${where}.subPath" must be a relative path inside the volume without "..", e.g. "alice"`);
  }
  return { mountPath, source, ...(readOnly ? { readOnly: true } : {}), ...(subPath ? { subPath } : {}) };
}

function volumesOf(entry: Record<string, unknown>): PodVolume[] | undefined {
  const value = entry.volumes;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new EntryError('"volumes" must be a list such as [{ "mountPath": "/data", "persistentVolumeClaim": "results" }]');
  const volumes = value.map(volumeOf);
  volumes.forEach((v, i) => {
    const first = volumes.findIndex((o) => o.mountPath === v.mountPath);
    if (first !== i) throw new EntryError(`"volumes[${i}].mountPath" ${JSON.stringify(v.mountPath)} is already the mount path of volumes[${first}]`);
  });
  return volumes.length ? volumes : undefined;
}

/** A short summary of the volumes, e.g. "results at /data · emptyDir at /scratch". */
export function volumeSummary(volumes: readonly PodVolume[] | undefined): string {
  return (volumes ?? []).map((v) => `${v.source.kind === 'persistentVolumeClaim' ? v.source.claimName : 'emptyDir'} at ${v.mountPath}${v.readOnly ? ' (read-only)' : ''}`).join(' · ');
}

/** A short summary of the resources, e.g. "cpu 500m · memory 2Gi · nvidia.com/gpu 1". */
export function resourceSummary(resources: PodResources | undefined): string {
  const names = new Set([...Object.keys(resources?.requests ?? {}), ...Object.keys(resources?.limits ?? {})]);
  return [...names]
    .map((n) => {
      const req = resources?.requests?.[n];
      const lim = resources?.limits?.[n];
      return `${n} ${req && lim && req !== lim ? `${req}–${lim}` : (req ?? lim)}`;
    })
    .join(' · ');
}

/** The controller id of a target: every field that makes it a different kernel, so two targets never share one. */
export function podControllerId(target: Pick<KubernetesKernelTarget, 'context' | 'namespace' | 'image' | 'kernelspec'>, name?: string): string {
  return `kubernetes:${target.context}/${target.namespace}/${target.image}/${target.kernelspec}${name ? `#${name}` : ''}`;
}

/** "IMAGE on CONTEXT/NAMESPACE". */
export function podWhere(target: Pick<KubernetesKernelTarget, 'context' | 'namespace' | 'image'>): string {
  return `${target.image} on ${target.context}/${target.namespace}`;
}

/** The picker's detail line: name, kernelspec, requests/limits, node selector, volumes. */
export function podDetail(name: string | undefined, target: KubernetesKernelTarget, kernelspecLabel: string = target.kernelspec): string {
  const selector = target.nodeSelector ? Object.entries(target.nodeSelector).map(([k, v]) => `${k}=${v}`).join(',') : undefined;
  return [name, kernelspecLabel, resourceSummary(target.resources), selector, volumeSummary(target.volumes)].filter(Boolean).join(' · ');
}

function parseEntry(entry: unknown, kubeconfig: string | undefined): PodKernelTarget {
  if (!isObject(entry)) throw new EntryError('must be an object with at least "context" and "image"');
  const unknown = Object.keys(entry).find((k) => !KNOWN_KEYS.has(k));
  if (unknown) throw new EntryError(`unknown key "${unknown}" (known: ${[...KNOWN_KEYS].join(', ')})`);
  const name = optionalString(entry, 'name');
  const context = requiredString(entry, 'context', 'my-cluster');
  const image = requiredString(entry, 'image', 'registry.example.com/team/python:3.12');
  if (/\s/.test(image)) throw new EntryError(`"image" ${JSON.stringify(image)} contains spaces`);
  const namespace = optionalString(entry, 'namespace') ?? 'default';
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw new EntryError(`"namespace" "${namespace}" is not a namespace name (lower-case letters, digits and "-")`);
  const named = optionalString(entry, 'kernelspec');
  const kernelspec = named ?? 'python3';
  const imagePullPolicy = optionalString(entry, 'imagePullPolicy');
  if (imagePullPolicy !== undefined && !(PULL_POLICIES as readonly string[]).includes(imagePullPolicy)) throw new EntryError(`"imagePullPolicy" must be one of ${PULL_POLICIES.join(', ')}`);
  const serviceAccount = optionalString(entry, 'serviceAccount');
  if (serviceAccount !== undefined && !DNS_SUBDOMAIN.test(serviceAccount)) throw new EntryError(`"serviceAccount" "${serviceAccount}" is not a service account name`);
  const resources = resourcesOf(entry);
  const nodeSelector = stringMap(entry, 'nodeSelector', (k) => (RESOURCE_NAME.test(k) ? undefined : `"${k}" is not a label key`));
  const tolerations = tolerationsOf(entry);
  const imagePullSecrets = pullSecretsOf(entry);
  const env = stringMap(entry, 'env', (k) => (ENV_NAME.test(k) ? undefined : `"${k}" is not a variable name`));
  const volumes = volumesOf(entry);
  const target: KubernetesKernelTarget = {
    kind: 'kubernetes',
    image,
    kernelspec,
    context,
    namespace,
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(resources ? { resources } : {}),
    ...(nodeSelector ? { nodeSelector } : {}),
    ...(tolerations?.length ? { tolerations } : {}),
    ...(imagePullPolicy ? { imagePullPolicy: imagePullPolicy as KubernetesKernelTarget['imagePullPolicy'] } : {}),
    ...(imagePullSecrets ? { imagePullSecrets } : {}),
    ...(serviceAccount ? { serviceAccount } : {}),
    ...(env ? { env } : {}),
    ...(volumes ? { volumes } : {}),
  };
  const where = podWhere(target);
  return { id: podControllerId(target, name), label: `Berth: ${where}`, where, ...(name ? { name } : {}), detail: podDetail(name, target), target, kernelspecNamed: named !== undefined };
}

/**
 * Parses the setting. `kubeconfig` is `berth.kubernetes.kubeconfig` (empty: KUBECONFIG, else ~/.kube/config, as the
 * Cluster view reads it). Entries that are wrong are skipped, each with one problem line; duplicates too.
 */
export function parseKubernetesTargets(raw: unknown, kubeconfig?: string): ParsedTargets {
  if (raw === undefined || raw === null) return { targets: [], problems: [] };
  if (!Array.isArray(raw)) return { targets: [], problems: [`${SETTING} must be a list of targets, e.g. [{ "context": "my-cluster", "image": "registry/team/python:3.12" }]`] };
  const targets: PodKernelTarget[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry, i) => {
    try {
      const parsed = parseEntry(entry, kubeconfig || undefined);
      const first = seen.get(parsed.id);
      if (first !== undefined) throw new EntryError(`the same context, namespace, image and kernelspec as entry ${first}: give one of them a different "name"`);
      seen.set(parsed.id, i);
      targets.push(parsed);
    } catch (error) {
      if (!(error instanceof EntryError)) throw error;
      problems.push(`${SETTING}[${i}] is skipped: ${error.message}`);
    }
  });
  return { targets, problems };
}

/** Where Berth looks for its pods again (re-attach, cleanup, the Kernels view): each (kubeconfig, context, namespace) once. */
export function podScopes(targets: readonly PodKernelTarget[]): { readonly context: string; readonly namespace: string; readonly kubeconfig?: string }[] {
  const seen = new Map<string, { context: string; namespace: string; kubeconfig?: string }>();
  for (const { target } of targets) {
    const key = `${target.kubeconfig ?? ''}\0${target.context}\0${target.namespace}`;
    if (!seen.has(key)) seen.set(key, { context: target.context, namespace: target.namespace, ...(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {}) });
  }
  return [...seen.values()];
}
