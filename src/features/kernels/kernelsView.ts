import * as path from 'path';
import * as vscode from 'vscode';
import { Commands, KernelViewItems } from '../../constants';
import { errorMessage } from '../../core/common/errors';
import type { Disposable } from '../../core/common/lifecycle';
import type { DockerEngine } from '../../core/docker/engine';
import { shortId } from '../../core/images/imageRows';
import type { RunningServer, ServerLauncher } from '../../core/kernels/api';
import { serverWhere } from './kernelChoice';
import type { KernelState, NotebookKernelInfo, NotebookKernels } from './notebookKernels';

/** A row of the Kernels view: a kernel this window drives, or another Berth container found by label. */
export type KernelRow =
  | { readonly kind: 'attached'; readonly kernel: NotebookKernelInfo }
  | { readonly kind: 'detached'; readonly server: RunningServer; readonly ownedByThisWindow: boolean };

export function rowNotebookUri(row: KernelRow): vscode.Uri {
  return row.kind === 'attached' ? row.kernel.notebookUri : vscode.Uri.parse(row.server.notebookKey);
}

export function formatUptime(startedAtMs: number, nowMs: number): string {
  const minutes = Math.max(0, Math.floor((nowMs - startedAtMs) / 60000));
  if (minutes < 1) return 'up <1 min';
  if (minutes < 60) return `up ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `up ${hours} h ${minutes % 60} min` : `up ${Math.floor(hours / 24)} days`;
}

const STATE_ICON: Record<KernelState, string> = {
  launching: 'loading~spin',
  starting: 'loading~spin',
  restarting: 'loading~spin',
  autorestarting: 'loading~spin',
  idle: 'vm-running',
  busy: 'vm-active',
  dead: 'error',
  disconnected: 'debug-disconnect',
};

/**
 * Tree data for the Kernels view: this window's kernels (live from session status events) and the other running
 * Berth containers (kept alive, or another window's), re-listed when the engine reports a Berth container event.
 */
export class KernelsTreeProvider implements vscode.TreeDataProvider<KernelRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private others: RunningServer[] = [];
  private readonly subscriptions: Array<vscode.Disposable | Disposable> = [];
  private relist: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  /** This window's kernels' resource ids at the last relist decision. */
  private attachedKey = '';

  constructor(
    private readonly kernels: NotebookKernels,
    private readonly launcher: Pick<ServerLauncher, 'listRunning'>,
    engine: DockerEngine,
    private readonly ownerId: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // A kernel going busy or idle only re-renders its row; the containers and pods are listed again only when this
    // window's set of kernels changes (or, for other windows', on a Docker event), not on every cell run.
    this.subscriptions.push(
      kernels.onDidChange(() => {
        const attached = this.kernels.all.map((k) => k.resourceId ?? '').join('\0');
        if (attached === this.attachedKey) {
          this.changed.fire();
        } else {
          this.attachedKey = attached;
          this.scheduleRelist();
        }
      }),
    );
    this.subscriptions.push(
      engine.watchEvents(
        (event) => {
          if (event.type === 'container' && 'berth.kernel' in event.attributes) this.scheduleRelist();
        },
        (error) => this.log.warn(`Kernels view: the Docker event stream ended (${error.message}); the list follows this window's kernels only`),
      ),
    );
    void this.refresh();
  }

  private scheduleRelist(): void {
    this.changed.fire();
    clearTimeout(this.relist);
    this.relist = setTimeout(() => void this.refresh(), 200);
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    try {
      const running = await this.launcher.listRunning();
      if (generation !== this.generation) return;
      const attached = new Set(this.kernels.all.map((k) => k.resourceId));
      this.others = running.filter((r) => r.running && !attached.has(r.resourceId));
    } catch (error) {
      this.log.warn(`Kernels view: listing Berth containers failed: ${errorMessage(error)}`);
      this.others = [];
    }
    this.changed.fire();
  }

  getChildren(element?: KernelRow): KernelRow[] {
    if (element) return [];
    const attached: KernelRow[] = this.kernels.all.map((kernel) => ({ kind: 'attached', kernel }));
    const attachedIds = new Set(this.kernels.all.map((k) => k.resourceId));
    const detached: KernelRow[] = this.others
      .filter((r) => !attachedIds.has(r.resourceId))
      .map((server) => ({ kind: 'detached', server, ownedByThisWindow: server.owner.id === this.ownerId }));
    return [...attached, ...detached];
  }

  getTreeItem(row: KernelRow): vscode.TreeItem {
    const now = Date.now();
    const uri = rowNotebookUri(row);
    const item = new vscode.TreeItem(path.basename(uri.path), vscode.TreeItemCollapsibleState.None);
    if (row.kind === 'attached') {
      const k = row.kernel;
      item.id = `kernel:${uri.toString()}`;
      item.description = [k.source.reference, k.state, k.startedAtMs ? formatUptime(k.startedAtMs, now) : undefined].filter(Boolean).join(' · ');
      const pod = k.source.kind === 'kubernetes';
      if (pod && k.resourceId) item.description = `${item.description} · ${k.resourceId.split('/').pop()}`;
      item.tooltip = [
        `${uri.fsPath}`,
        k.source.kind === 'docker' ? `Image: ${k.source.reference} (${shortId(k.source.local.image.id)})` : `Image: ${k.source.target.image}`,
        pod ? `Cluster: context ${k.source.target.context}, namespace ${k.source.target.namespace}` : undefined,
        `Kernel: ${k.source.kernelspec.displayName}, ${k.state}`,
        k.resourceId ? (pod ? `Pod: ${k.resourceId}` : `Container: ${shortId(k.resourceId)}`) : undefined,
        k.startedAtMs ? `Started: ${new Date(k.startedAtMs).toLocaleString()}` : undefined,
      ].filter(Boolean).join('\n');
      item.iconPath = new vscode.ThemeIcon(STATE_ICON[k.state]);
      item.contextValue = KernelViewItems.attached;
    } else {
      const s = row.server;
      const why = s.keepAlive ? 'kept alive' : row.ownedByThisWindow ? 'not attached' : 'another window';
      const pod = s.target.kind === 'kubernetes';
      item.id = `${pod ? 'pod' : 'container'}:${s.resourceId}`;
      item.description = [serverWhere(s), pod ? s.resourceId.split('/').pop() : undefined, why, formatUptime(s.startedAtMs, now)].filter(Boolean).join(' · ');
      item.tooltip = `${uri.scheme === 'file' ? uri.fsPath : s.notebookKey}\nImage: ${s.target.image}\n${pod ? `Pod: ${s.resourceId}` : `Container: ${shortId(s.resourceId)}`} (${why})`;
      item.iconPath = new vscode.ThemeIcon('vm-outline');
      item.contextValue = KernelViewItems.detached;
    }
    item.command = { command: Commands.revealKernelNotebook, title: 'Reveal Notebook', arguments: [row] };
    return item;
  }

  dispose(): void {
    clearTimeout(this.relist);
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}
