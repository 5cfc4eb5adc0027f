// `berth run` command-line parsing: pure, so every usage error is unit-tested with its message.
import { BerthError } from '../common/errors';

export const USAGE = 'usage: berth run NOTEBOOK --image IMAGE [--out PATH] [--timeout SECONDS] [--allow-errors] [--kernel NAME] [--verbose]';

export interface RunArgs {
  readonly notebook: string;
  readonly image: string;
  readonly out?: string;
  /** Per-cell limit, like nbconvert's ExecutePreprocessor.timeout. */
  readonly timeoutS?: number;
  readonly allowErrors: boolean;
  readonly kernel?: string;
  readonly verbose: boolean;
}

export class UsageError extends BerthError {
  constructor(reason: string) {
    super(`${reason} (${USAGE})`);
  }
}

export type CliCommand = { readonly kind: 'help' } | { readonly kind: 'run'; readonly args: RunArgs };

export function parseCommandLine(argv: readonly string[]): CliCommand {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    return { kind: 'help' };
  }
  if (argv[0] !== 'run') {
    throw new UsageError(`unknown command "${argv[0]}"`);
  }
  return { kind: 'run', args: parseRunArgs(argv.slice(1)) };
}

function parseRunArgs(argv: readonly string[]): RunArgs {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const valued = new Set(['--image', '--out', '--timeout', '--kernel']);
  const boolean = new Set(['--allow-errors', '--verbose']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (boolean.has(name)) {
      if (eq > 0) {
        throw new UsageError(`${name} takes no value`);
      }
      flags.add(name);
    } else if (valued.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) {
        throw new UsageError(`${name} needs a value`);
      }
      values.set(name, value);
    } else {
      throw new UsageError(`unknown option ${name}`);
    }
  }
  if (positional.length === 0) {
    throw new UsageError('no notebook given');
  }
  if (positional.length > 1) {
    throw new UsageError(`one notebook at a time (got ${positional.length})`);
  }
  const image = values.get('--image');
  if (!image) {
    throw new UsageError('--image is required');
  }
  const timeout = values.get('--timeout');
  let timeoutS: number | undefined;
  if (timeout !== undefined) {
    timeoutS = Number(timeout);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
      throw new UsageError(`--timeout must be a positive number of seconds, not "${timeout}"`);
    }
  }
  return {
    notebook: positional[0],
    image,
    out: values.get('--out'),
    timeoutS,
    allowErrors: flags.has('--allow-errors'),
    kernel: values.get('--kernel'),
    verbose: flags.has('--verbose'),
  };
}
