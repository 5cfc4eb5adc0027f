// Opens the tunnel a kernel container's Jupyter is reached through (see serverTunnel.ts for the choice).
import type Docker from 'dockerode';
import { BerthError } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import { JUPYTER_PORT } from '../../core/kernels/containerSpec';
import { ExecTunnel } from './execTunnel';
import type { ServerTunnel, TunnelKind } from './serverTunnel';
import { sshConnectConfig, SshTunnel, type SshEndpoint } from './sshTunnel';

/** The port the engine published Jupyter on, on its own 127.0.0.1. */
export function publishedLoopbackPort(info: Docker.ContainerInspectInfo): number {
  const bindings = info.NetworkSettings?.Ports?.[`${JUPYTER_PORT}/tcp`] ?? [];
  const binding = bindings.find((b) => b.HostIp === '127.0.0.1' && b.HostPort);
  if (!binding) {
    throw new BerthError(`The kernel container ${info.Id.slice(0, 12)} has no port published on 127.0.0.1 for Jupyter (the engine assigned none)`);
  }
  return Number(binding.HostPort);
}

/** undefined for 'published-port': the engine's loopback is this machine's, nothing to tunnel. */
export async function openKernelTunnel(
  kind: TunnelKind,
  docker: Docker,
  container: Docker.Container,
  info: Docker.ContainerInspectInfo,
  address: string,
  log: Logger,
): Promise<ServerTunnel | undefined> {
  switch (kind) {
    case 'published-port':
      return undefined;
    case 'ssh':
      // The same connection settings docker-modem uses for this engine's API (its modem carries them).
      return SshTunnel.open(sshConnectConfig(docker.modem as unknown as SshEndpoint), address, publishedLoopbackPort(info), log);
    case 'exec':
      return ExecTunnel.open(container, JUPYTER_PORT, log);
  }
}
