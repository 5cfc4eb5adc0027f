import * as vscode from 'vscode';
import { errorMessage } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import { ALWAYS_EXCLUDED_FOLDERS, excludedFolderNames } from '../../core/docs/docPaths';
import type { DocsIndex } from '../../core/docs/docsIndex';

/** Candidate files for the scan; DocsIndex applies the exact rule (docs/ text files, READMEs, Markdown). */
const DOC_GLOB = '**/{*.md,*.MD,*.markdown,*.mdown,*.mkd,*.Rmd,*.rmd,*.RMD,README*,readme*,Readme*,docs/**,doc/**}';

/**
 * Fills the DocsIndex from the workspace: one scan per folder (honouring files.exclude and search.exclude),
 * then one file system watcher that adds and removes single paths. Rescans only when folders or excludes change.
 */
export class DocsWorkspaceScanner implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private watchers = new Map<string, vscode.Disposable>();
  private scanGeneration = 0;

  constructor(
    private readonly index: DocsIndex,
    private readonly log: Logger,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.rescan()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('files.exclude') || e.affectsConfiguration('search.exclude')) void this.rescan();
      }),
    );
  }

  /** Scans every workspace folder anew; also the Docs view's Refresh. */
  async rescan(): Promise<void> {
    const generation = ++this.scanGeneration;
    const folders = vscode.workspace.workspaceFolders ?? [];
    const keys = new Set(folders.map((f) => f.uri.toString()));
    for (const [key, watcher] of this.watchers) {
      if (!keys.has(key)) {
        watcher.dispose();
        this.watchers.delete(key);
        this.index.removeRoot(key);
      }
    }
    await Promise.all(folders.map((folder) => this.scanFolder(folder, generation)));
  }

  private async scanFolder(folder: vscode.WorkspaceFolder, generation: number): Promise<void> {
    const key = folder.uri.toString();
    if (!this.watchers.has(key)) this.watchers.set(key, this.watch(folder));
    const globs = this.excludeGlobs(folder);
    try {
      const exclude = `{${globs.filter((g) => !/[{}]/.test(g)).join(',')}}`;
      const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, DOC_GLOB), new vscode.RelativePattern(folder, exclude));
      if (generation !== this.scanGeneration) return;
      this.index.setRoot({ key, name: folder.name }, files.map((uri) => relativePath(folder, uri)), excludedFolderNames(globs));
    } catch (error) {
      this.log.warn(`Docs view: scanning ${folder.name} failed: ${errorMessage(error)}`);
    }
  }

  private excludeGlobs(folder: vscode.WorkspaceFolder): string[] {
    const enabled = (setting: string) =>
      Object.entries(vscode.workspace.getConfiguration(setting, folder.uri).get<Record<string, unknown>>('exclude') ?? {})
        .filter(([, on]) => on === true)
        .map(([glob]) => glob);
    return [...ALWAYS_EXCLUDED_FOLDERS.map((name) => `**/${name}/**`), ...enabled('files'), ...enabled('search')];
  }

  private watch(folder: vscode.WorkspaceFolder): vscode.Disposable {
    const key = folder.uri.toString();
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'), false, true, false);
    return vscode.Disposable.from(
      watcher,
      watcher.onDidCreate((uri) => void this.created(folder, uri)),
      watcher.onDidDelete((uri) => this.index.remove(key, relativePath(folder, uri))),
    );
  }

  /**
   * A new file is one add. A new folder (created, moved or renamed in) may arrive as a single event for the
   * folder alone, so its docs are found with one scan of that folder.
   */
  private async created(folder: vscode.WorkspaceFolder, uri: vscode.Uri): Promise<void> {
    const key = folder.uri.toString();
    if (this.index.add(key, relativePath(folder, uri))) return;
    try {
      if ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) {
        const files = await vscode.workspace.findFiles(new vscode.RelativePattern(uri, DOC_GLOB));
        files.forEach((file) => this.index.add(key, relativePath(folder, file)));
      }
    } catch (error) {
      // Gone again before we looked (a temporary folder): nothing to list.
      this.log.trace(`Docs view: ${uri.fsPath} vanished before it was scanned: ${errorMessage(error)}`);
    }
  }

  dispose(): void {
    this.watchers.forEach((w) => w.dispose());
    this.watchers.clear();
    this.subscriptions.forEach((d) => d.dispose());
  }
}

function relativePath(folder: vscode.WorkspaceFolder, uri: vscode.Uri): string {
  const base = folder.uri.path.endsWith('/') ? folder.uri.path : `${folder.uri.path}/`;
  return uri.path.startsWith(base) ? uri.path.slice(base.length) : uri.path;
}
