import { randomUUID } from 'crypto';
import type * as vscode from 'vscode';
import type { KernelOwner } from '../../core/kernels/api';
import type { OwnerStamp } from '../../core/kernels/ownerLiveness';

const OWNER_ID_KEY = 'berth.kernel.ownerId';

/**
 * This window's identity on the containers it starts. The id lives in workspaceState, so a reloaded window finds
 * its containers again. The pid is the extension host's parent (the VS Code server or main process), which
 * outlives a window reload: other windows use it to tell a live owner from a crashed one, so a reloaded window's
 * re-attached containers are never mistaken for orphans. `stampOf` adds this host's identity and the pid's start
 * time, so that another machine sharing the engine never judges these containers by its own pids.
 */
export function windowOwner(workspaceState: vscode.Memento, stampOf: (pid: number) => OwnerStamp = (pid) => ({ pid })): KernelOwner {
  let id = workspaceState.get<string>(OWNER_ID_KEY);
  if (!id) {
    id = `vscode-${randomUUID()}`;
    void workspaceState.update(OWNER_ID_KEY, id);
  }
  return { ...stampOf(process.ppid), kind: 'vscode', id };
}

/** Jupyter server tokens, in SecretStorage keyed by container id: never in labels, logs or workspace state. */
export class TokenStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  private key(resourceId: string): string {
    return `berth.kernel.token.${resourceId}`;
  }

  get(resourceId: string): Thenable<string | undefined> {
    return this.secrets.get(this.key(resourceId));
  }

  set(resourceId: string, token: string): Thenable<void> {
    return this.secrets.store(this.key(resourceId), token);
  }

  delete(resourceId: string): Thenable<void> {
    return this.secrets.delete(this.key(resourceId));
  }
}
