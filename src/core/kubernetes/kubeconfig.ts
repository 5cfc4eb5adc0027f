// Which kubeconfig files Berth reads, and how several of them merge: the rules kubectl (client-go's loader)
// applies, so Berth sees the same contexts as `kubectl config get-contexts`. Berth only ever reads these files.
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { BerthError } from '../common/errors';

/** A cluster entry as the kubeconfig file spells it. */
export interface KubeconfigCluster {
  readonly server?: string;
  readonly 'certificate-authority'?: string;
  readonly 'certificate-authority-data'?: string;
  readonly 'insecure-skip-tls-verify'?: boolean;
  readonly 'tls-server-name'?: string;
  readonly 'proxy-url'?: string;
  readonly [key: string]: unknown;
}

export interface KubeconfigExec {
  readonly command?: string;
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value: string }[];
  readonly apiVersion?: string;
  readonly [key: string]: unknown;
}

/** A user (AuthInfo) entry as the kubeconfig file spells it. */
export interface KubeconfigUser {
  readonly token?: string;
  readonly tokenFile?: string;
  readonly 'client-certificate'?: string;
  readonly 'client-certificate-data'?: string;
  readonly 'client-key'?: string;
  readonly 'client-key-data'?: string;
  readonly username?: string;
  readonly password?: string;
  readonly exec?: KubeconfigExec;
  readonly 'auth-provider'?: { readonly name?: string; readonly config?: Readonly<Record<string, unknown>> };
  readonly [key: string]: unknown;
}

export interface KubeconfigContextEntry {
  readonly cluster?: string;
  readonly user?: string;
  readonly namespace?: string;
}

/** The document shape of a kubeconfig file (and of the single-context document handed to the client). */
export interface KubeconfigDocument {
  readonly apiVersion: 'v1';
  readonly kind: 'Config';
  readonly clusters: readonly { readonly name: string; readonly cluster: KubeconfigCluster }[];
  readonly users: readonly { readonly name: string; readonly user: KubeconfigUser }[];
  readonly contexts: readonly { readonly name: string; readonly context: KubeconfigContextEntry }[];
  readonly 'current-context'?: string;
}

/** Where the file list came from, for messages ("from KUBECONFIG", "from the setting"). */
export type KubeconfigOrigin = 'setting' | 'KUBECONFIG' | 'default';

export interface KubeconfigSource {
  readonly origin: KubeconfigOrigin;
  /** Absolute paths, in merge order (the first file to define a name wins). */
  readonly paths: readonly string[];
}

/**
 * The files to read: `berth.kubernetes.kubeconfig` when set (one path, or several joined like KUBECONFIG),
 * else the KUBECONFIG variable (paths joined by the platform's delimiter), else ~/.kube/config.
 */
export function kubeconfigSource(setting: string | undefined, env: Readonly<Record<string, string | undefined>>, home: string, delimiter = path.delimiter): KubeconfigSource {
  const expand = (p: string) => (p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p);
  const split = (value: string) => [...new Set(value.split(delimiter).map((p) => p.trim()).filter((p) => p !== '').map((p) => path.resolve(expand(p))))];
  if (setting && setting.trim() !== '') {
    return { origin: 'setting', paths: split(setting) };
  }
  const fromEnv = env.KUBECONFIG;
  if (fromEnv && split(fromEnv).length > 0) {
    return { origin: 'KUBECONFIG', paths: split(fromEnv) };
  }
  return { origin: 'default', paths: [path.join(home, '.kube', 'config')] };
}

/** One file as read from disk; `text` is undefined when the file does not exist. */
export interface KubeconfigFileText {
  readonly path: string;
  readonly text: string | undefined;
}

/** A context of the merged kubeconfig, with what Berth shows and needs to connect. */
export interface KubeContext {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  /** The context's own namespace, if it names one. */
  readonly namespace?: string;
  /** The API server's address, when the context's cluster is defined. */
  readonly server?: string;
  /** Why this context cannot be used as written (a missing cluster or user entry), if so. */
  readonly problem?: string;
}

export interface MergedKubeconfig {
  readonly source: KubeconfigSource;
  /** The files that existed and were read. */
  readonly files: readonly string[];
  /** Listed files that do not exist (kubectl skips them too). */
  readonly missing: readonly string[];
  readonly currentContext?: string;
  readonly contexts: readonly KubeContext[];
  readonly clusters: ReadonlyMap<string, KubeconfigCluster>;
  readonly users: ReadonlyMap<string, KubeconfigUser>;
}

/** A kubeconfig file that cannot be used: not YAML, not a mapping, or an explicitly named file that is missing. */
export class KubeconfigError extends BerthError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`The kubeconfig ${file} cannot be read: ${reason}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(doc: Record<string, unknown>, list: string, key: 'cluster' | 'user' | 'context', file: string): { name: string; value: Record<string, unknown> }[] {
  const raw = doc[list];
  if (raw === undefined || raw === null) {
    return [];
  }
  if (!Array.isArray(raw)) {
    throw new KubeconfigError(file, `"${list}" is not a list`);
  }
  return (raw as unknown[]).flatMap((entry) => {
    if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name === '') {
      return [];
    }
    const value = entry[key];
    return [{ name: entry.name, value: isRecord(value) ? value : {} }];
  });
}

/** Paths inside a kubeconfig are relative to the file that holds them (client-go's ResolvePaths). */
function resolveIn(dir: string, p: unknown): unknown {
  return typeof p === 'string' && p !== '' && !path.isAbsolute(p) ? path.resolve(dir, p) : p;
}

function resolveCluster(dir: string, cluster: Record<string, unknown>): KubeconfigCluster {
  const out: Record<string, unknown> = { ...cluster };
  if ('certificate-authority' in out) out['certificate-authority'] = resolveIn(dir, out['certificate-authority']);
  return out as KubeconfigCluster;
}

function resolveUser(dir: string, user: Record<string, unknown>): KubeconfigUser {
  const out: Record<string, unknown> = { ...user };
  for (const key of ['client-certificate', 'client-key', 'tokenFile']) {
    if (key in out) out[key] = resolveIn(dir, out[key]);
  }
  // An exec command is resolved only when it is a path ("./bin/helper"); a bare name is looked up on PATH.
  if (isRecord(out.exec) && typeof out.exec.command === 'string' && out.exec.command.includes('/')) {
    out.exec = { ...out.exec, command: resolveIn(dir, out.exec.command) };
  }
  return out as KubeconfigUser;
}

/**
 * Merges kubeconfig files the way kubectl does: the first file that defines a cluster, user or context name
 * wins, the first file that sets current-context wins, missing files are skipped (except a file named in the
 * setting, which must exist), and relative paths are resolved against the file that holds them.
 */
export function mergeKubeconfigs(source: KubeconfigSource, files: readonly KubeconfigFileText[]): MergedKubeconfig {
  const clusters = new Map<string, KubeconfigCluster>();
  const users = new Map<string, KubeconfigUser>();
  const contextEntries = new Map<string, KubeconfigContextEntry>();
  const read: string[] = [];
  const missing: string[] = [];
  let currentContext: string | undefined;
  for (const file of files) {
    if (file.text === undefined) {
      if (source.origin === 'setting') {
        throw new KubeconfigError(file.path, 'the file does not exist (it is named in the setting berth.kubernetes.kubeconfig)');
      }
      missing.push(file.path);
      continue;
    }
    read.push(file.path);
    let doc: unknown;
    try {
      doc = yaml.load(file.text, { filename: file.path });
    } catch (error) {
      throw new KubeconfigError(file.path, `it is not valid YAML (${(error as Error).message.split('\n')[0]})`);
    }
    if (doc === undefined || doc === null) {
      continue; // An empty file is allowed, as kubectl allows it.
    }
    if (!isRecord(doc)) {
      throw new KubeconfigError(file.path, 'it is not a kubeconfig (expected a mapping with clusters, users and contexts)');
    }
    const dir = path.dirname(file.path);
    for (const { name, value } of entries(doc, 'clusters', 'cluster', file.path)) {
      if (!clusters.has(name)) clusters.set(name, resolveCluster(dir, value));
    }
    for (const { name, value } of entries(doc, 'users', 'user', file.path)) {
      if (!users.has(name)) users.set(name, resolveUser(dir, value));
    }
    for (const { name, value } of entries(doc, 'contexts', 'context', file.path)) {
      if (!contextEntries.has(name)) {
        contextEntries.set(name, {
          cluster: typeof value.cluster === 'string' ? value.cluster : undefined,
          user: typeof value.user === 'string' ? value.user : undefined,
          namespace: typeof value.namespace === 'string' && value.namespace !== '' ? value.namespace : undefined,
        });
      }
    }
    const current = doc['current-context'];
    if (currentContext === undefined && typeof current === 'string' && current !== '') {
      currentContext = current;
    }
  }
  const contexts = [...contextEntries].map(([name, entry]): KubeContext => {
    const cluster = entry.cluster ?? '';
    const user = entry.user ?? '';
    const clusterEntry = clusters.get(cluster);
    let problem: string | undefined;
    if (!clusterEntry) {
      problem = cluster ? `it names the cluster "${cluster}", which no kubeconfig file defines` : 'it names no cluster';
    } else if (typeof clusterEntry.server !== 'string' || clusterEntry.server === '') {
      problem = `its cluster "${cluster}" has no server address`;
    } else if (user && !users.has(user)) {
      problem = `it names the user "${user}", which no kubeconfig file defines`;
    }
    return { name, cluster, user, namespace: entry.namespace, server: clusterEntry?.server, problem };
  });
  return { source, files: read, missing, currentContext, contexts, clusters, users };
}

/** A kubeconfig document holding only one context, its cluster and its user: what the client is built from. */
export function singleContextDocument(config: MergedKubeconfig, contextName: string): KubeconfigDocument {
  const context = config.contexts.find((c) => c.name === contextName);
  if (!context) {
    throw new BerthError(`The kubeconfig has no context "${contextName}".`);
  }
  if (context.problem) {
    throw new BerthError(`The context "${contextName}" cannot be used: ${context.problem}.`);
  }
  const user = config.users.get(context.user);
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context.cluster, cluster: config.clusters.get(context.cluster)! }],
    users: [{ name: context.user || 'berth-anonymous', user: user ?? {} }],
    contexts: [{ name: context.name, context: { cluster: context.cluster, user: context.user || 'berth-anonymous', namespace: context.namespace } }],
    'current-context': context.name,
  };
}

/** The `exp` claim of a JWT bearer token, in ms since the epoch; undefined for opaque tokens or tokens without one. */
export function tokenExpiryMs(token: string | undefined): number | undefined {
  const parts = token?.trim().split('.');
  if (!parts || parts.length !== 3) {
    return undefined;
  }
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1].replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
    const exp = isRecord(claims) ? claims.exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
