import * as path from 'path';
import * as vscode from 'vscode';
import { Settings } from '../../constants';
import { resolveBuildOptions, type BuildOptions, type BuildSettings } from '../../core/build/buildOptions';

/** The build options for a Dockerfile: `berth.build.*` as seen from its folder, with its override applied. */
export function buildOptionsFor(dockerfile: vscode.Uri): BuildOptions {
  const config = vscode.workspace.getConfiguration(Settings.section, dockerfile);
  const folder = vscode.workspace.getWorkspaceFolder(dockerfile)?.uri.fsPath ?? path.dirname(dockerfile.fsPath);
  const settings: BuildSettings = {
    args: config.get<Record<string, string>>(Settings.buildArgs, {}),
    target: config.get<string>(Settings.buildTarget, ''),
    context: config.get<string>(Settings.buildContext, ''),
  };
  return resolveBuildOptions({
    workspaceFolder: folder,
    dockerfile: dockerfile.fsPath,
    settings,
    overrides: config.get<Record<string, BuildSettings>>(Settings.buildOverrides, {}),
  });
}
