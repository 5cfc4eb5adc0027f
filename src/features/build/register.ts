import * as vscode from 'vscode';
import { Commands, DiagnosticCollections } from '../../constants';
import type { BuildActivity } from '../../core/build/buildActivity';
import type { ImageBuilder } from '../../core/build/imageBuilder';
import { BuildImageCommand } from './buildImageCommand';

export interface BuildDeps {
  /** A builder on the currently configured engine. */
  readonly createBuilder: () => ImageBuilder;
  readonly activity: BuildActivity;
  readonly state: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
}

/** "Berth: Build Image" with its Problems-panel diagnostics, and "Cancel Build" on a running build. */
export function register({ createBuilder, activity, state, log }: BuildDeps): vscode.Disposable {
  const diagnostics = vscode.languages.createDiagnosticCollection(DiagnosticCollections.build);
  const command = new BuildImageCommand({ createBuilder, activity, diagnostics, state, log });
  return vscode.Disposable.from(
    diagnostics,
    vscode.commands.registerCommand(command.id, command.execute, command),
    // From the Images view the argument is the build's row; from elsewhere, every running build stops.
    vscode.commands.registerCommand(Commands.cancelBuild, (row?: { build?: { id?: string } }) => activity.cancel(row?.build?.id)),
  );
}
