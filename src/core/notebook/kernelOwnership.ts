// Which Berth containers a VS Code window may clean up on activation. The rule protects the containers of every
// other live window (another engineer's test host, a second VS Code) and those the user keeps alive; it removes only
// what nobody can reach any more.
import type { KernelOwner } from '../kernels/api';

export interface OwnedServer {
  readonly owner: KernelOwner;
  readonly keepAlive: boolean;
  readonly notebookKey: string;
  /** False for a stopped container (or one another window has created but not started yet). */
  readonly running: boolean;
}

export interface WindowIdentity {
  /** This workspace's owner id (survives reloads). */
  readonly ownerId: string;
  readonly isPidAlive: (pid: number) => boolean;
  /** Whether the notebook is open (or restored in a tab) in this window: then it re-attaches when used. */
  readonly isNotebookOpen: (notebookKey: string) => boolean;
}

/**
 * - `mine`: this workspace's running container for an open notebook (the window was reloaded): re-attach on use.
 *   A stopped one of ours is of no use to anybody: orphan (unless kept alive).
 * - `keep`: not ours to touch (another live owner) or kept alive on purpose.
 * - `orphan`: its owner is gone and nobody will come back for it: remove.
 */
export type Disposition = 'mine' | 'keep' | 'orphan';

export function dispositionOf(server: OwnedServer, me: WindowIdentity): Disposition {
  if (server.owner.kind === 'vscode' && server.owner.id === me.ownerId) {
    if (server.running && me.isNotebookOpen(server.notebookKey)) return 'mine';
    return server.keepAlive ? 'keep' : 'orphan';
  }
  // Another live owner may be creating this very container right now (created, not yet started): hands off.
  if (server.keepAlive || me.isPidAlive(server.owner.pid)) return 'keep';
  return 'orphan';
}

/** `process.kill(pid, 0)` semantics: EPERM means the process exists but belongs to someone else. */
export function pidAliveFrom(kill: (pid: number, signal: 0) => unknown): (pid: number) => boolean {
  return (pid) => {
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
      kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
}
