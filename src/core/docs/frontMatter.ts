import * as yaml from 'js-yaml';

export interface FrontMatter {
  /** The YAML text between the fences. */
  readonly raw: string;
  /** Top-level entries, values rendered as text; undefined when the YAML does not parse. */
  readonly entries?: readonly { readonly key: string; readonly value: string }[];
  /** Why the YAML did not parse. */
  readonly error?: string;
}

export interface SplitDocument {
  readonly frontMatter?: FrontMatter;
  /** The document with the front matter lines blanked, so markdown line numbers stay those of the source. */
  readonly body: string;
}

const FENCE = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

/** Separates a leading YAML front matter block (`---` … `---` or `...`) from the Markdown. */
export function splitFrontMatter(source: string): SplitDocument {
  const match = FENCE.exec(source);
  if (!match) return { body: source };
  const block = match[0];
  const raw = match[1];
  const blank = '\n'.repeat((block.match(/\n/g) ?? []).length);
  return { frontMatter: parseFrontMatter(raw), body: blank + source.slice(block.length) };
}

function parseFrontMatter(raw: string): FrontMatter {
  try {
    const data: unknown = yaml.load(raw, { schema: yaml.CORE_SCHEMA });
    if (data === null || data === undefined) return { raw, entries: [] };
    if (typeof data !== 'object' || Array.isArray(data)) return { raw, entries: [{ key: '', value: formatValue(data) }] };
    return { raw, entries: Object.entries(data).map(([key, value]) => ({ key, value: formatValue(value) })) };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { raw, error: message };
  }
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  return yaml.dump(value, { flowLevel: 0, lineWidth: -1 }).trim();
}
