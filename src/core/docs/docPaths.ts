/** What counts as a document for the Docs view and the preview. Paths are workspace-relative with `/`. */

const MARKDOWN_EXTENSIONS = ['.md', '.markdown', '.mdown', '.mkd', '.rmd'];
/** Plain-text docs that only count inside a docs/ folder or as a README. */
const TEXT_EXTENSIONS = ['.txt', '.rst', '.adoc'];

/** Folders never listed: dependencies, VCS data and tool caches full of other people's READMEs. */
export const ALWAYS_EXCLUDED_FOLDERS: readonly string[] = [
  'node_modules', '.git', '.hg', '.svn', 'bower_components', '.venv', 'venv', '__pycache__', '.Rproj.user', '.tox', 'renv',
];

export function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A Markdown or R Markdown file the preview renders as such. */
export function isMarkdownPath(path: string): boolean {
  return MARKDOWN_EXTENSIONS.includes(extensionOf(path));
}

/**
 * Whether a workspace-relative path is one of the repo's docs: README*, *.md / *.Rmd anywhere, and text docs
 * under a docs/ folder; never inside an excluded folder (the always-excluded ones plus `excludedFolders`).
 */
export function isDocPath(path: string, excludedFolders: ReadonlySet<string> = new Set()): boolean {
  const segments = path.split('/').filter((s) => s.length > 0);
  if (segments.length === 0) return false;
  const folders = segments.slice(0, -1);
  if (folders.some((f) => ALWAYS_EXCLUDED_FOLDERS.includes(f) || excludedFolders.has(f))) return false;
  const name = segments[segments.length - 1];
  const ext = extensionOf(name);
  if (MARKDOWN_EXTENSIONS.includes(ext)) return true;
  const isReadme = /^readme(\.|$)/i.test(name);
  const inDocsFolder = folders.some((f) => f.toLowerCase() === 'docs' || f.toLowerCase() === 'doc');
  return (isReadme || inDocsFolder) && (ext === '' || TEXT_EXTENSIONS.includes(ext));
}

/**
 * Folder names from exclude globs of the simple shapes `name`, `**\/name`, `name/**`, `**\/name/**` (the
 * shapes files.exclude and search.exclude use for folders), so files created later are filtered like the
 * initial scan; other globs only reach the scan.
 */
export function excludedFolderNames(globs: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const glob of globs) {
    const name = glob.replace(/^\*\*\//, '').replace(/\/\*\*$/, '');
    if (/^[^*?/{}[\]]+$/.test(name)) names.add(name);
  }
  return names;
}
