import * as path from 'path';
import * as vscode from 'vscode';
import { Commands, KernelViewItems } from '../../constants';
import type { Disposable } from '../../core/common/lifecycle';
import { shortId } from '../../core/images/imageRows';
import type { RunningServer } from '../../core/kernels/api';
import type { KernelsModel } from '../../core/kernels/kernelsModel';
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
 * Tree data for the Kernels view, which only renders: this window's kernels (live from their status events) and
 * the other running Berth kernels of the KernelsModel (kept alive, or another window's), which each launcher's
 * watch keeps current. A kernel going busy or idle re-renders the rows and lists nothing.
 */
export class KernelsTreeProvider implements vscode.TreeDataProvider<KernelRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: Disposable[] = [];

  constructor(
    private readonly kernels: NotebookKernels,
    private readonly model: KernelsModel,
    private readonly ownerId: string,
  ) {
    this.subscriptions.push(
      kernels.onDidChange(() => this.changed.fire()),
      model.onDidChange(() => this.changed.fire()),
    );
  }

  /** Lists every kind again now (the Refresh button; the watches keep it current otherwise). */
  refresh(): Promise<void> {
    return this.model.refresh();
  }

  getChildren(element?: KernelRow): KernelRow[] {
    if (element) return [];
    const attached: KernelRow[] = this.kernels.all.map((kernel) => ({ kind: 'attached', kernel }));
    const attachedIds = new Set(this.kernels.all.map((k) => k.resourceId));
    const detached: KernelRow[] = this.model.servers
      .filter((r) => r.running && !attachedIds.has(r.resourceId))
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
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}
