import { Emitter } from '../common/event';
import type { Disposable } from '../common/lifecycle';
import { isDocPath } from './docPaths';
import { buildDocsTree, type DocsTreeNode } from './docsTree';

export interface DocsRoot {
  /** Stable key of the workspace folder (its URI). */
  readonly key: string;
  readonly name: string;
}

/**
 * The repo's docs per workspace folder, kept up to date incrementally (a scan, then one add/remove per file
 * event). The tree shows the folder's docs directly when there is one workspace folder, a node per folder otherwise.
 */
export class DocsIndex implements Disposable {
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly roots = new Map<string, { root: DocsRoot; paths: Set<string>; excluded: ReadonlySet<string> }>();

  /** Replaces a folder's docs with a fresh scan. */
  setRoot(root: DocsRoot, paths: Iterable<string>, excludedFolders: ReadonlySet<string> = new Set()): void {
    const docs = new Set([...paths].filter((p) => isDocPath(p, excludedFolders)));
    this.roots.set(root.key, { root, paths: docs, excluded: excludedFolders });
    this.changed.fire();
  }

  removeRoot(key: string): void {
    if (this.roots.delete(key)) this.changed.fire();
  }

  /** A file appeared; returns whether it is a doc the view now lists. */
  add(rootKey: string, path: string): boolean {
    const entry = this.roots.get(rootKey);
    if (!entry || entry.paths.has(path) || !isDocPath(path, entry.excluded)) return false;
    entry.paths.add(path);
    this.changed.fire();
    return true;
  }

  /** A file or folder went away: drops the path and everything under it. */
  remove(rootKey: string, path: string): boolean {
    const entry = this.roots.get(rootKey);
    if (!entry) return false;
    const prefix = `${path}/`;
    const gone = [...entry.paths].filter((p) => p === path || p.startsWith(prefix));
    gone.forEach((p) => entry.paths.delete(p));
    if (gone.length > 0) this.changed.fire();
    return gone.length > 0;
  }

  paths(rootKey: string): string[] {
    return [...(this.roots.get(rootKey)?.paths ?? [])].sort();
  }

  tree(): DocsTreeNode[] {
    const entries = [...this.roots.values()];
    if (entries.length === 1) return buildDocsTree(entries[0].root.key, entries[0].paths);
    return entries.map(({ root, paths }) => ({
      kind: 'folder',
      id: `${root.key}:`,
      label: root.name,
      root: root.key,
      path: '',
      children: buildDocsTree(root.key, paths),
    }));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
