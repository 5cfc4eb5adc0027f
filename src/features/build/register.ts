import * as vscode from 'vscode';
import { Commands, DiagnosticCollections } from '../../constants';
import type { BuildActivity } from '../../core/build/buildActivity';
import type { ImageBuilder } from '../../core/build/imageBuilder';
import { registerCommand } from '../commandBoundary';
import { BuildImageCommand, type BuildImageOptions } from './buildImageCommand';

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
    registerCommand(command.id, 'Building the image', log, (target?: vscode.Uri, options?: BuildImageOptions | vscode.Uri[]) => command.execute(target, options)),
    // From the Images view the argument is the build's row; from elsewhere, every running build stops.
    registerCommand(Commands.cancelBuild, 'Cancelling the build', log, (row?: { build?: { id?: string } }) => activity.cancel(row?.build?.id)),
  );
}
