// The running Berth kernel servers of every target kind, kept current by each launcher's own watch (Docker
// events, the pod watch): what the Kernels view renders and what cleanup judges. A kind is listed again only
// when its watch says something changed, a burst of events costs one listing, and an unreachable cluster never
// hides the local containers (its failure is kept per kind and logged once).
import { errorMessage } from '../common/errors';
import { Emitter, type Event } from '../common/event';
import type { Disposable } from '../common/lifecycle';
import type { Logger } from '../common/logger';
import type { RunningServer, ServerLauncher } from './api';
import type { LauncherMap, TargetKind } from './launchers';

export interface KernelsModelOptions {
  /** Events closer together than this are one listing. */
  readonly debounceMs?: number;
  /** A watch that ended is opened again after this long at first, doubling up to maxRetryMs. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

export interface KernelsModelChange {
  readonly kind: TargetKind;
}

interface KindState {
  readonly kind: TargetKind;
  readonly launcher: ServerLauncher;
  servers: readonly RunningServer[];
  problem?: string;
  generation: number;
  watch?: Disposable;
  debounce?: ReturnType<typeof setTimeout>;
  retry?: ReturnType<typeof setTimeout>;
  retryMs: number;
  /** The last watch failure said, so a watch that keeps failing the same way is logged once. */
  watchError?: string;
}

const KIND_WORDS: Record<TargetKind, string> = { docker: 'kernel containers', kubernetes: 'kernel pods' };

export class KernelsModel implements Disposable {
  private readonly kinds: KindState[];
  private readonly changed = new Emitter<KernelsModelChange>();
  /** Fires after a kind's list (or its problem) changed. */
  readonly onDidChange: Event<KernelsModelChange> = this.changed.event;
  private readonly debounceMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private disposed = false;

  constructor(
    launchers: LauncherMap,
    private readonly log: Logger,
    options: KernelsModelOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 200;
    this.retryMs = options.retryMs ?? 1000;
    this.maxRetryMs = options.maxRetryMs ?? 30_000;
    this.kinds = (Object.entries(launchers) as [TargetKind, ServerLauncher | undefined][])
      .filter((e): e is [TargetKind, ServerLauncher] => e[1] !== undefined)
      .map(([kind, launcher]) => ({ kind, launcher, servers: [], generation: 0, retryMs: this.retryMs }));
  }

  /** Opens each kind's watch and lists every kind once. */
  start(): Promise<void> {
    for (const state of this.kinds) this.openWatch(state);
    return this.refresh();
  }

  /** The servers of every kind, as last listed (stopped ones included: cleanup wants them). */
  get servers(): readonly RunningServer[] {
    return this.kinds.flatMap((k) => k.servers);
  }

  /** Why the kind's servers could not be listed the last time, if they could not. */
  problemOf(kind: TargetKind): string | undefined {
    return this.kinds.find((k) => k.kind === kind)?.problem;
  }

  /** Lists the kind (or all kinds) again now; resolves once the lists are current. */
  async refresh(kind?: TargetKind): Promise<void> {
    await Promise.all(this.kinds.filter((k) => kind === undefined || k.kind === kind).map((k) => this.list(k)));
  }

  /** A fresh listing of every kind, for cleanup; the model takes it too. */
  async listAll(): Promise<RunningServer[]> {
    await this.refresh();
    return [...this.servers];
  }

  /** The kind's watch is opened again (its scopes changed, e.g. other targets or another kubeconfig), then listed. */
  rewatch(kind: TargetKind): Promise<void> {
    const state = this.kinds.find((k) => k.kind === kind);
    if (!state) return Promise.resolve();
    this.closeWatch(state);
    state.retryMs = this.retryMs;
    this.openWatch(state);
    return this.list(state);
  }

  private openWatch(state: KindState): void {
    if (this.disposed || !state.launcher.watchRunning) return;
    let ended = false;
    const handle: Disposable = state.launcher.watchRunning(
      () => {
        state.retryMs = this.retryMs;
        state.watchError = undefined;
        this.schedule(state);
      },
      (error) => {
        if (ended || this.disposed) return;
        ended = true;
        // The launcher may call this before watchRunning returned: the handle is disposed once it is known.
        queueMicrotask(() => handle?.dispose());
        if (state.watch === handle) state.watch = undefined;
        const message = `Berth's ${KIND_WORDS[state.kind]}: the watch ended (${error.message})`;
        if (message !== state.watchError) this.log.warn(`${message}; opening it again, first in ${Math.round(state.retryMs / 1000)} s`);
        state.watchError = message;
        state.retry = setTimeout(() => {
          state.retry = undefined;
          this.openWatch(state);
          void this.list(state);
        }, state.retryMs);
        state.retryMs = Math.min(state.retryMs * 2, this.maxRetryMs);
      },
    );
    if (!ended) state.watch = handle;
  }

  private closeWatch(state: KindState): void {
    clearTimeout(state.retry);
    state.retry = undefined;
    state.watch?.dispose();
    state.watch = undefined;
  }

  private schedule(state: KindState): void {
    if (this.disposed) return;
    clearTimeout(state.debounce);
    state.debounce = setTimeout(() => {
      state.debounce = undefined;
      void this.list(state);
    }, this.debounceMs);
  }

  private list(state: KindState): Promise<void> {
    const generation = ++state.generation;
    const listing = state.launcher.listRunning().then(
      (servers) => {
        if (generation !== state.generation || this.disposed) return;
        if (state.problem) this.log.info(`Berth's ${KIND_WORDS[state.kind]} can be listed again`);
        state.problem = undefined;
        state.servers = servers;
        this.changed.fire({ kind: state.kind });
      },
      (error: unknown) => {
        if (generation !== state.generation || this.disposed) return;
        const message = errorMessage(error);
        if (state.problem !== message) this.log.warn(`Listing Berth's ${KIND_WORDS[state.kind]} failed: ${message}`);
        state.problem = message;
        state.servers = [];
        this.changed.fire({ kind: state.kind });
      },
    );
    return listing;
  }

  dispose(): void {
    this.disposed = true;
    for (const state of this.kinds) {
      clearTimeout(state.debounce);
      this.closeWatch(state);
    }
    this.changed.dispose();
  }
}
