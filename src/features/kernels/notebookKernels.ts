import * as path from 'path';
import * as vscode from 'vscode';
import { BerthError, errorMessage, isCancellation } from '../../core/common/errors';
import { DisposableStore } from '../../core/common/lifecycle';
import type { KernelConnector, KernelOwner, KernelSession, KernelStatus, LaunchOptions, RunningServer, ServerHandle } from '../../core/kernels/api';
import { launchKernel } from '../../core/kernels/launchKernel';
import { progressStep } from '../../core/kubernetes/podFailure';
import { launcherFor, type LauncherMap } from '../../core/kernels/launchers';
import { parseKernelEnv, parseKernelMounts } from '../../core/notebook/kernelSettings';
import type { Config } from '../config';
import { resourceName, servesChoice, type KernelChoice } from './kernelChoice';
import type { TokenStore } from './ownership';

/** How long a kernel gets to shut down cleanly before its container is removed regardless. */
const SHUTDOWN_GRACE_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the status bar and the Kernels view show: the session's status, or `launching` while it starts. */
export type KernelState = KernelStatus | 'launching';

export interface NotebookKernelInfo {
  readonly notebookUri: vscode.Uri;
  readonly source: KernelChoice;
  readonly controllerId: string;
  readonly state: KernelState;
  readonly resourceId?: string;
  readonly startedAtMs?: number;
}

interface Entry {
  readonly notebookUri: vscode.Uri;
  readonly source: KernelChoice;
  readonly abort: AbortController;
  readonly disposables: DisposableStore;
  starting?: Promise<KernelSession>;
  session?: KernelSession;
  state: KernelState;
  /** Set once the container is gone: the next run starts a new one. */
  serverGone?: string;
  /** A death is announced once (the running cell shows it too). */
  announced?: boolean;
  /** How the entry ended while its kernel was still starting: the start's result is then shut down or released. */
  ended?: 'shutdown' | 'detach';
}

export interface NotebookKernelsDeps {
  /** One launcher per target kind (Docker, Kubernetes). */
  readonly launchers: LauncherMap;
  readonly connector: KernelConnector;
  readonly config: Config;
  readonly log: vscode.LogOutputChannel;
  readonly tokens: TokenStore;
  readonly owner: KernelOwner;
  /** A fresh kernel started (not a re-attach): the environment record is written then. */
  readonly onDidStartFresh: (notebookUri: vscode.Uri, source: KernelChoice, options: LaunchOptions, handle: ServerHandle) => void;
}

/**
 * The kernel of each open notebook that runs on a Berth controller: starting it (with progress and Cancel),
 * re-attaching to the container a reloaded window left running, restart, interrupt, shut down, and noticing
 * when the kernel or its container dies.
 */
export class NotebookKernels implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** The progress lines of each notebook's last start (pod events among them), for the log and tests. */
  private readonly progressLines = new Map<string, string[]>();

  constructor(private readonly deps: NotebookKernelsDeps) {}

  get all(): NotebookKernelInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }

  get(notebookUri: vscode.Uri): NotebookKernelInfo | undefined {
    const entry = this.entries.get(notebookUri.toString());
    return entry && this.info(entry);
  }

  /** What the last start of the notebook's kernel reported, line by line. */
  progressOf(notebookUri: vscode.Uri): readonly string[] {
    return this.progressLines.get(notebookUri.toString()) ?? [];
  }

  private info(e: Entry): NotebookKernelInfo {
    return {
      notebookUri: e.notebookUri,
      source: e.source,
      controllerId: e.source.id,
      state: e.serverGone ? 'dead' : e.state,
      resourceId: e.session?.server.resourceId,
      startedAtMs: e.session?.server.startedAtMs,
    };
  }

  /** The notebook's running kernel on `source`, started (or re-attached) on first use. */
  async session(notebook: vscode.NotebookDocument, source: KernelChoice): Promise<KernelSession> {
    const key = notebook.uri.toString();
    let entry = this.entries.get(key);
    if (entry && entry.source.id !== source.id) {
      await this.shutdown(notebook.uri);
      entry = undefined;
    }
    if (entry?.starting) return entry.starting;
    if (entry?.session && !entry.serverGone) {
      if (entry.state === 'dead') {
        throw new BerthError('The kernel died. Restart it (Berth: Restart Kernel) to run cells again; variables are lost.');
      }
      return entry.session;
    }
    if (entry) {
      // Its container stopped or vanished: remove what is left of it, then start a new one.
      this.forget(key);
      if (entry.session) await this.shutDownSession(notebook.uri, entry.session);
    }
    return this.begin(notebook.uri, source, (e) => this.launch(notebook, e));
  }

  /** Re-attaches in the background when a reloaded window selects the controller of a notebook whose container still runs. */
  async reattachIfRunning(notebook: vscode.NotebookDocument, source: KernelChoice): Promise<void> {
    if (this.entries.has(notebook.uri.toString())) return;
    const running = await this.findOwn(notebook.uri, source);
    if (running && !this.entries.has(notebook.uri.toString())) {
      await this.begin(notebook.uri, source, (e) => this.attach(running, e)).catch((error: unknown) => this.reportError('Could not re-attach to the kernel', error));
    }
  }

  private begin(notebookUri: vscode.Uri, source: KernelChoice, run: (entry: Entry) => Promise<KernelSession>): Promise<KernelSession> {
    const entry: Entry = { notebookUri, source, abort: new AbortController(), disposables: new DisposableStore(), state: 'launching' };
    const key = notebookUri.toString();
    this.entries.set(key, entry);
    this.changed.fire();
    entry.starting = run(entry).then(
      (session) => {
        entry.starting = undefined;
        if (entry.ended) {
          if (entry.ended === 'shutdown') void this.shutDownSession(notebookUri, session);
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

  private async findOwn(notebookUri: vscode.Uri, source: KernelChoice): Promise<RunningServer | undefined> {
    // Only the choice's own kind is listed: a Docker start never waits on a cluster, nor a pod start on Docker.
    const running = await launcherFor(this.deps.launchers, source.target).listRunning();
    return running.find((r) => r.running && r.notebookKey === notebookUri.toString() && r.owner.kind === this.deps.owner.kind && r.owner.id === this.deps.owner.id && servesChoice(r, source));
  }

  private async launch(notebook: vscode.NotebookDocument, entry: Entry): Promise<KernelSession> {
    if (!vscode.workspace.isTrusted) {
      throw new BerthError('Berth does not start kernels in an untrusted workspace: a kernel runs code and mounts the workspace folder. Trust the workspace (Workspaces: Manage Workspace Trust) to run cells.');
    }
    const running = await this.findOwn(notebook.uri, entry.source);
    if (running) return this.attach(running, entry);
    const options = this.launchOptions(notebook);
    const { source } = entry;
    const lines: string[] = [];
    this.progressLines.set(notebook.uri.toString(), lines);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Berth: starting ${source.reference}`, cancellable: true },
      async (progress, token) => {
        const cancel = token.onCancellationRequested(() => entry.abort.abort());
        try {
          const launcher = launcherFor(this.deps.launchers, source.target);
          // A pod's start is a sequence of cluster events: the notification keeps the trail (Scheduled › Pulled ›
          // Created › Started › …) and the latest line in full, so a quick step is not lost to the next one.
          const trail: string[] = [];
          const session = await launchKernel({ launcher, connector: this.deps.connector }, source.target, options, entry.abort.signal, (p) => {
            lines.push(p.message);
            if (source.kind !== 'kubernetes') return progress.report({ message: p.message });
            this.deps.log.info(`${source.reference}: ${p.message}`);
            const step = progressStep(p.message);
            if (step && trail[trail.length - 1] !== step) trail.push(step);
            progress.report({ message: `${trail.join(' › ')}${trail.length ? ' — ' : ''}${p.message}` });
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
          this.deps.log.info(`Kernel ${source.kernelspec.name} started in ${resourceName(handle.target, handle.resourceId)} (${source.reference}) for ${notebook.uri.fsPath}`);
          this.deps.onDidStartFresh(notebook.uri, source, options, handle);
          return session;
        } finally {
          cancel.dispose();
        }
      },
    );
  }

  private async attach(running: RunningServer, entry: Entry): Promise<KernelSession> {
    const id = resourceName(running.target, running.resourceId);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Berth: re-attaching to ${entry.source.reference}` }, async () => {
      const token = await this.deps.tokens.get(running.resourceId);
      const handle = await running.attach(token);
      if (!token) await this.deps.tokens.set(handle.resourceId, handle.token);
      const kernels = await this.deps.connector.listKernels(handle, entry.abort.signal);
      const kernel = kernels.find((k) => k.name === entry.source.kernelspec.name) ?? kernels[0];
      const session = kernel ? await this.deps.connector.connectKernel(handle, kernel.id, entry.abort.signal) : await this.deps.connector.startKernel(handle, entry.source.kernelspec.name, entry.abort.signal);
      this.deps.log.info(`Re-attached to ${kernel ? `kernel ${kernel.id}` : 'a new kernel'} in ${id} (${entry.source.reference})`);
      return session;
    });
  }

  private launchOptions(notebook: vscode.NotebookDocument): LaunchOptions {
    const folder = vscode.workspace.getWorkspaceFolder(notebook.uri)?.uri;
    const workspaceFolder = folder?.scheme === 'file' ? folder.fsPath : undefined;
    return {
      notebookPath: notebook.uri.scheme === 'file' ? notebook.uri.fsPath : undefined,
      notebookKey: notebook.uri.toString(),
      workspaceFolder,
      env: parseKernelEnv(this.deps.config.kernelEnv(notebook.uri)),
      extraMounts: parseKernelMounts(this.deps.config.kernelMounts(notebook.uri), workspaceFolder),
      owner: this.deps.owner,
      keepAlive: this.deps.config.kernelKeepAlive(notebook.uri),
      idleTimeoutS: this.deps.config.kernelIdleTimeout(notebook.uri),
    };
  }

  private wire(entry: Entry, session: KernelSession): void {
    entry.session = session;
    entry.state = session.status;
    const server = session.server;
    const prefix = `[${server.target.kind === 'kubernetes' ? server.resourceId : server.resourceId.replace(/^sha256:/, '').slice(0, 12)}]`;
    entry.disposables.add(server.followLogs((line) => this.deps.log.info(`${prefix} ${line}`)));
    entry.disposables.add(
      session.onDidChangeStatus((status) => {
        entry.state = status;
        if (status !== 'dead') entry.announced = false;
        this.changed.fire();
        if (status === 'dead') this.announceDeath(entry, 'The kernel died');
      }),
    );
    entry.disposables.add(
      server.onDidExit(({ reason }) => {
        entry.serverGone = reason;
        this.changed.fire();
        this.announceDeath(entry, `The kernel's ${server.target.kind === 'kubernetes' ? 'pod' : 'container'} is gone (${reason})`);
      }),
    );
    this.changed.fire();
  }

  /** A kernel or container that died, told once, with a way back. */
  announceDeath(notebookUriOrEntry: vscode.Uri | Entry, what: string): void {
    const entry = notebookUriOrEntry instanceof vscode.Uri ? this.entries.get(notebookUriOrEntry.toString()) : notebookUriOrEntry;
    if (!entry || entry.announced) return;
    entry.announced = true;
    this.deps.log.warn(`${what}: ${entry.notebookUri.fsPath}`);
    void vscode.window.showErrorMessage(`${what} (${path.basename(entry.notebookUri.path)}, ${entry.source.reference}).`, 'Restart').then((choice) => {
      if (choice === 'Restart') void this.restart(entry.notebookUri).catch((error: unknown) => this.reportError('Restart failed', error));
    });
  }

  async interrupt(notebookUri: vscode.Uri): Promise<void> {
    const entry = this.entries.get(notebookUri.toString());
    if (!entry?.session || entry.serverGone) return;
    this.deps.log.info(`Interrupting the kernel of ${notebookUri.fsPath}`);
    await entry.session.interrupt();
  }

  /** Same container, fresh kernel; if the container is gone, a new one. Outputs stay in the notebook. */
  async restart(notebookUri: vscode.Uri): Promise<void> {
    const key = notebookUri.toString();
    const entry = this.entries.get(key);
    if (!entry) throw new BerthError('No Berth kernel runs for this notebook: run a cell to start one.');
    if (entry.starting) await entry.starting.catch(() => undefined);
    if (entry.session && !entry.serverGone) {
      const session = entry.session;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Berth: restarting the kernel (${entry.source.reference})` }, () => session.restart());
      entry.announced = false;
      this.deps.log.info(`Kernel of ${notebookUri.fsPath} restarted`);
      return;
    }
    const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === key);
    await this.shutdown(notebookUri);
    if (notebook) await this.session(notebook, entry.source);
  }

  /** Ends the kernel and removes its container. */
  async shutdown(notebookUri: vscode.Uri): Promise<void> {
    const key = notebookUri.toString();
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.ended = 'shutdown';
    this.forget(key);
    // A start in progress is cancelled; if it finishes anyway, begin() shuts its kernel down.
    entry.abort.abort();
    if (entry.session) await this.shutDownSession(notebookUri, entry.session);
  }

  private async shutDownSession(notebookUri: vscode.Uri, session: KernelSession): Promise<void> {
    const resourceId = session.server.resourceId;
    try {
      // A kernel that no longer answers must not keep its container alive: ask politely, briefly.
      await withTimeout(session.shutdown(), SHUTDOWN_GRACE_MS, 'the kernel did not answer the shutdown request');
    } catch (error) {
      session.dispose();
      this.deps.log.warn(`Shutting the kernel down failed (${errorMessage(error)}); removing its container anyway`);
    } finally {
      // shutdown() removes the container; dispose() makes sure even when the kernel no longer answered.
      const what = resourceName(session.server.target, resourceId);
      await session.server.dispose().catch((error: unknown) => this.deps.log.warn(`Removing ${what} failed: ${errorMessage(error)}`));
      await this.deps.tokens.delete(resourceId);
      this.deps.log.info(`Kernel of ${notebookUri.fsPath} shut down, ${what} removed`);
    }
  }

  /** Disconnects but leaves the container running (keepAlive, or a window reload). */
  detach(notebookUri: vscode.Uri): void {
    const key = notebookUri.toString();
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.ended = 'detach';
    this.forget(key);
    entry.session?.dispose();
  }

  private forget(key: string): void {
    this.entries.get(key)?.disposables.dispose();
    this.entries.delete(key);
    this.changed.fire();
  }

  private reportError(what: string, error: unknown): void {
    if (isCancellation(error)) return;
    this.deps.log.error(error instanceof Error ? error : String(error));
    void vscode.window.showErrorMessage(`${what}: ${errorMessage(error)}`);
  }

  /** Window closing or reloading: disconnect, never stop (the containers are re-attached or cleaned up later). */
  dispose(): void {
    for (const key of [...this.entries.keys()]) this.detach(vscode.Uri.parse(key));
    this.changed.dispose();
  }
}
