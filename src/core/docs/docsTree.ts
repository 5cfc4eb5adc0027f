import { baseName } from './docPaths';

export type DocsTreeNode = DocsFolderNode | DocsFileNode;

export interface DocsFolderNode {
  readonly kind: 'folder';
  /** Stable id: the root name plus the folder path. */
  readonly id: string;
  /** Shown name; compact chains of single-child folders read `docs/guide` like the Explorer. */
  readonly label: string;
  readonly root: string;
  readonly path: string;
  readonly children: readonly DocsTreeNode[];
}

export interface DocsFileNode {
  readonly kind: 'doc';
  readonly id: string;
  readonly label: string;
  readonly root: string;
  /** Workspace-relative path with `/`. */
  readonly path: string;
}

interface MutableFolder {
  readonly folders: Map<string, MutableFolder>;
  readonly files: string[];
}

/**
 * The Docs view tree for one workspace folder: folders first, then files; README first among files, the rest
 * by name (case-insensitive, numbers in order); single-child folder chains compacted.
 */
export function buildDocsTree(root: string, paths: Iterable<string>): DocsTreeNode[] {
  const top: MutableFolder = { folders: new Map(), files: [] };
  for (const path of paths) {
    const segments = path.split('/').filter((s) => s.length > 0);
    if (segments.length === 0) continue;
    let folder = top;
    for (const segment of segments.slice(0, -1)) {
      let child = folder.folders.get(segment);
      if (!child) {
        child = { folders: new Map(), files: [] };
        folder.folders.set(segment, child);
      }
      folder = child;
    }
    if (!folder.files.includes(path)) folder.files.push(path);
  }
  return toNodes(root, '', top);
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function toNodes(root: string, prefix: string, folder: MutableFolder): DocsTreeNode[] {
  const folders = [...folder.folders.entries()]
    .sort(([a], [b]) => collator.compare(a, b))
    .map(([name, child]) => folderNode(root, prefix, name, child));
  const files = [...folder.files]
    .sort((a, b) => readmeRank(a) - readmeRank(b) || collator.compare(baseName(a), baseName(b)))
    .map((path): DocsFileNode => ({ kind: 'doc', id: `${root}:${path}`, label: baseName(path), root, path }));
  return [...folders, ...files];
}

function folderNode(root: string, prefix: string, name: string, folder: MutableFolder): DocsFolderNode {
  let label = name;
  let path = prefix ? `${prefix}/${name}` : name;
  let current = folder;
  while (current.files.length === 0 && current.folders.size === 1) {
    const [childName, child] = [...current.folders.entries()][0];
    label = `${label}/${childName}`;
    path = `${path}/${childName}`;
    current = child;
  }
  return { kind: 'folder', id: `${root}:${path}/`, label, root, path, children: toNodes(root, path, current) };
}

function readmeRank(path: string): number {
  return /^readme(\.|$)/i.test(baseName(path)) ? 0 : 1;
}
