import * as path from 'path';
import * as vscode from 'vscode';
import { Commands, StateKeys } from '../../constants';
import { formatStep, type BuildActivity } from '../../core/build/buildActivity';
import { stripAnsi } from '../../core/build/buildFailure';
import { BuildFailedError, runBuild, type BuildResult } from '../../core/build/buildRunner';
import type { ImageBuilder } from '../../core/build/imageBuilder';
import { deriveImageTag, validateImageReference, withDefaultTag } from '../../core/build/imageTag';
import { BerthError, CancelledError, isCancellation } from '../../core/common/errors';
import { buildOptionsFor } from './buildSettings';
import { chooseDockerfile } from './dockerfiles';

/** Options a caller (another extension, a test) may pass instead of answering prompts. */
export interface BuildImageOptions {
  /** The image reference to build, instead of asking. */
  readonly tag?: string;
}

export interface BuildImageDeps {
  readonly createBuilder: () => ImageBuilder;
  readonly activity: BuildActivity;
  readonly diagnostics: vscode.DiagnosticCollection;
  readonly state: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
}

/** The label that records which Dockerfile an image was built from. */
const BUILT_FROM_LABEL = 'berth.built-from';

/**
 * "Berth: Build Image": Dockerfile → tag prompt → build with progress and Cancel → diagnostics on failure,
 * the image revealed on success. Returns the result, or undefined when dismissed, cancelled or failed.
 */
export class BuildImageCommand {
  readonly id = Commands.buildImage;

  constructor(private readonly deps: BuildImageDeps) {}

  /** Errors go to the command boundary (registered with registerCommand): it logs and shows them once. */
  async execute(target?: vscode.Uri, options?: BuildImageOptions | vscode.Uri[]): Promise<BuildResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      throw new BerthError('Berth does not build images in an untrusted workspace: trust this workspace (Manage Workspace Trust), then build again.');
    }
    const dockerfile = await chooseDockerfile(target);
    if (!dockerfile) {
      return undefined;
    }
    if (dockerfile.scheme !== 'file') {
      throw new BerthError(`${dockerfile.toString(true)} is not a file on this machine's disk: save the Dockerfile into the workspace, then build it.`);
    }
    const given = options && !Array.isArray(options) ? options.tag : undefined;
    const tag = given ?? (await this.askTag(dockerfile));
    if (!tag) {
      return undefined;
    }
    return this.build(dockerfile, tag);
  }

  private async askTag(dockerfile: vscode.Uri): Promise<string | undefined> {
    const remembered = this.deps.state.get<string>(StateKeys.buildTagPrefix + dockerfile.toString());
    const value = remembered ?? deriveImageTag(path.basename(path.dirname(dockerfile.fsPath)));
    const tag = await vscode.window.showInputBox({
      title: `Build Image from ${vscode.workspace.asRelativePath(dockerfile)}`,
      prompt: 'Image name and tag',
      value,
      valueSelection: [0, value.lastIndexOf(':') > 0 ? value.lastIndexOf(':') : value.length],
      validateInput: (v) => validateImageReference(v),
      ignoreFocusOut: true,
    });
    return tag?.trim() || undefined;
  }

  private async build(dockerfile: vscode.Uri, reference: string): Promise<BuildResult> {
    const invalid = validateImageReference(reference);
    if (invalid) {
      throw new BerthError(invalid);
    }
    const tag = withDefaultTag(reference);
    const { log, diagnostics, activity } = this.deps;
    // The engine reads the Dockerfile from disk: build what the user sees.
    await vscode.workspace.textDocuments.find((d) => d.uri.toString() === dockerfile.toString() && d.isDirty)?.save();
    const options = buildOptionsFor(dockerfile);
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(dockerfile));
    const name = vscode.workspace.asRelativePath(dockerfile);
    await this.deps.state.update(StateKeys.buildTagPrefix + dockerfile.toString(), reference.trim());

    log.info(`Building ${tag} from ${name} (context ${options.contextDir}${options.target ? `, target ${options.target}` : ''})`);
    const controller = new AbortController();
    const running = activity.start(tag, name, () => controller.abort(new CancelledError()));
    const lines = new LineSplitter((line) => log.info(`  ${line}`));
    let result: BuildResult;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Building ${tag}`, cancellable: true },
        async (progress, token) => {
          const onCancel = token.onCancellationRequested(() => controller.abort(new CancelledError()));
          let reported = 0;
          try {
            return await runBuild(
              this.deps.createBuilder(),
              { contextDir: options.contextDir, dockerfile: options.dockerfileInContext, tag, buildArgs: options.buildArgs, target: options.target, labels: { [BUILT_FROM_LABEL]: name } },
              text,
              {
                onLog: (chunk) => lines.push(stripAnsi(chunk)),
                onStep: (step) => {
                  const message = formatStep(step.index, step.total, step.instruction);
                  const percent = Math.floor(((step.index - 1) / step.total) * 100);
                  progress.report({ message, increment: percent - reported });
                  reported = percent;
                  running.update(`Step ${step.index}/${step.total}`);
                },
              },
              controller.signal,
            );
          } finally {
            onCancel.dispose();
          }
        },
      );
    } catch (error) {
      if (isCancellation(error)) {
        log.info(`Build of ${tag} cancelled`);
      } else if (error instanceof BuildFailedError) {
        log.error(`Build of ${tag} failed: ${error.failure.detail}`);
        this.showFailure(dockerfile, error);
      }
      throw error;
    } finally {
      lines.flush();
      running.end();
    }
    diagnostics.delete(dockerfile);
    log.info(`Built ${tag} (${result.imageId})`);
    void this.announce(result.tag);
    return result;
  }

  private showFailure(dockerfile: vscode.Uri, error: BuildFailedError): void {
    const { line, detail } = error.failure;
    if (line === undefined) {
      this.deps.diagnostics.delete(dockerfile);
      return;
    }
    const range = new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER);
    const diagnostic = new vscode.Diagnostic(range, detail, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'Berth build';
    this.deps.diagnostics.set(dockerfile, [diagnostic]);
  }

  /** Reveals the new image and offers the next steps: Reveal, and Use as kernel when the kernels feature is there. */
  private async announce(tag: string): Promise<void> {
    await vscode.commands.executeCommand(Commands.revealImage, tag);
    const notebook = vscode.window.activeNotebookEditor?.notebook ?? vscode.window.visibleNotebookEditors[0]?.notebook;
        const reveal = 'Reveal in Images';
    const useAsKernel = notebook ? `Use as kernel for ${path.posix.basename(notebook.uri.path)}` : undefined;
    const action = await vscode.window.showInformationMessage(`Built ${tag}.`, ...(useAsKernel ? [reveal, useAsKernel] : [reveal]));
    if (action === reveal) {
      await vscode.commands.executeCommand(Commands.revealImage, tag);
    } else if (action && action === useAsKernel && notebook) {
      await vscode.commands.executeCommand(Commands.selectKernelForNotebook, tag, notebook.uri);
    }
  }
}

/** Turns the build's text chunks into whole lines for the log. */
class LineSplitter {
  private pending = '';

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.pending + chunk).split(/\r?\n/);
    this.pending = parts.pop() ?? '';
    parts.filter((l) => l.trim() !== '').forEach(this.emit);
  }

  flush(): void {
    if (this.pending.trim() !== '') {
      this.emit(this.pending);
    }
    this.pending = '';
  }
}
