// The tunnel to a kernel on a tcp:// (or TLS) engine: no port of the remote machine can be reached safely, but the
// engine's API can. Each connection to a 127.0.0.1 port here becomes one exec, in the kernel container, of a small
// Python forwarder that relays its stdin and stdout to Jupyter's port inside the container. Works on any engine (it
// needs nothing but the API), which is why it is also measured as the one path for all (bench/remoteKernel.ts).
import { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from '../../core/common/logger';
import { LoopbackRelay, type ServerTunnel } from './serverTunnel';

/**
 * Relays one TCP connection to 127.0.0.1:PORT (argv[1]) over stdin/stdout; exits when either side closes. stdin's
 * end becomes a half-close, so the server still sends what it has left.
 */
export const FORWARDER_SCRIPT = `import os, socket, sys, threading
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
def up():
    while True:
        d = os.read(0, 65536)
        if not d:
            break
        s.sendall(d)
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
threading.Thread(target=up, daemon=True).start()
out = sys.stdout.buffer
while True:
    d = s.recv(65536)
    if not d:
        break
    out.write(d)
    out.flush()
`;

/** The exec's argv: python3, else python (images name it either way). */
export function forwarderCommand(port: number): string[] {
  return ['/bin/sh', '-c', 'if command -v python3 >/dev/null 2>&1; then exec python3 -c "$0" "$1"; else exec python -c "$0" "$1"; fi', FORWARDER_SCRIPT, String(port)];
}

/**
 * Splits the engine's multiplexed exec stream (no TTY: 8-byte headers, stream type then big-endian length) into
 * stdout and stderr payloads. Frames may arrive cut anywhere.
 */
export class ExecFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: 'stdout' | 'stderr', payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (type === 1 || type === 2) this.onFrame(type === 1 ? 'stdout' : 'stderr', payload);
    }
  }
}

export class ExecTunnel {
  /** Execs started so far: one per relayed connection. */
  execs = 0;

  private constructor(
    private readonly container: Docker.Container,
    private readonly containerPort: number,
    private readonly log: Logger,
  ) {}

  static async open(container: Docker.Container, containerPort: number, log: Logger): Promise<ServerTunnel> {
    const tunnel = new ExecTunnel(container, containerPort, log);
    return LoopbackRelay.listen((signal) => tunnel.stream(signal), `exec tunnel to ${container.id.slice(0, 12)}:${containerPort}`, log);
  }

  private async stream(signal: AbortSignal): Promise<Duplex> {
    const exec = await this.container.exec({ Cmd: forwarderCommand(this.containerPort), AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    this.execs++;
    const raw = (await exec.start({ hijack: true, stdin: true })) as Duplex;
    if (signal.aborted) {
      raw.destroy();
      throw new Error('the client went away');
    }
    let stderr = '';
    const duplex: Duplex = new Duplex({
      write: (chunk: Buffer, _encoding, callback) => raw.write(chunk, callback),
      // The client's end reaches the forwarder as the end of its stdin (the engine half-closes the exec's input).
      final: (callback) => {
        raw.end();
        callback();
      },
      read: () => raw.resume(),
      destroy: (error, callback) => {
        raw.destroy();
        callback(error);
      },
    });
    const decoder = new ExecFrameDecoder((stream, payload) => {
      if (stream === 'stderr') {
        stderr += payload.toString('utf8');
      } else if (!duplex.push(payload)) {
        raw.pause();
      }
    });
    raw.on('data', (chunk: Buffer) => decoder.push(chunk));
    raw.on('end', () => {
      if (stderr.trim()) this.log.trace(`exec tunnel to ${this.container.id.slice(0, 12)}: ${stderr.trim().split('\n').pop()}`);
      duplex.push(null);
    });
    raw.on('error', (error: Error) => duplex.destroy(error));
    raw.on('close', () => duplex.destroy());
    return duplex;
  }
}
