import * as vscode from 'vscode';
import { BerthError, errorMessage, isCancellation } from '../core/common/errors';

/**
 * The one policy for a command that failed: silent on cancellation; otherwise the stack goes to the log and the
 * message is shown once (a BerthError's own message, anything else as an unexpected failure), with Show Log.
 */
export function reportCommandError(log: vscode.LogOutputChannel, error: unknown, unexpected: string): void {
  if (isCancellation(error)) return;
  log.error(error instanceof Error ? error : String(error));
  const message = error instanceof BerthError ? error.message : `${unexpected}: ${errorMessage(error)}`;
  void vscode.window.showErrorMessage(message, 'Show Log').then((action) => action && log.show());
}

/** Registers a command behind that policy; `what` names the action in the message of an unexpected failure. */
export function registerCommand<A extends unknown[], R>(id: string, what: string, log: vscode.LogOutputChannel, handler: (...args: A) => R | PromiseLike<R>): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: A): Promise<R | undefined> => {
    try {
      return await handler(...args);
    } catch (error) {
      reportCommandError(log, error, `${what} failed unexpectedly`);
      return undefined;
    }
  });
}
