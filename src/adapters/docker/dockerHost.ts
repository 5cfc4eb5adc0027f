import type { DockerOptions } from 'dockerode';
import { knownHostsFiles, SshHostKeyCheck } from './sshHostKeys';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** How the engine is reached: it decides how Berth reaches the kernels' ports (see serverTunnel.ts). */
export type DockerHostKind = 'socket' | 'ssh' | 'tcp';

export interface ResolvedDockerHost {
  /** The address as the user would write it (shown in messages). */
  readonly address: string;
  readonly kind: DockerHostKind;
  readonly options: DockerOptions;
  /** ssh:// only: the host-key check in options.sshOptions.hostVerifier, which says why it refused a key. */
  readonly hostKeys?: SshHostKeyCheck;
}

/**
 * Resolves the Docker host the way the docker CLI does: the explicit setting, else DOCKER_HOST, else the
 * default socket. Accepts unix://, npipe://, tcp://, http(s):// and ssh:// addresses, or a bare socket path.
 */
export function resolveDockerHost(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedDockerHost {
  const raw = (setting ?? '').trim() || (env.DOCKER_HOST ?? '').trim() || `unix://${DEFAULT_DOCKER_SOCKET}`;
  if (raw.startsWith('/')) {
    return { address: `unix://${raw}`, kind: 'socket', options: { socketPath: raw } };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not a Docker host address (expected unix:///path/docker.sock or tcp://host:port)`);
  }
  switch (url.protocol) {
    case 'unix:':
      return { address: raw, kind: 'socket', options: { socketPath: decodeURIComponent(url.pathname) } };
    case 'npipe:':
      return { address: raw, kind: 'socket', options: { socketPath: raw.replace(/^npipe:/, '').replace(/\//g, '\\') } };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = url.protocol === 'https:' || (url.protocol === 'tcp:' && !!env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0');
      return {
        address: raw,
        kind: 'tcp',
        options: { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' },
      };
    }
    case 'ssh:': {
      // As the docker CLI does: the user's SSH agent authenticates (Berth holds no key or password), and the login
      // name is the local user's when the address names none. docker-modem reads the agent only from DOCKER_HOST,
      // so a host set in berth.docker.host passes it here; the kernel tunnels use the same options (sshTunnel.ts).
      // The host key is checked against known_hosts as `ssh` would (ssh2 alone accepts any key).
      const username = decodeURIComponent(url.username) || env.USER || env.LOGNAME || undefined;
      const port = Number(url.port || 22);
      const hostKeys = new SshHostKeyCheck(url.hostname, port, username, knownHostsFiles(env));
      return {
        address: raw,
        kind: 'ssh',
        options: {
          host: url.hostname,
          port,
          username,
          protocol: 'ssh',
          sshOptions: { ...(env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}), hostVerifier: hostKeys.verifier },
        },
        hostKeys,
      };
    }
    default:
      throw new Error(`Unsupported Docker host scheme "${url.protocol}" in "${raw}"`);
  }
}
