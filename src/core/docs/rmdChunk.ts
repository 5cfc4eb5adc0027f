/** The header of an R Markdown chunk: ```` ```{r label, echo=FALSE} ````. */
export interface RmdChunkHeader {
  /** The knitr engine: r, python, bash, sql, … */
  readonly engine: string;
  /** The chunk label, when the header names one. */
  readonly label?: string;
  readonly options: readonly { readonly key: string; readonly value: string }[];
}

/** The highlight.js language for a knitr engine; engines not listed highlight under their own name. */
const ENGINE_LANGUAGES: Record<string, string> = { sh: 'bash', rcpp: 'cpp', js: 'javascript', stan: 'stan' };

export function languageOfEngine(engine: string): string {
  const lower = engine.toLowerCase();
  return ENGINE_LANGUAGES[lower] ?? lower;
}

/** Parses a fence info string; returns undefined when it is not a chunk header (`{engine …}`). */
export function parseRmdChunkHeader(info: string): RmdChunkHeader | undefined {
  const match = /^\{\s*([A-Za-z][\w.]*)\s*,?\s*(.*?)\s*\}\s*$/s.exec(info.trim());
  if (!match) return undefined;
  const [, engine, rest] = match;
  const parts = splitOptions(rest);
  let label: string | undefined;
  const options: { key: string; value: string }[] = [];
  parts.forEach((part, index) => {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (index === 0) label = part;
      else options.push({ key: part, value: '' });
      return;
    }
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'label') label = unquote(value);
    else options.push({ key, value });
  });
  return { engine, label, options };
}

/** Splits `a, b = "x, y", c=f(1, 2)` at top-level commas (quotes and parentheses protect commas). */
function splitOptions(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '(' || ch === '[') {
      depth++;
    } else if ((ch === ')' || ch === ']') && depth > 0) {
      depth--;
    } else if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts.filter((p) => p.length > 0);
}

function unquote(value: string): string {
  return /^(["']).*\1$/s.test(value) ? value.slice(1, -1) : value;
}

/** A code chunk of an R Markdown document, where it is and what knitr calls it. */
export interface RmdChunk {
  /** knitr's label: the header's, or `unnamed-chunk-N` as knitr numbers chunks without one. */
  readonly label: string;
  readonly engine: string;
  /** 0-based line of the chunk header. */
  readonly line: number;
  /** 0-based line of the closing fence (the last line of the document when the chunk is never closed). */
  readonly endLine: number;
}

const CHUNK_OPEN = /^([ \t]*)(`{3,}|~{3,})\s*(\{.*\})\s*$/;

/**
 * The code chunks of an R Markdown source, in order. knitr names a chunk without a label `unnamed-chunk-N`,
 * N counting every chunk of the document so far (labelled ones too), which is what this reproduces.
 */
export function scanRmdChunks(source: string): RmdChunk[] {
  const lines = source.split(/\r?\n/);
  const chunks: RmdChunk[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = CHUNK_OPEN.exec(lines[i]);
    const header = open && parseRmdChunkHeader(open[3]);
    if (!open || !header) continue;
    const fence = open[2];
    const close = new RegExp(`^[ \\t]*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    chunks.push({ label: header.label ?? `unnamed-chunk-${chunks.length + 1}`, engine: header.engine, line: i, endLine: Math.min(end, lines.length - 1) });
    i = end;
  }
  return chunks;
}
