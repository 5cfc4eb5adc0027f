import * as vscode from 'vscode';
import { Commands, StateKeys } from '../../constants';
import { validateImageReference, withDefaultTag } from '../../core/build/imageTag';
import { BerthError, CancelledError } from '../../core/common/errors';
import type { ImagesModel } from '../../core/images/imagesModel';
import { defaultPushTarget, normalizeRegistry, type ImageTransfer, type TransferProgress } from '../../core/images/registryTransfer';

export interface PushPullDeps {
  readonly transfer: ImageTransfer;
  readonly images: ImagesModel;
  readonly registry: () => string;
  /** Remembers the push target per image. */
  readonly state: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
}

/** What a caller (a test, another extension, Start Kernel Here) may pass instead of answering prompts. */
export interface TransferOptions {
  /** Push: the local image to push (instead of the Images view's row or a pick). */
  readonly image?: string;
  readonly target?: string;
  readonly reference?: string;
}

/** Reports a transfer in a cancellable notification: one line of per-layer state and a bar over the bytes. */
async function withTransferProgress<T>(title: string, log: vscode.LogOutputChannel, run: (onProgress: (p: TransferProgress) => void, signal: AbortSignal) => Promise<T>): Promise<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const onCancel = token.onCancellationRequested(() => controller.abort(new CancelledError()));
    let reported = 0;
    let lastLogged = '';
    try {
      return await run((p) => {
        const percent = p.percent;
        progress.report({ message: p.summary, increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
        const line = p.lines.join(' | ');
        if (line !== lastLogged && p.doneCount !== p.layerCount) {
          lastLogged = line;
          log.trace(`  ${p.summary}`);
        }
      }, controller.signal);
    } finally {
      onCancel.dispose();
    }
  });
}

function imageOf(arg: unknown): string | undefined {
  const row = arg as { kind?: string; tagged?: boolean; label?: string } | undefined;
  return row?.kind === 'image' && row.tagged ? row.label : undefined;
}

/** "Push Image…" on a tagged image: target prefilled from berth.registry + repo:tag, remembered per image. */
export async function pushImage(deps: PushPullDeps, arg?: unknown, options?: TransferOptions): Promise<{ target: string; digest?: string } | undefined> {
  let image = options?.image ?? imageOf(arg);
  if (!image) {
    const state = deps.images.state;
    const tags = state.kind === 'ready' ? state.images.flatMap((i) => i.tags).sort() : [];
    if (tags.length === 0) throw new BerthError('There is no tagged local image to push.');
    image = await vscode.window.showQuickPick(tags, { title: 'Push which image?' });
    if (!image) return undefined;
  }
  const remembered = deps.state.get<string>(StateKeys.pushTargetPrefix + image);
  let target = options?.target;
  if (!target) {
    const value = remembered ?? defaultPushTarget(deps.registry(), image);
    target = await vscode.window.showInputBox({
      title: `Push ${image}`,
      prompt: normalizeRegistry(deps.registry()) ? 'Target reference (registry/repository:tag)' : 'Target reference (registry/repository:tag). Set berth.registry to prefill your registry.',
      value,
      valueSelection: [0, value.length],
      validateInput: (v) => validateImageReference(v),
      ignoreFocusOut: true,
    });
    if (!target) return undefined;
  }
  const invalid = validateImageReference(target);
  if (invalid) throw new BerthError(invalid);
  target = withDefaultTag(target.trim());
  await deps.state.update(StateKeys.pushTargetPrefix + image, target);
  deps.log.info(`Pushing ${image} as ${target}`);
  const started = Date.now();
  const result = await withTransferProgress(`Pushing ${target}`, deps.log, (onProgress, signal) => deps.transfer.push(image, target, onProgress, signal)).catch((error: unknown) => {
    if (error instanceof CancelledError) deps.log.info(`Push of ${target} cancelled`);
    throw error;
  });
  deps.log.info(`Pushed ${target}${result.digest ? ` (${result.digest})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  void vscode.window.showInformationMessage(`Pushed ${target}.`);
  return { target, digest: result.digest };
}

/** "Pull Image…": asks for a reference, pulls it with per-layer progress, then shows it in the Images view. */
export async function pullImage(deps: PushPullDeps, options?: TransferOptions): Promise<{ reference: string; digest?: string } | undefined> {
  let reference = options?.reference;
  if (!reference) {
    const registry = normalizeRegistry(deps.registry());
    reference = await vscode.window.showInputBox({
      title: 'Pull Image',
      prompt: 'Image reference (registry/repository:tag)',
      value: registry ? `${registry}/` : '',
      validateInput: (v) => validateImageReference(v),
      ignoreFocusOut: true,
    });
    if (!reference) return undefined;
  }
  const invalid = validateImageReference(reference);
  if (invalid) throw new BerthError(invalid);
  reference = withDefaultTag(reference.trim());
  deps.log.info(`Pulling ${reference}`);
  const started = Date.now();
  const result = await withTransferProgress(`Pulling ${reference}`, deps.log, (onProgress, signal) => deps.transfer.pull(reference, onProgress, signal)).catch((error: unknown) => {
    if (error instanceof CancelledError) deps.log.info(`Pull of ${reference} cancelled`);
    throw error;
  });
  deps.log.info(`Pulled ${reference}${result.digest ? ` (${result.digest})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  void vscode.commands.executeCommand(Commands.revealImage, reference);
  return { reference, digest: result.digest };
}
