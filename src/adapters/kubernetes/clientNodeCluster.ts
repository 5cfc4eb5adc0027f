// One kubeconfig context through @kubernetes/client-node: list+watch (its ListWatch informer), pod reads,
// events, delete, logs and exec. Library objects stay in here; core receives domain objects and plain data.
import * as http from 'node:http';
import * as https from 'node:https';
import { PassThrough, Writable } from 'node:stream';
import {
  CoreV1Api,
  Exec,
  KubeConfig,
  ListWatch,
  Observable,
  VersionApi,
  Watch,
  type ConfigurationOptions,
  type KubernetesListObject,
  type KubernetesObject,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { toDisposable, type Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';
import type { ClusterClient, ExecOptions, ExecSession, LogOptions, LogSink, ResourceWatch, WatchHandlers } from '../../core/kubernetes/clusterClient';
import type { ClusterError } from '../../core/kubernetes/clusterErrors';
import type { KubeconfigDocument, KubeconfigUser, KubeContext } from '../../core/kubernetes/kubeconfig';
import { toKubeEvent, toNamespaceInfo, toPodInfo, type ApiEvent, type ApiNamespace, type ApiPod, type KubeEvent, type NamespaceInfo, type PodInfo } from '../../core/kubernetes/resources';
import { toClusterError } from './kubeErrors';

/** How long a plain request (list, read, delete) may take; watches and log streams stay open. */
const REQUEST_TIMEOUT_MS = 15000;

/** A Writable that the exec client treats as a terminal: it reads `columns`/`rows` and listens for 'resize'. */
class TerminalSink extends Writable {
  constructor(
    public columns: number,
    public rows: number,
    private readonly onChunk: (data: Uint8Array) => void,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.onChunk(new Uint8Array(chunk));
    callback();
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

class ChunkSink extends Writable {
  constructor(private readonly onChunk: (data: Uint8Array) => void) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.onChunk(new Uint8Array(chunk));
    callback();
  }
}

export class ClientNodeCluster implements ClusterClient {
  private readonly kc = new KubeConfig();
  private readonly core: CoreV1Api;
  private readonly user: KubeconfigUser | undefined;
  private readonly disposables = new Set<Disposable>();

  constructor(
    document: KubeconfigDocument,
    readonly context: KubeContext,
    private readonly logger: Logger,
  ) {
    // The document is already merged and its paths resolved (core/kubernetes/kubeconfig.ts): load it as is.
    this.kc.loadFromString(JSON.stringify(document));
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.user = document.users[0]?.user;
  }

  private fail(error: unknown, action: string, timeout?: AbortSignal): ClusterError {
    return toClusterError(error, { context: this.context, user: this.user, action, timedOutMs: timeout?.aborted ? REQUEST_TIMEOUT_MS : undefined });
  }

  /** Per-call options that give a request an AbortSignal (the generated client has no other way to take one). */
  private withSignal(signal: AbortSignal): ConfigurationOptions {
    const middleware: ObservableMiddleware = {
      pre: (ctx) => {
        ctx.setSignal(signal);
        return new Observable(Promise.resolve(ctx));
      },
      post: (response) => new Observable(Promise.resolve(response)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  }

  /** Runs one request under Berth's deadline and the caller's signal, mapping failures to ClusterErrors. */
  private async request<T>(action: string, signal: AbortSignal | undefined, call: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return await call(this.withSignal(combined));
    } catch (error) {
      if (signal?.aborted) throw error;
      throw this.fail(error, action, timeout);
    }
  }

  async probe(signal?: AbortSignal): Promise<void> {
    const version = this.kc.makeApiClient(VersionApi);
    await this.request('reach the API server', signal, (options) => version.getCode(options));
  }

  watchNamespaces(handlers: WatchHandlers<NamespaceInfo>): ResourceWatch {
    return this.watchCollection<ApiNamespace, NamespaceInfo>(
      '/api/v1/namespaces',
      'list namespaces',
      (options) => this.core.listNamespace({}, options) as Promise<KubernetesListObject<KubernetesObject>>,
      toNamespaceInfo,
      handlers,
    );
  }

  watchPods(namespace: string, handlers: WatchHandlers<PodInfo>, options: { readonly labelSelector?: string } = {}): ResourceWatch {
    return this.watchCollection<ApiPod, PodInfo>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      `list pods in namespace "${namespace}"`,
      (o) => this.core.listNamespacedPod({ namespace, labelSelector: options.labelSelector }, o) as Promise<KubernetesListObject<KubernetesObject>>,
      toPodInfo,
      handlers,
      options.labelSelector,
    );
  }

  /**
   * ListWatch (the client's informer) keeps the cache, resumes a watch whose stream ended from its last
   * resourceVersion and relists on 410 Gone. On other errors it stops; resume() restarts it, again from its
   * resourceVersion. Its add/update/delete callbacks during a (re)list only reconcile the cache with the new
   * list: they are folded into one onSync with the complete set.
   */
  private watchCollection<A, T>(
    path: string,
    action: string,
    list: (options: ConfigurationOptions) => Promise<KubernetesListObject<KubernetesObject>>,
    map: (raw: A) => T,
    handlers: WatchHandlers<T>,
    labelSelector?: string,
  ): ResourceWatch {
    let disposed = false;
    let listing = false;
    const watch = new Watch(this.kc);
    const guarded = {
      watch: (p: string, query: Record<string, unknown>, callback: (phase: string, obj: unknown, raw: unknown) => void, done: (err: unknown) => void) => {
        // A dispose() that lands while a list is in flight must not let the informer open a watch afterwards.
        if (disposed) return Promise.resolve(new AbortController());
        this.logger.trace(`${this.context.name}: watch ${p} from resourceVersion ${String(query.resourceVersion)}`);
        const relay = (phase: string, obj: unknown, raw: unknown) => {
          if (phase === 'ERROR') {
            const status = obj as { code?: number; reason?: string; message?: string };
            this.logger.trace(`${this.context.name}: watch ${p} answered ${status.code} ${status.reason}: ${status.message}${status.code === 410 ? ' (relisting)' : ''}`);
          }
          callback(phase, obj, raw);
        };
        return watch.watch(p, { ...query, allowWatchBookmarks: true }, relay, done);
      },
    } as unknown as Watch;
    const informer: ListWatch<KubernetesObject> = new ListWatch(
      path,
      guarded,
      async () => {
        const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
        let result: KubernetesListObject<KubernetesObject>;
        try {
          result = await list(this.withSignal(timeout));
        } catch (error) {
          throw this.fail(error, action, timeout);
        }
        this.logger.trace(`${this.context.name}: listed ${path}: ${result.items.length} item(s) at resourceVersion ${result.metadata?.resourceVersion}`);
        listing = true;
        // The informer reconciles its cache with this list synchronously after this promise resolves; the
        // watch it opens next cannot deliver anything before the check phase, so the cache is complete here.
        setImmediate(() => {
          listing = false;
          if (!disposed) handlers.onSync(informer.list().map((o) => map(o as A)));
        });
        return result;
      },
      false,
      labelSelector,
    );
    const relay = (fn: (item: T) => void) => (obj: KubernetesObject) => {
      if (!disposed && !listing) fn(map(obj as A));
    };
    informer.on('add', relay((item) => handlers.onAdd(item)));
    informer.on('update', relay((item) => handlers.onUpdate(item)));
    informer.on('delete', relay((item) => handlers.onDelete(item)));
    informer.on('error', (error: unknown) => {
      if (!disposed) handlers.onError(this.fail(error, action));
    });
    const start = () => {
      informer.start().catch((error: unknown) => {
        if (!disposed) handlers.onError(this.fail(error, action));
      });
    };
    start();
    const handle = {
      resume: () => {
        if (!disposed) start();
      },
      dispose: () => {
        disposed = true;
        this.disposables.delete(handle);
        void informer.stop();
      },
    };
    this.disposables.add(handle);
    return handle;
  }

  async readPod(namespace: string, name: string, signal?: AbortSignal): Promise<PodInfo> {
    const pod = await this.request(`read pod "${name}" in namespace "${namespace}"`, signal, (o) => this.core.readNamespacedPod({ namespace, name }, o));
    return toPodInfo(pod as ApiPod);
  }

  async listPodEvents(namespace: string, pod: string, signal?: AbortSignal): Promise<KubeEvent[]> {
    const list = await this.request(`list the events of pod "${pod}" in namespace "${namespace}"`, signal, (o) =>
      this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod}` }, o),
    );
    return list.items.map((e) => toKubeEvent(e as ApiEvent)).sort((a, b) => (a.lastMs ?? 0) - (b.lastMs ?? 0));
  }

  async deletePod(namespace: string, name: string, gracePeriodSeconds: number, signal?: AbortSignal): Promise<void> {
    await this.request(`delete pod "${name}" in namespace "${namespace}"`, signal, (o) => this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds }, o));
  }

  /**
   * The log endpoint, streamed. The client's own Log helper turns every failure into "Error occurred in log
   * request"; this reads the server's Status instead (e.g. "container … is waiting to start: ImagePullBackOff").
   */
  async streamLogs(namespace: string, pod: string, options: LogOptions, sink: LogSink): Promise<Disposable> {
    const action = `read the logs of container "${options.container}" in pod "${pod}"`;
    const cluster = this.kc.getCurrentCluster();
    const url = new URL(`${cluster?.server ?? ''}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`);
    url.searchParams.set('container', options.container);
    url.searchParams.set('follow', String(options.follow));
    if (options.tailLines !== undefined) url.searchParams.set('tailLines', String(options.tailLines));
    if (options.previous) url.searchParams.set('previous', 'true');
    let fetchOptions: { agent?: unknown; headers?: Headers };
    try {
      fetchOptions = (await this.kc.applyToFetchOptions({})) as { agent?: unknown; headers?: Headers };
    } catch (error) {
      throw this.fail(error, action);
    }
    const headers: Record<string, string> = {};
    fetchOptions.headers?.forEach((value, key) => (headers[key] = value));
    const get = url.protocol === 'http:' ? http.get : https.get;
    return new Promise<Disposable>((resolve, reject) => {
      let open = false;
      let ended = false;
      const end = (error?: ClusterError) => {
        if (!ended) {
          ended = true;
          sink.onEnd(error);
        }
      };
      const request = get(url, { agent: fetchOptions.agent as http.Agent, headers }, (response) => {
        if (response.statusCode !== 200) {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (c: string) => (body += c));
          response.on('end', () => reject(this.fail({ code: response.statusCode, body }, action)));
          return;
        }
        open = true;
        const handle = toDisposable(() => {
          ended = true;
          request.destroy();
        });
        this.disposables.add(handle);
        response.setEncoding('utf8');
        response.on('data', (text: string) => !ended && sink.onData(text));
        response.on('end', () => {
          this.disposables.delete(handle);
          end();
        });
        response.on('error', (error) => end(this.fail(error, action)));
        resolve(handle);
      });
      request.setTimeout(REQUEST_TIMEOUT_MS, () => {
        if (!open) request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
      });
      request.on('error', (error) => {
        if (open) end(this.fail(error, action));
        else reject(this.fail(error, action));
      });
    });
  }

  async exec(namespace: string, pod: string, options: ExecOptions): Promise<ExecSession> {
    const action = `open a shell in container "${options.container}" of pod "${pod}"`;
    const stdin = new PassThrough();
    const stdout = options.tty ? new TerminalSink(options.columns ?? 80, options.rows ?? 24, options.onStdout) : new ChunkSink(options.onStdout);
    const stderr = new ChunkSink(options.onStderr);
    let exited = false;
    const exit = (result: { exitCode?: number; error?: ClusterError }) => {
      if (!exited) {
        exited = true;
        options.onExit(result);
      }
    };
    let socket: Awaited<ReturnType<Exec['exec']>>;
    try {
      socket = await new Exec(this.kc).exec(namespace, pod, options.container, [...options.command], stdout, options.tty ? null : stderr, stdin, options.tty, (status) => {
        exit({ exitCode: exitCodeOf(status) });
      });
    } catch (error) {
      throw this.fail(error, action);
    }
    socket.on('close', () => exit({}));
    socket.on('error', (error: unknown) => exit({ error: this.fail(error, action) }));
    const handle: ExecSession = {
      write: (data) => {
        stdin.write(typeof data === 'string' ? data : Buffer.from(data));
      },
      resize: (columns, rows) => {
        if (stdout instanceof TerminalSink) stdout.resize(columns, rows);
      },
      dispose: () => {
        this.disposables.delete(handle);
        stdin.end();
        socket.close();
      },
    };
    this.disposables.add(handle);
    return handle;
  }

  dispose(): void {
    for (const d of [...this.disposables]) d.dispose();
    this.disposables.clear();
  }
}

/** The exit code in the exec channel's final Status: Success → 0, NonZeroExitCode → its ExitCode cause. */
function exitCodeOf(status: { status?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } }): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message !== undefined ? Number(cause.message) : NaN;
  return Number.isInteger(code) ? code : undefined;
}
