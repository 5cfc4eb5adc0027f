import type { DockerEngine, EngineEvent, ImageInfo } from '../docker/engine';
import { Emitter } from '../common/event';
import { errorMessage, EngineUnreachableError } from '../common/errors';
import type { Disposable } from '../common/lifecycle';
import type { Logger } from '../common/logger';

export type ImagesState =
  | { readonly kind: 'connecting'; readonly address: string }
  | { readonly kind: 'ready'; readonly address: string; readonly images: readonly ImageInfo[] }
  | { readonly kind: 'unreachable'; readonly address: string; readonly reason: string };

/** Engine events after which the image list may differ. */
const IMAGE_ACTIONS = new Set(['delete', 'import', 'load', 'pull', 'tag', 'untag', 'build', 'prune']);

export function changesImageList(event: EngineEvent): boolean {
  return event.type === 'image' && IMAGE_ACTIONS.has(event.action);
}

export interface ImagesModelOptions {
  /** Engine events arrive in bursts (a build tags, untags and deletes); one refresh per burst. */
  readonly debounceMs?: number;
  /** After the engine stops answering, reconnect attempts back off from this delay … */
  readonly reconnectMinMs?: number;
  /** … to this one. */
  readonly reconnectMaxMs?: number;
}

/**
 * The local images and whether the engine answers. Refreshes when the engine reports an image event
 * (no polling); when the event stream ends it marks the engine unreachable and tries to reconnect with backoff.
 */
export class ImagesModel implements Disposable {
  private readonly changed = new Emitter<ImagesState>();
  readonly onDidChange = this.changed.event;

  private current: ImagesState;
  private watch: Disposable | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private reconnect: ReturnType<typeof setTimeout> | undefined;
  private reconnectDelay: number;
  private generation = 0;
  private disposed = false;
  private readonly debounceMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;

  constructor(
    private engine: DockerEngine,
    private readonly logger: Logger,
    options: ImagesModelOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 150;
    this.reconnectMinMs = options.reconnectMinMs ?? 2000;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 30000;
    this.reconnectDelay = this.reconnectMinMs;
    this.current = { kind: 'connecting', address: engine.address };
  }

  get state(): ImagesState {
    return this.current;
  }

  /** Switches to another engine (the Docker host setting changed) and loads its images. */
  setEngine(engine: DockerEngine): Promise<void> {
    this.stopWatching();
    this.engine = engine;
    this.set({ kind: 'connecting', address: engine.address });
    return this.refresh();
  }

  /** Reloads the list now; also the Retry action when the engine was unreachable. */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const engine = this.engine;
    clearTimeout(this.reconnect);
    this.reconnect = undefined;
    try {
      if (!this.watch) {
        await engine.ping();
        this.startWatching(engine);
      }
      const images = await engine.listImages();
      if (generation !== this.generation || this.disposed) {
        return;
      }
      this.reconnectDelay = this.reconnectMinMs;
      this.set({ kind: 'ready', address: engine.address, images });
    } catch (error) {
      if (generation !== this.generation || this.disposed) {
        return;
      }
      this.unreachable(error);
    }
  }

  private startWatching(engine: DockerEngine): void {
    this.watch = engine.watchEvents(
      (event) => {
        if (changesImageList(event)) {
          this.logger.trace(`docker event: image ${event.action} ${event.id}`);
          this.scheduleRefresh();
        }
      },
      (error) => {
        this.logger.warn(`Docker event stream ended: ${error.message}`);
        this.watch = undefined;
        if (!this.disposed && engine === this.engine) {
          this.generation++;
          this.unreachable(error);
        }
      },
    );
  }

  private unreachable(error: unknown): void {
    this.stopWatching();
    const reason = error instanceof EngineUnreachableError ? error.reason : errorMessage(error);
    if (this.current.kind !== 'unreachable' || this.current.reason !== reason) {
      this.logger.warn(`Docker Engine at ${this.engine.address} unreachable: ${reason}`);
    }
    this.set({ kind: 'unreachable', address: this.engine.address, reason });
    this.reconnect = setTimeout(() => void this.refresh(), this.reconnectDelay);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.reconnectMaxMs);
  }

  private scheduleRefresh(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.refresh(), this.debounceMs);
  }

  private stopWatching(): void {
    this.watch?.dispose();
    this.watch = undefined;
    clearTimeout(this.debounce);
    clearTimeout(this.reconnect);
  }

  private set(state: ImagesState): void {
    this.current = state;
    this.changed.fire(state);
  }

  dispose(): void {
    this.disposed = true;
    this.stopWatching();
    this.changed.dispose();
  }
}
