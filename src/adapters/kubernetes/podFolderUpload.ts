// Copies the notebook's folder into the kernel pod through Jupyter's contents API (over the port-forward, with
// the server's token): no tar or exec needed in the image, and each file's answer is checked. What is copied
// and the size limit are core's rules (core/kubernetes/folderCopy.ts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BerthError, CancelledError } from '../../core/common/errors';
import { planFolderCopy, type CopyPlan, type FolderEntry } from '../../core/kubernetes/folderCopy';

async function walk(root: string, rel: string, out: FolderEntry[], signal: AbortSignal): Promise<void> {
  const dirents = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  for (const d of dirents) {
    if (signal.aborted) throw new CancelledError();
    const relPath = rel ? `${rel}/${d.name}` : d.name;
    if (d.name.startsWith('.')) continue; // never walked: planFolderCopy skips hidden entries anyway
    if (d.isDirectory()) {
      out.push({ path: relPath, kind: 'directory', size: 0 });
      await walk(root, relPath, out, signal);
    } else if (d.isFile()) {
      out.push({ path: relPath, kind: 'file', size: (await fs.stat(path.join(root, relPath))).size });
    } else {
      out.push({ path: relPath, kind: d.isSymbolicLink() ? 'symlink' : 'other', size: 0 });
    }
  }
}

/** Walks `folder` and checks the limit before anything is sent. */
export async function planUpload(folder: string, limitBytes: number, signal: AbortSignal): Promise<CopyPlan> {
  const entries: FolderEntry[] = [];
  try {
    await walk(folder, '', entries, signal);
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    throw new BerthError(`Cannot read the notebook's folder ${folder}: ${(error as Error).message}`);
  }
  return planFolderCopy(folder, entries, limitBytes);
}

function contentsUrl(baseUrl: string, rel: string): string {
  return `${baseUrl}/api/contents/${rel.split('/').map(encodeURIComponent).join('/')}`;
}

/** Creates the plan's folders, then PUTs its files one by one; `onFile` hears of each file before it is sent. */
export async function uploadFolder(folder: string, plan: CopyPlan, baseUrl: string, token: string, signal: AbortSignal, onFile?: (done: number, total: number, path: string) => void): Promise<void> {
  const put = async (rel: string, body: object) => {
    let response: Response;
    try {
      response = await fetch(contentsUrl(baseUrl, rel), { method: 'PUT', headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal });
    } catch (error) {
      if (signal.aborted) throw new CancelledError();
      throw new BerthError(`Copying ${rel} into the kernel pod failed: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let reason = text;
      try {
        reason = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: the text as is
      }
      throw new BerthError(`Copying ${rel} into the kernel pod failed: HTTP ${response.status} ${reason.split('\n')[0]}`);
    }
  };
  for (const dir of plan.directories) await put(dir, { type: 'directory' });
  for (const [i, file] of plan.files.entries()) {
    if (signal.aborted) throw new CancelledError();
    onFile?.(i, plan.files.length, file.path);
    const content = await fs.readFile(path.join(folder, ...file.path.split('/')));
    await put(file.path, { type: 'file', format: 'base64', content: content.toString('base64') });
  }
}
