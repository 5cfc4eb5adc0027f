import * as path from 'path';
import * as vscode from 'vscode';
import { Commands, Notebooks, Views } from '../../constants';
import { BerthError, CancelledError, errorMessage } from '../../core/common/errors';
import { formatSize, shortId } from '../../core/images/imageRows';
import type { ImageProbesModel, KernelSource } from '../../core/images/imageProbes';
import type { ImagesModel } from '../../core/images/imagesModel';
import type { FolderSyncResult, KernelConnector, ServerLauncher } from '../../core/kernels/api';
import { KernelsModel } from '../../core/kernels/kernelsModel';
import { formatBytes } from '../../core/kernels/notebookOutputs';
import { CopyLimitError } from '../../core/kubernetes/folderCopy';
import { podControllerId, type ParsedTargets } from '../../core/kubernetes/kernelTargets';
import type { PodKernelspecsModel } from '../../core/kubernetes/podKernelspecs';
import type { StartedTarget } from '../../core/kubernetes/startedTargets';
import { dispositionOf } from '../../core/notebook/kernelOwnership';
import type { OwnerStamp, ThisHost } from '../../core/kernels/ownerLiveness';
import { registerCommand } from '../commandBoundary';
import type { Config } from '../config';
import { CellRunner } from './cellRunner';
import { EnvironmentRecords } from './environmentRecords';
import { FullOutputs } from './fullOutputs';
import { KernelspecAffinity } from './kernelspecAffinity';
import { controllerId, resourceName, servesChoice, type KernelChoice } from './kernelChoice';
import { KernelControllers, selectKernelArgs } from './kernelControllers';
import { KernelPrestart } from './kernelPrestart';
import { KernelStatusBar } from './kernelStatusBar';
import { KernelsTreeProvider, rowNotebookUri, type KernelRow } from './kernelsView';
import { NotebookKernels } from './notebookKernels';
import { ServerLogs } from './serverLogs';
import { TokenStore, windowOwner } from './ownership';
import { allPodTargets, type StartedPodTargets } from './startedPodTargets';

export interface KernelsDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly config: Config;
  readonly images: ImagesModel;
  readonly probes: ImageProbesModel;
  /** Local container kernels (also probes images, and removes lapsed probe containers). */
  readonly launcher: ServerLauncher;
  /** Kernels in pods, for the targets of `berth.kubernetes.targets` and those started from the Cluster view. */
  readonly podLauncher?: ServerLauncher;
  /** The kernelspecs of pod targets that name none (one controller per kernelspec once known). */
  readonly podKernelspecs?: PodKernelspecsModel;
  /** The pod targets started from the Cluster view (Start Kernel Here), remembered per workspace. */
  readonly startedTargets: StartedPodTargets;
  readonly connector: KernelConnector;
  /** This machine: its identity on the containers this window starts, and whose owners cleanup may judge. */
  readonly host: ThisHost & { stampOf(pid: number): OwnerStamp };
}

/** What tests may read from the kernels feature (returned by activate()). */
export interface KernelsApi {
  /** Notebook URI → state of its Berth kernel, with its container id. */
  kernelOf(notebookUri: vscode.Uri): { state: string; resourceId?: string; controllerId: string } | undefined;
  /** Controller ids currently in the kernel picker. */
  controllerIds(): string[];
  readonly onDidChangeKernels: vscode.Event<void>;
  readonly onDidChangeControllers: vscode.Event<void>;
  /** What Show Logs of a kernel this window does not drive has shown so far (its last lines). */
  serverLogLines(resourceId: string): readonly string[];
  /** The Kernels view's list of servers changed (a launcher's watch saw a kernel container or pod come or go). */
  readonly onDidChangeServers: vscode.Event<unknown>;
  /** The progress lines of the notebook's last kernel start (a pod's events among them). */
  startProgress(notebookUri: vscode.Uri): readonly string[];
  /** The Kernels view's rows as it renders them: freshly listed, or (relist false) as the watches have them now. */
  kernelRows(relist?: boolean): Promise<{ readonly label: string; readonly description: string; readonly tooltip: string; readonly contextValue: string; readonly resourceId?: string }[]>;
  /** Problems in `berth.kubernetes.targets` (entries skipped), as last read. */
  targetProblems(): readonly string[];
}

/** What Sync Notebook Folder did: copied the folder, or refused it (over the size limit; nothing was copied). */
export type FolderSyncOutcome = { readonly copied: FolderSyncResult; readonly pod: string } | { readonly refused: string };

/** Starts a pod kernel for a notebook from outside the kernel picker (the Cluster view's Start Kernel Here). */
export type StartPodKernel = (target: StartedTarget, editor: vscode.NotebookEditor) => Promise<{ readonly controllerId: string }>;

/** Commands get a tree row, a notebook URI, a notebook toolbar context, or nothing (then: the active notebook). */
function notebookUriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'object' && arg !== null) {
    const a = arg as { kind?: string; notebookEditor?: { notebookUri?: vscode.Uri }; notebookUri?: vscode.Uri };
    if (a.kind === 'attached' || a.kind === 'detached') return rowNotebookUri(arg as KernelRow);
    if (a.notebookEditor?.notebookUri instanceof vscode.Uri) return a.notebookEditor.notebookUri;
    if (a.notebookUri instanceof vscode.Uri) return a.notebookUri;
  }
  return vscode.window.activeNotebookEditor?.notebook.uri;
}

/** Container kernels: the kernel sources in the picker, running cells, control, the Kernels view, re-attach and cleanup. */
export function register(deps: KernelsDeps): vscode.Disposable & { api: KernelsApi; refreshServers(): Promise<void>; startPodKernel: StartPodKernel } {
  const { context, log, config } = deps;
  const launchers = { docker: deps.launcher, ...(deps.podLauncher ? { kubernetes: deps.podLauncher } : {}) };
  // Each kind lists on its own (an unreachable cluster never hides the local containers) and follows its own watch.
  const model = new KernelsModel(launchers, log);
  void model.start();
  const owner = windowOwner(context.workspaceState, (pid) => deps.host.stampOf(pid));
  const tokens = new TokenStore(context.secrets);
  const disposables: vscode.Disposable[] = [];

  const kernels = new NotebookKernels({
    launchers,
    connector: deps.connector,
    config,
    log,
    tokens,
    owner,
    onDidStartFresh: (uri, choice, options, handle) => {
      if (choice.kind === 'docker') void records.write(uri, choice.local, options, handle);
    },
  });
  const fullOutputs = new FullOutputs(log);
  const runner = new CellRunner(kernels, fullOutputs, (notebook) => config.outputMaxBytes(notebook.uri), log);
  const controllers = new KernelControllers(deps.probes, {
    execute: (cells, notebook, controller, source) => runner.execute(cells, notebook, controller, source),
    interrupt: (notebook) => kernels.interrupt(notebook.uri),
    selectionChanged: (notebook, source, selected) => onSelection(notebook, source, selected),
  });
  const records = new EnvironmentRecords(controllers, deps.images, log);
  const prestart = new KernelPrestart(kernels, controllers, config);

  // Pod targets: one controller each; a bad entry is skipped and said once (log and a warning), never a crash.
  // Those started from the Cluster view come after the configured ones.
  let targets: ParsedTargets = { targets: [], problems: [] };
  function readTargets(): void {
    const before = targets.problems.join('\n');
    targets = config.kubernetesTargets();
    if (!deps.podLauncher && targets.targets.length) log.warn('berth.kubernetes.targets: kernels in pods are not available in this window');
    deps.podKernelspecs?.setTargets(deps.podLauncher ? allPodTargets(config, deps.startedTargets) : []);
    showPodTargets();
    if (targets.problems.length && targets.problems.join('\n') !== before) {
      targets.problems.forEach((p) => log.warn(p));
      const first = targets.problems[0];
      void vscode.window.showWarningMessage(targets.problems.length > 1 ? `${first} (and ${targets.problems.length - 1} more: see the log)` : first, 'Open Settings', 'Show Log').then((c) => {
        if (c === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettingsJson');
        else if (c === 'Show Log') log.show(true);
      });
    }
  }
  function showPodTargets(): void {
    controllers.setPodTargets(deps.podLauncher ? (deps.podKernelspecs?.entries ?? allPodTargets(config, deps.startedTargets)) : []);
  }
  readTargets();

  function onSelection(notebook: vscode.NotebookDocument, source: KernelChoice, selected: boolean): void {
    const current = kernels.get(notebook.uri);
    if (selected) {
      // Pre-started now (berth.kernel.prestart), which shuts down a kernel of another source first.
      prestart.selectionChanged(notebook, source, true);
      // A reloaded window re-selects the notebook's controller: pick up the container it left running (a pre-start
      // already does; this covers berth.kernel.prestart off).
      void kernels.reattachIfRunning(notebook, source);
      // Another Berth kernel was picked: a pre-started one no run used goes now (it did not, if nothing pre-started).
      const left = kernels.get(notebook.uri);
      if (left && left.controllerId !== source.id && left.unused) void release(notebook.uri);
    } else {
      prestart.selectionChanged(notebook, source, false);
      // The user switched this notebook to another kernel: this one is no longer needed.
      if (current && current.controllerId === source.id) void release(notebook.uri);
    }
  }

  function shownInATab(uri: vscode.Uri): boolean {
    return vscode.window.tabGroups.all.some((group) =>
      group.tabs.some((tab) => tab.input instanceof vscode.TabInputNotebook && tab.input.uri.toString() === uri.toString()),
    );
  }

  async function release(uri: vscode.Uri): Promise<void> {
    prestart.forget(uri);
    const current = kernels.get(uri);
    if (!current) {
      await removeLeftovers(uri);
      return;
    }
    // A pre-started kernel no run used holds nothing worth keeping alive.
    if (config.kernelKeepAlive(uri) && !current.unused) {
      log.info(`${uri.fsPath} closed: its kernel keeps running (berth.kernel.keepAlive)`);
      kernels.detach(uri);
      return;
    }
    log.info(current.unused ? `${uri.fsPath}: no run used its pre-started kernel: shutting it down` : `${uri.fsPath} closed: shutting its kernel down`);
    await kernels.shutdown(uri).catch((error: unknown) => log.warn(`Shutting down the kernel of ${uri.fsPath} failed: ${errorMessage(error)}`));
    await removeLeftovers(uri);
  }

  /** A container this window left running for the notebook before a reload, never attached since. */
  async function removeLeftovers(uri: vscode.Uri): Promise<void> {
    if (config.kernelKeepAlive(uri)) return;
    const leftovers = (await model.listAll()).filter((r) => r.notebookKey === uri.toString() && r.owner.id === owner.id && !r.keepAlive);
    for (const r of leftovers) {
      await r.remove().catch((error: unknown) => log.warn(`Removing ${resourceName(r.target, r.resourceId)} failed: ${errorMessage(error)}`));
      await tokens.delete(r.resourceId);
    }
  }

  async function cleanUpOrphans(): Promise<void> {
    const open = new Set(vscode.workspace.notebookDocuments.map((n) => n.uri.toString()));
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputNotebook) open.add(tab.input.uri.toString());
      }
    }
    const me = { ownerId: owner.id, host: deps.host, isNotebookOpen: (key: string) => open.has(key) };
    for (const server of await model.listAll()) {
      const disposition = dispositionOf(server, me);
      if (disposition === 'orphan') {
        const what = resourceName(server.target, server.resourceId);
        log.info(`Removing orphaned kernel ${what} (${server.target.image}, ${server.finished ? 'finished' : `owner ${server.owner.kind} pid ${server.owner.pid} is gone`})`);
        await server.remove().catch((error: unknown) => log.warn(`Removing ${what} failed: ${errorMessage(error)}`));
        await tokens.delete(server.resourceId);
      } else if (disposition === 'mine') {
        const id = server.target.kind === 'docker' ? controllerId(server.target.image, server.target.kernelspec) : controllers.choices.find((c) => servesChoice(server, c))?.id;
        if (id) preferRunning.set(server.notebookKey, id);
      }
    }
    applyPreferences();
    const probes = await deps.launcher.removeLapsedProbes?.(deps.host).catch((error: unknown) => log.warn(`Removing leftover probe containers failed: ${errorMessage(error)}`));
    if (probes) log.info(`Removed ${probes} leftover probe container(s)`);
  }

  /** Notebook → controller of a container this workspace left running: preselected once the controller exists. */
  const preferRunning = new Map<string, string>();
  function applyPreferences(): void {
    for (const notebook of vscode.workspace.notebookDocuments) {
      const id = preferRunning.get(notebook.uri.toString());
      const found = id && controllers.get(id);
      if (found) {
        found.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
        preferRunning.delete(notebook.uri.toString());
      }
    }
  }

  async function selectKernel(): Promise<void> {
    const editor = vscode.window.activeNotebookEditor;
    if (!editor || editor.notebook.notebookType !== Notebooks.type) {
      throw new BerthError('Open a Jupyter notebook (.ipynb) first, then select a container kernel for it.');
    }
    let choices = controllers.choices;
    if (choices.length === 0 && deps.probes.checking) {
      // Right after the window opens (or the engine changes) the images are still being listed and probed, which
      // over ssh:// takes seconds: wait for the first usable one, or for the checks to end, with progress.
      choices = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Checking the images on ${deps.images.state.address} for Jupyter…`, cancellable: true },
        (_, token) => firstChoices(token),
      );
    }
    if (choices.length === 0) {
      const state = deps.images.state;
      throw new BerthError(
        state.kind === 'unreachable'
          ? `No Docker Engine answers at ${state.address}: start Docker to list container kernels.`
          : 'No local image can serve Jupyter yet (images are still being checked, or none has jupyter-server / JupyterLab / Notebook). Build or pull one, e.g. with python3-ipykernel and jupyter-server.',
      );
    }
    const picked = await vscode.window.showQuickPick(
      choices.map((c) => {
        const found = controllers.get(c.id)?.controller;
        return {
          label: found?.label ?? c.reference,
          description: c.kind === 'docker' ? c.kernelspec.displayName : (c.pod.name ?? 'Kubernetes pod'),
          detail: c.kind === 'docker' ? `${formatSize(c.local.image.sizeBytes)} · ${shortId(c.local.image.id)}` : c.pod.detail,
          id: c.id,
        };
      }),
      { title: 'Select Container Kernel', placeHolder: 'Image to run this notebook in', matchOnDescription: true, matchOnDetail: true },
    );
    if (!picked) return;
    await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, ...selectKernelArgs(picked.id) });
  }

  /**
   * Settles once `decide` gives a value (or throws) as the images, their probes and the controllers change;
   * cancellable. Both waits for the image checks after the window opens or a build use it.
   */
  function untilImages<T>(token: vscode.CancellationToken, decide: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const subscriptions: vscode.Disposable[] = [];
      const settle = (done: () => void) => {
        subscriptions.forEach((d) => d.dispose());
        done();
      };
      const check = () => {
        try {
          const value = decide();
          if (value !== undefined) settle(() => resolve(value));
        } catch (error) {
          settle(() => reject(error));
        }
      };
      subscriptions.push(
        controllers.onDidChange(check),
        deps.images.onDidChange(check),
        deps.probes.onDidChange(check),
        token.onCancellationRequested(() => settle(() => reject(new CancelledError()))),
      );
      check();
    });
  }

  /** The kernel choices once one exists or no image is left to check (an empty list then); cancellable. */
  function firstChoices(token: vscode.CancellationToken): Promise<KernelChoice[]> {
    return untilImages(token, () => {
      const choices = controllers.choices;
      return choices.length > 0 || !deps.probes.checking ? choices : undefined;
    });
  }

  /**
   * "Use as kernel" after a build: selects the image's Berth kernel for a notebook. A new image is probed in the
   * background first, so wait (with progress) until the probe says whether it can serve Jupyter.
   */
  async function selectForNotebook(imageRef: unknown, notebookUri: unknown): Promise<void> {
    if (typeof imageRef !== 'string' || !(notebookUri instanceof vscode.Uri)) {
      throw new BerthError('Use as kernel needs an image reference and a notebook.');
    }
    const source = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checking ${imageRef} for Jupyter…`, cancellable: true },
      (_, token) => kernelSourceFor(imageRef, token),
    );
    const editor = await vscode.window.showNotebookDocument(await vscode.workspace.openNotebookDocument(notebookUri));
    await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, ...selectKernelArgs(controllerId(source.reference, source.kernelspec.name)) });
  }

  function kernelSourceFor(imageRef: string, token: vscode.CancellationToken): Promise<KernelSource> {
    return untilImages(token, () => {
      const found = deps.probes.sources.find((s) => s.reference === imageRef);
      if (found) return found;
      const state = deps.images.state;
      const image = state.kind === 'ready' ? state.images.find((i) => i.tags.includes(imageRef)) : undefined;
      const probe = image && deps.probes.stateOf(image.id);
      if (probe?.kind === 'unusable' || probe?.kind === 'failed') throw new BerthError(`${imageRef} cannot be a notebook kernel: ${probe.reason}`);
      return undefined;
    });
  }

  /**
   * Start Kernel Here: the target becomes (and stays, across reloads) a kernel picker entry, is selected for the
   * notebook, and its kernel starts now, with the usual progress and Cancel. A failed start is thrown to the caller.
   */
  async function startPodKernel(target: StartedTarget, editor: vscode.NotebookEditor): Promise<{ controllerId: string }> {
    if (!deps.podLauncher) throw new BerthError('Kernels in pods are not available in this window.');
    // Remembering it fires the change that makes its controller (readTargets).
    await deps.startedTargets.remember(target);
    const id = podControllerId(target);
    const found = controllers.get(id);
    if (!found) throw new BerthError(`Berth could not make a kernel of ${target.image} on ${target.context}/${target.namespace}: see the log.`);
    await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, ...selectKernelArgs(id) });
    await kernels.session(editor.notebook, found.choice);
    return { controllerId: id };
  }

  /** Sync Notebook Folder: the notebook's folder copied into its kernel pod again, with progress and Cancel. */
  async function syncFolder(arg: unknown): Promise<FolderSyncOutcome | undefined> {
    const uri = notebookUriOf(arg);
    const info = uri && kernels.get(uri);
    const notebook = uri && vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri.toString());
    if (!uri || !info || !notebook) throw new BerthError('This notebook has no Berth kernel: run a cell on a "Berth: IMAGE on CONTEXT/NAMESPACE" kernel first.');
    if (uri.scheme !== 'file') throw new BerthError('Only a notebook saved on disk has a folder to sync: save it first.');
    if (info.state === 'launching') throw new BerthError('The kernel is still starting: the notebook\'s folder is copied into its pod as part of the start.');
    if (info.state === 'dead') throw new BerthError('The kernel is gone: restart it (Berth: Restart Kernel), which copies the folder into a new pod.');
    const server = (await kernels.session(notebook, info.source)).server;
    if (!server.syncFolder) {
      throw new BerthError('This notebook\'s kernel runs in a local container, which sees the notebook\'s folder itself: there is nothing to sync.');
    }
    const sync = server.syncFolder.bind(server);
    const folder = path.dirname(uri.fsPath);
    const pod = resourceName(server.target, server.resourceId);
    try {
      const copied = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Berth: syncing ${path.basename(folder)} to ${pod}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const cancel = token.onCancellationRequested(() => abort.abort());
          let reported = 0;
          try {
            return await sync(folder, abort.signal, ({ done, total, path: file }) => {
              const percent = Math.floor((done / total) * 100);
              progress.report({ message: `${done + 1}/${total} ${file}`, increment: percent - reported });
              reported = percent;
            });
          } finally {
            cancel.dispose();
          }
        },
      );
      const files = `${copied.files} file${copied.files === 1 ? '' : 's'} (${formatBytes(copied.totalBytes)})`;
      log.info(`Synced ${files} of ${folder} into ${pod}`);
      void vscode.window.showInformationMessage(`Copied ${files} of ${vscode.workspace.asRelativePath(vscode.Uri.file(folder), false)} into ${pod}; files only the pod has are left as they are.`);
      return { copied, pod: server.resourceId };
    } catch (error) {
      if (!(error instanceof CopyLimitError)) throw error;
      // Not a failure of Berth's: the folder is too big to copy. Said once; the pod keeps what it had.
      log.warn(error.message);
      void vscode.window.showErrorMessage(error.message);
      return { refused: error.message };
    }
  }

  async function requireKernelFor(arg: unknown): Promise<vscode.Uri> {
    const uri = notebookUriOf(arg);
    if (!uri || !kernels.get(uri)) throw new BerthError('This notebook has no running Berth kernel: run a cell on a "Berth: …" kernel first.');
    return uri;
  }

  const tree = new KernelsTreeProvider(kernels, model, owner.id);
  const serverLogs = new ServerLogs();
  const view = vscode.window.createTreeView(Views.kernels, { treeDataProvider: tree });

  disposables.push(
    controllers,
    runner,
    fullOutputs,
    kernels,
    records,
    prestart,
    new KernelspecAffinity(controllers),
    new KernelStatusBar(kernels),
    tree,
    view,
    serverLogs,
    model,
    controllers.onDidChange(applyPreferences),
    ...(deps.podKernelspecs ? [deps.podKernelspecs.onDidChange(showPodTargets)] : []),
    vscode.workspace.onDidCloseNotebookDocument((notebook) => {
      if (notebook.notebookType === Notebooks.type) void release(notebook.uri);
    }),
    // The document can outlive its last tab for minutes (VS Code keeps documents that something still references,
    // e.g. one restored after a reload): closing the last tab that shows a notebook is what the user means.
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      for (const tab of e.closed) {
        if (tab.input instanceof vscode.TabInputNotebook && tab.input.notebookType === Notebooks.type && !shownInATab(tab.input.uri)) {
          void release(tab.input.uri);
        }
      }
    }),
    registerCommand(Commands.selectKernel, 'Selecting a container kernel', log, selectKernel),
    registerCommand(Commands.selectKernelForNotebook, 'Use as kernel', log, selectForNotebook),
    registerCommand(Commands.restartKernel, 'Restarting the kernel', log, async (arg?: unknown) => kernels.restart(await requireKernelFor(arg))),
    registerCommand(Commands.interruptKernel, 'Interrupting the kernel', log, async (arg?: unknown) => kernels.interrupt(await requireKernelFor(arg))),
    registerCommand(Commands.shutdownKernel, 'Shutting the kernel down', log, async (arg?: unknown) => {
      if (typeof arg === 'object' && arg !== null && (arg as KernelRow).kind === 'detached') {
        const row = arg as Extract<KernelRow, { kind: 'detached' }>;
        const why = row.server.keepAlive ? 'is kept alive' : row.ownedByThisWindow ? 'is not attached to an open notebook' : 'belongs to another VS Code window';
        const ok = await vscode.window.showWarningMessage(`The kernel ${resourceName(row.server.target, row.server.resourceId)} ${why}. Stop and remove it?`, { modal: true }, 'Stop');
        if (ok !== 'Stop') return;
        await row.server.remove();
        await tokens.delete(row.server.resourceId);
        await tree.refresh();
        return;
      }
      await kernels.shutdown(await requireKernelFor(arg));
    }),
    // A kernel this window drives logs into Berth's log; another (kept alive, another window's) gets its own channel.
    registerCommand(Commands.showKernelLogs, 'Show Kernel Logs', log, (arg?: unknown) => {
      const row = arg as KernelRow | undefined;
      if (row?.kind === 'detached' && row.server.followLogs) return serverLogs.show(row.server);
      log.show(true);
      return undefined;
    }),
    registerCommand(Commands.revealKernelNotebook, 'Opening the notebook', log, async (arg?: unknown) => {
      const uri = notebookUriOf(arg);
      if (!uri) return;
      await vscode.window.showNotebookDocument(await vscode.workspace.openNotebookDocument(uri));
    }),
    registerCommand(Commands.refreshKernels, 'Refreshing the Kernels view', log, () => tree.refresh()),
    config.onDidChangeKubernetes((change) => {
      if (change.targets || change.kubeconfig) {
        readTargets();
        void model.rewatch('kubernetes');
      }
    }),
    deps.startedTargets.onDidChange(() => {
      readTargets();
      void model.rewatch('kubernetes');
    }),
    registerCommand(Commands.syncNotebookFolder, 'Sync Notebook Folder', log, syncFolder),
  );
  void cleanUpOrphans().catch((error: unknown) => log.warn(`Cleaning up Berth containers failed: ${errorMessage(error)}`));

  const api: KernelsApi = {
    kernelOf: (uri) => {
      const k = kernels.get(uri);
      return k && { state: k.state, resourceId: k.resourceId, controllerId: k.controllerId };
    },
    controllerIds: () => controllers.choices.map((c) => c.id),
    startProgress: (uri) => kernels.progressOf(uri),
    kernelRows: async (relist = true) => {
      if (relist) await tree.refresh();
      return tree.getChildren().map((row) => {
        const item = tree.getTreeItem(row);
        const text = (v: string | vscode.TreeItemLabel | vscode.MarkdownString | boolean | undefined) => (typeof v === 'string' ? v : v && typeof v === 'object' && 'label' in v ? v.label : v && typeof v === 'object' ? v.value : '');
        return { label: text(item.label), description: text(item.description), tooltip: text(item.tooltip), contextValue: item.contextValue ?? '', resourceId: row.kind === 'attached' ? row.kernel.resourceId : row.server.resourceId };
      });
    },
    targetProblems: () => targets.problems,
    onDidChangeKernels: kernels.onDidChange,
    onDidChangeControllers: controllers.onDidChange,
    onDidChangeServers: model.onDidChange,
    serverLogLines: (id) => serverLogs.recentLines(id),
  };
  // The Docker host setting changed (the engine switched): its containers are another engine's now.
  const refreshServers = () => model.refresh('docker');
  return Object.assign(vscode.Disposable.from(...disposables.reverse()), { api, refreshServers, startPodKernel });
}
