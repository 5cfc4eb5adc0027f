import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { CancelledError, isCancellation } from '../../core/common/errors';
import { DocumentFailedError, type DocsBuildResult } from '../../core/docs/docsFailure';
import { describeKnitProgress, knitDocument } from '../../core/docs/knit';
import { prepareDocument, presentOutputs, RMARKDOWN, showProblems, targetDocument, type DocsBuildDeps } from './docsBuild';

/**
 * "Berth: Knit Document": `rmarkdown::render` of an .Rmd in a container of `berth.docs.rImage`, with the chunk
 * being run in a cancellable progress notification; a failing chunk becomes a diagnostic on its line, the whole
 * R log goes to the Berth output. Returns the result, or undefined when there was nothing to knit or it failed.
 */
export class KnitDocumentCommand {
  readonly id = Commands.knitDocument;

  constructor(private readonly deps: DocsBuildDeps) {}

  async execute(arg?: unknown): Promise<DocsBuildResult | undefined> {
    const uri = targetDocument(arg, RMARKDOWN);
    if (!uri) {
      void vscode.window.showInformationMessage('Berth: open an R Markdown document (.Rmd) to knit it.');
      return undefined;
    }
    return this.knit(uri);
  }

  private async knit(uri: vscode.Uri): Promise<DocsBuildResult> {
    const { log, diagnostics, config } = this.deps;
    const where = await prepareDocument(uri, 'knit');
    const name = path.basename(uri.fsPath);
    const image = config.docsRImage(uri);
    log.info(`Knitting ${name} in ${image}`);
    const controller = new AbortController();
    let result: DocsBuildResult;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Knitting ${name}`, cancellable: true },
        async (progress, token) => {
          const onCancel = token.onCancellationRequested(() => controller.abort(new CancelledError()));
          let reported = 0;
          try {
            progress.report({ message: `starting ${image}` });
            return await knitDocument(
              this.deps.runner,
              { ...where, image, owner: this.deps.owner },
              {
                signal: controller.signal,
                onLog: (line) => log.info(`  ${line}`),
                onProgress: (p) => {
                  const percent = p.kind === 'chunk' && p.total > 0 ? Math.floor(((p.index - 1) / p.total) * 90) : 90;
                  progress.report({ message: describeKnitProgress(p), increment: Math.max(0, percent - reported) });
                  reported = Math.max(reported, percent);
                },
              },
            );
          } finally {
            onCancel.dispose();
          }
        },
      );
    } catch (error) {
      if (isCancellation(error)) log.info(`Knitting ${name} cancelled: its container was removed`);
      if (error instanceof DocumentFailedError) {
        log.error(error.message);
        showProblems(diagnostics, uri, error.problems, 'Berth knit');
      }
      throw error;
    }
    diagnostics.delete(uri);
    log.info(`Knitted ${name}: ${result.outputs.join(', ')}`);
    await presentOutputs(this.deps, result.outputs, 'Knitted');
    return result;
  }
}
