// KernelSession on a @jupyterlab/services KernelConnection: execution with streamed outputs, stdin,
// interrupt, restart, and status that reports a dead kernel or a vanished container instead of hanging.
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { BerthError, errorMessage } from '../../core/common/errors';
import { Emitter } from '../../core/common/event';
import { DisposableStore, toDisposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';
import type { ExecuteHandlers, ExecuteOptions, ExecuteResult, KernelSession, KernelStatus, ServerHandle } from '../../core/kernels/api';
import { KernelDiedError, ServerGoneError } from '../../core/kernels/errors';
import { toOutputAction } from '../../core/kernels/outputMapping';

/** How often, and how long each time, a restarted kernel is asked whether it answers (see confirmAlive). */
const CONFIRM_ATTEMPTS = 60;
const CONFIRM_WAIT_MS = 1000;

interface Pending {
  fail(error: Error): void;
  abort(): void;
  /** The connection under the websocket dropped; `reconnected` resolves once a new one answers. */
  dropped(reconnected: Promise<void>): void;
}

export class JupyterKernelSession implements KernelSession {
  private readonly statusEmitter = new Emitter<KernelStatus>();
  readonly onDidChangeStatus = this.statusEmitter.event;
  private currentStatus: KernelStatus;
  private readonly pending = new Set<Pending>();
  /** IOPub routing by the execute request's msg_id (see the constructor for why not future.onIOPub). */
  private readonly iopubRoutes = new Map<string, (msg: KernelMessage.IIOPubMessage) => void>();
  private readonly store = new DisposableStore();
  private gone: ServerGoneError | undefined;
  private restarting = false;
  private confirming = false;
  /** Between a dropped websocket and the library's reconnect (or its giving up). */
  private reconnecting = false;
  private disposed = false;
  /** Interrupts requested so far: a cell that ends without a reply after one was interrupted before it ran. */
  private interrupts = 0;

  constructor(
    readonly server: ServerHandle,
    private readonly kernel: Kernel.IKernelConnection,
    private readonly log: Logger,
  ) {
    this.currentStatus = toStatus(kernel.status);
    const onStatus = (_: unknown, s: KernelMessage.Status) => this.onKernelStatus(s);
    // A dropped websocket (a reset connection, a port-forward that broke) is not the end: the library reconnects
    // with the same session id, Jupyter replays what it buffered meanwhile, and pending cells get their output and
    // reply. Only when it has given up is the server taken for gone.
    const onConnection = (_: unknown, s: Kernel.ConnectionStatus) => {
      if (s === 'disconnected' && !kernel.isDisposed) {
        this.onServerGone('the connection to Jupyter was lost');
      } else if (s === 'connecting' && !this.reconnecting) {
        this.reconnecting = true;
        if (!this.restarting) this.log.info(`kernel ${kernel.id}: connection lost, reconnecting`);
      } else if (s === 'connected' && this.reconnecting) {
        this.reconnecting = false;
        if (!this.restarting) this.log.info(`kernel ${kernel.id}: reconnected`);
        if (isStarting(this.currentStatus)) void this.confirmAlive();
      }
    };
    // Every IOPub message, routed to the cell whose request it answers. future.onIOPub would miss
    // update_display_data: the library diverts those to the (long finished) cell that created the display,
    // while Berth's NotebookOutputs tracks display ids across cells itself.
    const onIopub = (_: unknown, msg: KernelMessage.IIOPubMessage) => this.iopubRoutes.get(msg.parent_header && 'msg_id' in msg.parent_header ? msg.parent_header.msg_id : '')?.(msg);
    kernel.iopubMessage.connect(onIopub);
    this.store.add(toDisposable(() => kernel.iopubMessage.disconnect(onIopub)));
    kernel.statusChanged.connect(onStatus);
    kernel.connectionStatusChanged.connect(onConnection);
    this.store.add(toDisposable(() => kernel.statusChanged.disconnect(onStatus)));
    this.store.add(toDisposable(() => kernel.connectionStatusChanged.disconnect(onConnection)));
    this.store.add(server.onDidExit((e) => this.onServerGone(e.reason)));
    // The tunnel under the websocket is gone, but the websocket learns of it only when its own (loopback) socket
    // closes, a moment later: a request sent in between goes into the dead connection and is never answered (a cell
    // run right after an SSH reset hung). Reconnect now, so that what is sent from here on waits for the new one.
    const onDrop = server.onDidDropConnections?.((e) => {
      if (kernel.isDisposed || this.gone) return;
      this.log.info(`kernel ${kernel.id}: ${e.reason}; connecting again`);
      // Once the new websocket is up, a kernel_info round trip on it: the shell answers in order.
      const reconnected = kernel.reconnect().then(() => kernel.requestKernelInfo().then(() => undefined));
      reconnected.catch(() => undefined);
      for (const p of [...this.pending]) p.dropped(reconnected);
    });
    if (onDrop) this.store.add(onDrop);
  }

  get kernelId(): string {
    return this.kernel.id;
  }

  get status(): KernelStatus {
    return this.currentStatus;
  }

  async execute(code: string, handlers: ExecuteHandlers, signal?: AbortSignal, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (this.gone) {
      throw this.gone;
    }
    if (this.currentStatus === 'dead') {
      throw new KernelDiedError('The kernel is dead');
    }
    const future = this.kernel.requestExecute({ code, allow_stdin: handlers.onInputRequest !== undefined, stop_on_error: options.stopOnError ?? true, store_history: true, silent: false });
    const requestId = future.msg.header.msg_id;
    const interruptsBefore = this.interrupts;
    let replied = false;
    /** The execute_reply, once it came: the library's `done` also waits for the request's idle status. */
    let reply: KernelMessage.IExecuteReplyMsg | undefined;
    /** The kernel has answered this request at all (a status, an output, the reply). */
    let heard = false;
    future.onReply = (msg) => {
      replied = true;
      heard = true;
      reply = msg;
    };
    // ipykernel installs its SIGINT handler when it takes up the request, a moment before the cell's code runs: an
    // interrupt landing in between ("KeyboardInterrupt caught in kernel") ends the request with no execute_reply,
    // only its idle status, and the cell waited for ever. On that idle after an interrupt, a kernel_info round trip
    // tells: the shell answers in order, so a reply of ours, if there is one, arrives before the kernel_info reply.
    let settleWithoutReply: (() => void) | undefined;
    const onIdle = () => {
      void this.kernel.requestKernelInfo().then(
        () => !replied && settleWithoutReply?.(),
        () => undefined,
      );
    };
    // ipykernel ignores SIGINT while idle and installs its handler only when it takes up a request, so an
    // interrupt that overtakes the execute request (a loaded machine, an abort right after sending) is lost and
    // the cell runs on. The interrupt waits for the kernel's first IOPub answer besides status (execute_input).
    let started = false;
    let interruptWanted = false;
    const interrupt = () => void this.interrupt().catch((e: unknown) => this.log.warn(`interrupt failed: ${errorMessage(e)}`));
    this.iopubRoutes.set(requestId, (msg) => {
      heard = true;
      if (!started && msg.header.msg_type !== 'status') {
        started = true;
        if (interruptWanted) {
          interrupt();
        }
      }
      if (msg.header.msg_type === 'status' && (msg.content as { execution_state?: string }).execution_state === 'idle' && !replied && this.interrupts !== interruptsBefore) {
        onIdle();
      }
      const action = toOutputAction({ msgType: msg.header.msg_type, content: msg.content as Record<string, unknown> });
      if (action.type !== 'none') {
        handlers.onAction(action);
      }
    });
    future.onStdin = (msg) => {
      if (msg.header.msg_type !== 'input_request' || !handlers.onInputRequest) {
        return;
      }
      const request = msg.content as KernelMessage.IInputRequestMsg['content'];
      handlers.onInputRequest(request.prompt, request.password).then(
        (value) => this.kernel.sendInputReply({ status: 'ok', value }, msg.header as KernelMessage.IInputReplyMsg['parent_header']),
        // The user dismissed the prompt: interrupting raises KeyboardInterrupt in input(), as a terminal would.
        () => void this.interrupt().catch(() => undefined),
      );
    };
    return new Promise<ExecuteResult>((resolve, reject) => {
      const entry: Pending = {
        fail: (error) => finish(() => reject(error)),
        abort: () => finish(() => resolve({ status: 'aborted' })),
        // What was in flight when the connection dropped is lost: a request written into the dead connection (sent
        // before the client noticed), or the kernel's reply to it. Nothing would ever answer such a cell. The shell
        // answers in order, so once the kernel_info sent on the new connection is answered, a cell still without a
        // reply has none coming: it ends with an error saying what is known.
        dropped: (reconnected) => {
          void reconnected.then(
            () => {
              if (!this.pending.has(entry)) return;
              if (reply) {
                // The reply came, but the idle status after it was lost with the connection: the library's `done`
                // would wait for it for ever (a cell sent just before an SSH reset hung). The reply is the result.
                const settled = resultOf(reply);
                future.dispose();
                finish(() => resolve(settled));
                return;
              }
              future.dispose();
              entry.fail(
                new BerthError(
                  heard
                    ? "The connection to the kernel dropped while this cell ran: the cell finished, but its result was lost with the connection (outputs after the drop are missing). The kernel's state is intact."
                    : "The connection to the kernel dropped as this cell was sent: the kernel never answered it, so it did not run (unless all of its answer was lost with the connection). Run it again; the kernel's state is intact.",
                ),
              );
            },
            () => undefined,
          );
        },
      };
      const onAbort = () => {
        interruptWanted = true;
        if (started) {
          interrupt();
        }
      };
      const finish = (settle: () => void) => {
        this.pending.delete(entry);
        this.iopubRoutes.delete(requestId);
        signal?.removeEventListener('abort', onAbort);
        settle();
      };
      settleWithoutReply = () => {
        if (!this.pending.has(entry)) return;
        this.log.debug(`kernel ${this.kernel.id}: the cell was interrupted before its code ran; the kernel sent no reply`);
        handlers.onAction({ type: 'append', output: { kind: 'error', ename: 'KeyboardInterrupt', evalue: "the kernel was interrupted before the cell's code ran", traceback: [] } });
        future.dispose();
        finish(() => resolve({ status: 'error' }));
      };
      this.pending.add(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      future.done.then(
        (done) => finish(() => resolve(resultOf(done))),
        // The library cancels a future when the kernel restarts under it or the connection is disposed. Usually
        // the status handler has settled the cell already; this covers the rest.
        () => finish(() => (this.restarting || this.disposed ? resolve({ status: 'aborted' }) : reject(this.gone ?? new KernelDiedError()))),
      );
      if (signal?.aborted) {
        onAbort();
      }
    });
  }

  async interrupt(): Promise<void> {
    this.interrupts++;
    await this.kernel.interrupt();
  }

  async restart(): Promise<void> {
    this.restarting = true;
    try {
      for (const p of [...this.pending]) {
        p.abort();
      }
      await this.kernel.restart();
    } finally {
      this.restarting = false;
    }
  }

  async shutdown(): Promise<void> {
    if (!this.gone) {
      await this.kernel.shutdown().catch((e: unknown) => this.log.warn(`kernel shutdown failed: ${errorMessage(e)}`));
    }
    this.dispose();
    await this.server.dispose();
  }

  dispose(): void {
    this.disposed = true;
    this.store.dispose();
    if (!this.kernel.isDisposed) {
      this.kernel.dispose();
    }
    this.statusEmitter.dispose();
  }

  private onKernelStatus(raw: KernelMessage.Status): void {
    const status = toStatus(raw);
    if ((status === 'autorestarting' || status === 'dead') && !this.restarting) {
      const error = new KernelDiedError(status === 'dead' ? 'The kernel died and could not be restarted' : 'The kernel died (Jupyter restarted it)');
      for (const p of [...this.pending]) {
        p.fail(error);
      }
    }
    this.setStatus(status);
    if (isStarting(status)) {
      void this.confirmAlive();
    }
  }

  private onServerGone(reason: string): void {
    if (this.gone) {
      return;
    }
    this.gone = new ServerGoneError(reason);
    this.log.warn(`kernel ${this.kernel.id}: ${reason}`);
    for (const p of [...this.pending]) {
      p.fail(this.gone);
    }
    this.setStatus('disconnected');
    // Stop the library's reconnect attempts against a server that is not coming back.
    this.store.dispose();
    if (!this.kernel.isDisposed) {
      this.kernel.dispose();
    }
  }

  /**
   * After a reconnect (an automatic restart of a dead kernel, a restart on request) the fresh kernel's first
   * status messages can be lost while the websocket subscribes, leaving the status at 'starting' although the
   * kernel answers. A kernel_info round trip settles it.
   */
  private async confirmAlive(): Promise<void> {
    if (this.confirming) {
      return;
    }
    this.confirming = true;
    try {
      // A request sent while the library swaps websockets can be dropped: ask again until one is answered.
      // Not while the websocket is down: each request would only queue up until it reconnects (then it asks itself).
      for (let attempt = 0; attempt < CONFIRM_ATTEMPTS && !this.gone && !this.kernel.isDisposed && this.kernel.connectionStatus === 'connected' && isStarting(this.currentStatus); attempt++) {
        const answered = await Promise.race([this.kernel.requestKernelInfo().then(() => true, () => false), delay(CONFIRM_WAIT_MS, false)]);
        if (answered && !this.gone && isStarting(this.currentStatus)) {
          this.setStatus('idle');
        } else if (!answered) {
          await delay(CONFIRM_WAIT_MS / 2, undefined);
        }
      }
    } finally {
      this.confirming = false;
    }
  }

  private setStatus(status: KernelStatus): void {
    if (status !== this.currentStatus) {
      this.currentStatus = status;
      this.statusEmitter.fire(status);
    }
  }
}

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

function isStarting(status: KernelStatus): boolean {
  return status === 'starting' || status === 'restarting' || status === 'autorestarting';
}

function toStatus(s: KernelMessage.Status): KernelStatus {
  switch (s) {
    case 'idle':
    case 'busy':
    case 'starting':
    case 'restarting':
    case 'autorestarting':
    case 'dead':
      return s;
    case 'terminating':
      return 'dead';
    default:
      return 'starting';
  }
}

function resultOf(reply: KernelMessage.IExecuteReplyMsg): ExecuteResult {
  const content = reply.content;
  return {
    status: content.status === 'ok' ? 'ok' : content.status === 'error' ? 'error' : 'aborted',
    executionCount: 'execution_count' in content && typeof content.execution_count === 'number' ? content.execution_count : undefined,
  };
}
