// One ServerLauncher per target kind, picked by the target's kind: launchKernel and reattachKernel take the
// combined launcher and never look at the kind themselves.
import { BerthError } from '../common/errors';
import type { ImageProbe, KernelTarget, LaunchOptions, LaunchProgress, RunningServer, ServerHandle, ServerLauncher } from './api';

export type TargetKind = KernelTarget['kind'];
export type LauncherMap = { readonly [K in TargetKind]?: ServerLauncher };

/** The launcher for the target's kind, or a clear error when this client was built without one. */
export function launcherFor(launchers: LauncherMap, target: Pick<KernelTarget, 'kind'>): ServerLauncher {
  const launcher = launchers[target.kind];
  if (!launcher) {
    throw new BerthError(`Berth cannot start ${target.kind === 'kubernetes' ? 'kernels in Kubernetes pods' : 'local container kernels'} here (no ${target.kind} launcher is set up)`);
  }
  return launcher;
}

/** Whether a server found by label runs `target`'s kernel: same kind, image and kernelspec, and for a pod the same context and namespace. */
export function servesTarget(server: Pick<RunningServer, 'target'>, target: KernelTarget): boolean {
  const t = server.target;
  if (t.kind !== target.kind || t.image !== target.image || t.kernelspec !== target.kernelspec) return false;
  return t.kind === 'docker' || (target.kind === 'kubernetes' && t.context === target.context && t.namespace === target.namespace);
}

/** How a server is named in messages: a container by its short id, a pod by its name. */
export function resourceName(target: { readonly kind: string }, resourceId: string): string {
  return target.kind === 'kubernetes' ? `pod ${resourceId}` : `container ${resourceId.replace(/^sha256:/, '').slice(0, 12)}`;
}

/**
 * A ServerLauncher over several kinds: start() goes to the target's kind, listRunning() lists all of them.
 * probe(image) is about a local image, so it goes to the Docker launcher.
 */
export class TargetLaunchers implements ServerLauncher {
  constructor(private readonly launchers: LauncherMap) {}

  probe(image: string, signal?: AbortSignal): Promise<ImageProbe> {
    return launcherFor(this.launchers, { kind: 'docker' }).probe(image, signal);
  }

  start(target: KernelTarget, options: LaunchOptions, signal: AbortSignal, onProgress: (p: LaunchProgress) => void): Promise<ServerHandle> {
    return launcherFor(this.launchers, target).start(target, options, signal, onProgress);
  }

  async listRunning(): Promise<RunningServer[]> {
    const lists = await Promise.all(Object.values(this.launchers).map((l) => l.listRunning()));
    return lists.flat();
  }
}
