import * as vscode from 'vscode';
import type { ClusterChange, ClusterModel } from '../../core/kubernetes/clusterModel';
import {
  contextChildren,
  contextRow,
  contextRowId,
  namespaceChildren,
  namespaceRow,
  namespaceRowId,
  podRow,
  podRowId,
  type ClusterRow,
  type MessageRow,
} from '../../core/kubernetes/clusterRows';

/**
 * A tree element: a stable handle (the same object for the same id while it is shown), so a model change can
 * refresh exactly the rows it touches. What a row says is computed from the model when VS Code asks.
 */
export type ClusterNode =
  | { readonly kind: 'context'; readonly id: string; readonly context: string }
  | { readonly kind: 'namespace'; readonly id: string; readonly context: string; readonly namespace: string }
  | { readonly kind: 'pod'; readonly id: string; readonly context: string; readonly namespace: string; readonly name: string }
  | { readonly kind: 'message'; readonly id: string; row: MessageRow; readonly parent?: ClusterNode };

/** Model changes arrive in bursts (a relist, a rollout): one tree update per burst. */
const BATCH_MS = 50;
/** Ages on pod rows ("5m") are refreshed this often while pods are shown. */
const AGE_REFRESH_MS = 60000;

export class ClusterTreeProvider implements vscode.TreeDataProvider<ClusterNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ClusterNode | ClusterNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly nodes = new Map<string, ClusterNode>();
  private readonly parents = new Map<string, ClusterNode | undefined>();
  private pending = new Set<ClusterNode>();
  private pendingAll = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly ageTimer: ReturnType<typeof setInterval>;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly model: ClusterModel) {
    this.subscription = model.onDidChange((change) => this.onModelChange(change));
    this.ageTimer = setInterval(() => this.refreshAges(), AGE_REFRESH_MS);
  }

  private onModelChange(change: ClusterChange): void {
    switch (change.kind) {
      case 'root':
        this.pendingAll = true;
        break;
      case 'context':
        this.queue(this.nodes.get(contextRowId(change.context)));
        break;
      case 'pods':
        this.queue(this.nodes.get(namespaceRowId(change.context, change.namespace)));
        break;
      case 'pod':
        this.queue(this.nodes.get(podRowId(change.context, change.namespace, change.name)) ?? this.nodes.get(namespaceRowId(change.context, change.namespace)));
        break;
    }
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private queue(node: ClusterNode | undefined): void {
    // A change under a row that is not shown yet needs no update: VS Code asks when it shows it.
    if (node) this.pending.add(node);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.pendingAll) {
      this.pendingAll = false;
      this.pending.clear();
      this.changed.fire(undefined);
      return;
    }
    const nodes = [...this.pending];
    this.pending.clear();
    if (nodes.length) this.changed.fire(nodes);
  }

  private refreshAges(): void {
    const namespaces = [...this.nodes.values()].filter((n) => n.kind === 'namespace' && this.model.pods(n.context, n.namespace).pods.length > 0);
    if (namespaces.length) this.changed.fire(namespaces);
  }

  private node<T extends ClusterNode>(make: T, parent: ClusterNode | undefined): T {
    const known = this.nodes.get(make.id) as T | undefined;
    if (known && known.kind === make.kind) {
      if (known.kind === 'message') (known as { row: MessageRow }).row = (make as { row: MessageRow }).row;
      return known;
    }
    this.nodes.set(make.id, make);
    this.parents.set(make.id, parent);
    return make;
  }

  /** Forgets the nodes under `parent` that are no longer among its children. */
  private prune(parent: ClusterNode | undefined, keep: readonly ClusterNode[]): void {
    const kept = new Set(keep.map((n) => n.id));
    for (const [id, p] of this.parents) {
      if (p === parent && !kept.has(id)) this.forget(id);
    }
  }

  private forget(id: string): void {
    const node = this.nodes.get(id);
    this.nodes.delete(id);
    this.parents.delete(id);
    for (const [child, p] of this.parents) {
      if (p === node) this.forget(child);
    }
  }

  private toNodes(rows: readonly ClusterRow[], parent: ClusterNode | undefined): ClusterNode[] {
    const nodes = rows.map((row): ClusterNode => {
      switch (row.kind) {
        case 'context':
          return this.node({ kind: 'context', id: row.id, context: row.context }, parent);
        case 'namespace':
          return this.node({ kind: 'namespace', id: row.id, context: row.context, namespace: row.namespace }, parent);
        case 'pod':
          return this.node({ kind: 'pod', id: row.id, context: row.context, namespace: row.namespace, name: row.name }, parent);
        case 'message':
          return this.node({ kind: 'message', id: row.id, row, parent }, parent);
      }
    });
    this.prune(parent, nodes);
    return nodes;
  }

  /** The rows under `node` as the model has them now (also what the e2e suite reads). */
  rowsOf(node?: ClusterNode): ClusterRow[] {
    if (!node) return this.model.contexts.map(contextRow);
    if (node.kind === 'context') {
      const state = this.model.context(node.context);
      return state ? contextChildren(state) : [];
    }
    if (node.kind === 'namespace') {
      return namespaceChildren(node.context, node.namespace, this.model.pods(node.context, node.namespace), Date.now());
    }
    return [];
  }

  getChildren(node?: ClusterNode): ClusterNode[] {
    // Expanding a row is what connects a context and starts a namespace's pod watch.
    if (node?.kind === 'context') this.model.open(node.context);
    if (node?.kind === 'namespace') this.model.watchPods(node.context, node.namespace);
    return this.toNodes(this.rowsOf(node), node);
  }

  /** The rows under a context or namespace (or the root) as if it were expanded; for the e2e suite. */
  childRows(context?: string, namespace?: string): ClusterRow[] {
    let node: ClusterNode | undefined;
    if (context !== undefined && namespace !== undefined) {
      node = this.nodes.get(namespaceRowId(context, namespace)) ?? { kind: 'namespace', id: namespaceRowId(context, namespace), context, namespace };
    } else if (context !== undefined) {
      node = this.nodes.get(contextRowId(context)) ?? { kind: 'context', id: contextRowId(context), context };
    }
    if (node?.kind === 'context') this.model.open(node.context);
    if (node?.kind === 'namespace') this.model.watchPods(node.context, node.namespace);
    return this.rowsOf(node);
  }

  getParent(node: ClusterNode): ClusterNode | undefined {
    return this.parents.get(node.id);
  }

  /** The current row for a node, or undefined when its object is gone from the model. */
  rowOf(node: ClusterNode): ClusterRow | undefined {
    switch (node.kind) {
      case 'context': {
        const state = this.model.context(node.context);
        return state && contextRow(state);
      }
      case 'namespace': {
        const state = this.model.context(node.context);
        return state && namespaceRow(state, node.namespace);
      }
      case 'pod': {
        const pod = this.model.pod(node.context, node.namespace, node.name);
        return pod && podRow(node.context, pod, Date.now());
      }
      case 'message':
        return node.row;
    }
  }

  getTreeItem(node: ClusterNode): vscode.TreeItem {
    const row = this.rowOf(node);
    if (!row) {
      const gone = new vscode.TreeItem(node.kind === 'pod' ? node.name : node.id, vscode.TreeItemCollapsibleState.None);
      gone.id = node.id;
      gone.description = 'gone';
      return gone;
    }
    const collapsible =
      row.kind === 'context' || row.kind === 'namespace'
        ? row.expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(row.label, collapsible);
    item.id = row.id;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(row.icon.id, row.icon.color ? new vscode.ThemeColor(row.icon.color) : undefined);
    item.contextValue = row.contextValue;
    return item;
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.ageTimer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
