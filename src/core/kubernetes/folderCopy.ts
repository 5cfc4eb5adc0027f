// What of the notebook's folder is copied into a kernel pod, and the size limit. Pure: the adapter walks the
// disk and uploads; the rules (what is skipped, the order, the limit and its message) live and are tested here.
import { BerthError } from '../common/errors';
import { formatBytes } from '../kernels/notebookOutputs';

export const DEFAULT_COPY_LIMIT_BYTES = 100 * 1024 * 1024;

export interface FolderEntry {
  /** Relative to the copied folder, `/`-separated. */
  readonly path: string;
  readonly kind: 'file' | 'directory' | 'symlink' | 'other';
  readonly size: number;
}

export interface CopyPlan {
  /** Folders to create, parents first. */
  readonly directories: readonly string[];
  readonly files: readonly { readonly path: string; readonly size: number }[];
  readonly totalBytes: number;
}

export class CopyLimitError extends BerthError {}

/**
 * Regular files and folders are copied; hidden entries (a name starting with `.`, such as .git or .venv and
 * everything under them), symlinks and special files are not. Over `limitBytes` in total, nothing is copied
 * and the error names the limit.
 */
export function planFolderCopy(folder: string, entries: readonly FolderEntry[], limitBytes: number): CopyPlan {
  const kept = entries.filter((e) => !e.path.split('/').some((part) => part.startsWith('.')));
  const directories = kept.filter((e) => e.kind === 'directory').map((e) => e.path).sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  const files = kept.filter((e) => e.kind === 'file').map((e) => ({ path: e.path, size: e.size })).sort((a, b) => a.path.localeCompare(b.path));
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  if (totalBytes > limitBytes) {
    throw new CopyLimitError(
      `The notebook's folder ${folder} holds ${formatBytes(totalBytes)} in ${files.length} files, over the limit of ${formatBytes(limitBytes)} for copying it into the kernel pod: move data to a volume or a smaller folder, or raise the limit (berth.kubernetes.copyLimitMB in VS Code, --copy-limit for berth run)`,
    );
  }
  return { directories, files, totalBytes };
}

function depth(p: string): number {
  return p.split('/').length;
}
