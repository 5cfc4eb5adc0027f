// The ports through which core talks to a cluster; src/adapters/kubernetes implements them with
// @kubernetes/client-node. Only domain types and plain callbacks cross: no client classes, no Node streams.
import type { Disposable } from '../common/lifecycle';
import type { ClusterError } from './clusterErrors';
import type { KubeconfigDocument, KubeContext } from './kubeconfig';
import type { KubeEvent, NamespaceInfo, PodInfo } from './resources';

export interface WatchHandlers<T> {
  /** After each (re)list: the complete current set. */
  onSync(items: readonly T[]): void;
  onAdd(item: T): void;
  onUpdate(item: T): void;
  onDelete(item: T): void;
  /** The watch stopped on an error it does not handle by itself. `resume()` continues it. */
  onError(error: ClusterError): void;
}

/**
 * A list+watch of one resource collection. It resumes from its last resourceVersion when its stream ends,
 * relists when the server answers 410 Gone, and stops on any other error until resume() is called.
 */
export interface ResourceWatch extends Disposable {
  resume(): void;
}

export interface LogOptions {
  readonly container: string;
  readonly follow: boolean;
  /** Start with the last N lines (all lines when undefined). */
  readonly tailLines?: number;
  /** The previous instance of the container (after a restart). */
  readonly previous?: boolean;
}

export interface LogSink {
  onData(text: string): void;
  /** The stream ended: the container stopped (follow) or all lines were sent; `error` when it broke. */
  onEnd(error?: ClusterError): void;
}

export interface ExecOptions {
  readonly container: string;
  readonly command: readonly string[];
  readonly tty: boolean;
  /** The terminal's initial size; only with tty. */
  readonly columns?: number;
  readonly rows?: number;
  onStdout(data: Uint8Array): void;
  onStderr(data: Uint8Array): void;
  /** The command ended: its exit code when the server said one, or the error that broke the session. */
  onExit(result: { readonly exitCode?: number; readonly error?: ClusterError }): void;
}

export interface ExecSession extends Disposable {
  write(data: string | Uint8Array): void;
  resize(columns: number, rows: number): void;
}

/** One context of the kubeconfig, connected. Every method talks to the API server; none polls. */
export interface ClusterClient extends Disposable {
  readonly context: KubeContext;
  /** Resolves when the API server answers over TLS (GET /version); rejects with a ClusterError otherwise. */
  probe(signal?: AbortSignal): Promise<void>;
  watchNamespaces(handlers: WatchHandlers<NamespaceInfo>): ResourceWatch;
  watchPods(namespace: string, handlers: WatchHandlers<PodInfo>, options?: { readonly labelSelector?: string }): ResourceWatch;
  readPod(namespace: string, name: string, signal?: AbortSignal): Promise<PodInfo>;
  /** The events whose involved object is this pod, oldest first. */
  listPodEvents(namespace: string, pod: string, signal?: AbortSignal): Promise<KubeEvent[]>;
  deletePod(namespace: string, name: string, gracePeriodSeconds: number, signal?: AbortSignal): Promise<void>;
  /** Resolves once the log stream is open (rejects when the server refuses it); dispose() stops it. */
  streamLogs(namespace: string, pod: string, options: LogOptions, sink: LogSink): Promise<Disposable>;
  /** Resolves once the exec session is open. */
  exec(namespace: string, pod: string, options: ExecOptions): Promise<ExecSession>;
}

/** How core obtains clients: files are read and clients built by the adapter, merged and chosen by core. */
export interface KubernetesPort {
  /** The file's text, or undefined when it does not exist. Never writes. */
  readKubeconfig(path: string): Promise<string | undefined>;
  /** A client for the one context of `document` (see singleContextDocument). */
  connect(document: KubeconfigDocument, context: KubeContext): ClusterClient;
}
