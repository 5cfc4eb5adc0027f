import type * as vscode from 'vscode';
import type { KubernetesServerLauncher } from '../../adapters/kubernetes/kubernetesServerLauncher';
import { fetchRegistryManifest } from '../../adapters/http/registryManifest';
import type { Logger } from '../../core/common/logger';
import type { ImageInfo } from '../../core/docker/engine';
import type { ImagesModel } from '../../core/images/imagesModel';
import type { ImageProbe, ServerLauncher } from '../../core/kernels/api';
import { MemoryDigestProbeCache, PodKernelspecResolver, PodKernelspecsModel, type DigestProbeCache } from '../../core/kubernetes/podKernelspecs';
import { MementoProbeCache } from './probeCache';

const KEY = 'berth.podImageProbes.v1';
/** Digests are forever, but images come and go: keep the newest answers only. */
const MAX_ENTRIES = 100;

/** Probe pods' answers in globalState by manifest digest: an image is probed in a cluster once per machine. */
export class MementoDigestProbeCache implements DigestProbeCache {
  constructor(private readonly state: vscode.Memento) {}

  private all(): Record<string, ImageProbe> {
    return this.state.get<Record<string, ImageProbe>>(KEY, {});
  }

  get(digest: string): ImageProbe | undefined {
    return this.all()[digest];
  }

  async set(digest: string, probe: ImageProbe): Promise<void> {
    const rest = Object.entries(this.all()).filter(([d]) => d !== digest);
    await this.state.update(KEY, Object.fromEntries([...rest.slice(-(MAX_ENTRIES - 1)), [digest, probe]]));
  }
}

/** The local images once the Images model has listed them (at activation it may still be connecting), at most 10 s. */
function readyImages(images: ImagesModel, signal: AbortSignal): Promise<readonly ImageInfo[]> {
  const now = (): readonly ImageInfo[] | undefined => (images.state.kind === 'ready' ? images.state.images : images.state.kind === 'unreachable' ? [] : undefined);
  const known = now();
  if (known) return Promise.resolve(known);
  return new Promise((resolve) => {
    const finish = (list: readonly ImageInfo[]) => {
      clearTimeout(timer);
      sub.dispose();
      signal.removeEventListener('abort', onAbort);
      resolve(list);
    };
    const onAbort = () => finish([]);
    const timer = setTimeout(() => finish([]), 10_000);
    const sub = images.onDidChange(() => {
      const list = now();
      if (list) finish(list);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The kernelspecs of pod targets that name none: the local probe when a local image has the same digest (read from the
 * Images model; probed by the Docker launcher, its answer cached as the Images view's), else a probe pod.
 */
export function podKernelspecsModel(deps: { readonly state: vscode.Memento; readonly images: ImagesModel; readonly launcher: ServerLauncher; readonly podLauncher: KubernetesServerLauncher; readonly log: Logger }): PodKernelspecsModel {
  const localProbes = new MementoProbeCache(deps.state);
  const resolver = new PodKernelspecResolver(
    {
      localImages: (signal) => readyImages(deps.images, signal),
      localProbe: async (imageId, signal) => localProbes.get(imageId) ?? deps.launcher.probe(imageId, signal),
      registryManifest: (reference, signal) => fetchRegistryManifest(reference, signal),
      probePod: (target, signal) => deps.podLauncher.probePod(target, signal),
    },
    new MemoryDigestProbeCache(new MementoDigestProbeCache(deps.state)),
  );
  return new PodKernelspecsModel(resolver, deps.log);
}
