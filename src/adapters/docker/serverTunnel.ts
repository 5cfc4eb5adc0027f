// How Berth reaches a kernel container's Jupyter port, chosen by how the engine is reached. On a local socket the
// engine's loopback is this machine's, so the port the engine published on 127.0.0.1 is used as is. A remote engine
// publishes on ITS loopback, which this machine cannot reach: a tunnel puts a 127.0.0.1 port here in front of it.
//   ssh://  → sshTunnel.ts: one SSH channel per connection to the remote's 127.0.0.1:PUBLISHED_PORT;
//   tcp://  → execTunnel.ts: one exec of a small forwarder in the container per connection to its Jupyter port.
// Either way nothing is published beyond the remote's loopback, and the token only travels inside the tunnel.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../../core/common/errors';
import { Emitter, type Event } from '../../core/common/event';
import type { Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';
import type { DockerHostKind } from './dockerHost';

export type TunnelKind = 'published-port' | 'ssh' | 'exec';

/** The tunnel for an engine reached as `host`; `override` (a bench, a setting) picks another that also works there. */
export function tunnelKindFor(host: DockerHostKind, override?: TunnelKind): TunnelKind {
  // The exec forwarder works on every engine (it needs only the engine's API); a published port only where the
  // engine's loopback is this machine's, an SSH channel only over SSH.
  if (override === 'exec' || (override === 'ssh' && host === 'ssh') || (override === 'published-port' && host === 'socket')) return override;
  switch (host) {
    case 'socket':
      return 'published-port';
    case 'ssh':
      return 'ssh';
    case 'tcp':
      return 'exec';
  }
}

/** A 127.0.0.1 port on this machine in front of a kernel server's port. */
export interface ServerTunnel extends Disposable {
  readonly localPort: number;
  /** Fires when the connection under the tunnel is lost (SSH reset, engine gone); the next connection opens it again. */
  readonly onDidDrop: Event<{ readonly reason: string }>;
  /** Connections relayed so far. */
  readonly opened: number;
}

/**
 * The local half shared by the tunnels: a loopback listener that relays each accepted connection to a stream
 * opened for it (`openStream`). A failure ends that connection only; the client's next connection tries again,
 * so a tunnel heals by itself once its transport answers again.
 */
export class LoopbackRelay implements ServerTunnel {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly dropEmitter = new Emitter<{ readonly reason: string }>();
  readonly onDidDrop = this.dropEmitter.event;
  private disposed = false;
  opened = 0;

  private constructor(
    private readonly openStream: (signal: AbortSignal) => Promise<Duplex>,
    private readonly describe: string,
    private readonly log: Logger,
    private readonly onDispose: () => void,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async listen(openStream: (signal: AbortSignal) => Promise<Duplex>, describe: string, log: Logger, onDispose: () => void = () => {}): Promise<LoopbackRelay> {
    const relay = new LoopbackRelay(openStream, describe, log, onDispose);
    await new Promise<void>((resolve, reject) => {
      relay.server.once('error', reject);
      // Loopback only, and port 0: the OS picks a free port; never all interfaces, never a fixed port.
      relay.server.listen(0, '127.0.0.1', () => resolve());
    });
    return relay;
  }

  get localPort(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Tells listeners the transport went away (the tunnel implementation calls it). */
  dropped(reason: string): void {
    if (!this.disposed) this.dropEmitter.fire({ reason });
  }

  /** Ends every relayed connection, as a reset of the transport would. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  private accept(socket: net.Socket): void {
    if (this.disposed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const abort = new AbortController();
    socket.on('close', () => {
      this.sockets.delete(socket);
      abort.abort();
    });
    socket.on('error', () => socket.destroy());
    // Hold what the client sends until the far side is open.
    socket.pause();
    this.opened++;
    this.openStream(abort.signal).then(
      (remote) => {
        if (socket.destroyed) {
          remote.destroy();
          return;
        }
        remote.on('error', (error: Error) => {
          this.log.trace(`${this.describe}: ${errorMessage(error)}`);
          socket.destroy();
        });
        // An orderly close lets what is buffered reach the client; an error (above) cuts the connection.
        remote.on('close', () => socket.end());
        socket.on('close', () => remote.destroy());
        socket.pipe(remote);
        remote.pipe(socket);
        socket.resume();
      },
      (error: unknown) => {
        this.log.debug(`${this.describe}: could not open a connection: ${errorMessage(error)}`);
        socket.destroy();
      },
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.server.close();
    this.dropConnections();
    this.dropEmitter.dispose();
    this.onDispose();
  }
}
