// `berth knit` and `berth export` command-line parsing: pure, so every usage error is unit-tested with its message.
import { BerthError } from '../common/errors';
import { EXPORT_FORMATS, type ExportFormat } from '../docs/export';

export const KNIT_USAGE = 'usage: berth knit DOC.Rmd [--image IMAGE] [--out FILE] [--verbose]';
export const EXPORT_USAGE = 'usage: berth export DOC.md --to html|pdf|docx [--image IMAGE] [--out FILE] [--verbose]';

export const DOCS_COMMANDS = ['knit', 'export'] as const;

export interface KnitArgs {
  readonly command: 'knit';
  readonly document: string;
  readonly image?: string;
  readonly out?: string;
  readonly verbose: boolean;
}

export interface ExportArgs {
  readonly command: 'export';
  readonly document: string;
  readonly to: ExportFormat;
  readonly image?: string;
  readonly out?: string;
  readonly verbose: boolean;
}

export type DocsArgs = KnitArgs | ExportArgs;

export class DocsUsageError extends BerthError {
  constructor(reason: string, usage: string) {
    super(`${reason} (${usage})`);
  }
}

export function isDocsCommand(word: string | undefined): word is DocsArgs['command'] {
  return (DOCS_COMMANDS as readonly (string | undefined)[]).includes(word);
}

/** Parses `knit …` or `export …` (argv[0] is the command). */
export function parseDocsArgs(argv: readonly string[]): DocsArgs {
  const command = argv[0];
  if (!isDocsCommand(command)) throw new BerthError(`not a docs command: ${command}`);
  const usage = command === 'knit' ? KNIT_USAGE : EXPORT_USAGE;
  const valued = new Set(command === 'knit' ? ['--image', '--out'] : ['--image', '--out', '--to']);
  const positional: string[] = [];
  const values = new Map<string, string>();
  let verbose = false;
  const rest = argv.slice(1);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--verbose') {
      if (eq > 0) throw new DocsUsageError('--verbose takes no value', usage);
      verbose = true;
    } else if (valued.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new DocsUsageError(`${name} needs a value`, usage);
      values.set(name, value);
    } else {
      throw new DocsUsageError(`unknown option ${name}`, usage);
    }
  }
  if (positional.length === 0) throw new DocsUsageError('no document given', usage);
  if (positional.length > 1) throw new DocsUsageError(`one document at a time (got ${positional.length})`, usage);
  const document = positional[0];
  const common = { document, image: values.get('--image'), out: values.get('--out'), verbose };
  if (command === 'knit') {
    if (!/\.rmd$/i.test(document)) throw new DocsUsageError(`${document} is not an R Markdown document (.Rmd)`, usage);
    return { command, ...common };
  }
  const to = values.get('--to');
  if (!to) throw new DocsUsageError('--to is required', usage);
  if (!(EXPORT_FORMATS as readonly string[]).includes(to)) throw new DocsUsageError(`--to must be html, pdf or docx, not "${to}"`, usage);
  if (!/\.(md|markdown|rmd)$/i.test(document)) throw new DocsUsageError(`${document} is not a Markdown document (.md)`, usage);
  if (common.out !== undefined && !common.out.toLowerCase().endsWith(`.${to}`)) throw new DocsUsageError(`--out ${common.out} must end in .${to} for --to ${to}`, usage);
  return { command, ...common, to: to as ExportFormat };
}
