// A Jupyter server running in a Berth kernel pod: reached through a local port-forward, watched until the pod
// ends or is deleted, and removed (pod and Secret) on dispose.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { BerthError, errorMessage } from '../../core/common/errors';
import { Emitter } from '../../core/common/event';
import type { Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';
import type { FolderSyncProgress, FolderSyncResult, KubernetesKernelTarget, ServerHandle } from '../../core/kernels/api';
import { DEFAULT_COPY_LIMIT_BYTES } from '../../core/kubernetes/folderCopy';
import { POD_CONTAINER, POD_GRACE_SECONDS } from '../../core/kubernetes/kernelPod';
import { podEndReason } from '../../core/kubernetes/podFailure';
import { toPodInfo, type ApiPod } from '../../core/kubernetes/resources';
import { planUpload, uploadFolder } from './podFolderUpload';
import { followPodLog } from './podLog';
import type { PodPortForward } from './podPortForward';
import { keepWatching } from './podWatch';

export function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404 || (error as { statusCode?: number }).statusCode === 404;
}

/** Deletes the pod and its Secret (the Secret also goes with the pod, by its ownerReference). 404s are fine. */
export async function deletePodAndSecret(core: CoreV1Api, namespace: string, name: string, gracePeriodSeconds: number): Promise<void> {
  const results = await Promise.allSettled([
    core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds }),
    core.deleteNamespacedSecret({ namespace, name }),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isNotFound(r.reason));
  if (failed) {
    throw new BerthError(`Could not delete kernel pod ${namespace}/${name}: ${errorMessage(failed.reason)}`, { cause: failed.reason });
  }
}

export class KubernetesServerHandle implements ServerHandle {
  private readonly exitEmitter = new Emitter<{ readonly reason: string }>();
  readonly onDidExit = this.exitEmitter.event;
  private readonly core: CoreV1Api;
  private readonly watch: Disposable;
  private disposing: Promise<void> | undefined;
  private exited = false;

  constructor(
    private readonly kc: KubeConfig,
    readonly target: KubernetesKernelTarget,
    readonly podName: string,
    readonly forward: PodPortForward,
    readonly token: string,
    readonly startedAtMs: number,
    private readonly log: Logger,
    /** The most the notebook's folder may hold to be copied in (the launcher's limit at start). */
    private readonly copyLimit: () => number = () => DEFAULT_COPY_LIMIT_BYTES,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    const ns = encodeURIComponent(target.namespace);
    this.watch = keepWatching(
      kc,
      `/api/v1/namespaces/${ns}/pods`,
      { fieldSelector: `metadata.name=${podName}` },
      (type, object) => {
        if (type === 'DELETED') this.fireExit('the kernel pod was deleted');
        else if (type === 'ADDED' || type === 'MODIFIED') {
          const reason = podEndReason(toPodInfo(object as ApiPod));
          if (reason) this.fireExit(reason);
        }
      },
      log,
      // The watch was down for a while (API server restart): a delete in that time sent no event.
      () => void this.core.readNamespacedPod({ namespace: target.namespace, name: podName }).catch((e: unknown) => isNotFound(e) && this.fireExit('the kernel pod was deleted')),
    );
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.forward.port}`;
  }

  get resourceId(): string {
    return `${this.target.namespace}/${this.podName}`;
  }

  async logTail(lines: number): Promise<string> {
    const text = await this.core.readNamespacedPodLog({ namespace: this.target.namespace, name: this.podName, container: POD_CONTAINER, tailLines: lines });
    return String(text ?? '');
  }

  followLogs(onLine: (line: string) => void): Disposable {
    return followPodLog(this.kc, this.target.namespace, this.podName, POD_CONTAINER, onLine, this.log);
  }

  /** Copies the folder in again over the port-forward: what changed or was added since the start reaches the kernel. */
  async syncFolder(folder: string, signal: AbortSignal, onProgress?: (p: FolderSyncProgress) => void): Promise<FolderSyncResult> {
    if (this.exited) throw new BerthError(`The kernel pod ${this.resourceId} is gone: there is nothing to sync to.`);
    // The limit is checked before anything is sent: over it, the pod keeps what it had.
    const plan = await planUpload(folder, this.copyLimit(), signal);
    await uploadFolder(folder, plan, this.baseUrl, this.token, signal, (done, total, path) => onProgress?.({ done, total, path }));
    this.log.info(`synced ${plan.files.length} files (${plan.totalBytes} bytes) of ${folder} into kernel pod ${this.resourceId}`);
    return { files: plan.files.length, directories: plan.directories.length, totalBytes: plan.totalBytes };
  }

  /** Stops watching and forwarding without touching the pod (a failed start deletes it itself). */
  detach(): void {
    this.exited = true;
    this.watch.dispose();
    this.forward.dispose();
    this.exitEmitter.dispose();
  }

  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      this.detach();
      await deletePodAndSecret(this.core, this.target.namespace, this.podName, POD_GRACE_SECONDS);
      this.log.info(`kernel pod ${this.resourceId} deleted`);
    })();
    return this.disposing;
  }

  private fireExit(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    this.log.info(`kernel pod ${this.resourceId} ended: ${reason}`);
    this.exitEmitter.fire({ reason });
  }
}
