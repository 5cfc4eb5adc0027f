// Which Berth containers a VS Code window may clean up on activation. The rule protects the containers of every
// other live window (another engineer's test host, a second VS Code) and those the user keeps alive; it removes only
// what nobody can reach any more.
import type { KernelOwner } from '../kernels/api';
import { serverResource } from '../kernels/leftovers';
import { isLapsed, ownerLiveness, type ThisHost } from '../kernels/ownerLiveness';

export interface OwnedServer {
  readonly owner: KernelOwner;
  readonly keepAlive: boolean;
  readonly notebookKey: string;
  /** False for a stopped container (or one another window has created but not started yet). */
  readonly running: boolean;
  /** Exited or dead: it will never run again. */
  readonly finished?: boolean;
  readonly startedAtMs: number;
}

export interface WindowIdentity {
  /** This workspace's owner id (survives reloads). */
  readonly ownerId: string;
  /** This machine: whose pids can be checked, and how (see core/kernels/ownerLiveness). */
  readonly host: ThisHost;
  readonly nowMs?: number;
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
  const resource = serverResource(server);
  const nowMs = me.nowMs ?? Date.now();
  // Finished: nothing can attach to an exited container, whoever started it.
  if (resource.state === 'finished') return 'orphan';
  const onThisHost = ownerLiveness(server.owner, me.host) !== 'other-host';
  if (onThisHost && server.owner.kind === 'vscode' && server.owner.id === me.ownerId) {
    if (server.running && me.isNotebookOpen(server.notebookKey)) return 'mine';
    return server.keepAlive ? 'keep' : 'orphan';
  }
  // Another live owner may be creating this very container right now (created, not yet started): hands off, unless
  // it has been only created for far too long. Another host's running container is never ours to judge.
  return isLapsed(resource, me.host, nowMs) ? 'orphan' : 'keep';
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
