import { BerthError } from '../common/errors';

/** The kernel process died while Berth was talking to it (e.g. `os._exit(1)`, out of memory). */
export class KernelDiedError extends BerthError {
  constructor(detail = 'The kernel died while running this cell') {
    super(`${detail}. Restart the kernel to continue; variables are lost.`);
  }
}

/** The Jupyter server (its container) is gone: stopped, killed from outside, or the engine went away. */
export class ServerGoneError extends BerthError {
  constructor(readonly reason: string) {
    super(`The kernel's container is gone (${reason}). Start the kernel again to continue.`);
  }
}
