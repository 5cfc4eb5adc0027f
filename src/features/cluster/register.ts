import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, ContextKeys, StateKeys, Views } from '../../constants';
import { BerthError } from '../../core/common/errors';
import type { ClusterModel } from '../../core/kubernetes/clusterModel';
import { kubeconfigSource, type KubeconfigSource } from '../../core/kubernetes/kubeconfig';
import { registerCommand } from '../commandBoundary';
import type { Config } from '../config';
import { ClusterTreeProvider, type ClusterNode } from './clusterTreeProvider';
import { PodDescribeDocuments, PodLogsDocuments, type LogRef } from './podDocuments';
import { PodShell } from './podShell';
import { StartKernelHere, type StartKernelHereDeps, type StartKernelHereOptions } from './startKernelHere';

export interface ClusterDeps {
  readonly model: ClusterModel;
  readonly config: Config;
  /** Berth's own state: the context and namespaces chosen in the view. Berth never writes a kubeconfig. */
  readonly state: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
  /** What Start Kernel Here on a namespace needs: the local images, Push, and the kernels feature. */
  readonly startKernel: Omit<StartKernelHereDeps, 'log'>;
}

/** Seconds a pod deleted from the view gets to stop. */
const DELETE_GRACE_SECONDS = 3;

export interface DeletePodOptions {
  /** Skip the confirmation (callers that already asked, tests). */
  readonly confirmed?: boolean;
}

type PodNode = Extract<ClusterNode, { kind: 'pod' }>;

function isPodNode(node: unknown): node is PodNode {
  return typeof node === 'object' && node !== null && (node as ClusterNode).kind === 'pod';
}

/** The Cluster view: contexts → namespaces → pods, live from watches, with the pod actions. */
export function register({ model, config, state, log, startKernel }: ClusterDeps): vscode.Disposable {
  const provider = new ClusterTreeProvider(model);
  const view = vscode.window.createTreeView(Views.cluster, { treeDataProvider: provider, showCollapseAll: true });
  const logs = new PodLogsDocuments(model, () => config.podLogTailLines, log);
  const describe = new PodDescribeDocuments(model);
  const shells = new Map<string, PodShell>();
  const startKernelHere = new StartKernelHere({ ...startKernel, log });

  const source = (): KubeconfigSource => kubeconfigSource(config.kubeconfig, process.env, os.homedir());
  const preferences = () => {
    model.setPreferences({
      context: state.get<string>(StateKeys.clusterContext) || config.kubernetesContext || undefined,
      namespace: config.kubernetesNamespace || undefined,
      chosenNamespaces: state.get<Record<string, string>>(StateKeys.clusterNamespaces) ?? {},
    });
  };

  const showState = () => {
    const s = model.configState;
    void vscode.commands.executeCommand('setContext', ContextKeys.clusterState, s.kind);
    view.message =
      s.kind === 'invalid' ? s.message : s.kind === 'none' ? `No kubeconfig at ${s.source.paths.join(', ')} (${s.source.origin === 'KUBECONFIG' ? 'from KUBECONFIG' : 'the default place'}).` : undefined;
    const active = model.activeContext;
    view.description = active ? `${active} / ${model.namespaceOf(active).namespace}` : undefined;
  };

  // Kubeconfig files change when a user logs in again or switches clusters with other tools: reread them.
  let watchers: vscode.Disposable[] = [];
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const watchFiles = (s: KubeconfigSource) => {
    watchers.forEach((w) => w.dispose());
    watchers = s.paths.map((p) => {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(p)), path.basename(p)));
      const reload = () => {
        clearTimeout(reloadTimer);
        reloadTimer = setTimeout(() => void model.load(source()), 300);
      };
      return vscode.Disposable.from(w, w.onDidChange(reload), w.onDidCreate(reload), w.onDidDelete(reload));
    });
  };
  const load = async () => {
    const s = source();
    watchFiles(s);
    preferences();
    await model.load(s);
  };

  const pickContainer = async (node: PodNode, forLogs: boolean): Promise<{ container: string; previous?: boolean } | undefined> => {
    const pod = model.pod(node.context, node.namespace, node.name);
    if (!pod) throw new BerthError(`Pod ${node.namespace}/${node.name} is gone.`);
    const containers = forLogs ? [...pod.initContainers.map((c) => ({ c, init: true })), ...pod.containers.map((c) => ({ c, init: false }))] : pod.containers.map((c) => ({ c, init: false }));
    type Item = vscode.QuickPickItem & { container: string; previous?: boolean };
    const items: Item[] = containers.flatMap(({ c, init }) => {
      const item: Item = { label: c.name, description: `${init ? 'init · ' : ''}${c.state.kind}${c.restartCount ? ` · ${c.restartCount} restarts` : ''}`, detail: c.image, container: c.name };
      return forLogs && c.restartCount > 0 ? [item, { label: `${c.name} (previous)`, description: 'the logs before the last restart', container: c.name, previous: true }] : [item];
    });
    if (items.length === 1) return items[0];
    if (items.length === 0) throw new BerthError(`Pod ${node.namespace}/${node.name} has no containers.`);
    const picked = await vscode.window.showQuickPick(items, { title: `${forLogs ? 'Show Logs' : 'Open Shell'}: pick a container of ${node.name}` });
    return picked && { container: picked.container, previous: picked.previous };
  };

  const requirePod = (node: unknown): PodNode => {
    const selected = isPodNode(node) ? node : view.selection.find(isPodNode);
    if (!selected) throw new BerthError('Pick a pod in the Cluster view first.');
    return selected;
  };

  const clientFor = (node: PodNode) => {
    const client = model.client(node.context);
    if (!client) throw new BerthError(`Context "${node.context}" is not connected.`);
    return client;
  };

  showState();
  void load();

  return vscode.Disposable.from(
    provider,
    view,
    logs,
    describe,
    { dispose: () => watchers.forEach((w) => w.dispose()) },
    { dispose: () => clearTimeout(reloadTimer) },
    model.onDidChange((change) => {
      if (change.kind === 'root') showState();
    }),
    view.onDidCollapseElement(({ element }) => {
      if (element.kind === 'namespace') model.unwatchPods(element.context, element.namespace);
    }),
    config.onDidChangeKubernetes((change) => {
      // A changed setting wins over an earlier choice in the view.
      if (change.context) void state.update(StateKeys.clusterContext, undefined);
      if (change.namespace) void state.update(StateKeys.clusterNamespaces, undefined);
      if (change.kubeconfig) void load();
      else preferences();
    }),
    registerCommand(Commands.refreshCluster, 'Refreshing the Cluster view', log, async (node?: ClusterNode) => {
      await model.refresh(source(), node?.kind === 'context' ? node.context : undefined);
    }),
    registerCommand(Commands.useContext, 'Choosing a context', log, async (node?: ClusterNode) => {
      let name = node?.kind === 'context' ? node.context : undefined;
      if (!name) {
        name = await vscode.window.showQuickPick(
          model.contexts.map((c) => c.context.name),
          { title: 'Berth: use which Kubernetes context?' },
        );
      }
      if (!name) return;
      await state.update(StateKeys.clusterContext, name);
      preferences();
      log.info(`Cluster: Berth now uses context "${name}" (kept in Berth's state; the kubeconfig is not changed)`);
    }),
    registerCommand(Commands.useNamespace, 'Choosing a namespace', log, async (node?: ClusterNode) => {
      if (node?.kind !== 'namespace') throw new BerthError('Pick a namespace in the Cluster view first.');
      const chosen = { ...(state.get<Record<string, string>>(StateKeys.clusterNamespaces) ?? {}), [node.context]: node.namespace };
      await state.update(StateKeys.clusterNamespaces, chosen);
      preferences();
    }),
    registerCommand(Commands.startKernelHere, 'Start Kernel Here', log, async (node?: ClusterNode, options?: StartKernelHereOptions) => {
      const selected = node ?? view.selection[0];
      if (selected?.kind !== 'namespace') throw new BerthError('Pick a namespace in the Cluster view first.');
      return startKernelHere.execute(selected.context, selected.namespace, options);
    }),
    registerCommand(Commands.showPodLogs, 'Show Logs', log, async (node?: unknown) => {
      const pod = requirePod(node);
      const picked = await pickContainer(pod, true);
      if (!picked) return undefined;
      const ref: LogRef = { context: pod.context, namespace: pod.namespace, pod: pod.name, container: picked.container, previous: picked.previous };
      return logs.show(ref);
    }),
    registerCommand(Commands.describePod, 'Describe', log, async (node?: unknown) => {
      const pod = requirePod(node);
      return describe.show({ context: pod.context, namespace: pod.namespace, pod: pod.name });
    }),
    registerCommand(Commands.deletePod, 'Delete pod', log, async (node?: unknown, options?: DeletePodOptions) => {
      const pod = requirePod(node);
      const client = clientFor(pod);
      if (!options?.confirmed) {
        const answer = await vscode.window.showWarningMessage(
          `Delete pod ${pod.name} in namespace ${pod.namespace}?`,
          { modal: true, detail: `Context ${pod.context}. The pod gets ${DELETE_GRACE_SECONDS} seconds to stop; a controller that owns it may start a new one.` },
          'Delete',
        );
        if (answer !== 'Delete') return false;
      }
      await client.deletePod(pod.namespace, pod.name, DELETE_GRACE_SECONDS);
      log.info(`Cluster: deleted pod ${pod.namespace}/${pod.name} (context ${pod.context}, grace ${DELETE_GRACE_SECONDS} s)`);
      return true;
    }),
    registerCommand(Commands.copyPodName, 'Copy Name', log, async (node?: unknown) => {
      const pod = requirePod(node);
      await vscode.env.clipboard.writeText(pod.name);
      vscode.window.setStatusBarMessage(`Copied ${pod.name}`, 3000);
      return pod.name;
    }),
    registerCommand(Commands.openPodShell, 'Open Shell', log, async (node?: unknown) => {
      const pod = requirePod(node);
      const client = clientFor(pod);
      const picked = await pickContainer(pod, false);
      if (!picked) return undefined;
      const shell = new PodShell(client, pod.namespace, pod.name, picked.container, log);
      const name = `${pod.name} (${picked.container})`;
      const terminal = vscode.window.createTerminal({ name, pty: shell, iconPath: new vscode.ThemeIcon('terminal') });
      shells.set(name, shell);
      terminal.show();
      return name;
    }),
    vscode.window.onDidCloseTerminal((terminal) => shells.delete(terminal.name)),
    // (context?, namespace?): the rows under that row, as if it were expanded (which connects / watches).
    registerCommand(Commands.clusterTree, 'Listing the Cluster view', log, (context?: string, namespace?: string) => provider.childRows(context, namespace)),
    registerCommand(Commands.shellTranscript, 'Reading the shell transcript', log, (name: string) => shells.get(name)?.transcript),
  );
}
