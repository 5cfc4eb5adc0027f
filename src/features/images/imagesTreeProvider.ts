import * as vscode from 'vscode';
import type { BuildActivity, RunningBuild } from '../../core/build/buildActivity';
import { toImageRows, type ImageRow, type ImagesViewRow } from '../../core/images/imageRows';
import type { ImageProbesModel, ProbeState } from '../../core/images/imageProbes';
import type { ImagesModel } from '../../core/images/imagesModel';

/** A build in progress, listed above the images until it ends. */
export interface BuildingRow {
  readonly kind: 'building';
  readonly id: string;
  readonly build: RunningBuild;
}

export type ImagesTreeRow = ImagesViewRow | BuildingRow;

/**
 * Tree data for the Images view. All data lives in ImagesModel, BuildActivity and ImageProbesModel (which says
 * whether an image can serve Jupyter); this only maps rows to tree items.
 */
export class ImagesTreeProvider implements vscode.TreeDataProvider<ImagesTreeRow>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private rows: ImagesViewRow[] = [];
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly model: ImagesModel,
    private readonly builds: BuildActivity,
    private readonly probes: ImageProbesModel,
  ) {
    this.update();
    this.subscriptions = [
      model.onDidChange(() => this.update()),
      builds.onDidChange(() => this.changed.fire()),
      probes.onDidChange(() => this.changed.fire()),
    ];
  }

  private update(): void {
    const state = this.model.state;
    this.rows = state.kind === 'ready' ? toImageRows(state.images, Date.now()) : [];
    this.changed.fire();
  }

  /** The row of a tagged image (`repo:tag`), if the model lists it. */
  findTagged(reference: string): ImageRow | undefined {
    return this.rows.find((r): r is ImageRow => r.kind === 'image' && r.label === reference);
  }

  getChildren(element?: ImagesTreeRow): ImagesTreeRow[] {
    if (!element) {
      const building = this.builds.builds.map((build): BuildingRow => ({ kind: 'building', id: `build:${build.id}`, build }));
      return [...building, ...this.rows];
    }
    return element.kind === 'untagged' ? [...element.children] : [];
  }

  getParent(element: ImagesTreeRow): ImagesTreeRow | undefined {
    if (element.kind === 'image' && !element.tagged) {
      return this.rows.find((r) => r.kind === 'untagged');
    }
    return undefined;
  }

  getTreeItem(row: ImagesTreeRow): vscode.TreeItem {
    if (row.kind === 'building') {
      const item = new vscode.TreeItem(`Building ${row.build.tag}…`, vscode.TreeItemCollapsibleState.None);
      item.id = row.id;
      item.description = row.build.step || 'sending the context';
      item.tooltip = `Building ${row.build.tag} from ${row.build.dockerfile}${row.build.step ? `\n${row.build.step}` : ''}`;
      item.iconPath = new vscode.ThemeIcon('loading~spin');
      item.contextValue = 'berth.build.running';
      return item;
    }
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
    const probe = this.probes.stateOf(row.image.id);
    if (probe) {
      const { note, detail, unusable } = describeProbe(probe);
      item.description = note ? `${row.description} · ${note}` : row.description;
      item.tooltip = `${row.tooltip}\n${detail}`;
      if (unusable) {
        item.iconPath = new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
      }
    }
    return item;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

function describeProbe(state: ProbeState): { note?: string; detail: string; unusable?: boolean } {
  switch (state.kind) {
    case 'pending':
    case 'probing':
      return { note: 'checking for Jupyter…', detail: 'Checking whether the image can serve Jupyter…' };
    case 'usable':
      return { detail: `Kernels: ${state.probe.kernelspecs.map((k) => k.displayName).join(', ')}` };
    case 'unusable':
      return { note: 'no Jupyter', detail: `Cannot serve a notebook kernel: ${state.reason}`, unusable: true };
    case 'failed':
      return { note: 'check failed', detail: `Could not check for Jupyter: ${state.reason}` };
  }
}
