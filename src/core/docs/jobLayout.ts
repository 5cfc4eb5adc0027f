// Where a knit or export job sees the files: the workspace folder at /workspace (as for kernels), the document's
// folder as the working directory, and the output folder mapped in (mounted on its own when it lies outside).
import * as path from 'node:path';
import type { HostMount } from '../kernels/api';
import { CONTAINER_WORKSPACE, workspaceLayout } from '../kernels/containerSpec';

/** Where an output folder outside the workspace folder appears inside the container. */
export const CONTAINER_OUTPUT = '/berth-out';

export interface JobLayout {
  readonly mounts: readonly HostMount[];
  /** The document's folder inside the container. */
  readonly cwd: string;
  /** The output folder inside the container. */
  readonly outDir: string;
  /** The host path of a path inside the container, or undefined when it is in no mount. */
  toHost(containerPath: string): string | undefined;
  /** The container path of a host path, or undefined when it is in no mount. */
  toContainer(hostPath: string): string | undefined;
}

export function jobLayout(documentPath: string, workspaceFolder: string | undefined, outDirHost: string): JobLayout {
  const base = workspaceLayout({ notebookPath: documentPath, workspaceFolder });
  const mounts: HostMount[] = [...base.mounts];
  const toContainer = (hostPath: string): string | undefined => {
    for (const m of mounts) {
      const rel = path.relative(m.hostPath, hostPath);
      if (rel === '') return m.containerPath;
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) return path.posix.join(m.containerPath, ...rel.split(path.sep));
    }
    return undefined;
  };
  let outDir = toContainer(outDirHost);
  if (outDir === undefined) {
    mounts.push({ hostPath: outDirHost, containerPath: CONTAINER_OUTPUT });
    outDir = CONTAINER_OUTPUT;
  }
  return {
    mounts,
    cwd: base.cwd || CONTAINER_WORKSPACE,
    outDir,
    toContainer,
    toHost: (containerPath) => {
      // The most specific mount first: /berth-out is never inside /workspace, but keep the rule general.
      for (const m of [...mounts].sort((a, b) => b.containerPath.length - a.containerPath.length)) {
        const rel = path.posix.relative(m.containerPath, containerPath);
        if (rel === '') return m.hostPath;
        if (!rel.startsWith('..') && !path.posix.isAbsolute(rel)) return path.join(m.hostPath, ...rel.split('/'));
      }
      return undefined;
    },
  };
}
