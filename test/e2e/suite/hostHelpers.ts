// What the pod suites of the extension host share: the extension's API, and waiting on conditions (events for
// VS Code's own state, polls with a deadline for external systems such as the cluster).
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import type { BerthApi } from '../../../src/api';

export const workspace = (): string => process.env.BERTH_E2E_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;

export async function api(): Promise<BerthApi> {
  const ext = vscode.extensions.getExtension<BerthApi>('berth.berth');
  assert.ok(ext, 'the Berth extension is not installed in the host');
  return ext.isActive ? ext.exports : await ext.activate();
}

/** Resolves when `done()` holds, re-checked on every event of `on`; fails with `what()` after `ms`. */
export function until(on: vscode.Event<unknown>[], done: () => boolean, what: () => string, ms = 180000): Promise<void> {
  return new Promise((resolve, reject) => {
    const subs: vscode.Disposable[] = [];
    const finish = (error?: Error) => {
      clearTimeout(timer);
      subs.forEach((s) => s.dispose());
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what()}`)), ms);
    const check = () => {
      try {
        if (done()) finish();
      } catch (error) {
        finish(error as Error);
      }
    };
    on.forEach((e) => subs.push(e(check)));
    check();
  });
}

/** Polls an external system with no event hook in the test (the cluster's API) until `done` holds. */
export async function poll(done: () => Promise<boolean>, what: () => Promise<string> | string, ms = 60000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${await what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
