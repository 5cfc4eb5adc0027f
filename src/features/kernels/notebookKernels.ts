import * as path from 'path';
import * as vscode from 'vscode';
import { BerthError } from '../../core/common/errors';
import type { KernelConnector, KernelOwner, KernelSession, LaunchOptions, LaunchProgress, ServerHandle } from '../../core/kernels/api';
import type { LauncherMap } from '../../core/kernels/launchers';
import { NotebookKernels as Lifecycle, type KernelState, type NotebookKernelState, type NotebookKernelsUi, type StartProgressTask } from '../../core/kernels/notebookKernels';
import { progressStep } from '../../core/kubernetes/podFailure';
import { parseKernelEnv, parseKernelMounts } from '../../core/notebook/kernelSettings';
import { reportCommandError } from '../commandBoundary';
import type { Config } from '../config';
import type { KernelChoice } from './kernelChoice';
import type { TokenStore } from './ownership';

export type { KernelState };

export interface NotebookKernelInfo {
  readonly notebookUri: vscode.Uri;
  readonly source: KernelChoice;
  readonly controllerId: string;
  readonly state: KernelState;
  readonly resourceId?: string;
  readonly startedAtMs?: number;
  /** Pre-started and not used by a run since: closing the notebook ends it, whatever berth.kernel.keepAlive says. */
  readonly unused: boolean;
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
 * The kernel of each open notebook that runs on a Berth controller. The lifecycle is core's (core/kernels/notebookKernels,
 * shared with `berth run`); this adapts it to VS Code: notification progress with Cancel (a pod's event trail in it),
 * a pre-start's progress in the status bar, workspace trust, a death told with Restart, tokens in SecretStorage, launch options from the settings.
 */
export class NotebookKernels implements vscode.Disposable {
  private readonly kernels: Lifecycle<KernelChoice>;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(private readonly deps: NotebookKernelsDeps) {
    this.kernels = new Lifecycle<KernelChoice>({
      launchers: deps.launchers,
      connector: deps.connector,
      ui: this.ui(),
      log: deps.log,
      serverLog: deps.log,
      tokens: deps.tokens,
      owner: deps.owner,
      resumeOwnServers: true,
      launchOptions: (key) => {
        const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === key);
        return notebook && this.launchOptions(notebook);
      },
      nameOf: (key) => vscode.Uri.parse(key).fsPath,
      onDidStartFresh: (key, source, options, handle) => deps.onDidStartFresh(vscode.Uri.parse(key), source, options, handle),
    });
    this.subscription = this.kernels.onDidChange(() => this.changed.fire());
  }

  get all(): NotebookKernelInfo[] {
    return this.kernels.all.map(info);
  }

  get(notebookUri: vscode.Uri): NotebookKernelInfo | undefined {
    const kernel = this.kernels.get(notebookUri.toString());
    return kernel && info(kernel);
  }

  /** What the last start of the notebook's kernel reported, line by line. */
  progressOf(notebookUri: vscode.Uri): readonly string[] {
    return this.kernels.progressOf(notebookUri.toString());
  }

  /** The notebook's running kernel on `source`, started (or re-attached) on first use. */
  session(notebook: vscode.NotebookDocument, source: KernelChoice): Promise<KernelSession> {
    return this.kernels.session(notebook.uri.toString(), source);
  }

  /** Starts the notebook's kernel on `source` before its first run, in the status bar; a failure is only logged. */
  prestart(notebook: vscode.NotebookDocument, source: KernelChoice): Promise<void> {
    return this.kernels.prestart(notebook.uri.toString(), source);
  }

  /** Re-attaches in the background when a reloaded window selects the controller of a notebook whose container still runs. */
  async reattachIfRunning(notebook: vscode.NotebookDocument, source: KernelChoice): Promise<void> {
    await this.kernels.reattachIfRunning(notebook.uri.toString(), source).catch((error: unknown) => reportCommandError(this.deps.log, error, 'Could not re-attach to the kernel'));
  }

  /** A kernel or container that died, told once, with a way back. */
  announceDeath(notebookUri: vscode.Uri, what: string): void {
    this.kernels.announceDeath(notebookUri.toString(), what);
  }

  interrupt(notebookUri: vscode.Uri): Promise<void> {
    return this.kernels.interrupt(notebookUri.toString());
  }

  /** Same container, fresh kernel; if the container is gone, a new one. Outputs stay in the notebook. */
  restart(notebookUri: vscode.Uri): Promise<void> {
    return this.kernels.restart(notebookUri.toString());
  }

  /** Ends the kernel and removes its container. */
  shutdown(notebookUri: vscode.Uri): Promise<void> {
    return this.kernels.shutdown(notebookUri.toString());
  }

  /** Disconnects but leaves the container running (keepAlive, or a window reload). */
  detach(notebookUri: vscode.Uri): void {
    this.kernels.detach(notebookUri.toString());
  }

  private ui(): NotebookKernelsUi<KernelChoice> {
    const { log } = this.deps;
    return {
      withStartProgress: async <T>(task: StartProgressTask, run: (report: (p: LaunchProgress) => void, signal: AbortSignal) => Promise<T>): Promise<T> =>
        task.quiet
          ? // Nobody waits on a pre-start yet: the status bar, and the log for a pod's events. A run that comes meanwhile
            // shows the start as a notification with Cancel (core hands it the progress so far).
            // It has no Cancel of its own: closing the notebook or picking another kernel stops it (core aborts it).
            vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: task.title }, (progress) =>
              run((p) => {
                if (task.target.kind === 'kubernetes') log.info(`${task.reference}: ${p.message}`);
                progress.report({ message: p.message });
              }, new AbortController().signal),
            )
          : vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: task.title, cancellable: task.cancellable }, async (progress, token) => {
          const abort = new AbortController();
          const cancel = token.onCancellationRequested(() => abort.abort());
          // A pod's start is a sequence of cluster events: the notification keeps the trail (Scheduled › Pulled ›
          // Created › Started › …) and the latest line in full, so a quick step is not lost to the next one.
          const trail: string[] = [];
          const report = (p: LaunchProgress) => {
            if (task.target.kind !== 'kubernetes') return progress.report({ message: p.message });
            log.info(`${task.reference}: ${p.message}`);
            const step = progressStep(p.message);
            if (step && trail[trail.length - 1] !== step) trail.push(step);
            progress.report({ message: `${trail.join(' › ')}${trail.length ? ' — ' : ''}${p.message}` });
          };
          try {
            return await run(report, abort.signal);
          } finally {
            cancel.dispose();
          }
        }),
      withAttachProgress: (title, run) => Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, run)),
      checkTrust: () => {
        if (!vscode.workspace.isTrusted) {
          throw new BerthError('Berth does not start kernels in an untrusted workspace: a kernel runs code and mounts the workspace folder. Trust the workspace (Workspaces: Manage Workspace Trust) to run cells.');
        }
      },
      announceDeath: (kernel, what, restart) => {
        const uri = vscode.Uri.parse(kernel.key);
        log.warn(`${what}: ${uri.fsPath}`);
        void vscode.window.showErrorMessage(`${what} (${path.basename(uri.path)}, ${kernel.source.reference}).`, 'Restart').then((choice) => {
          if (choice === 'Restart') void restart().catch((error: unknown) => reportCommandError(log, error, 'Restart failed'));
        });
      },
    };
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

  /** Window closing or reloading: disconnect, never stop (the containers are re-attached or cleaned up later). */
  dispose(): void {
    this.kernels.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function info(kernel: NotebookKernelState<KernelChoice>): NotebookKernelInfo {
  return { notebookUri: vscode.Uri.parse(kernel.key), source: kernel.source, controllerId: kernel.source.id, state: kernel.state, resourceId: kernel.resourceId, startedAtMs: kernel.startedAtMs, unused: kernel.unused === true };
}
