import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { DocsIndex } from '../../core/docs/docsIndex';
import type { DocsTreeNode } from '../../core/docs/docsTree';

/** Tree data for the Docs view; the tree itself is built by DocsIndex, this maps nodes to items. */
export class DocsTreeProvider implements vscode.TreeDataProvider<DocsTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: DocsTreeNode[];
  private readonly subscription: vscode.Disposable;

  constructor(index: DocsIndex) {
    this.roots = index.tree();
    this.subscription = index.onDidChange(() => {
      this.roots = index.tree();
      this.changed.fire();
    });
  }

  getChildren(element?: DocsTreeNode): DocsTreeNode[] {
    if (!element) return this.roots;
    return element.kind === 'folder' ? [...element.children] : [];
  }

  getTreeItem(node: DocsTreeNode): vscode.TreeItem {
    const uri = docUri(node);
    if (node.kind === 'folder') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.resourceUri = uri;
      item.iconPath = vscode.ThemeIcon.Folder;
      item.contextValue = 'berth.docsFolder';
      return item;
    }
    const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.label = node.label;
    item.tooltip = node.path;
    item.iconPath = vscode.ThemeIcon.File;
    item.contextValue = 'berth.doc';
    item.command = { command: Commands.openDocsPreview, title: 'Open Docs Preview to the Side', arguments: [uri] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The file (or folder) a node stands for. */
export function docUri(node: DocsTreeNode): vscode.Uri {
  const root = vscode.Uri.parse(node.root, true);
  return node.path ? vscode.Uri.joinPath(root, node.path) : root;
}
