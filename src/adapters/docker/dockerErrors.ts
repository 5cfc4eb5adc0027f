// Turns dockerode failures into messages a user can act on.
import { BerthError, EngineUnreachableError, errorMessage } from '../../core/common/errors';

interface DockerodeError {
  statusCode?: number;
  code?: string;
  json?: { message?: string };
}

/** The engine's own message for a failed request, without dockerode's "(HTTP code …)" framing. */
export function engineMessage(error: unknown): string {
  const e = error as DockerodeError;
  return e?.json?.message ?? errorMessage(error);
}

export function isNotFound(error: unknown): boolean {
  return (error as DockerodeError)?.statusCode === 404;
}

/** Maps a failure of a launch step; `what` names the step for the message ("create the kernel container"). */
export function launchError(error: unknown, address: string, what: string): Error {
  if (error instanceof BerthError || (error instanceof Error && error.name === 'AbortError')) {
    return error;
  }
  const code = (error as DockerodeError)?.code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
    return new EngineUnreachableError(address, `${code}: ${errorMessage(error)}`);
  }
  const message = engineMessage(error);
  if (/port is already allocated|address already in use/i.test(message)) {
    return new BerthError(`Could not ${what}: a host port is already taken (${message}). Free the port or retry.`, { cause: error });
  }
  return new BerthError(`Could not ${what}: ${message}`, { cause: error });
}
