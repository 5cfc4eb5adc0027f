import * as vscode from 'vscode';
import { Commands, ContextKeys, Views } from '../../constants';
import type { ImageProbesModel } from '../../core/images/imageProbes';
import type { ImagesModel } from '../../core/images/imagesModel';
import { ImagesTreeProvider } from './imagesTreeProvider';

export interface ImagesDeps {
  readonly model: ImagesModel;
  /** Whether each image can serve Jupyter; shown next to the image. */
  readonly probes?: ImageProbesModel;
}

/** The Images view: local images, live from engine events, with a clear state when no engine answers. */
export function register({ model, probes }: ImagesDeps): vscode.Disposable {
  const provider = new ImagesTreeProvider(model, probes);
  const view = vscode.window.createTreeView(Views.images, { treeDataProvider: provider, showCollapseAll: false });

  const showState = () => {
    const state = model.state;
    void vscode.commands.executeCommand('setContext', ContextKeys.dockerState, state.kind);
    view.description = state.kind === 'unreachable' ? 'no engine' : undefined;
  };
  showState();

  return vscode.Disposable.from(
    provider,
    view,
    model.onDidChange(showState),
    vscode.commands.registerCommand(Commands.refreshImages, () => model.refresh()),
  );
}
