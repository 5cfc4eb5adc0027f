import * as vscode from 'vscode';
import { BerthError, errorMessage, isCancellation } from '../core/common/errors';

/**
 * Registers a command behind Berth's one error policy: cancellation is silent; a BerthError shows its message
 * once; anything else is shown as an unexpected failure of `what`. The stack always goes to the log.
 */
export function registerCommand<A extends unknown[], R>(id: string, what: string, log: vscode.LogOutputChannel, handler: (...args: A) => R | Promise<R>): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: A): Promise<R | undefined> => {
    try {
      return await handler(...args);
    } catch (error) {
      if (isCancellation(error)) {
        return undefined;
      }
      log.error(error instanceof Error ? error : String(error));
      const message = error instanceof BerthError ? error.message : `${what} failed unexpectedly: ${errorMessage(error)}`;
      void vscode.window.showErrorMessage(message, 'Show Log').then((action) => action && log.show());
      return undefined;
    }
  });
}
