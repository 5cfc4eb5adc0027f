// The host-key check for ssh:// engines, as OpenSSH's client makes it (the docker CLI runs `ssh`, which does).
// docker-modem's ssh2 connection accepts any host key unless given a hostVerifier, so Berth gives one to the Docker
// client's connection and to every kernel tunnel (they share the modem's options). The user's and the system's
// known_hosts files are read at each handshake; Berth never writes them: an unknown key is refused with how to
// accept it (`ssh HOST` once), a changed or revoked one is refused outright.
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkHostKey, hostKeyRefusal, type KnownHostsFile } from '../../core/ssh/knownHosts';

export const HOST_KEY_REFUSED = 'Host denied (verification failed)';

/** The files OpenSSH reads by default (UserKnownHostsFile, GlobalKnownHostsFile). */
export function knownHostsFiles(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || os.homedir();
  return [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2'), '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
}

const checks = new WeakMap<object, SshHostKeyCheck>();

export class SshHostKeyCheck {
  /** The check behind a connect config's hostVerifier (the kernel tunnels get the config off the Docker client's modem). */
  static of(verifier: unknown): SshHostKeyCheck | undefined {
    return typeof verifier === 'function' ? checks.get(verifier) : undefined;
  }

  /** Why the last handshake's key was refused; ssh2's own error only says "Host denied (verification failed)". */
  refusal: string | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly user: string | undefined,
    private readonly files: readonly string[],
  ) {
    checks.set(this.verifier, this);
  }

  /** ssh2's asynchronous hostVerifier: the key is the server's public key blob. */
  readonly verifier = (key: Buffer, verify: (ok: boolean) => void): void => {
    void this.check(key).then(
      (refusal) => {
        this.refusal = refusal;
        verify(refusal === undefined);
      },
      (error: unknown) => {
        this.refusal = `the SSH host key of ${this.host} could not be checked: ${String(error)}`;
        verify(false);
      },
    );
  };

  private async check(key: Buffer): Promise<string | undefined> {
    const read = await Promise.all(this.files.map((file) => readFile(file, 'utf8').then((text): KnownHostsFile => ({ path: file, text }), () => undefined)));
    return hostKeyRefusal(checkHostKey(read.filter((f) => f !== undefined), this.host, this.port, key), this.host, this.port, this.user);
  }

  /** The message for an ssh2 error: the refusal's reason when the host key was what failed. */
  explain(error: unknown): string | undefined {
    return error instanceof Error && error.message.includes(HOST_KEY_REFUSED) ? this.refusal : undefined;
  }
}
