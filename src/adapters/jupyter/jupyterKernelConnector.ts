// KernelConnector on @jupyterlab/services: starts, lists and connects to kernels on a Berth server.
import { KernelAPI, KernelConnection, type Kernel } from '@jupyterlab/services';
import { BerthError, CancelledError, errorMessage } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import type { KernelConnector, KernelSession, RunningKernelInfo, ServerHandle } from '../../core/kernels/api';
import { JupyterKernelSession } from './jupyterKernelSession';
import { serverSettings } from './serverSettings';

/** How long a fresh kernel may take to answer its first kernel_info request. */
const KERNEL_READY_TIMEOUT_MS = 60_000;

export class JupyterKernelConnector implements KernelConnector {
  constructor(private readonly log: Logger) {}

  async startKernel(server: ServerHandle, kernelspec: string, signal?: AbortSignal): Promise<KernelSession> {
    const settings = serverSettings(server);
    let model: Kernel.IModel;
    try {
      model = await KernelAPI.startNew({ name: kernelspec }, settings);
    } catch (error) {
      throw signal?.aborted ? new CancelledError() : new BerthError(`Jupyter could not start the "${kernelspec}" kernel: ${errorMessage(error)}`, { cause: error });
    }
    this.log.info(`kernel ${model.id} (${kernelspec}) started on ${server.resourceId.slice(0, 12)}`);
    try {
      return await this.connect(server, model, signal);
    } catch (error) {
      await KernelAPI.shutdownKernel(model.id, settings).catch(() => undefined);
      throw error;
    }
  }

  async listKernels(server: ServerHandle, signal?: AbortSignal): Promise<RunningKernelInfo[]> {
    const settings = serverSettings(server);
    try {
      const models = await KernelAPI.listRunning(settings);
      return models.map((m) => ({ id: m.id, name: m.name, executionState: m.execution_state ?? 'unknown', lastActivity: m.last_activity }));
    } catch (error) {
      throw signal?.aborted ? new CancelledError() : new BerthError(`Could not list the kernels of the Jupyter server: ${errorMessage(error)}`, { cause: error });
    }
  }

  async connectKernel(server: ServerHandle, kernelId: string, signal?: AbortSignal): Promise<KernelSession> {
    const model = await KernelAPI.getKernelModel(kernelId, serverSettings(server)).catch((error: unknown) => {
      throw new BerthError(`Could not reach kernel ${kernelId}: ${errorMessage(error)}`, { cause: error });
    });
    if (!model) {
      throw new BerthError(`Kernel ${kernelId} no longer runs on its server`);
    }
    return this.connect(server, model, signal);
  }

  /** Opens the kernel's websocket and waits for its first kernel_info reply: then it really answers. */
  private async connect(server: ServerHandle, model: Kernel.IModel, signal?: AbortSignal): Promise<KernelSession> {
    const connection = new KernelConnection({ model, serverSettings: serverSettings(server), handleComms: true });
    try {
      await raceReady(connection.info, signal, server);
    } catch (error) {
      connection.dispose();
      throw error;
    }
    return new JupyterKernelSession(server, connection, this.log);
  }
}

function raceReady<T>(ready: Promise<T>, signal: AbortSignal | undefined, server: ServerHandle): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new BerthError(`The kernel did not answer within ${KERNEL_READY_TIMEOUT_MS / 1000} s`))), KERNEL_READY_TIMEOUT_MS);
    const onAbort = () => finish(() => reject(new CancelledError()));
    const exit = server.onDidExit((e) => finish(() => reject(new BerthError(`The kernel's container stopped while the kernel started (${e.reason})`))));
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      exit.dispose();
      settle();
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    ready.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}
