// Removing what Berth's own host let lapse, for every caller that cleans up without a window of its own: `berth run`
// when it starts, and the scripts that stop a VS Code host. (A VS Code window uses core/notebook/kernelOwnership,
// which also re-attaches its own containers.)
import { errorMessage } from '../common/errors';
import type { Logger } from '../common/logger';
import type { RunningServer, ServerLauncher } from './api';
import { isLapsed, type OwnedResource, type ThisHost } from './ownerLiveness';

/** A listed server as the liveness rule sees it. */
export function serverResource(server: Pick<RunningServer, 'owner' | 'keepAlive' | 'running' | 'finished' | 'startedAtMs'>): OwnedResource {
  return {
    owner: server.owner,
    keepAlive: server.keepAlive,
    state: server.finished ? 'finished' : server.running ? 'running' : 'created',
    createdAtMs: server.startedAtMs,
  };
}

export interface LeftoversRemoved {
  readonly kernels: number;
  readonly probes: number;
}

/**
 * Removes finished servers, never-started ones, and this host's whose owner is gone (not kept alive); probe leftovers
 * too. Another host's running server is never touched. Failures are logged, not thrown: cleanup must not stop a run.
 */
export async function removeLapsedLeftovers(launcher: Pick<ServerLauncher, 'listRunning' | 'removeLapsedProbes'>, host: ThisHost, log: Logger, nowMs: number = Date.now()): Promise<LeftoversRemoved> {
  let kernels = 0;
  let probes = 0;
  try {
    for (const server of await launcher.listRunning()) {
      if (!isLapsed(serverResource(server), host, nowMs)) continue;
      try {
        await server.remove();
        kernels++;
        log.info(`removed leftover kernel ${server.resourceId.slice(0, 12)} (${server.target.image}, owner ${server.owner.kind} pid ${server.owner.pid}: ${server.finished ? 'finished' : 'gone'})`);
      } catch (error) {
        log.warn(`removing leftover kernel ${server.resourceId.slice(0, 12)} failed: ${errorMessage(error)}`);
      }
    }
  } catch (error) {
    log.warn(`listing leftover kernels failed: ${errorMessage(error)}`);
  }
  try {
    probes = (await launcher.removeLapsedProbes?.(host, nowMs)) ?? 0;
  } catch (error) {
    log.warn(`removing leftover probe containers failed: ${errorMessage(error)}`);
  }
  return { kernels, probes };
}
