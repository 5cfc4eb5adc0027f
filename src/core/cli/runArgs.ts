// `berth run` command-line parsing: pure, so every usage error is unit-tested with its message.
import { BerthError } from '../common/errors';

export const USAGE = 'usage: berth run NOTEBOOK --image IMAGE [--out PATH] [--timeout SECONDS] [--allow-errors] [--kernel NAME] [--max-output-bytes SIZE] [--kube-context CONTEXT [--namespace NS] [--kubeconfig FILE] [--copy-limit SIZE]] [--verbose]';

export interface RunArgs {
  readonly notebook: string;
  readonly image: string;
  readonly out?: string;
  /** Per-cell limit, like nbconvert's ExecutePreprocessor.timeout. */
  readonly timeoutS?: number;
  readonly allowErrors: boolean;
  readonly kernel?: string;
  /** Stream text each cell keeps, in bytes, before it is cut with a note; undefined: every byte is written. */
  readonly maxOutputBytes?: number;
  readonly verbose: boolean;
  /** Set by --kube-context: the kernel runs in a pod of that context instead of a local container. */
  readonly kube?: KubeRunArgs;
}

export interface KubeRunArgs {
  readonly context: string;
  /** Default: the context's own namespace, else `default`. */
  readonly namespace?: string;
  /** Default: KUBECONFIG, else ~/.kube/config. */
  readonly kubeconfig?: string;
  /** The most the notebook's folder may hold to be copied into the pod, in bytes; default 100 MB. */
  readonly copyLimitBytes?: number;
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
  const valued = new Set(['--image', '--out', '--timeout', '--kernel', '--max-output-bytes', '--kube-context', '--namespace', '--kubeconfig', '--copy-limit']);
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
  const maxOutput = values.get('--max-output-bytes');
  const maxOutputBytes = maxOutput === undefined ? undefined : parseSize(maxOutput);
  const context = values.get('--kube-context');
  for (const flag of ['--namespace', '--kubeconfig', '--copy-limit']) {
    if (values.has(flag) && !context) {
      throw new UsageError(`${flag} needs --kube-context`);
    }
  }
  const kube: KubeRunArgs | undefined = context
    ? {
        context,
        ...(values.has('--namespace') ? { namespace: values.get('--namespace') } : {}),
        ...(values.has('--kubeconfig') ? { kubeconfig: values.get('--kubeconfig') } : {}),
        ...(values.has('--copy-limit') ? { copyLimitBytes: parseSize(values.get('--copy-limit')!, '--copy-limit') } : {}),
      }
    : undefined;
  return {
    notebook: positional[0],
    image,
    out: values.get('--out'),
    timeoutS,
    allowErrors: flags.has('--allow-errors'),
    kernel: values.get('--kernel'),
    ...(maxOutputBytes !== undefined ? { maxOutputBytes } : {}),
    verbose: flags.has('--verbose'),
    ...(kube ? { kube } : {}),
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `1048576`, `512K`, `10MB`, `1.5MiB` → bytes (powers of 1024). */
function parseSize(text: string, flag = '--max-output-bytes'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes <= 0) {
    throw new UsageError(`${flag} must be a positive size such as 1048576, 512K or 10MB, not "${text}"`);
  }
  return bytes;
}
