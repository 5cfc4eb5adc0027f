import * as vscode from 'vscode';
import { errorMessage } from '../../core/common/errors';
import type { ClusterClient, ExecSession } from '../../core/kubernetes/clusterClient';

/** bash when the image has it, else sh: what `kubectl exec -it … -- sh` users end up typing by hand. */
export const SHELL_COMMAND = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

/** How much of a shell's output is kept for the transcript the e2e suite reads. */
const TRANSCRIPT_CHARS = 64 * 1024;

/** Open Shell: a terminal whose process is an exec session in the pod; keystrokes and resizes go through. */
export class PodShell implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.written.event;
  private readonly closed = new vscode.EventEmitter<number | void>();
  readonly onDidClose = this.closed.event;
  private session?: ExecSession;
  private readonly decoder = new TextDecoder();
  private transcriptText = '';
  private pendingSize?: vscode.TerminalDimensions;
  private ended = false;

  constructor(
    private readonly client: ClusterClient,
    private readonly namespace: string,
    private readonly pod: string,
    private readonly container: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get transcript(): string {
    return this.transcriptText;
  }

  private write(text: string): void {
    this.transcriptText = (this.transcriptText + text).slice(-TRANSCRIPT_CHARS);
    this.written.fire(text);
  }

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    this.write(`\x1b[2mOpening a shell in ${this.namespace}/${this.pod} (container ${this.container})…\x1b[0m\r\n`);
    this.client
      .exec(this.namespace, this.pod, {
        container: this.container,
        command: SHELL_COMMAND,
        tty: true,
        columns: dimensions?.columns,
        rows: dimensions?.rows,
        onStdout: (data) => this.write(this.decoder.decode(data, { stream: true })),
        onStderr: (data) => this.write(this.decoder.decode(data, { stream: true })),
        onExit: ({ exitCode, error }) => this.exit(exitCode, error?.message),
      })
      .then(
        (session) => {
          if (this.ended) {
            session.dispose();
            return;
          }
          this.session = session;
          if (this.pendingSize) session.resize(this.pendingSize.columns, this.pendingSize.rows);
        },
        (error: unknown) => {
          this.log.warn(`Open Shell: ${errorMessage(error)}`);
          this.exit(undefined, errorMessage(error));
        },
      );
  }

  private exit(exitCode: number | undefined, error: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.session?.dispose();
    if (error) {
      // Keep the terminal open so the reason stays readable.
      this.write(`\r\n\x1b[31m${error}\x1b[0m\r\n`);
      return;
    }
    if (exitCode !== undefined && exitCode !== 0) {
      this.write(`\r\n\x1b[2m[the shell exited with code ${exitCode}]\x1b[0m\r\n`);
      return;
    }
    this.closed.fire(exitCode ?? 0);
  }

  handleInput(data: string): void {
    this.session?.write(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.pendingSize = dimensions;
    this.session?.resize(dimensions.columns, dimensions.rows);
  }

  close(): void {
    this.ended = true;
    this.session?.dispose();
  }
}
