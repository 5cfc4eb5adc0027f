// The one kernel start path for the VS Code controller and the CLI: server up, then a kernel on it. Whatever
// fails or is cancelled on the way, the server (its container) is disposed: nothing is orphaned.
import { CancelledError } from '../common/errors';
import type { KernelConnector, KernelSession, KernelTarget, LaunchOptions, LaunchProgress, RunningServer, ServerHandle, ServerLauncher } from './api';

export interface KernelStarter {
  readonly launcher: ServerLauncher;
  readonly connector: KernelConnector;
}

export async function launchKernel(
  deps: KernelStarter,
  target: KernelTarget,
  options: LaunchOptions,
  signal: AbortSignal,
  onProgress: (p: LaunchProgress) => void,
): Promise<KernelSession> {
  const server = await deps.launcher.start(target, options, signal, onProgress);
  try {
    if (signal.aborted) {
      throw new CancelledError();
    }
    onProgress({ stage: 'starting-kernel', message: `Starting the ${target.kernelspec} kernel` });
    const session = await deps.connector.startKernel(server, target.kernelspec, signal);
    if (signal.aborted) {
      // The kernel answered after all, but too late: the user no longer wants it.
      await session.shutdown().catch(() => undefined);
      throw new CancelledError();
    }
    return session;
  } catch (error) {
    await server.dispose().catch(() => undefined);
    throw signal.aborted ? new CancelledError() : error;
  }
}

/**
 * Re-attaches to a server found by label (after a window reload): connects to the kernel already running
 * there, so variables and execution count are intact; starts a fresh one only if the server has none.
 * Does not dispose the server on failure: it is the caller's to decide (it may belong to another window).
 */
export async function reattachKernel(deps: Pick<KernelStarter, 'connector'>, running: RunningServer, signal?: AbortSignal, token?: string): Promise<KernelSession> {
  const server = await running.attach(token);
  return (await connectOrStartKernel(deps.connector, server, running.target.kernelspec, signal)).session;
}

/**
 * On a server found again: connects to its kernel of `kernelspec` (else its first kernel), or starts one when it has
 * none. `attached` says which.
 */
export async function connectOrStartKernel(connector: KernelConnector, server: ServerHandle, kernelspec: string, signal?: AbortSignal): Promise<{ session: KernelSession; attached: boolean }> {
  const kernels = await connector.listKernels(server, signal);
  const kernel = kernels.find((k) => k.name === kernelspec) ?? kernels[0];
  return kernel ? { session: await connector.connectKernel(server, kernel.id, signal), attached: true } : { session: await connector.startKernel(server, kernelspec, signal), attached: false };
}
