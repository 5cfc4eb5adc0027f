// Export: Pandoc converts a Markdown document to HTML, PDF (XeLaTeX) or DOCX in a container of a Pandoc image,
// the same for the editor command and `berth export`. The plan (pandoc's arguments, the checks before it
// runs) and the reading of pandoc's and LaTeX's messages are pure and unit-tested.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import MarkdownIt from 'markdown-it';
import { BerthError, CancelledError } from '../common/errors';
import type { KernelOwner } from '../kernels/api';
import { DocumentFailedError, type DocProblem, type DocsBuildResult } from './docsFailure';
import { jobLabels, type JobRunner, type JobSpec } from './docsJob';
import { jobLayout, type JobLayout } from './jobLayout';

export const DEFAULT_PANDOC_IMAGE = 'berth/docs:latest';
export const EXPORT_FORMATS = ['html', 'pdf', 'docx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest {
  /** Absolute host path of the .md (or of an .Rmd whose knitted .md sits beside it). */
  readonly documentPath: string;
  readonly workspaceFolder?: string;
  readonly format: ExportFormat;
  readonly image: string;
  /** The output file; undefined: beside the document, with the format's extension. */
  readonly outPath?: string;
  readonly owner: KernelOwner;
  readonly user?: string;
}

export interface ExportHooks {
  readonly signal: AbortSignal;
  readonly onLog?: (line: string) => void;
}

/** What the front matter asks of the export, with the 0-based line of each file it names. */
export interface ExportMetadata {
  readonly bibliography: readonly { readonly file: string; readonly line: number }[];
  readonly csl?: { readonly file: string; readonly line: number };
  /** `references:` inline in the front matter: citeproc needs no file. */
  readonly inlineReferences: boolean;
  readonly toc: boolean;
  readonly tocDepth?: number;
}

const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

export function exportMetadata(source: string): ExportMetadata {
  const match = FRONT_MATTER.exec(source);
  let data: Record<string, unknown> = {};
  try {
    const loaded: unknown = match ? yaml.load(match[1], { schema: yaml.CORE_SCHEMA }) : undefined;
    if (typeof loaded === 'object' && loaded !== null && !Array.isArray(loaded)) data = loaded as Record<string, unknown>;
  } catch {
    // Pandoc reports bad YAML itself, with its line.
  }
  const lines = match ? match[1].split(/\r?\n/) : [];
  const lineOf = (key: string, value?: string): number => {
    const keyLine = lines.findIndex((l) => new RegExp(`^${key}\\s*:`).test(l));
    const valueLine = value === undefined ? -1 : lines.findIndex((l, i) => i >= keyLine && l.includes(value));
    // +1: the opening --- is line 0 of the document.
    return (valueLine >= 0 ? valueLine : Math.max(keyLine, 0)) + 1;
  };
  const bib = data.bibliography;
  const bibFiles = typeof bib === 'string' ? [bib] : Array.isArray(bib) ? bib.filter((b): b is string => typeof b === 'string') : [];
  const depth = Number(data['toc-depth']);
  return {
    bibliography: bibFiles.map((file) => ({ file, line: lineOf('bibliography', file) })),
    csl: typeof data.csl === 'string' ? { file: data.csl, line: lineOf('csl', data.csl) } : undefined,
    inlineReferences: Array.isArray(data.references),
    toc: data.toc === true || data['table-of-contents'] === true,
    tocDepth: Number.isInteger(depth) && depth > 0 ? depth : undefined,
  };
}

/** The local images the Markdown shows (`![alt](path)`), with their 0-based lines; web and data: images are left out. */
export function localImages(source: string): { readonly src: string; readonly line: number }[] {
  const md = new MarkdownIt({ html: false });
  const found: { src: string; line: number }[] = [];
  const lines = source.split(/\r?\n/);
  for (const token of md.parse(source.replace(FRONT_MATTER, (m) => '\n'.repeat((m.match(/\n/g) ?? []).length)), {})) {
    for (const child of token.children ?? []) {
      const src = child.type === 'image' ? child.attrGet('src') : null;
      if (!src || /^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith('//')) continue;
      const [start, end] = token.map ?? [0, lines.length];
      const exact = lines.slice(start, end).findIndex((l) => l.includes(src));
      found.push({ src, line: start + Math.max(exact, 0) });
    }
  }
  return found;
}

/**
 * The files the document names that are not there (relative to its folder, as pandoc resolves them): images,
 * the bibliography, the CSL style. Checked before pandoc runs, since pandoc only warns about a missing image
 * and writes the document without it.
 */
export async function missingFiles(source: string, documentDir: string, exists: (p: string) => Promise<boolean>, visibleRoots?: readonly string[]): Promise<DocProblem[]> {
  const meta = exportMetadata(source);
  const wanted = [
    ...localImages(source).map((i) => ({ what: 'image', file: i.src, line: i.line })),
    ...meta.bibliography.map((b) => ({ what: 'bibliography', file: b.file, line: b.line })),
    ...(meta.csl ? [{ what: 'citation style', file: meta.csl.file, line: meta.csl.line }] : []),
  ];
  const problems: DocProblem[] = [];
  for (const w of wanted) {
    const candidates = [w.file, safeDecode(w.file)].map((f) => path.resolve(documentDir, f));
    if (!(await anyExists(candidates, exists))) {
      problems.push({ message: `The ${w.what} ${w.file} does not exist (looked for ${candidates[0]})`, line: w.line, severity: 'error' });
    } else if (visibleRoots && !visibleRoots.some((root) => isInsideFolder(candidates[0], root))) {
      problems.push({ message: `The ${w.what} ${w.file} is outside the folder the container sees (${visibleRoots[0]}): open or run from a folder that holds both`, line: w.line, severity: 'error' });
    }
  }
  return problems;
}

function isInsideFolder(file: string, folder: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

async function anyExists(paths: readonly string[], exists: (p: string) => Promise<boolean>): Promise<boolean> {
  for (const p of paths) if (await exists(p)) return true;
  return false;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Pandoc's arguments. HTML is one self-contained file with MathML (no script, no network: it renders in any
 * browser and in a webview without scripts); PDF goes through XeLaTeX (Unicode text and fonts); citations go
 * through citeproc when the front matter names a bibliography.
 */
export function pandocArgs(input: string, output: string, format: ExportFormat, meta: ExportMetadata): string[] {
  const args = [input, '--standalone', '--output', output];
  if (format === 'html') args.push('--to=html5', '--self-contained', '--mathml');
  if (format === 'pdf') args.push('--pdf-engine=xelatex');
  if (format === 'docx') args.push('--to=docx');
  if (meta.bibliography.length > 0 || meta.inlineReferences) args.push('--citeproc');
  if (meta.toc) args.push('--toc', ...(meta.tocDepth ? [`--toc-depth=${meta.tocDepth}`] : []));
  return args;
}

export interface ExportPlan {
  readonly spec: JobSpec;
  readonly layout: JobLayout;
  /** Host paths: where pandoc writes, and where the result goes when pandoc succeeded. */
  readonly partPath: string;
  readonly outPath: string;
}

export function exportPlan(request: ExportRequest, sourcePath: string, meta: ExportMetadata, suffix: string): ExportPlan {
  const outPath = request.outPath ?? path.join(path.dirname(sourcePath), `${path.parse(sourcePath).name}.${request.format}`);
  const outDir = path.dirname(outPath);
  const layout = jobLayout(sourcePath, request.workspaceFolder, outDir);
  // The extension stays last: pandoc makes a PDF only for an output file named *.pdf.
  const partName = `.${path.parse(outPath).name}.berth-${suffix}${path.extname(outPath) || `.${request.format}`}`;
  const partInContainer = path.posix.join(layout.outDir, partName);
  return {
    layout,
    partPath: path.join(outDir, partName),
    outPath,
    spec: {
      image: request.image,
      command: ['pandoc', ...pandocArgs(path.basename(sourcePath), partInContainer, request.format, meta)],
      workingDir: layout.cwd,
      mounts: layout.mounts,
      env: { HOME: '/tmp', TEXMFVAR: '/tmp/texmf-var' },
      labels: jobLabels('export', request.documentPath, request.owner),
      user: request.user,
    },
  };
}

/** Reads pandoc's messages: what stopped it, and the warnings that belong to lines of the document. */
export function pandocFailure(lines: readonly string[], source: string, documentName: string, exitCode: number): DocumentFailedError {
  const latex = latexError(lines);
  if (latex) {
    const line = mapToSource(latex.context, source);
    const problem: DocProblem = { message: `LaTeX: ${latex.message}`, line, severity: 'error' };
    const where = line === undefined ? (latex.texLine ? ` (line ${latex.texLine} of the LaTeX pandoc generated)` : '') : ` (line ${line + 1})`;
    return new DocumentFailedError(`Exporting ${documentName} to PDF failed: LaTeX: ${latex.message}${where}`, line === undefined ? [] : [problem]);
  }
  const yamlLine = lines.map((l) => /YAML.*?line (\d+)/i.exec(l)).find((m) => m)?.[1];
  const reason = pandocReason(lines) ?? `pandoc exited with code ${exitCode}`;
  const problems: DocProblem[] = yamlLine ? [{ message: reason, line: Number(yamlLine) - 1, severity: 'error' }] : [];
  return new DocumentFailedError(`Exporting ${documentName} failed: ${reason}`, problems);
}

/** Pandoc's warnings that Berth shows on a line: citations citeproc did not find. */
export function pandocWarnings(lines: readonly string[], source: string): DocProblem[] {
  const problems: DocProblem[] = [];
  for (const l of lines) {
    const cite = /\[WARNING\] Citeproc: citation (\S+) not found/.exec(l);
    if (cite) problems.push({ message: `Citation @${cite[1]} is not in the bibliography`, line: mapToSource(`@${cite[1]}`, source), severity: 'warning' });
  }
  return problems;
}

/** A resource pandoc could not load (an image named in raw HTML or LaTeX, or at a path Berth's check did not see). */
export function missingResource(lines: readonly string[]): string | undefined {
  for (const l of lines) {
    const fetch = /Could not fetch resource '?([^':]+?)'?(?::|$)/.exec(l);
    if (fetch) return fetch[1];
    if (/openBinaryFile: does not exist/.test(l)) return l.replace(/^pandoc:\s*/, '');
  }
  return undefined;
}

function latexError(lines: readonly string[]): { message: string; context?: string; texLine?: number } | undefined {
  const start = lines.findIndex((l) => /^Error producing PDF/.test(l));
  if (start < 0) return undefined;
  const bang = lines.findIndex((l, i) => i > start && l.startsWith('! '));
  const message = bang >= 0 ? lines[bang].slice(2).trim().replace(/\.$/, '') : (lines[start + 1] ?? 'LaTeX failed').trim();
  const at = lines.findIndex((l, i) => i > start && /^l\.\d+ /.test(l));
  const match = at >= 0 ? /^l\.(\d+) (.*)$/.exec(lines[at]) : null;
  // "Undefined control sequence" points at the macro: the last control word of the context.
  const macro = match && /(\\[A-Za-z@]+)\s*$/.exec(match[2])?.[1];
  return { message: macro && /Undefined control sequence/.test(message) ? `${message} ${macro}` : message, context: macro ?? match?.[2]?.trim(), texLine: match ? Number(match[1]) : undefined };
}

/** The one line of the source that holds `text`, or undefined when none or several do. */
function mapToSource(text: string | undefined, source: string): number | undefined {
  if (!text || text.length < 2) return undefined;
  const hits = source.split(/\r?\n/).flatMap((l, i) => (l.includes(text) ? [i] : []));
  return hits.length === 1 ? hits[0] : undefined;
}

function pandocReason(lines: readonly string[]): string | undefined {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('[WARNING]') && !l.startsWith('[INFO]'));
  const error = meaningful.find((l) => /^pandoc:/.test(l)) ?? meaningful.find((l) => /error/i.test(l)) ?? meaningful[meaningful.length - 1];
  return error?.replace(/^pandoc:\s*/, '');
}

async function fileExists(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The Markdown to convert: the document itself, or for an .Rmd the .md that knitting it wrote. */
export async function exportSource(documentPath: string): Promise<string> {
  if (path.extname(documentPath).toLowerCase() !== '.rmd') return documentPath;
  const md = path.join(path.dirname(documentPath), `${path.parse(documentPath).name}.md`);
  if (!(await fileExists(md))) {
    throw new BerthError(`${path.basename(documentPath)} has not been knitted to Markdown: knit it with output: md_document (or keep_md: true), then export ${path.basename(md)}`);
  }
  return md;
}

/** Exports a document: checks what it names, runs pandoc, and moves the result into place only when pandoc succeeded. */
export async function exportDocument(runner: JobRunner, request: ExportRequest, hooks: ExportHooks): Promise<DocsBuildResult> {
  const sourcePath = await exportSource(request.documentPath);
  let source: string;
  try {
    source = await readFile(sourcePath, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BerthError(code === 'ENOENT' ? `${sourcePath} does not exist` : `cannot read ${sourcePath} (${code ?? String(error)})`);
  }
  const name = path.basename(sourcePath);
  const meta = exportMetadata(source);
  const plan = exportPlan(request, sourcePath, meta, randomBytes(6).toString('hex'));
  const missing = await missingFiles(source, path.dirname(sourcePath), fileExists, plan.layout.mounts.map((m) => m.hostPath));
  if (missing.length > 0) {
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
    throw new DocumentFailedError(`Cannot export ${name}: ${missing[0].message}${more}`, missing, sourcePath);
  }
  const lines: string[] = [];
  let exitCode: number;
  try {
    ({ exitCode } = await runner.run(plan.spec, hooks.signal, (line) => {
      lines.push(line);
      hooks.onLog?.(line);
    }));
    if (hooks.signal.aborted) throw new CancelledError();
    if (exitCode !== 0) {
      const failure = pandocFailure(lines, source, name, exitCode);
      throw new DocumentFailedError(failure.message, failure.problems, sourcePath);
    }
    const unfetched = missingResource(lines);
    if (unfetched) throw new DocumentFailedError(`Cannot export ${name}: pandoc could not load ${unfetched}`);
    if (!(await fileExists(plan.partPath))) throw new DocumentFailedError(`Exporting ${name} wrote no output`);
    await rename(plan.partPath, plan.outPath);
  } finally {
    await rm(plan.partPath, { force: true });
  }
  return { outputs: [plan.outPath], warnings: pandocWarnings(lines, source), sourcePath };
}
