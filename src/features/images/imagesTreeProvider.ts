import * as vscode from 'vscode';
import { toImageRows, type ImagesViewRow } from '../../core/images/imageRows';
import type { ImagesModel } from '../../core/images/imagesModel';

/** Tree data for the Images view. All data lives in ImagesModel; this only maps rows to tree items. */
export class ImagesTreeProvider implements vscode.TreeDataProvider<ImagesViewRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private rows: ImagesViewRow[] = [];
  private readonly subscription: vscode.Disposable;

  constructor(private readonly model: ImagesModel) {
    this.update();
    this.subscription = model.onDidChange(() => this.update());
  }

  private update(): void {
    const state = this.model.state;
    this.rows = state.kind === 'ready' ? toImageRows(state.images, Date.now()) : [];
    this.changed.fire();
  }

  getChildren(element?: ImagesViewRow): ImagesViewRow[] {
    if (!element) {
      return this.rows;
    }
    return element.kind === 'untagged' ? [...element.children] : [];
  }

  getTreeItem(row: ImagesViewRow): vscode.TreeItem {
    if (row.kind === 'untagged') {
      const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = row.id;
      item.description = row.description;
      item.iconPath = new vscode.ThemeIcon('archive');
      item.contextValue = 'berth.untaggedImages';
      return item;
    }
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = row.id;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(row.tagged ? 'package' : 'circle-outline');
    item.contextValue = row.tagged ? 'berth.image' : 'berth.image.untagged';
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
