// The Cluster view's data: the kubeconfig's contexts, each context's namespaces and the pods of the namespaces
// being looked at, kept live by list+watch (no polling). A context that stops answering is marked unreachable
// and reconnected with backoff; its watches then resume from their resourceVersion. The view only renders this.
import { Emitter } from '../common/event';
import { errorMessage } from '../common/errors';
import type { Disposable } from '../common/lifecycle';
import type { Logger } from '../common/logger';
import type { ClusterClient, KubernetesPort, ResourceWatch } from './clusterClient';
import { ClusterError, TRANSIENT_KINDS } from './clusterErrors';
import { KubeconfigError, mergeKubeconfigs, singleContextDocument, type KubeconfigSource, type KubeContext, type MergedKubeconfig } from './kubeconfig';
import type { NamespaceInfo, PodInfo } from './resources';

export type ConfigState =
  | { readonly kind: 'loading' }
  /** No kubeconfig file exists where Berth looks. */
  | { readonly kind: 'none'; readonly source: KubeconfigSource }
  | { readonly kind: 'invalid'; readonly source: KubeconfigSource; readonly message: string }
  | { readonly kind: 'loaded'; readonly config: MergedKubeconfig };

export type ContextStatus = 'idle' | 'connecting' | 'ready' | 'unreachable' | 'failed';

/** Where the namespace Berth uses for a context comes from. */
export type NamespaceOrigin = 'chosen' | 'setting' | 'context' | 'default';

export interface ContextState {
  readonly context: KubeContext;
  /** The context Berth uses (berth.kubernetes.context, the one chosen in the view, else current-context). */
  readonly active: boolean;
  readonly status: ContextStatus;
  readonly error?: ClusterError;
  /** When the next reconnect attempt runs, while unreachable. */
  readonly retryAtMs?: number;
  /** The namespace Berth uses in this context, and where that choice comes from. */
  readonly namespace: string;
  readonly namespaceOrigin: NamespaceOrigin;
  /** Known namespaces; undefined until listed. */
  readonly namespaces?: readonly NamespaceInfo[];
  /** Set when the namespaces could not be listed and Berth shows only `namespace`: says why. */
  readonly namespacesNote?: string;
}

export interface PodsState {
  readonly status: 'idle' | 'loading' | 'ready' | 'failed';
  /** Sorted by name. While the context is unreachable these are the last known pods. */
  readonly pods: readonly PodInfo[];
  readonly error?: ClusterError;
}

export type ClusterChange =
  | { readonly kind: 'root' }
  /** The context's row and its namespace list. */
  | { readonly kind: 'context'; readonly context: string }
  /** The pod list of a namespace (a pod came or went, or the list state changed). */
  | { readonly kind: 'pods'; readonly context: string; readonly namespace: string }
  /** One pod changed in place. */
  | { readonly kind: 'pod'; readonly context: string; readonly namespace: string; readonly name: string };

export interface ClusterPreferences {
  /** berth.kubernetes.context, or the context chosen in the Cluster view. */
  readonly context?: string;
  /** berth.kubernetes.namespace: used in the active context unless one was chosen there. */
  readonly namespace?: string;
  /** Namespaces chosen in the Cluster view, per context. */
  readonly chosenNamespaces?: Readonly<Record<string, string>>;
}

export interface ClusterModelOptions {
  /** After a context stops answering, reconnect attempts back off from this delay … */
  readonly reconnectMinMs?: number;
  /** … to this one. */
  readonly reconnectMaxMs?: number;
  /** A context that stayed up this long starts its next backoff from the minimum again. */
  readonly stableMs?: number;
  readonly probeTimeoutMs?: number;
}

interface PodsEntry {
  watch?: ResourceWatch;
  readonly pods: Map<string, PodInfo>;
  status: PodsState['status'];
  error?: ClusterError;
}

class Connection {
  client?: ClusterClient;
  status: ContextStatus = 'connecting';
  error?: ClusterError;
  namespacesWatch?: ResourceWatch;
  readonly namespaces = new Map<string, NamespaceInfo>();
  namespacesListed = false;
  namespacesNote?: string;
  readonly pods = new Map<string, PodsEntry>();
  reconnectTimer?: ReturnType<typeof setTimeout>;
  retryAtMs?: number;
  delayMs: number;
  readySinceMs?: number;
  disposed = false;

  constructor(
    readonly context: KubeContext,
    minDelayMs: number,
  ) {
    this.delayMs = minDelayMs;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.reconnectTimer);
    this.namespacesWatch?.dispose();
    for (const entry of this.pods.values()) entry.watch?.dispose();
    this.client?.dispose();
  }
}

const byName = <T extends { readonly name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

export class ClusterModel implements Disposable {
  private readonly changed = new Emitter<ClusterChange>();
  readonly onDidChange = this.changed.event;

  private config: ConfigState = { kind: 'loading' };
  private preferences: ClusterPreferences = {};
  private readonly connections = new Map<string, Connection>();
  /** Namespaces whose pods a viewer wants, per context, kept across reconnects and reloads. */
  private readonly wanted = new Map<string, Set<string>>();
  private loadGeneration = 0;
  private disposed = false;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly stableMs: number;
  private readonly probeTimeoutMs: number;

  constructor(
    private readonly port: KubernetesPort,
    private readonly logger: Logger,
    options: ClusterModelOptions = {},
  ) {
    this.reconnectMinMs = options.reconnectMinMs ?? 1000;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 30000;
    this.stableMs = options.stableMs ?? 30000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 10000;
  }

  get configState(): ConfigState {
    return this.config;
  }

  /** Reads the kubeconfig files (never writes them) and reconnects the contexts that were open. */
  async load(source: KubeconfigSource): Promise<void> {
    const generation = ++this.loadGeneration;
    const read = Promise.all(
      source.paths.map(async (path) => {
        try {
          return { path, text: await this.port.readKubeconfig(path) };
        } catch (error) {
          throw new KubeconfigError(path, errorMessage(error));
        }
      }),
    );
    const files = await read.catch((error: unknown) => error as Error);
    if (generation !== this.loadGeneration || this.disposed) {
      return;
    }
    const reopen = [...this.connections.keys()];
    this.closeAll();
    try {
      if (files instanceof Error) throw files;
      const merged = mergeKubeconfigs(source, files);
      this.config = merged.files.length === 0 ? { kind: 'none', source } : { kind: 'loaded', config: merged };
      if (merged.missing.length > 0) {
        this.logger.info(`Kubeconfig: skipped missing file(s) ${merged.missing.join(', ')}`);
      }
      this.logger.info(`Kubeconfig from ${source.origin}: ${merged.files.join(', ') || 'no file'} (${merged.contexts.length} context(s))`);
    } catch (error) {
      const message = error instanceof KubeconfigError ? error.message : errorMessage(error);
      this.config = { kind: 'invalid', source, message };
      this.logger.warn(message);
    }
    this.changed.fire({ kind: 'root' });
    const names = new Set(this.contextsOf().map((c) => c.name));
    for (const name of reopen) {
      if (names.has(name)) this.reopen(name);
    }
  }

  /** Connects a context again and restarts the pod watches its viewers want. */
  private reopen(contextName: string): void {
    this.open(contextName);
    for (const ns of this.wanted.get(contextName) ?? []) this.watchPods(contextName, ns);
  }

  setPreferences(preferences: ClusterPreferences): void {
    this.preferences = preferences;
    this.changed.fire({ kind: 'root' });
  }

  private contextsOf(): readonly KubeContext[] {
    return this.config.kind === 'loaded' ? this.config.config.contexts : [];
  }

  /** The context Berth uses: the preference when the kubeconfig has it, else current-context, else the first. */
  get activeContext(): string | undefined {
    const contexts = this.contextsOf();
    const names = new Set(contexts.map((c) => c.name));
    const preferred = this.preferences.context;
    if (preferred && names.has(preferred)) return preferred;
    const current = this.config.kind === 'loaded' ? this.config.config.currentContext : undefined;
    if (current && names.has(current)) return current;
    return contexts[0]?.name;
  }

  namespaceOf(contextName: string): { namespace: string; origin: NamespaceOrigin } {
    const chosen = this.preferences.chosenNamespaces?.[contextName];
    if (chosen) return { namespace: chosen, origin: 'chosen' };
    if (this.preferences.namespace && contextName === this.activeContext) return { namespace: this.preferences.namespace, origin: 'setting' };
    const own = this.contextsOf().find((c) => c.name === contextName)?.namespace;
    if (own) return { namespace: own, origin: 'context' };
    return { namespace: 'default', origin: 'default' };
  }

  get contexts(): readonly ContextState[] {
    return this.contextsOf().map((c) => this.stateOf(c));
  }

  context(name: string): ContextState | undefined {
    const context = this.contextsOf().find((c) => c.name === name);
    return context ? this.stateOf(context) : undefined;
  }

  private stateOf(context: KubeContext): ContextState {
    const conn = this.connections.get(context.name);
    const { namespace, origin } = this.namespaceOf(context.name);
    let namespaces: NamespaceInfo[] | undefined;
    if (conn?.namespacesNote !== undefined) {
      namespaces = [{ name: namespace, uid: '', phase: 'Active' }];
    } else if (conn?.namespacesListed) {
      namespaces = [...conn.namespaces.values()].sort(byName);
    }
    return {
      context,
      active: context.name === this.activeContext,
      status: conn?.status ?? 'idle',
      error: conn?.error,
      retryAtMs: conn?.status === 'unreachable' ? conn.retryAtMs : undefined,
      namespace,
      namespaceOrigin: origin,
      namespaces,
      namespacesNote: conn?.namespacesNote,
    };
  }

  pods(contextName: string, namespace: string): PodsState {
    const entry = this.connections.get(contextName)?.pods.get(namespace);
    if (!entry) return { status: 'idle', pods: [] };
    return { status: entry.status, pods: [...entry.pods.values()].sort(byName), error: entry.error };
  }

  /** One pod as last seen by the watch of its namespace. */
  pod(contextName: string, namespace: string, name: string): PodInfo | undefined {
    return this.connections.get(contextName)?.pods.get(namespace)?.pods.get(name);
  }

  /** The connected client of a context, for actions on its pods (logs, exec, delete …). */
  client(contextName: string): ClusterClient | undefined {
    return this.connections.get(contextName)?.client;
  }

  /** Connects to a context (its namespaces are listed and watched); a no-op when already connected. */
  open(contextName: string): void {
    if (this.connections.has(contextName) || this.disposed) return;
    const context = this.contextsOf().find((c) => c.name === contextName);
    if (!context || this.config.kind !== 'loaded') return;
    const conn = new Connection(context, this.reconnectMinMs);
    this.connections.set(contextName, conn);
    try {
      conn.client = this.port.connect(singleContextDocument(this.config.config, contextName), context);
    } catch (error) {
      this.fail(conn, error instanceof ClusterError ? error : new ClusterError('config', errorMessage(error), contextName));
      return;
    }
    this.logger.info(`Cluster: connecting to context "${contextName}" (${context.server})`);
    this.startNamespaces(conn);
    this.changed.fire({ kind: 'context', context: contextName });
  }

  /** Disconnects a context: its watches stop and it shows as not connected. */
  close(contextName: string): void {
    const conn = this.connections.get(contextName);
    if (!conn) return;
    conn.dispose();
    this.connections.delete(contextName);
    this.changed.fire({ kind: 'context', context: contextName });
  }

  /** Starts watching a namespace's pods (connecting the context if needed); idempotent. */
  watchPods(contextName: string, namespace: string): void {
    let set = this.wanted.get(contextName);
    if (!set) this.wanted.set(contextName, (set = new Set()));
    set.add(namespace);
    this.open(contextName);
    const conn = this.connections.get(contextName);
    if (!conn || conn.pods.has(namespace)) return;
    conn.pods.set(namespace, { pods: new Map(), status: 'loading' });
    if (conn.status === 'ready') this.startPods(conn, namespace);
  }

  /** Stops watching a namespace's pods (its row was collapsed). */
  unwatchPods(contextName: string, namespace: string): void {
    this.wanted.get(contextName)?.delete(namespace);
    const conn = this.connections.get(contextName);
    const entry = conn?.pods.get(namespace);
    if (!conn || !entry) return;
    entry.watch?.dispose();
    conn.pods.delete(namespace);
  }

  /** Reconnects a context from scratch (a full relist), or, without a name, rereads the kubeconfig first. */
  async refresh(source: KubeconfigSource, contextName?: string): Promise<void> {
    if (contextName === undefined) {
      return this.load(source);
    }
    this.close(contextName);
    this.reopen(contextName);
  }

  private startNamespaces(conn: Connection): void {
    const name = conn.context.name;
    conn.namespacesWatch = conn.client!.watchNamespaces({
      onSync: (items) => {
        if (conn.disposed) return;
        conn.namespaces.clear();
        for (const ns of items) conn.namespaces.set(ns.name, ns);
        conn.namespacesListed = true;
        conn.namespacesNote = undefined;
        this.ready(conn);
      },
      onAdd: (ns) => this.namespaceEvent(conn, () => conn.namespaces.set(ns.name, ns)),
      onUpdate: (ns) => this.namespaceEvent(conn, () => conn.namespaces.set(ns.name, ns)),
      onDelete: (ns) => this.namespaceEvent(conn, () => conn.namespaces.delete(ns.name)),
      onError: (error) => {
        if (conn.disposed) return;
        if (error.kind === 'forbidden') {
          // RBAC often allows pods in one namespace only: show that one and say why.
          conn.namespacesWatch?.dispose();
          conn.namespacesWatch = undefined;
          const { namespace, origin } = this.namespaceOf(name);
          const who = error.identity;
          conn.namespacesNote = `${who ? `"${who}"` : 'This user'} may not list namespaces: showing only "${namespace}", ${originText(origin)}.`;
          this.logger.info(`Cluster "${name}": ${conn.namespacesNote}`);
          this.ready(conn);
          return;
        }
        this.fail(conn, error);
      },
    });
  }

  private namespaceEvent(conn: Connection, apply: () => void): void {
    if (conn.disposed) return;
    apply();
    this.changed.fire({ kind: 'context', context: conn.context.name });
  }

  private startPods(conn: Connection, namespace: string): void {
    const entry = conn.pods.get(namespace);
    if (!entry || entry.watch || !conn.client) return;
    const context = conn.context.name;
    const live = () => !conn.disposed && conn.pods.get(namespace) === entry;
    const podChanged = (pod: PodInfo, listChanged: boolean) => {
      if (!live()) return;
      entry.pods.set(pod.name, pod);
      this.changed.fire(listChanged ? { kind: 'pods', context, namespace } : { kind: 'pod', context, namespace, name: pod.name });
    };
    entry.watch = conn.client.watchPods(namespace, {
      onSync: (items) => {
        if (!live()) return;
        entry.pods.clear();
        for (const pod of items) entry.pods.set(pod.name, pod);
        entry.status = 'ready';
        entry.error = undefined;
        this.changed.fire({ kind: 'pods', context, namespace });
      },
      onAdd: (pod) => podChanged(pod, !entry.pods.has(pod.name)),
      onUpdate: (pod) => podChanged(pod, !entry.pods.has(pod.name)),
      onDelete: (pod) => {
        if (!live()) return;
        // A delete of an older incarnation (same name, other uid) must not remove the new pod.
        const known = entry.pods.get(pod.name);
        if (known && (!pod.uid || !known.uid || known.uid === pod.uid)) {
          entry.pods.delete(pod.name);
          this.changed.fire({ kind: 'pods', context, namespace });
        }
      },
      onError: (error) => {
        if (!live()) return;
        if (error.kind === 'forbidden' || error.kind === 'notFound') {
          entry.watch?.dispose();
          entry.watch = undefined;
          entry.status = 'failed';
          entry.error = error;
          entry.pods.clear();
          this.logger.info(`Cluster "${context}": ${error.message}`);
          this.changed.fire({ kind: 'pods', context, namespace });
          return;
        }
        this.fail(conn, error);
      },
    });
  }

  private ready(conn: Connection): void {
    if (conn.disposed) return;
    const wasReady = conn.status === 'ready';
    conn.status = 'ready';
    conn.error = undefined;
    conn.retryAtMs = undefined;
    conn.readySinceMs ??= Date.now();
    if (!wasReady) this.logger.info(`Cluster: context "${conn.context.name}" answers`);
    for (const [namespace, entry] of conn.pods) {
      if (entry.status !== 'failed') this.startPods(conn, namespace);
    }
    this.changed.fire({ kind: 'context', context: conn.context.name });
  }

  private fail(conn: Connection, error: ClusterError): void {
    if (conn.disposed) return;
    const name = conn.context.name;
    if (conn.status !== 'unreachable' || conn.error?.message !== error.message) {
      this.logger.warn(`Cluster: ${error.message}`);
    }
    conn.error = error;
    if (!TRANSIENT_KINDS.has(error.kind)) {
      conn.status = 'failed';
      clearTimeout(conn.reconnectTimer);
      this.changed.fire({ kind: 'context', context: name });
      return;
    }
    conn.status = 'unreachable';
    if (conn.readySinceMs !== undefined && Date.now() - conn.readySinceMs >= this.stableMs) {
      conn.delayMs = this.reconnectMinMs;
    }
    conn.readySinceMs = undefined;
    if (conn.reconnectTimer === undefined) {
      const delay = conn.delayMs;
      conn.delayMs = Math.min(conn.delayMs * 2, this.reconnectMaxMs);
      conn.retryAtMs = Date.now() + delay;
      conn.reconnectTimer = setTimeout(() => void this.reconnect(conn), delay);
    }
    this.changed.fire({ kind: 'context', context: name });
  }

  private async reconnect(conn: Connection): Promise<void> {
    conn.reconnectTimer = undefined;
    if (conn.disposed || !conn.client) return;
    try {
      await conn.client.probe(AbortSignal.timeout(this.probeTimeoutMs));
    } catch (error) {
      this.fail(conn, error instanceof ClusterError ? error : new ClusterError('unreachable', errorMessage(error), conn.context.name));
      return;
    }
    if (conn.disposed) return;
    this.logger.info(`Cluster: context "${conn.context.name}" answers again; resuming its watches`);
    // Each watch continues from its last resourceVersion (the server replays what happened meanwhile),
    // or relists when the server no longer has that version (410 Gone).
    if (conn.namespacesWatch) {
      conn.namespacesWatch.resume();
    } else if (conn.namespacesNote === undefined) {
      this.startNamespaces(conn);
    }
    for (const entry of conn.pods.values()) entry.watch?.resume();
    this.ready(conn);
  }

  private closeAll(): void {
    for (const conn of this.connections.values()) conn.dispose();
    this.connections.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.closeAll();
    this.changed.dispose();
  }
}

function originText(origin: NamespaceOrigin): string {
  switch (origin) {
    case 'chosen':
      return 'the namespace chosen in the Cluster view';
    case 'setting':
      return 'the namespace of berth.kubernetes.namespace';
    case 'context':
      return "the context's namespace";
    case 'default':
      return '"default" (the context names no namespace)';
  }
}
