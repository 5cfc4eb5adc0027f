// The kernel lifecycle of each notebook, keyed by the notebook's key (its URI): start or reuse, pre-start ahead of
// the first run, re-attach to a server this owner left running, restart, interrupt, shut down, detach, and noticing
// when the kernel or its server dies. One lifecycle for the VS Code controller and `berth run`: each client only injects its UI (progress with
// Cancel, the trust gate, how a death is told, where tokens are kept).
import { BerthError, errorMessage, isCancellation } from '../common/errors';
import { Emitter, type Event } from '../common/event';
import { DisposableStore, type Disposable } from '../common/lifecycle';
import type { Logger } from '../common/logger';
import type { ImageProbe, KernelConnector, KernelOwner, KernelSession, KernelStatus, KernelTarget, LaunchOptions, LaunchProgress, RunningServer, ServerHandle } from './api';
import { connectOrStartKernel, launchKernel } from './launchKernel';
import { launcherFor, resourceName, servesTarget, type LauncherMap } from './launchers';

/** How long a kernel gets to shut down cleanly before its server is removed regardless. */
export const SHUTDOWN_GRACE_MS = 5000;

/** What the status bar and the Kernels view show: the session's status, or `launching` while it starts. */
export type KernelState = KernelStatus | 'launching';

/** What a notebook's kernel runs on: a kernel picker entry in VS Code, `--image` (and `--kube-context`) in the CLI. */
export interface KernelSourceRef {
  /** Two sources with the same id run the same kernel: a different id shuts the notebook's kernel down first. */
  readonly id: string;
  /** How messages name it: the image reference, or "IMAGE on CONTEXT/NAMESPACE". */
  readonly reference: string;
  readonly target: KernelTarget;
  /** What probing the target's image found, when the client has it: handed to start(), so it is not probed again. */
  readonly probe?: ImageProbe;
}

export interface NotebookKernelState<S extends KernelSourceRef> {
  readonly key: string;
  readonly source: S;
  readonly state: KernelState;
  readonly resourceId?: string;
  readonly startedAtMs?: number;
  /** Started fresh by prestart() and not used by a run since: there is nothing in it to keep (closing ends it). */
  readonly unused?: boolean;
}

/** Where Jupyter tokens are kept between windows (VS Code's SecretStorage); keyed by the server's resource id. */
export interface TokenStorePort {
  get(resourceId: string): PromiseLike<string | undefined>;
  set(resourceId: string, token: string): PromiseLike<void>;
  delete(resourceId: string): PromiseLike<void>;
}

export interface StartProgressTask {
  readonly title: string;
  /** Offers Cancel: it aborts the `signal` handed to the work. */
  readonly cancellable: boolean;
  readonly target: KernelTarget;
  /** The source's reference, for the lines a client logs. */
  readonly reference: string;
  /** A pre-start: shown unobtrusively (VS Code: the status bar), as nobody waits on it yet. */
  readonly quiet?: boolean;
}

/** The client's side of the lifecycle: how long work is shown, and how a death is told. */
export interface NotebookKernelsUi<S extends KernelSourceRef> {
  /** A start (or restart) the user sees; `signal` aborts when they cancel. */
  withStartProgress<T>(task: StartProgressTask, run: (report: (p: LaunchProgress) => void, signal: AbortSignal) => Promise<T>): Promise<T>;
  /** A re-attach: quiet, not cancellable. */
  withAttachProgress<T>(title: string, run: () => Promise<T>): Promise<T>;
  /** Throws (a BerthError saying why and what to do) where kernels may not start, e.g. an untrusted workspace. */
  checkTrust(): void;
  /** A kernel or server died: tell the user (and the log) once, with a way back (`restart`; its failure is the client's to report). */
  announceDeath(kernel: NotebookKernelState<S>, what: string, restart: () => Promise<void>): void;
}

export interface NotebookKernelsDeps<S extends KernelSourceRef> {
  /** One launcher per target kind (Docker, Kubernetes). */
  readonly launchers: LauncherMap;
  readonly connector: KernelConnector;
  readonly ui: NotebookKernelsUi<S>;
  readonly log: Logger;
  readonly tokens: TokenStorePort;
  readonly owner: KernelOwner;
  /**
   * A start first looks for a server this owner left running for the notebook (a reloaded window does; a CLI process,
   * whose owner is new, never finds one and does not look).
   */
  readonly resumeOwnServers: boolean;
  /** The launch options of the notebook (from the client's settings), or undefined once it is no longer open. */
  launchOptions(key: string): LaunchOptions | undefined;
  /** How the log names a notebook (VS Code: its path); default: its key. */
  nameOf?(key: string): string;
  /** Where the server's own log lines go (VS Code: the output channel); without it they are not followed. */
  readonly serverLog?: Pick<Logger, 'info'>;
  /** A fresh kernel started (not a re-attach): VS Code writes the environment record then. */
  onDidStartFresh?(key: string, source: S, options: LaunchOptions, handle: ServerHandle): void;
  /** Default SHUTDOWN_GRACE_MS. */
  readonly shutdownGraceMs?: number;
}

/** What a pre-start shares with the run that takes its kernel over. */
interface Prestart {
  /** A run asked for the kernel: from then on it is the run's (record written, progress shown, kept on close). */
  used: boolean;
  /** Known once the start decided: a fresh server, or one this owner left running (with a kernel worth keeping). */
  kind?: 'start' | 'attach';
  /** While the quiet start progress runs: a run that comes then shows it as a normal start would. */
  launching: boolean;
  /** What the quiet start reported so far (a run that joins replays it all: a pod's trail of events starts early). */
  readonly reported: LaunchProgress[];
  relay?: (p: LaunchProgress) => void;
  /** The onDidStartFresh call, held back until a run uses the kernel (opening a notebook must not dirty it). */
  fresh?: () => void;
  /** Shut down or detached before it was ready (the notebook closed, another kernel was picked). */
  ended?: boolean;
}

interface Entry<S extends KernelSourceRef> {
  readonly key: string;
  readonly source: S;
  readonly abort: AbortController;
  readonly disposables: DisposableStore;
  starting?: Promise<KernelSession>;
  session?: KernelSession;
  state: KernelState;
  /** Set once the server is gone: the next session() starts a new one. */
  serverGone?: string;
  /** A death is announced once (the running cell shows it too). */
  announced?: boolean;
  /** How the entry ended while its kernel was still starting: the start's result is then shut down or released. */
  ended?: 'shutdown' | 'detach';
  /** Set when prestart() began this entry. */
  readonly pre?: Prestart;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class NotebookKernels<S extends KernelSourceRef> implements Disposable {
  private readonly entries = new Map<string, Entry<S>>();
  private readonly changed = new Emitter<void>();
  /** A kernel started, ended, or changed state. */
  readonly onDidChange: Event<void> = this.changed.event;
  /** The progress lines of each notebook's last start (pod events among them), for the log and tests. */
  private readonly progressLines = new Map<string, string[]>();

  constructor(private readonly deps: NotebookKernelsDeps<S>) {}

  get all(): NotebookKernelState<S>[] {
    return [...this.entries.values()].map((e) => this.stateOf(e));
  }

  get(key: string): NotebookKernelState<S> | undefined {
    const entry = this.entries.get(key);
    return entry && this.stateOf(entry);
  }

  /** What the last start of the notebook's kernel reported, line by line. */
  progressOf(key: string): readonly string[] {
    return this.progressLines.get(key) ?? [];
  }

  private stateOf(e: Entry<S>): NotebookKernelState<S> {
    return { key: e.key, source: e.source, state: e.serverGone ? 'dead' : e.state, resourceId: e.session?.server.resourceId, startedAtMs: e.session?.server.startedAtMs, unused: isUnused(e) };
  }

  private nameOf(key: string): string {
    return this.deps.nameOf?.(key) ?? key;
  }

  /** The notebook's running kernel on `source`, started (or re-attached) on first use; concurrent calls share one start. */
  session(key: string, source: S): Promise<KernelSession> {
    const entry = this.entries.get(key);
    if (entry?.pre && !entry.pre.used && entry.source.id === source.id) {
      const joined = this.takeOver(entry, entry.pre);
      if (joined) return joined;
    }
    return this.acquire(key, source);
  }

  /**
   * Starts the notebook's kernel on `source` ahead of its first run (or re-attaches to the server this owner left
   * running for it), quietly: where the trust gate refuses nothing starts and nothing is said; a failure is logged
   * and forgotten, so the first run starts again and shows why. A kernel already there for `source` is left as it is
   * (a run decides what to do with a dead one); one on another source is shut down first. Never rejects.
   */
  async prestart(key: string, source: S): Promise<void> {
    const entry = this.entries.get(key);
    if (entry?.source.id === source.id) return;
    try {
      this.deps.ui.checkTrust();
    } catch (error) {
      this.deps.log.info(`Not pre-starting the kernel of ${this.nameOf(key)}: ${errorMessage(error)}`);
      return;
    }
    const pre: Prestart = { used: false, launching: false, reported: [] };
    try {
      await this.acquire(key, source, pre);
    } catch (error) {
      if (isCancellation(error) || pre.ended) {
        this.deps.log.info(`Pre-start of the kernel of ${this.nameOf(key)} ended before it was ready`);
      } else {
        this.deps.log.warn(`Pre-starting ${source.reference} for ${this.nameOf(key)} failed (the first run starts it again): ${errorMessage(error)}`);
      }
    }
  }

  /**
   * A run asks for the kernel a pre-start began: the run owns it now. While the quiet start is still going, the run
   * shows it as a normal start (its progress so far, Cancel); otherwise undefined, and the run goes the usual way.
   */
  private takeOver(entry: Entry<S>, pre: Prestart): Promise<KernelSession> | undefined {
    pre.used = true;
    const fresh = pre.fresh;
    pre.fresh = undefined;
    fresh?.();
    this.changed.fire();
    const starting = entry.starting;
    if (!starting || !pre.launching) return undefined;
    const { source } = entry;
    return this.deps.ui.withStartProgress({ title: `Berth: starting ${source.reference}`, cancellable: true, target: source.target, reference: source.reference }, async (report, signal) => {
      pre.reported.forEach(report);
      pre.relay = report;
      const cancel = () => entry.abort.abort();
      if (signal.aborted) cancel();
      signal.addEventListener('abort', cancel);
      try {
        return await starting;
      } finally {
        signal.removeEventListener('abort', cancel);
        pre.relay = undefined;
      }
    });
  }

  private acquire(key: string, source: S, pre?: Prestart): Promise<KernelSession> {
    const entry = this.entries.get(key);
    if (entry && entry.source.id !== source.id) {
      // Another kernel was picked: the old one ends first (begin() waits for it), and no second start races this one.
      const ended = this.shutdown(key);
      return this.begin(
        key,
        source,
        async (e) => {
          await ended;
          return this.launch(e);
        },
        pre,
      );
    }
    if (entry?.starting) return entry.starting;
    if (entry?.session && !entry.serverGone) {
      if (entry.state === 'dead') {
        return Promise.reject(new BerthError('The kernel died. Restart it (Berth: Restart Kernel) to run cells again; variables are lost.'));
      }
      return Promise.resolve(entry.session);
    }
    if (entry) {
      // Its server stopped or vanished: remove what is left of it, then start a new one.
      this.forget(key);
      const left = entry.session;
      return this.begin(
        key,
        source,
        async (e) => {
          if (left) await this.shutDownSession(key, left);
          return this.launch(e);
        },
        pre,
      );
    }
    return this.begin(key, source, (e) => this.launch(e), pre);
  }

  /** Re-attaches when a reloaded window selects the kernel of a notebook whose server still runs; rejects if that fails. */
  async reattachIfRunning(key: string, source: S): Promise<void> {
    if (this.entries.has(key)) return;
    const running = await this.findOwn(key, source);
    if (running && !this.entries.has(key)) {
      await this.begin(key, source, (e) => this.attach(running, e));
    }
  }

  private begin(key: string, source: S, run: (entry: Entry<S>) => Promise<KernelSession>, pre?: Prestart): Promise<KernelSession> {
    const entry: Entry<S> = { key, source, abort: new AbortController(), disposables: new DisposableStore(), state: 'launching', pre };
    this.entries.set(key, entry);
    this.changed.fire();
    entry.starting = run(entry).then(
      (session) => {
        entry.starting = undefined;
        if (entry.ended) {
          // A pre-started kernel nobody used has nothing to keep, even when the notebook was only detached.
          if (entry.ended === 'shutdown' || isUnused(entry)) void this.shutDownSession(key, session);
          else session.dispose();
          throw new BerthError('The kernel was shut down while it started.');
        }
        this.wire(entry, session);
        return session;
      },
      (error: unknown) => {
        entry.starting = undefined;
        if (this.entries.get(key) === entry) this.forget(key);
        throw error;
      },
    );
    return entry.starting;
  }

  private async findOwn(key: string, source: S): Promise<RunningServer | undefined> {
    if (!this.deps.resumeOwnServers) return undefined;
    const { owner } = this.deps;
    // Only the source's own kind is listed: a Docker start never waits on a cluster, nor a pod start on Docker.
    const running = await launcherFor(this.deps.launchers, source.target).listRunning();
    return running.find((r) => r.running && r.notebookKey === key && r.owner.kind === owner.kind && r.owner.id === owner.id && servesTarget(r, source.target));
  }

  private async launch(entry: Entry<S>): Promise<KernelSession> {
    this.deps.ui.checkTrust();
    const { key, source } = entry;
    const running = await this.findOwn(key, source);
    if (running) return this.attach(running, entry);
    const found = this.deps.launchOptions(key);
    if (!found) throw new BerthError('The notebook is no longer open.');
    const options: LaunchOptions = source.probe ? { ...found, probe: source.probe } : found;
    const lines: string[] = [];
    this.progressLines.set(key, lines);
    const pre = entry.pre;
    if (pre) pre.kind = 'start';
    const quiet = pre !== undefined && !pre.used;
    return this.deps.ui.withStartProgress({ title: `Berth: starting ${source.reference}`, cancellable: true, target: source.target, reference: source.reference, quiet }, async (report, signal) => {
      if (quiet) pre.launching = true;
      const cancel = () => entry.abort.abort();
      if (signal.aborted) cancel();
      signal.addEventListener('abort', cancel);
      try {
        const launcher = launcherFor(this.deps.launchers, source.target);
        const session = await launchKernel({ launcher, connector: this.deps.connector }, source.target, options, entry.abort.signal, (p) => {
          lines.push(p.message);
          report(p);
          if (pre) {
            pre.reported.push(p);
            pre.relay?.(p);
          }
        });
        const handle = session.server;
        try {
          await this.deps.tokens.set(handle.resourceId, handle.token);
        } catch (error) {
          // The kernel runs, but a reloaded window could not find its token: nothing may stay behind half-known.
          await session.shutdown().catch(() => undefined);
          await handle.dispose().catch((e: unknown) => this.deps.log.warn(`Removing ${resourceName(handle.target, handle.resourceId)} failed: ${errorMessage(e)}`));
          throw error;
        }
        lines.push('Kernel idle');
        this.deps.log.info(`Kernel ${source.target.kernelspec} ${quiet ? 'pre-started' : 'started'} in ${resourceName(handle.target, handle.resourceId)} (${source.reference}) for ${this.nameOf(key)}`);
        const fresh = () => this.deps.onDidStartFresh?.(key, source, options, handle);
        if (pre && !pre.used) pre.fresh = fresh;
        else fresh();
        return session;
      } finally {
        signal.removeEventListener('abort', cancel);
        if (pre) pre.launching = false;
      }
    });
  }

  private attach(running: RunningServer, entry: Entry<S>): Promise<KernelSession> {
    if (entry.pre) entry.pre.kind = 'attach';
    return this.deps.ui.withAttachProgress(`Berth: re-attaching to ${entry.source.reference}`, async () => {
      const token = await this.deps.tokens.get(running.resourceId);
      const handle = await running.attach(token);
      if (!token) await this.deps.tokens.set(handle.resourceId, handle.token);
      const { session, attached } = await connectOrStartKernel(this.deps.connector, handle, entry.source.target.kernelspec, entry.abort.signal);
      this.deps.log.info(`Re-attached to ${attached ? `kernel ${session.kernelId}` : 'a new kernel'} in ${resourceName(running.target, running.resourceId)} (${entry.source.reference})`);
      return session;
    });
  }

  private wire(entry: Entry<S>, session: KernelSession): void {
    entry.session = session;
    entry.state = session.status;
    const server = session.server;
    const { serverLog } = this.deps;
    if (serverLog) {
      const prefix = `[${server.target.kind === 'kubernetes' ? server.resourceId : server.resourceId.replace(/^sha256:/, '').slice(0, 12)}]`;
      entry.disposables.add(server.followLogs((line) => serverLog.info(`${prefix} ${line}`)));
    }
    entry.disposables.add(
      session.onDidChangeStatus((status) => {
        entry.state = status;
        if (status !== 'dead') entry.announced = false;
        this.changed.fire();
        if (status === 'dead') this.announce(entry, 'The kernel died');
      }),
    );
    entry.disposables.add(
      server.onDidExit(({ reason }) => {
        entry.serverGone = reason;
        this.changed.fire();
        this.announce(entry, `The kernel's ${server.target.kind === 'kubernetes' ? 'pod' : 'container'} is gone (${reason})`);
      }),
    );
    this.changed.fire();
  }

  /** A kernel or server that died (seen by a running cell, say), told once, with a way back. */
  announceDeath(key: string, what: string): void {
    const entry = this.entries.get(key);
    if (entry) this.announce(entry, what);
  }

  private announce(entry: Entry<S>, what: string): void {
    if (entry.announced) return;
    entry.announced = true;
    this.deps.ui.announceDeath(this.stateOf(entry), what, () => this.restart(entry.key));
  }

  async interrupt(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry?.session || entry.serverGone) return;
    this.deps.log.info(`Interrupting the kernel of ${this.nameOf(key)}`);
    await entry.session.interrupt();
  }

  /** Same server, fresh kernel; if the server is gone, a new one (when the notebook is still open). */
  async restart(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) throw new BerthError('No Berth kernel runs for this notebook: run a cell to start one.');
    if (entry.starting) await entry.starting.catch(() => undefined);
    const session = entry.session;
    if (this.entries.get(key) === entry && session && !entry.serverGone) {
      await this.deps.ui.withStartProgress({ title: `Berth: restarting the kernel (${entry.source.reference})`, cancellable: false, target: entry.source.target, reference: entry.source.reference }, () => session.restart());
      entry.announced = false;
      this.deps.log.info(`Kernel of ${this.nameOf(key)} restarted`);
      return;
    }
    if (this.entries.get(key) === entry) await this.shutdown(key);
    if (this.deps.launchOptions(key)) await this.session(key, entry.source);
  }

  /** Ends the kernel and removes its server. */
  async shutdown(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.ended = 'shutdown';
    if (entry.pre) entry.pre.ended = true;
    this.forget(key);
    // A start in progress is cancelled; if it finishes anyway, begin() shuts its kernel down.
    entry.abort.abort();
    if (entry.session) await this.shutDownSession(key, entry.session);
  }

  private async shutDownSession(key: string, session: KernelSession): Promise<void> {
    const { resourceId, target } = session.server;
    const what = resourceName(target, resourceId);
    try {
      // A kernel that no longer answers must not keep its server alive: ask politely, briefly.
      await withTimeout(session.shutdown(), this.deps.shutdownGraceMs ?? SHUTDOWN_GRACE_MS, 'the kernel did not answer the shutdown request');
    } catch (error) {
      session.dispose();
      this.deps.log.warn(`Shutting the kernel down failed (${errorMessage(error)}); removing its ${target.kind === 'kubernetes' ? 'pod' : 'container'} anyway`);
    } finally {
      // shutdown() removes the server; dispose() makes sure even when the kernel no longer answered.
      await session.server.dispose().catch((error: unknown) => this.deps.log.warn(`Removing ${what} failed: ${errorMessage(error)}`));
      await Promise.resolve(this.deps.tokens.delete(resourceId)).catch((error: unknown) => this.deps.log.warn(`Forgetting the token of ${what} failed: ${errorMessage(error)}`));
      this.deps.log.info(`Kernel of ${this.nameOf(key)} shut down, ${what} removed`);
    }
  }

  /** Disconnects but leaves the server running (keepAlive, or a window reload). */
  detach(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.ended = 'detach';
    if (entry.pre) entry.pre.ended = true;
    this.forget(key);
    entry.session?.dispose();
  }

  private forget(key: string): void {
    this.entries.get(key)?.disposables.dispose();
    this.entries.delete(key);
    this.changed.fire();
  }

  /** Window closing or reloading: disconnect, never stop (the servers are re-attached or cleaned up later). */
  dispose(): void {
    for (const key of [...this.entries.keys()]) this.detach(key);
    this.changed.dispose();
  }
}

/** A kernel prestart() started fresh that no run has used: nothing in it to keep. */
function isUnused(entry: Entry<KernelSourceRef>): boolean {
  return entry.pre !== undefined && !entry.pre.used && entry.pre.kind === 'start';
}
