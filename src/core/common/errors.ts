/**
 * An error whose message a user can act on. The command boundary shows `message` once and logs the stack;
 * anything that is not a BerthError is shown as an unexpected failure.
 */
export class BerthError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No Docker Engine answers at the configured address. */
export class EngineUnreachableError extends BerthError {
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`No Docker Engine answers at ${address} (${reason}). Start Docker, or set berth.docker.host to an engine that runs.`);
  }
}

/** The user (or a caller) cancelled. Never shown to the user. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}

export function isCancellation(error: unknown): boolean {
  return error instanceof CancelledError || (error instanceof Error && error.name === 'AbortError');
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
