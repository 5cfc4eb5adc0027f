import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { CancelledError, isCancellation } from '../../core/common/errors';
import { DocumentFailedError, type DocsBuildResult } from '../../core/docs/docsFailure';
import { EXPORT_FORMATS, exportDocument, type ExportFormat } from '../../core/docs/export';
import { MARKDOWN_OR_RMARKDOWN, prepareDocument, presentOutputs, showProblems, targetDocument, type DocsBuildDeps } from './docsBuild';

/** Options a caller (a test, another extension) may pass instead of answering the format prompt. */
export interface ExportOptions {
  readonly format?: ExportFormat;
}

const FORMAT_ITEMS: readonly (vscode.QuickPickItem & { format: ExportFormat })[] = [
  { label: 'HTML', description: 'one self-contained file, math as MathML', format: 'html' },
  { label: 'PDF', description: 'XeLaTeX', format: 'pdf' },
  { label: 'DOCX', description: 'Word', format: 'docx' },
];

/**
 * "Berth: Export Document…": Pandoc converts a .md (or the .md an .Rmd was knitted to) to HTML, PDF or DOCX in
 * a container of `berth.docs.pandocImage`. Missing images or bibliographies and LaTeX errors become diagnostics
 * on their lines when they have one; no partial output is left behind.
 */
export class ExportDocumentCommand {
  readonly id = Commands.exportDocument;

  constructor(private readonly deps: DocsBuildDeps) {}

  async execute(arg?: unknown, options?: ExportOptions | vscode.Uri[]): Promise<DocsBuildResult | undefined> {
    const uri = targetDocument(arg, MARKDOWN_OR_RMARKDOWN);
    if (!uri) {
      void vscode.window.showInformationMessage('Berth: open a Markdown document to export it.');
      return undefined;
    }
    const given = options && !Array.isArray(options) ? options.format : undefined;
    const format = given && (EXPORT_FORMATS as readonly string[]).includes(given) ? given : await askFormat(uri);
    return format ? this.export(uri, format) : undefined;
  }

  private async export(uri: vscode.Uri, format: ExportFormat): Promise<DocsBuildResult> {
    const { log, diagnostics, config } = this.deps;
    const where = await prepareDocument(uri, 'export');
    const name = path.basename(uri.fsPath);
    const image = config.docsPandocImage(uri);
    log.info(`Exporting ${name} to ${format.toUpperCase()} in ${image}`);
    const controller = new AbortController();
    let result: DocsBuildResult;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Exporting ${name} to ${format.toUpperCase()}`, cancellable: true },
        async (progress, token) => {
          const onCancel = token.onCancellationRequested(() => controller.abort(new CancelledError()));
          try {
            progress.report({ message: `pandoc in ${image}` });
            return await exportDocument(this.deps.runner, { ...where, format, image, owner: this.deps.owner }, { signal: controller.signal, onLog: (line) => log.info(`  ${line}`) });
          } finally {
            onCancel.dispose();
          }
        },
      );
    } catch (error) {
      if (isCancellation(error)) log.info(`Exporting ${name} cancelled: its container was removed`);
      if (error instanceof DocumentFailedError) {
        log.error(error.message);
        showProblems(diagnostics, vscode.Uri.file(error.sourcePath ?? uri.fsPath), error.problems, 'Berth export');
      }
      throw error;
    }
    showProblems(diagnostics, vscode.Uri.file(result.sourcePath ?? uri.fsPath), result.warnings, 'Berth export');
    log.info(`Exported ${name}: ${result.outputs.join(', ')}`);
    await presentOutputs(this.deps, result.outputs, 'Exported');
    return result;
  }
}

async function askFormat(uri: vscode.Uri): Promise<ExportFormat | undefined> {
  const pick = await vscode.window.showQuickPick(FORMAT_ITEMS, { title: `Export ${path.basename(uri.fsPath)}`, placeHolder: 'Format' });
  return pick?.format;
}
