import type { ImageProbe } from '../kernels/api';
import type { ImageInfo } from '../docker/engine';
import { Emitter } from '../common/event';
import { errorMessage, isCancellation } from '../common/errors';
import type { Disposable } from '../common/lifecycle';
import type { Logger } from '../common/logger';
import type { ImagesModel } from './imagesModel';

/** Where probe results persist between sessions (VS Code's globalState on the extension side). */
export interface ProbeCache {
  get(imageId: string): ImageProbe | undefined;
  set(probe: ImageProbe): Promise<void>;
  /** Drops the results of images that no longer exist, so the cache does not grow without bound. */
  retain(imageIds: ReadonlySet<string>): Promise<void>;
}

export type ProbeState =
  | { readonly kind: 'pending' }
  | { readonly kind: 'probing' }
  | { readonly kind: 'usable'; readonly probe: ImageProbe }
  | { readonly kind: 'unusable'; readonly reason: string }
  /** The probe itself failed (engine error, timeout); retried when the image list changes. */
  | { readonly kind: 'failed'; readonly reason: string };

/** A tagged image and one kernelspec it serves: one entry of the kernel picker. */
export interface KernelSource {
  readonly reference: string;
  readonly image: ImageInfo;
  readonly probe: ImageProbe;
  readonly kernelspec: ImageProbe['kernelspecs'][number];
}

export type ProbeImage = (imageId: string, signal: AbortSignal) => Promise<ImageProbe>;

/**
 * Which local images can serve Jupyter, and with which kernelspecs. Each image id is probed once, in the
 * background and one at a time (a probe runs a throw-away container), and the result is cached by image id.
 * The kernel picker and the Images view both read this model.
 */
export class ImageProbesModel implements Disposable {
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly states = new Map<string, ProbeState>();
  private readonly queue: string[] = [];
  private running = false;
  private readonly abort = new AbortController();
  private readonly subscription: Disposable;

  constructor(
    private readonly images: ImagesModel,
    private readonly probeImage: ProbeImage,
    private readonly cache: ProbeCache,
    private readonly logger: Logger,
  ) {
    this.subscription = images.onDidChange(() => this.sync());
    this.sync();
  }

  stateOf(imageId: string): ProbeState | undefined {
    return this.states.get(imageId);
  }

  /** True while the engine is still being reached or a tagged image still waits for its probe. */
  get checking(): boolean {
    const state = this.images.state;
    if (state.kind === 'connecting') return true;
    if (state.kind !== 'ready') return false;
    return state.images.some((image) => {
      const probe = this.states.get(image.id);
      return image.tags.length > 0 && (probe === undefined || probe.kind === 'pending' || probe.kind === 'probing');
    });
  }

  /** Every (tagged image, kernelspec) that can serve Jupyter, sorted by reference. */
  get sources(): KernelSource[] {
    const state = this.images.state;
    if (state.kind !== 'ready') return [];
    const sources: KernelSource[] = [];
    for (const image of state.images) {
      const probeState = this.states.get(image.id);
      if (probeState?.kind !== 'usable') continue;
      for (const reference of image.tags.filter((t) => t !== '<none>:<none>')) {
        for (const kernelspec of probeState.probe.kernelspecs) {
          sources.push({ reference, image, probe: probeState.probe, kernelspec });
        }
      }
    }
    return sources.sort((a, b) => a.reference.localeCompare(b.reference) || a.kernelspec.name.localeCompare(b.kernelspec.name));
  }

  /** Probes the image again (e.g. after the user fixed it), ignoring the cached result. */
  reprobe(imageId: string): void {
    this.states.set(imageId, { kind: 'pending' });
    this.enqueue(imageId);
    this.changed.fire();
  }

  private sync(): void {
    const state = this.images.state;
    if (state.kind !== 'ready') return;
    const present = new Set(state.images.map((i) => i.id));
    let changed = false;
    for (const id of [...this.states.keys()]) {
      if (!present.has(id)) {
        this.states.delete(id);
        changed = true;
      }
    }
    for (const image of state.images) {
      const known = this.states.get(image.id);
      if (known && known.kind !== 'failed') continue;
      const cached = this.cache.get(image.id);
      if (cached) {
        this.states.set(image.id, stateFromProbe(cached));
      } else {
        this.states.set(image.id, { kind: 'pending' });
        this.enqueue(image.id);
      }
      changed = true;
    }
    void this.cache.retain(present).catch((error: unknown) => this.logger.warn(`Could not prune the image probe cache: ${errorMessage(error)}`));
    if (changed) this.changed.fire();
  }

  private enqueue(imageId: string): void {
    if (!this.queue.includes(imageId)) this.queue.push(imageId);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let id = this.queue.shift(); id !== undefined && !this.abort.signal.aborted; id = this.queue.shift()) {
        if (!this.states.has(id)) continue;
        this.states.set(id, { kind: 'probing' });
        this.changed.fire();
        const next = await this.probeOne(id);
        if (this.abort.signal.aborted) return;
        if (this.states.has(id)) {
          this.states.set(id, next);
          this.changed.fire();
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async probeOne(imageId: string): Promise<ProbeState> {
    const t0 = Date.now();
    try {
      const probe = await this.probeImage(imageId, this.abort.signal);
      await this.cache.set(probe);
      this.logger.info(`Probed image ${imageId.slice(7, 19)} in ${Date.now() - t0} ms: ${probe.serverCommand ? `${probe.serverCommand.join(' ')}, kernelspecs ${probe.kernelspecs.map((k) => k.name).join(', ')}` : probe.unusableReason}`);
      return stateFromProbe(probe);
    } catch (error) {
      if (!isCancellation(error)) this.logger.warn(`Probing image ${imageId} failed: ${errorMessage(error)}`);
      return { kind: 'failed', reason: errorMessage(error) };
    }
  }

  dispose(): void {
    this.abort.abort();
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function stateFromProbe(probe: ImageProbe): ProbeState {
  if (probe.serverCommand && probe.kernelspecs.length > 0) return { kind: 'usable', probe };
  return { kind: 'unusable', reason: probe.unusableReason ?? 'The image has no Jupyter server or no kernelspec.' };
}
