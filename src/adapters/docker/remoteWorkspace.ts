// On a remote engine a bind mount names a path on the ENGINE's machine, not this one: a workspace that is not
// there would be created empty by the engine, and the notebook would run in an empty folder. So the launcher copies
// the notebook's folder in instead, as for pods, and says so. Checked before the kernel container exists, with a container that is created and never started: `Mounts` of type bind (unlike
// `Binds`) refuse a source path that does not exist, and the archive API then tells whether the notebook is there.
import * as path from 'node:path';
import type Docker from 'dockerode';
import { BerthError } from '../../core/common/errors';
import type { HostMount, LaunchOptions } from '../../core/kernels/api';
import { workspaceLayout } from '../../core/kernels/containerSpec';
import { bindOf } from './kernelContainerSpec';
import { engineMessage, isNotFound, launchError } from './dockerErrors';

const CHECK_ROOT = '/berth-check';

/** The message for a mount source the engine's machine lacks (exported for its unit test). */
export function missingOnEngineMessage(hostPath: string, address: string): string {
  return (
    `The folder ${hostPath} is not on the Docker host ${address}: on a remote engine a mount names a path on the engine's machine. ` +
    'Put the folder there at the same path (a synced checkout or a network share).'
  );
}

/** Where each mount appears in the check container, and the notebook's path there (if it lies in a mount). */
export function checkPlan(mounts: readonly HostMount[], notebookPath: string | undefined): { targets: string[]; notebookInCheck?: string } {
  const targets = mounts.map((_, i) => `${CHECK_ROOT}/${i}`);
  if (!notebookPath) return { targets };
  for (const [i, m] of mounts.entries()) {
    const rel = path.relative(m.hostPath, notebookPath);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return { targets, notebookInCheck: path.posix.join(targets[i], ...rel.split(path.sep)) };
  }
  return { targets };
}

/** The kernel container's create body without the workspace's bind (its folder is copied in instead). */
export function withoutWorkspaceBind<T extends { HostConfig: { Binds: string[] } }>(spec: T, options: Pick<LaunchOptions, 'notebookPath' | 'workspaceFolder'>): T {
  const workspace = new Set(workspaceLayout(options).mounts.map(bindOf));
  return { ...spec, HostConfig: { ...spec.HostConfig, Binds: spec.HostConfig.Binds.filter((b) => !workspace.has(b)) } };
}

/** The folder copied in when the workspace is not on the engine's machine: the notebook's, else the workspace. */
export function folderToCopy(options: Pick<LaunchOptions, 'notebookPath' | 'workspaceFolder'>): string | undefined {
  return options.notebookPath ? path.dirname(options.notebookPath) : options.workspaceFolder;
}

/**
 * Checks the launch's mounts on a remote engine's machine. Returns why the WORKSPACE cannot be mounted (it is not
 * there, or a folder of its path lacks the notebook): the caller copies the notebook's folder in instead. A missing
 * extra mount cannot be replaced by a copy, so it throws.
 */
export async function checkMountsOnEngine(docker: Docker, image: string, options: LaunchOptions, address: string): Promise<string | undefined> {
  if (options.extraMounts.length > 0) {
    const missing = await probeMounts(docker, image, options.extraMounts, undefined, address);
    if (missing) throw new BerthError(missing);
  }
  const workspace = workspaceLayout(options).mounts;
  return workspace.length > 0 ? probeMounts(docker, image, workspace, options.notebookPath, address) : undefined;
}

/** Why `mounts` cannot be mounted on the engine's machine, or undefined when they can. */
async function probeMounts(docker: Docker, image: string, mounts: readonly HostMount[], notebookPath: string | undefined, address: string): Promise<string | undefined> {
  const plan = checkPlan(mounts, notebookPath);
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      Image: image,
      Entrypoint: ['/bin/true'],
      Cmd: [],
      NetworkDisabled: true,
      Labels: { 'berth.check': 'workspace' },
      HostConfig: { NetworkMode: 'none', Mounts: mounts.map((m, i) => ({ Type: 'bind', Source: m.hostPath, Target: plan.targets[i], ReadOnly: true })) },
    });
  } catch (error) {
    const missing = /bind source path does not exist: (.*)$/m.exec(engineMessage(error));
    if (missing) return missingOnEngineMessage(missing[1].trim(), address);
    throw launchError(error, address, 'check the workspace folder on the Docker host');
  }
  try {
    if (plan.notebookInCheck) {
      const found = await container.infoArchive({ path: plan.notebookInCheck }).then(
        () => true,
        (error: unknown) => {
          if (isNotFound(error)) return false;
          throw launchError(error, address, 'check the workspace folder on the Docker host');
        },
      );
      if (!found) {
        return `The folder ${mounts[0].hostPath} on the Docker host ${address} does not hold ${path.basename(notebookPath ?? '')}: a folder of that path exists there, but not this workspace.`;
      }
    }
    return undefined;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
