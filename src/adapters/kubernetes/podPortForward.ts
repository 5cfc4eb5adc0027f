// A local 127.0.0.1 port in front of a pod's port, through the API server's port-forward (client-node's
// PortForward). One forwarded websocket per TCP connection: when a forward fails (connection reset, API server
// restart), only that connection ends, and the client's next connection opens a new forward, so a dropped
// forward heals by itself as soon as the API server answers again.
import * as net from 'node:net';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../core/common/errors';
import type { Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';

interface ForwardSocket {
  close(): void;
  terminate?(): void;
  on(event: 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
}

export class PodPortForward implements Disposable {
  private readonly server: net.Server;
  private readonly forwards = new Set<ForwardSocket>();
  private readonly sockets = new Set<net.Socket>();
  private disposed = false;
  /** Forwards opened so far (each TCP connection opens one). */
  opened = 0;

  private constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly pod: string,
    private readonly remotePort: number,
    private readonly log: Logger,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async open(kc: KubeConfig, namespace: string, pod: string, remotePort: number, log: Logger): Promise<PodPortForward> {
    const forward = new PodPortForward(kc, namespace, pod, remotePort, log);
    await new Promise<void>((resolve, reject) => {
      forward.server.once('error', reject);
      // Loopback only, and port 0: the OS picks a free port; never all interfaces, never a fixed port.
      forward.server.listen(0, '127.0.0.1', () => resolve());
    });
    return forward;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Ends every forwarded connection (as a reset would); new connections still open new forwards. */
  dropConnections(): void {
    for (const ws of this.forwards) {
      if (ws.terminate) ws.terminate();
      else ws.close();
    }
    for (const s of this.sockets) s.destroy();
  }

  private accept(socket: net.Socket): void {
    if (this.disposed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // The error channel carries the kubelet's message (e.g. nothing listens on the port yet): end this connection.
    const errors = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        // The channel's first frame is only its port number, which the client strips: an empty chunk.
        if (chunk.length === 0) return callback();
        this.log.trace(`port-forward to ${this.pod}:${this.remotePort}: ${chunk.toString('utf8').trim()}`);
        socket.destroy();
        callback();
      },
    });
    this.opened++;
    new PortForward(this.kc, true)
      .portForward(this.namespace, this.pod, [this.remotePort], socket, errors, socket)
      .then((result) => {
        const ws = (typeof result === 'function' ? result() : result) as ForwardSocket | null;
        if (!ws) {
          socket.destroy();
          return;
        }
        this.forwards.add(ws);
        const end = () => {
          this.forwards.delete(ws);
          socket.destroy();
        };
        ws.on('close', end);
        ws.on('error', end);
        socket.on('close', () => ws.close());
        if (socket.destroyed || this.disposed) ws.close();
      })
      .catch((error: unknown) => {
        this.log.debug(`port-forward to ${this.namespace}/${this.pod}:${this.remotePort} failed: ${errorMessage(error)}`);
        socket.destroy();
      });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.server.close();
    this.dropConnections();
  }
}
