// What `berth run`, `berth knit` and `berth export` share: exit codes, the stderr logger and the one-line failure.
import type { Logger } from './core/common/logger';

export const EXIT_OK = 0;
/** A cell or the document failed. */
export const EXIT_FAILED = 1;
/** Usage or environment error. */
export const EXIT_USAGE = 2;
export const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Warnings and errors always; info and debug with --verbose. Never stdout, which may be a pipe. */
export function stderrLogger(verbose: boolean): Logger {
  const write = (level: string) => (message: string | Error, ...args: unknown[]) => {
    const text = message instanceof Error ? (message.stack ?? message.message) : message;
    process.stderr.write(`berth [${level}] ${[text, ...args.map(String)].join(' ')}\n`);
  };
  const quiet = () => {};
  return { trace: quiet, debug: verbose ? write('debug') : quiet, info: verbose ? write('info') : quiet, warn: write('warn'), error: write('error') };
}

/** One line on stderr; returns the exit code. */
export function fail(message: string, code = EXIT_USAGE): number {
  process.stderr.write(`berth: ${message.split('\n')[0]}\n`);
  return code;
}
