// The tunnel to a kernel on an ssh:// engine: a 127.0.0.1 port here, each connection to it one SSH channel
// (direct-tcpip) to 127.0.0.1:PORT on the remote, where the engine published Jupyter. The SSH connection is made
// the way the Docker client makes its own (docker-modem's ssh agent: same host, port, user, agent), so what lets
// Berth talk to the engine lets it reach the kernel; Berth holds no key, password or agent socket of its own.
// One SSH connection per tunnel, opened again on the next client connection after a drop (reset, network blip).
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { BerthError, errorMessage } from '../../core/common/errors';
import type { Logger } from '../../core/common/logger';
import { LoopbackRelay, type ServerTunnel } from './serverTunnel';
import { SshHostKeyCheck } from './sshHostKeys';

/** How long the SSH handshake may take: an unreachable host must fail, not hang. */
const READY_TIMEOUT_MS = 15_000;
/** Keepalives notice a connection that died without a reset (a network gone away) within half a minute. */
const KEEPALIVE_INTERVAL_MS = 10_000;
const KEEPALIVE_COUNT_MAX = 3;

/** What docker-modem connects with, read off the engine's modem (see its lib/ssh.js). */
export interface SshEndpoint {
  readonly host?: string;
  readonly port?: number | string;
  readonly username?: string;
  readonly password?: string;
  readonly sshOptions?: ConnectConfig;
}

export function sshConnectConfig(endpoint: SshEndpoint): ConnectConfig {
  return {
    ...endpoint.sshOptions,
    host: endpoint.host,
    port: endpoint.port === undefined ? 22 : Number(endpoint.port),
    username: endpoint.username,
    ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
    readyTimeout: READY_TIMEOUT_MS,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
  };
}

export class SshTunnel {
  private client: Promise<Client> | undefined;
  private relay!: LoopbackRelay;
  private disposed = false;
  /** SSH connections made so far (1 + the number of times a dropped one was made again). */
  connections = 0;

  private constructor(
    private readonly config: ConnectConfig,
    private readonly address: string,
    private readonly remotePort: number,
    private readonly log: Logger,
  ) {}

  /** Connects once before listening, so that an unreachable host is an error now, naming the address. */
  static async open(config: ConnectConfig, address: string, remotePort: number, log: Logger): Promise<ServerTunnel & { readonly tunnel: SshTunnel }> {
    const tunnel = new SshTunnel(config, address, remotePort, log);
    await tunnel.connection();
    tunnel.relay = await LoopbackRelay.listen((signal) => tunnel.channel(signal), `ssh tunnel to ${address} port ${remotePort}`, log, () => tunnel.close());
    const relay = tunnel.relay;
    return {
      tunnel,
      get localPort() {
        return relay.localPort;
      },
      get opened() {
        return relay.opened;
      },
      onDidDrop: relay.onDidDrop,
      dispose: () => relay.dispose(),
    };
  }

  private connection(): Promise<Client> {
    this.client ??= this.connect();
    return this.client;
  }

  private connect(): Promise<Client> {
    const client = new Client();
    this.connections++;
    const made = new Promise<Client>((resolve, reject) => {
      client.once('ready', () => resolve(client));
      client.once('error', (error: Error) => reject(new BerthError(`Cannot reach the Docker host ${this.address} over SSH for the kernel's tunnel: ${SshHostKeyCheck.of(this.config.hostVerifier)?.explain(error) ?? describe(error)}`, { cause: error })));
    });
    client.on('error', (error: Error) => this.log.debug(`ssh tunnel to ${this.address}: ${errorMessage(error)}`));
    client.once('close', () => {
      if (this.client === made) this.client = undefined;
      if (!this.disposed) {
        this.log.info(`ssh tunnel to ${this.address}: the SSH connection closed; the next request opens it again`);
        // Its channels do not always end with it: end their connections, so the client notices and connects again.
        this.relay?.dropConnections();
        this.relay?.dropped('the SSH connection closed');
      }
    });
    client.connect(this.config);
    made.catch(() => {
      if (this.client === made) this.client = undefined;
    });
    return made;
  }

  private async channel(signal: AbortSignal): Promise<ClientChannel> {
    const client = await this.connection();
    return new Promise<ClientChannel>((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, '127.0.0.1', this.remotePort, (error, channel) => {
        if (error) {
          reject(error);
        } else if (signal.aborted) {
          channel.destroy();
          reject(new Error('the client went away'));
        } else {
          resolve(channel);
        }
      });
    });
  }

  /** Ends the SSH connection as a reset would; the tunnel opens a new one for the next connection. */
  async dropConnection(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    client?.end();
  }

  private close(): void {
    this.disposed = true;
    void this.client?.then((c) => c.end(), () => undefined);
    this.client = undefined;
  }
}

function describe(error: Error): string {
  const code = (error as { code?: string; level?: string }).code ?? (error as { level?: string }).level;
  if (code === 'client-authentication') return 'the SSH server refused the login (no key in the SSH agent it accepts; is SSH_AUTH_SOCK set?)';
  if (code === 'client-timeout') return `no SSH handshake within ${READY_TIMEOUT_MS / 1000} s`;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
