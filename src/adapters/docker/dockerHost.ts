import type { DockerOptions } from 'dockerode';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface ResolvedDockerHost {
  /** The address as the user would write it (shown in messages). */
  readonly address: string;
  readonly options: DockerOptions;
}

/**
 * Resolves the Docker host the way the docker CLI does: the explicit setting, else DOCKER_HOST, else the
 * default socket. Accepts unix://, npipe://, tcp://, http(s):// and ssh:// addresses, or a bare socket path.
 */
export function resolveDockerHost(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedDockerHost {
  const raw = (setting ?? '').trim() || (env.DOCKER_HOST ?? '').trim() || `unix://${DEFAULT_DOCKER_SOCKET}`;
  if (raw.startsWith('/')) {
    return { address: `unix://${raw}`, options: { socketPath: raw } };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not a Docker host address (expected unix:///path/docker.sock or tcp://host:port)`);
  }
  switch (url.protocol) {
    case 'unix:':
      return { address: raw, options: { socketPath: decodeURIComponent(url.pathname) } };
    case 'npipe:':
      return { address: raw, options: { socketPath: raw.replace(/^npipe:/, '').replace(/\//g, '\\') } };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = url.protocol === 'https:' || (url.protocol === 'tcp:' && !!env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0');
      return {
        address: raw,
        options: { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' },
      };
    }
    case 'ssh:':
      return {
        address: raw,
        options: { host: url.hostname, port: Number(url.port || 22), username: url.username || undefined, protocol: 'ssh' },
      };
    default:
      throw new Error(`Unsupported Docker host scheme "${url.protocol}" in "${raw}"`);
  }
}
