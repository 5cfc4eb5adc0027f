import * as vscode from 'vscode';
import { Schemes } from '../../constants';
import { errorMessage } from '../../core/common/errors';
import type { Disposable } from '../../core/common/lifecycle';
import type { ClusterModel } from '../../core/kubernetes/clusterModel';
import { describePod } from '../../core/kubernetes/describePod';
import { LogBuffer } from '../../core/kubernetes/logBuffer';

export interface PodRef {
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
}

export interface LogRef extends PodRef {
  readonly container: string;
  readonly previous?: boolean;
}

/** The document shows updates at most this often while a log is followed. */
const LOG_UPDATE_MS = 200;

function refOf<T>(uri: vscode.Uri): T {
  return JSON.parse(uri.query) as T;
}

export function podLogsUri(ref: LogRef): vscode.Uri {
  const name = `${ref.pod} (${ref.container}${ref.previous ? ', previous' : ''}).log`;
  return vscode.Uri.from({ scheme: Schemes.podLogs, path: `/${ref.namespace}/${name}`, query: JSON.stringify(ref) });
}

export function podDescribeUri(ref: PodRef): vscode.Uri {
  return vscode.Uri.from({ scheme: Schemes.podDescribe, path: `/${ref.namespace}/${ref.pod}.describe`, query: JSON.stringify(ref) });
}

interface Follower {
  readonly buffer: LogBuffer;
  header: string;
  footer: string;
  stream?: Disposable;
  live: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Show Logs: a read-only document per container that starts with the last N lines and follows the stream
 * until the container stops or the document is closed.
 */
export class PodLogsDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly followers = new Map<string, Follower>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly model: ClusterModel,
    private readonly tailLines: () => number,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      vscode.workspace.registerTextDocumentContentProvider(Schemes.podLogs, this),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === Schemes.podLogs) this.stop(doc.uri.toString());
      }),
    ];
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const f = this.followers.get(uri.toString());
    if (!f) return `${this.describe(refOf<LogRef>(uri))}\n(not following: run Show Logs again)\n`;
    return `${f.header}\n${f.buffer.text}${f.footer}`;
  }

  private describe(ref: LogRef): string {
    return `# ${ref.previous ? 'Previous logs' : 'Logs'} of container ${ref.container} in pod ${ref.namespace}/${ref.pod} (context ${ref.context})`;
  }

  /** Opens (or focuses) the logs of one container; restarts the stream when it had ended. */
  async show(ref: LogRef): Promise<vscode.Uri> {
    const uri = podLogsUri(ref);
    const key = uri.toString();
    if (!this.followers.get(key)?.live) {
      await this.start(uri, ref);
    }
    // The path ends in .log, so VS Code gives it the Log language (setTextDocumentLanguage would close and reopen
    // the document, which stops the stream).
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    return uri;
  }

  private async start(uri: vscode.Uri, ref: LogRef): Promise<void> {
    const key = uri.toString();
    this.stop(key);
    const client = this.model.client(ref.context);
    if (!client) throw new Error(`Context "${ref.context}" is not connected: expand it in the Cluster view first.`);
    const tail = this.tailLines();
    const follower: Follower = {
      buffer: new LogBuffer(),
      header: `${this.describe(ref)} — the last ${tail} lines, then following${ref.previous ? '' : ' until the container stops'}\n`,
      footer: '',
      live: true,
    };
    this.followers.set(key, follower);
    try {
      follower.stream = await client.streamLogs(ref.namespace, ref.pod, { container: ref.container, follow: !ref.previous, tailLines: tail, previous: ref.previous }, {
        onData: (text) => {
          follower.buffer.append(text);
          this.schedule(uri, follower);
        },
        onEnd: (error) => {
          follower.live = false;
          follower.footer = error ? `\n--- the log stream broke: ${error.message} ---\n` : `\n--- end of log${ref.previous ? '' : ' (the container stopped, or the stream was closed by the server)'} ---\n`;
          this.schedule(uri, follower);
        },
      });
    } catch (error) {
      follower.live = false;
      follower.footer = `--- ${errorMessage(error)} ---\n`;
      this.log.warn(`Show Logs: ${errorMessage(error)}`);
    }
  }

  private schedule(uri: vscode.Uri, follower: Follower): void {
    follower.timer ??= setTimeout(() => {
      follower.timer = undefined;
      this.changed.fire(uri);
      this.revealEnd(uri);
    }, LOG_UPDATE_MS);
  }

  /** Keeps editors that showed the end of the log at the end, as `tail -f` does. */
  private revealEnd(uri: vscode.Uri): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== uri.toString()) continue;
      const last = editor.document.lineCount - 1;
      const visibleEnd = editor.visibleRanges.at(-1)?.end.line ?? 0;
      if (last - visibleEnd < 50) editor.revealRange(new vscode.Range(last, 0, last, 0), vscode.TextEditorRevealType.Default);
    }
  }

  private stop(key: string): void {
    const f = this.followers.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.stream?.dispose();
    f.live = false;
    this.followers.delete(key);
  }

  /** The text a logs document shows now (the e2e suite reads it). */
  textOf(uri: vscode.Uri): string {
    return this.provideTextDocumentContent(uri);
  }

  dispose(): void {
    for (const key of [...this.followers.keys()]) this.stop(key);
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

/** Describe: status, containers, conditions and events of a pod, fetched when the document is opened. */
export class PodDescribeDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor(private readonly model: ClusterModel) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(Schemes.podDescribe, this);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const ref = refOf<PodRef>(uri);
    const client = this.model.client(ref.context);
    if (!client) return `Context "${ref.context}" is not connected: expand it in the Cluster view, then Describe again.\n`;
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    try {
      const [pod, events] = await Promise.all([client.readPod(ref.namespace, ref.pod, controller.signal), client.listPodEvents(ref.namespace, ref.pod, controller.signal)]);
      return describePod(pod, events, Date.now());
    } catch (error) {
      return `Could not describe pod ${ref.namespace}/${ref.pod}: ${errorMessage(error)}\n`;
    } finally {
      cancel.dispose();
    }
  }

  async show(ref: PodRef): Promise<vscode.Uri> {
    const uri = podDescribeUri(ref);
    // An open Describe document is fetched again: Describe always shows the pod as it is now.
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
