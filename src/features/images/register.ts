import * as vscode from 'vscode';
import { Commands, ContextKeys, Views } from '../../constants';
import type { BuildActivity } from '../../core/build/buildActivity';
import type { ImageProbesModel } from '../../core/images/imageProbes';
import type { ImagesModel } from '../../core/images/imagesModel';
import type { ImageTransfer } from '../../core/images/registryTransfer';
import { registerCommand } from '../commandBoundary';
import { ImagesTreeProvider } from './imagesTreeProvider';
import { pullImage, pushImage, type TransferOptions } from './pushPull';

export interface ImagesDeps {
  readonly model: ImagesModel;
  /** Builds in progress, listed above the images. */
  readonly builds: BuildActivity;
  /** Whether each image can serve Jupyter; shown next to the image. */
  readonly probes: ImageProbesModel;
  /** Push and pull through the engine. */
  readonly transfer: ImageTransfer;
  /** berth.registry, read when a push or pull starts. */
  readonly registry: () => string;
  readonly state: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
}

/** The Images view: local images, live from engine events, with a clear state when no engine answers. */
export function register({ model, builds, probes, transfer, registry, state, log }: ImagesDeps): vscode.Disposable {
  const provider = new ImagesTreeProvider(model, builds, probes);
  const view = vscode.window.createTreeView(Views.images, { treeDataProvider: provider, showCollapseAll: false });

  const showState = () => {
    const state = model.state;
    void vscode.commands.executeCommand('setContext', ContextKeys.dockerState, state.kind);
    view.description = state.kind === 'unreachable' ? 'no engine' : undefined;
  };
  showState();

  /**
   * Shows and selects a tagged image; reloads the list first so an image built a moment ago is there. Reveals
   * run one at a time: two at once would make the tree fetch the same rows twice, which VS Code refuses.
   */
  let revealing: Promise<unknown> = Promise.resolve();
  const reveal = (reference: string): Promise<boolean> => {
    const next = revealing.then(async () => {
      await model.refresh();
      const row = provider.findTagged(reference);
      if (!row) {
        return false;
      }
      await view.reveal(row, { select: true, focus: false });
      return true;
    });
    revealing = next.catch(() => undefined);
    return next;
  };

  return vscode.Disposable.from(
    provider,
    view,
    model.onDidChange(showState),
    registerCommand(Commands.refreshImages, 'Refreshing the Images view', log, () => model.refresh()),
    registerCommand(Commands.revealImage, 'Revealing the image', log, reveal),
    registerCommand(Commands.pushImage, 'Push Image', log, (row?: unknown, options?: TransferOptions) => pushImage({ transfer, images: model, registry, state, log }, row, options)),
    registerCommand(Commands.pullImage, 'Pull Image', log, (options?: TransferOptions) => pullImage({ transfer, images: model, registry, state, log }, options)),
  );
}
