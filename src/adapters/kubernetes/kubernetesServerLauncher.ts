// ServerLauncher for Kubernetes: starts Jupyter in a labelled pod (token and config in a Secret owned by the
// pod), follows the pod and its events as progress, fails fast with the cluster's own reason, reaches Jupyter
// through a 127.0.0.1 port-forward, copies the notebook's folder in, and finds its pods again by label.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { BerthError, CancelledError, errorMessage } from '../../core/common/errors';
import { sleep, throwIfAborted } from '../../core/common/abort';
import type { Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';
import type { ImageProbe, KernelTarget, KubernetesKernelTarget, LaunchOptions, LaunchProgress, RunningServer, ServerHandle, ServerLauncher } from '../../core/kernels/api';
import { Labels, ownerStampOf } from '../../core/kernels/containerSpec';
import { DEFAULT_COPY_LIMIT_BYTES } from '../../core/kubernetes/folderCopy';
import { KERNEL_SELECTOR, kernelPodManifest, POD_CONTAINER, kernelPodName, kernelSecretManifest, POD_JUPYTER_PORT, SECRET_TOKEN_KEY } from '../../core/kubernetes/kernelPod';
import { podEventProgress, podFinished, podServerRunning, podStartFailure } from '../../core/kubernetes/podFailure';
import type { PodProbeResult } from '../../core/kubernetes/podKernelspecs';
import { toKubeEvent, toPodInfo, type ApiEvent, type ApiPod, type KubeEvent, type PodInfo } from '../../core/kubernetes/resources';
import { fetchWithTimeout } from '../http/fetchWithTimeout';
import { toClusterError } from './kubeErrors';
import { loadKubeContext, type LoadedContext } from './kubeContext';
import { deletePodAndSecret, isNotFound, KubernetesServerHandle } from './kubernetesServerHandle';
import { planUpload, uploadFolder } from './podFolderUpload';
import { followPodLog } from './podLog';
import { PodPortForward } from './podPortForward';
import { removeFinishedProbePods, runProbePod } from './podProbe';
import { keepWatching } from './podWatch';

/** Where listRunning() looks: a context and a namespace (all namespaces the user may list when unset). */
export interface KubeScope {
  readonly context: string;
  readonly namespace?: string;
  readonly kubeconfig?: string;
}

export interface KubernetesServerLauncherOptions {
  /** How long the pod may take to run (pulling a big image): reaching it fails with the pod's last state. */
  readonly podStartTimeoutMs?: number;
  /** How long Jupyter may take to answer once its container runs. */
  readonly readyTimeoutMs?: number;
  /** The most the notebook's folder may hold to be copied into the pod. */
  readonly copyLimitBytes?: number | (() => number);
  /** Where listRunning() looks; a function for scopes that follow settings (the VS Code side's targets). */
  readonly scopes?: readonly KubeScope[] | (() => readonly KubeScope[]);
  /**
   * The kubeconfig for a target or scope that names none, read when a connection is made (the setting as it is
   * now, not as it was when the target was read: settings can arrive in a window after the targets do).
   */
  readonly kubeconfig?: () => string | undefined;
  /** Where probe(image) runs its probe pod. */
  readonly probeScope?: KubeScope & { readonly namespace: string };
}

const LOG_LINES_ON_FAILURE = 20;

export class KubernetesServerLauncher implements ServerLauncher {
  private readonly contexts = new Map<string, Promise<LoadedContext>>();
  /** The places whose finished probe pods were removed (once per launcher). */
  private readonly sweptProbes = new Set<string>();
  private readonly podStartTimeoutMs: number;
  private readonly readyTimeoutMs: number;
  private readonly copyLimit: () => number;

  constructor(
    private readonly log: Logger,
    private readonly options: KubernetesServerLauncherOptions = {},
  ) {
    this.podStartTimeoutMs = options.podStartTimeoutMs ?? 600_000;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
    const limit = options.copyLimitBytes ?? DEFAULT_COPY_LIMIT_BYTES;
    // A function follows a setting: each start (and each Sync) reads the limit as it is then.
    this.copyLimit = typeof limit === 'function' ? limit : () => limit;
  }

  /**
   * Probes the image in a probe pod of `probeScope` (the launcher's target scope): which server commands and
   * kernelspecs it has as the cluster runs it. Uncached: PodKernelspecResolver caches by digest.
   */
  async probe(image: string, signal: AbortSignal = new AbortController().signal): Promise<ImageProbe> {
    const scope = this.options.probeScope;
    if (!scope) throw new BerthError(`Berth cannot probe ${image} in a cluster without a context and namespace to probe in: name the kernelspec`);
    return (await this.probePod({ kind: 'kubernetes', image, kernelspec: '', context: scope.context, namespace: scope.namespace, ...(scope.kubeconfig ? { kubeconfig: scope.kubeconfig } : {}) }, signal)).probe;
  }

  /** Runs a probe pod where the target's kernel pod would run (its context, namespace and pull settings). */
  async probePod(target: KubernetesKernelTarget, signal: AbortSignal): Promise<PodProbeResult> {
    const loaded = await this.connection(target);
    const core = loaded.kc.makeApiClient(CoreV1Api);
    const place = `${target.kubeconfig ?? ''}\0${target.context}\0${target.namespace}`;
    if (!this.sweptProbes.has(place)) {
      this.sweptProbes.add(place);
      await removeFinishedProbePods(core, target.namespace, this.log).catch((error: unknown) => this.log.trace(`listing probe pods in ${target.namespace} failed: ${errorMessage(error)}`));
    }
    try {
      return await runProbePod(loaded.kc, core, target, this.podStartTimeoutMs, signal, this.log);
    } catch (error) {
      if (signal.aborted) throw new CancelledError();
      throw error instanceof BerthError ? error : toClusterError(error, { context: loaded.context, user: loaded.user, action: `create a probe pod in namespace "${target.namespace}"` });
    }
  }

  private connection(scope: Pick<KubeScope, 'context' | 'kubeconfig'>): Promise<LoadedContext> {
    const kubeconfig = scope.kubeconfig || this.options.kubeconfig?.() || undefined;
    const key = `${kubeconfig ?? ''}\0${scope.context}`;
    let loaded = this.contexts.get(key);
    if (!loaded) {
      loaded = loadKubeContext(kubeconfig, scope.context);
      this.contexts.set(key, loaded);
      loaded.catch(() => this.contexts.delete(key));
    }
    return loaded;
  }

  async start(target: KernelTarget, options: LaunchOptions, signal: AbortSignal, onProgress: (p: LaunchProgress) => void): Promise<ServerHandle> {
    if (target.kind !== 'kubernetes') {
      throw new BerthError(`The Kubernetes launcher cannot start a ${target.kind} target`);
    }
    throwIfAborted(signal);
    const folder = options.notebookPath ? path.dirname(options.notebookPath) : undefined;
    // The limit is checked before anything is created in the cluster.
    const plan = folder ? await planUpload(folder, this.copyLimit(), signal) : undefined;
    const loaded = await this.connection(target);
    const { kc } = loaded;
    const core = kc.makeApiClient(CoreV1Api);
    const fail = (error: unknown, action: string) => (signal.aborted ? new CancelledError() : error instanceof BerthError ? error : toClusterError(error, { context: loaded.context, user: loaded.user, action }));
    const name = kernelPodName(randomBytes(8).toString('hex'));
    const token = randomBytes(32).toString('hex');
    const where = `${target.namespace}/${name}`;
    onProgress({ stage: 'creating-container', message: `Creating kernel pod ${where} from ${target.image}` });
    let uid: string;
    try {
      // The pod first, then its Secret with an ownerReference to it: there is no moment in which a Secret exists
      // that nothing owns. The kubelet waits for the Secret volume before it starts the container.
      const pod = await core.createNamespacedPod({ namespace: target.namespace, body: kernelPodManifest(target, options, name) as never });
      uid = pod.metadata?.uid ?? '';
    } catch (error) {
      throw fail(error, `create a kernel pod in namespace "${target.namespace}"`);
    }
    this.log.info(`kernel pod ${where} created from ${target.image} for ${options.notebookKey}`);
    let forward: PodPortForward | undefined;
    try {
      const secret = kernelSecretManifest(target, options, name, token);
      try {
        await core.createNamespacedSecret({
          namespace: target.namespace,
          body: { ...secret, metadata: { ...secret.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid }] } },
        });
      } catch (error) {
        throw fail(error, `create the kernel's Secret in namespace "${target.namespace}"`);
      }
      const startedAt = await this.waitForPod(kc, target, name, signal, onProgress);
      forward = await PodPortForward.open(kc, target.namespace, name, POD_JUPYTER_PORT, this.log);
      const baseUrl = `http://127.0.0.1:${forward.port}`;
      onProgress({ stage: 'waiting-for-jupyter', message: 'Waiting for Jupyter to answer in the pod' });
      await this.waitForJupyter(kc, core, target, name, baseUrl, token, signal);
      onProgress({ stage: 'waiting-for-jupyter', message: 'Jupyter up' });
      await this.checkKernelspec(baseUrl, token, target, signal);
      if (folder && plan && plan.files.length + plan.directories.length > 0) {
        onProgress({ stage: 'waiting-for-jupyter', message: `Copying ${plan.files.length} files of ${folder} into the pod` });
        await uploadFolder(folder, plan, baseUrl, token, signal);
      }
      throwIfAborted(signal);
      this.log.info(`Jupyter in kernel pod ${where} answers on ${baseUrl}`);
      return new KubernetesServerHandle(kc, target, name, forward, token, startedAt, this.log, this.copyLimit);
    } catch (error) {
      forward?.dispose();
      await deletePodAndSecret(core, target.namespace, name, 0).catch((e: unknown) => this.log.warn(`deleting kernel pod ${where} failed: ${errorMessage(e)}`));
      this.log.info(`kernel pod ${where} deleted after ${signal.aborted ? 'cancel' : 'a failed start'}`);
      throw signal.aborted ? new CancelledError() : error;
    }
  }

  /** Follows the pod and its events until its container runs; rejects with the cluster's reason when it cannot. */
  private waitForPod(kc: KubeConfig, target: KubernetesKernelTarget, name: string, signal: AbortSignal, onProgress: (p: LaunchProgress) => void): Promise<number> {
    const ns = encodeURIComponent(target.namespace);
    return new Promise<number>((resolve, reject) => {
      const events: KubeEvent[] = [];
      const seen = new Set<string>();
      let pod: PodInfo | undefined;
      let lastPhase = '';
      const subs: Disposable[] = [];
      const done = (error: Error | undefined, startedAt?: number) => {
        subs.forEach((s) => s.dispose());
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(startedAt ?? Date.now());
      };
      const check = () => {
        if (!pod) return;
        const failure = podStartFailure(pod, events, target.resources?.limits?.memory, target.volumes);
        if (failure) return done(new BerthError(failure));
        if (podServerRunning(pod)) {
          const c = pod.containers[0]?.state;
          onProgress({ stage: 'creating-container', message: 'Kernel pod running' });
          done(undefined, c?.kind === 'running' ? c.startedMs : undefined);
        }
      };
      const onAbort = () => done(new CancelledError());
      signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        const last = events.length ? ` Its last event: ${events[events.length - 1].reason}: ${events[events.length - 1].message}` : '';
        done(new BerthError(`The kernel pod ${target.namespace}/${name} did not start within ${this.podStartTimeoutMs / 1000} s (phase ${pod?.phase ?? 'unknown'}).${last}`));
      }, this.podStartTimeoutMs);
      subs.push(
        keepWatching(
          kc,
          `/api/v1/namespaces/${ns}/pods`,
          { fieldSelector: `metadata.name=${name}` },
          (type, object) => {
            if (type === 'DELETED') return done(new BerthError('The kernel pod was deleted while it was starting'));
            if (type !== 'ADDED' && type !== 'MODIFIED') return;
            pod = toPodInfo(object as ApiPod);
            if (pod.phase !== lastPhase) {
              lastPhase = pod.phase;
              onProgress({ stage: 'creating-container', message: `Kernel pod ${pod.phase}` });
            }
            check();
          },
          this.log,
        ),
        keepWatching(
          kc,
          `/api/v1/namespaces/${ns}/events`,
          { fieldSelector: `involvedObject.name=${name}` },
          (type, object) => {
            if (type !== 'ADDED' && type !== 'MODIFIED') return;
            const raw = object as ApiEvent;
            const event = toKubeEvent(raw);
            const key = `${raw.metadata?.uid ?? ''}/${event.count}`;
            if (seen.has(key)) return;
            seen.add(key);
            events.push(event);
            const line = podEventProgress(event);
            if (line) onProgress({ stage: 'creating-container', message: line });
            check();
          },
          this.log,
        ),
      );
    });
  }

  /** Polls /api/status through the forward until it answers 200, while the pod watch may end the wait with a reason. */
  private async waitForJupyter(kc: KubeConfig, core: CoreV1Api, target: KubernetesKernelTarget, name: string, baseUrl: string, token: string, signal: AbortSignal): Promise<void> {
    let ended: string | undefined;
    const events: KubeEvent[] = [];
    const watch = keepWatching(
      kc,
      `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods`,
      { fieldSelector: `metadata.name=${name}` },
      (type, object) => {
        if (type === 'DELETED') ended = 'The kernel pod was deleted while Jupyter was starting';
        else if (type === 'ADDED' || type === 'MODIFIED') ended ??= podStartFailure(toPodInfo(object as ApiPod), events, target.resources?.limits?.memory, target.volumes);
      },
      this.log,
    );
    const deadline = Date.now() + this.readyTimeoutMs;
    try {
      for (let attempt = 0; ; attempt++) {
        throwIfAborted(signal);
        if (ended) {
          const tail = await this.logTail(core, target.namespace, name);
          throw new BerthError(`${ended}. Its last log lines:\n${tail || '(no output)'}`);
        }
        if (Date.now() > deadline) {
          const tail = await this.logTail(core, target.namespace, name);
          throw new BerthError(`Jupyter in kernel pod ${target.namespace}/${name} did not answer within ${this.readyTimeoutMs / 1000} s. Its last log lines:\n${tail || '(no output)'}`);
        }
        const status = await fetchWithTimeout(`${baseUrl}/api/status`, { headers: { Authorization: `token ${token}` }, signal }, 2000).then(
          (r) => r.status,
          () => undefined,
        );
        if (status === 200) return;
        if (status === 401 || status === 403) {
          throw new BerthError(`Jupyter in ${target.image} refused Berth's token: the image may override the server's authentication config`);
        }
        await sleep(attempt < 20 ? 100 : 300, signal);
      }
    } finally {
      watch.dispose();
    }
  }

  /** The server's own kernelspec list stands in for a probe: a missing kernel fails the start, naming those there are. */
  private async checkKernelspec(baseUrl: string, token: string, target: KubernetesKernelTarget, signal: AbortSignal): Promise<void> {
    let names: string[];
    try {
      const response = await fetchWithTimeout(`${baseUrl}/api/kernelspecs`, { headers: { Authorization: `token ${token}` }, signal }, 10_000);
      names = Object.keys(((await response.json()) as { kernelspecs?: Record<string, unknown> }).kernelspecs ?? {});
    } catch (error) {
      if (signal.aborted) throw new CancelledError();
      throw new BerthError(`Jupyter in the kernel pod did not list its kernels: ${errorMessage(error)}`);
    }
    if (!names.includes(target.kernelspec)) {
      throw new BerthError(`Image ${target.image} has no kernel "${target.kernelspec}" (it has: ${names.sort().join(', ') || 'none'})`);
    }
  }

  private async logTail(core: CoreV1Api, namespace: string, name: string): Promise<string> {
    try {
      return String((await core.readNamespacedPodLog({ namespace, name, tailLines: LOG_LINES_ON_FAILURE })) ?? '').trim();
    } catch {
      return '';
    }
  }

  async listRunning(): Promise<RunningServer[]> {
    const scopes = typeof this.options.scopes === 'function' ? this.options.scopes() : (this.options.scopes ?? []);
    const lists = await Promise.all(scopes.map((scope) => this.listScope(scope)));
    return lists.flat();
  }

  /** The pod watch of every scope: a Berth kernel pod added, changed or deleted. The scopes are read once, here. */
  watchRunning(onChange: () => void, onError: (error: Error) => void): Disposable {
    const scopes = typeof this.options.scopes === 'function' ? this.options.scopes() : (this.options.scopes ?? []);
    const watches: Disposable[] = [];
    let disposed = false;
    for (const scope of scopes) {
      this.connection(scope).then(
        ({ kc }) => {
          if (disposed) return;
          const where = scope.namespace ? `/api/v1/namespaces/${encodeURIComponent(scope.namespace)}/pods` : '/api/v1/pods';
          // keepWatching reopens after errors and apiserver restarts; a reopen may have missed events, so list again.
          watches.push(keepWatching(kc, where, { labelSelector: KERNEL_SELECTOR }, () => onChange(), this.log, onChange));
        },
        (error: unknown) => {
          if (!disposed) onError(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }
    return {
      dispose: () => {
        disposed = true;
        watches.splice(0).forEach((w) => w.dispose());
      },
    };
  }

  private async listScope(scope: KubeScope): Promise<RunningServer[]> {
    const loaded = await this.connection(scope);
    const core = loaded.kc.makeApiClient(CoreV1Api);
    let items: ApiPod[];
    try {
      const list = scope.namespace
        ? await core.listNamespacedPod({ namespace: scope.namespace, labelSelector: KERNEL_SELECTOR })
        : await core.listPodForAllNamespaces({ labelSelector: KERNEL_SELECTOR });
      items = list.items as ApiPod[];
    } catch (error) {
      throw toClusterError(error, { context: loaded.context, user: loaded.user, action: 'list Berth kernel pods' });
    }
    return items.map((raw) => this.runningServer(loaded, core, scope, toPodInfo(raw)));
  }

  private runningServer(loaded: LoadedContext, core: CoreV1Api, scope: KubeScope, pod: PodInfo): RunningServer {
    const note = (key: string) => pod.annotations[key] ?? pod.labels[key] ?? '';
    const target: KubernetesKernelTarget = {
      kind: 'kubernetes',
      image: note(Labels.image) || (pod.containers[0]?.image ?? ''),
      kernelspec: note(Labels.kernelspec) || 'python3',
      context: scope.context,
      namespace: pod.namespace,
      ...(scope.kubeconfig ? { kubeconfig: scope.kubeconfig } : {}),
    };
    const where = `${pod.namespace}/${pod.name}`;
    return {
      resourceId: where,
      target,
      notebookKey: note(Labels.notebook),
      owner: { ...ownerStampOf(pod.labels), kind: note(Labels.ownerKind), id: note(Labels.owner) },
      keepAlive: note(Labels.keepAlive) === 'true',
      running: podServerRunning(pod) && pod.deletionMs === undefined,
      // Ended (idle shutdown, a crash, an eviction): nothing can attach to it, so any window may remove it.
      finished: podFinished(pod),
      startedAtMs: pod.startMs ?? pod.createdMs ?? 0,
      attach: async (given?: string) => {
        const token = given ?? (await this.readToken(loaded, core, pod.namespace, pod.name));
        const forward = await PodPortForward.open(loaded.kc, pod.namespace, pod.name, POD_JUPYTER_PORT, this.log);
        return new KubernetesServerHandle(loaded.kc, target, pod.name, forward, token, pod.startMs ?? Date.now(), this.log, this.copyLimit);
      },
      remove: () => deletePodAndSecret(core, pod.namespace, pod.name, 0),
      followLogs: (onLine) => followPodLog(loaded.kc, pod.namespace, pod.name, POD_CONTAINER, onLine, this.log),
    };
  }

  /** The token, read back from the pod's Secret (a reloaded window or a second CLI needs no secret store). */
  private async readToken(loaded: LoadedContext, core: CoreV1Api, namespace: string, name: string): Promise<string> {
    let secret;
    try {
      secret = await core.readNamespacedSecret({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) throw new BerthError(`Cannot re-attach to kernel pod ${namespace}/${name}: its Secret is gone. Delete the pod and start the kernel again.`);
      throw toClusterError(error, { context: loaded.context, user: loaded.user, action: `read the Secret of kernel pod ${namespace}/${name}` });
    }
    const encoded = secret.data?.[SECRET_TOKEN_KEY];
    if (!encoded) throw new BerthError(`Cannot re-attach to kernel pod ${namespace}/${name}: its Secret holds no token`);
    return Buffer.from(encoded, 'base64').toString('utf8');
  }
}


