// Knit: `rmarkdown::render` of an R Markdown document in a container of an R image, the same for the editor
// command and `berth knit`. Pure planning (the job spec, the formats) and reading of R's output are unit-tested;
// knitDocument runs the plan through the JobRunner port.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { BerthError, CancelledError } from '../common/errors';
import type { KernelOwner } from '../kernels/api';
import { DocumentFailedError, type DocProblem, type DocsBuildResult } from './docsFailure';
import { jobLabels, type JobRunner, type JobSpec } from './docsJob';
import { jobLayout, type JobLayout } from './jobLayout';
import { scanRmdChunks, type RmdChunk } from './rmdChunk';

export const DEFAULT_R_IMAGE = 'berth/r:latest';

/** Lines the knit script prints (on stderr, with R's messages) for Berth to read. */
const CHUNK_MARK = 'berth-chunk:';
const OUTPUT_MARK = 'berth-output:';

/**
 * Renders every output format the front matter names (or the one BERTH_FORMAT names) into a scratch folder,
 * with the intermediates in the container's temporary folder, then moves each result into the output folder
 * under a temporary name and renames it: a cancelled or failed knit leaves neither half a file nor the
 * `*.knit.md` / `*_files` litter behind. A chunk hook reports each chunk before it runs.
 */
export const KNIT_SCRIPT = `local({
  env <- function(name) Sys.getenv(name, unset = "")
  input <- env("BERTH_INPUT")
  format <- env("BERTH_FORMAT")
  out_file <- env("BERTH_OUTPUT_FILE")
  out_dir <- env("BERTH_OUTPUT_DIR")
  stage <- file.path(tempdir(), "berth-out")
  dir.create(stage, showWarnings = FALSE)
  knitr::knit_hooks$set(berth_progress = function(before, options) {
    if (before) message("${CHUNK_MARK}", options$label)
    NULL
  })
  knitr::opts_chunk$set(berth_progress = TRUE)
  outputs <- rmarkdown::render(input,
    output_format = if (nzchar(format)) format else "all",
    output_file = if (nzchar(out_file)) out_file else NULL,
    output_dir = stage, intermediates_dir = tempdir(),
    knit_root_dir = getwd(), envir = new.env(), quiet = FALSE)
  for (f in outputs) {
    dest <- file.path(out_dir, basename(f))
    part <- file.path(out_dir, paste0(".", basename(f), ".berth-", env("BERTH_SUFFIX")))
    if (!file.copy(f, part, overwrite = TRUE) || !file.rename(part, dest)) stop("could not write ", dest)
    message("${OUTPUT_MARK}", dest)
  }
})`;

export interface KnitRequest {
  /** Absolute host path of the .Rmd. */
  readonly documentPath: string;
  /** The folder mounted at /workspace; undefined: the document's folder. */
  readonly workspaceFolder?: string;
  readonly image: string;
  /** One output file (its extension picks the format); undefined: every format of the front matter, beside the document. */
  readonly outPath?: string;
  readonly owner: KernelOwner;
  /** `uid:gid` the job runs as, so the outputs belong to the user. */
  readonly user?: string;
}

export type KnitProgress =
  | { readonly kind: 'chunk'; readonly label: string; readonly line?: number; readonly index: number; readonly total: number }
  | { readonly kind: 'pandoc' };

/** Progress in words: "chunk 3/7: plot (line 21)". */
export function describeKnitProgress(p: KnitProgress): string {
  if (p.kind === 'pandoc') return 'converting with pandoc';
  const where = p.line === undefined ? '' : ` (line ${p.line + 1})`;
  return `chunk ${p.index}/${p.total}: ${p.label}${where}`;
}

export interface KnitHooks {
  readonly signal: AbortSignal;
  readonly onProgress?: (progress: KnitProgress) => void;
  /** Every line R wrote, in order: the log. */
  readonly onLog?: (line: string) => void;
}

/** The output format names of an R Markdown front matter (`output:` as a name, a list or a map); html_document by default. */
export function outputFormats(source: string): string[] {
  const match = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/.exec(source);
  let data: unknown;
  try {
    data = match ? yaml.load(match[1], { schema: yaml.CORE_SCHEMA }) : undefined;
  } catch {
    // rmarkdown reports a YAML error itself, on the line it can name.
    return ['html_document'];
  }
  const output = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).output : undefined;
  if (typeof output === 'string' && output.trim()) return [output.trim()];
  if (Array.isArray(output)) return output.filter((o): o is string => typeof o === 'string');
  if (typeof output === 'object' && output !== null) return Object.keys(output);
  return ['html_document'];
}

const EXTENSION_FORMATS: Record<string, { readonly pattern: RegExp; readonly fallback: string }> = {
  '.html': { pattern: /html|ioslides|slidy|revealjs/, fallback: 'html_document' },
  '.pdf': { pattern: /pdf|beamer/, fallback: 'pdf_document' },
  '.docx': { pattern: /word|docx/, fallback: 'word_document' },
  '.odt': { pattern: /odt/, fallback: 'odt_document' },
  '.md': { pattern: /md_document|github_document|markdown/, fallback: 'md_document' },
};

/** The format that writes `outPath`: the front matter's format of that kind, else rmarkdown's standard one. */
export function formatForOutput(formats: readonly string[], outPath: string): string {
  const ext = path.extname(outPath).toLowerCase();
  const kind = EXTENSION_FORMATS[ext];
  if (!kind) {
    throw new BerthError(`--out ${outPath}: Berth knits to .html, .pdf, .docx, .odt or .md, not "${ext || 'no extension'}"`);
  }
  return formats.find((f) => kind.pattern.test(f.replace(/^\w+::/, ''))) ?? kind.fallback;
}

export interface KnitPlan {
  readonly spec: JobSpec;
  readonly layout: JobLayout;
  /** The suffix of the temporary names the job writes before renaming. */
  readonly suffix: string;
}

export function knitPlan(request: KnitRequest, source: string, suffix: string): KnitPlan {
  const outDirHost = request.outPath ? path.dirname(request.outPath) : path.dirname(request.documentPath);
  const layout = jobLayout(request.documentPath, request.workspaceFolder, outDirHost);
  const format = request.outPath ? formatForOutput(outputFormats(source), request.outPath) : '';
  return {
    layout,
    suffix,
    spec: {
      image: request.image,
      command: ['Rscript', '-e', KNIT_SCRIPT],
      workingDir: layout.cwd,
      mounts: layout.mounts,
      env: {
        BERTH_INPUT: path.basename(request.documentPath),
        BERTH_FORMAT: format,
        BERTH_OUTPUT_FILE: request.outPath ? path.basename(request.outPath) : '',
        BERTH_OUTPUT_DIR: layout.outDir,
        BERTH_SUFFIX: suffix,
        // R, knitr and LaTeX write caches under HOME; the job may run as a user the image does not know.
        HOME: '/tmp',
      },
      labels: jobLabels('knit', request.documentPath, request.owner),
      user: request.user,
    },
  };
}

/** Reads R's output line by line: which chunk runs, when pandoc starts, which files were written. */
export class KnitLogReader {
  private readonly lines: string[] = [];
  private readonly outputs: string[] = [];
  private chunkIndex = 0;

  constructor(private readonly chunks: readonly RmdChunk[]) {}

  /** Feeds one line; returns the progress it shows, if any. */
  push(line: string): KnitProgress | undefined {
    this.lines.push(line);
    if (line.startsWith(CHUNK_MARK)) {
      const label = line.slice(CHUNK_MARK.length).trim();
      const found = this.chunks.findIndex((c) => c.label === label);
      this.chunkIndex = found >= 0 ? found + 1 : this.chunkIndex + 1;
      return { kind: 'chunk', label, line: found >= 0 ? this.chunks[found].line : undefined, index: this.chunkIndex, total: this.chunks.length };
    }
    if (line.startsWith(OUTPUT_MARK)) {
      this.outputs.push(line.slice(OUTPUT_MARK.length).trim());
      return undefined;
    }
    if (/^\S*pandoc(\s|$)/.test(line)) return { kind: 'pandoc' };
    return undefined;
  }

  /** The container paths of the files the knit wrote. */
  get written(): readonly string[] {
    return this.outputs;
  }

  /** What went wrong, from R's last words: the failing chunk and its line when knitr names them. */
  failure(documentName: string, exitCode: number): DocumentFailedError {
    const lines = this.lines.filter((l) => !l.startsWith(CHUNK_MARK));
    const quitting = findLast(lines, (l) => /^Quitting from lines? \d+/.test(l));
    const errorAt = quitting >= 0 ? lines.findIndex((l, i) => i > quitting && /^Error\b/.test(l)) : findLast(lines, (l) => /^Error\b/.test(l));
    const reason = errorAt >= 0 ? errorMessageAt(lines, errorAt) : lastWords(lines) || `R exited with code ${exitCode}`;
    if (quitting < 0) {
      return new DocumentFailedError(`Knitting ${documentName} failed: ${reason}`);
    }
    const first = Number(/(\d+)/.exec(lines[quitting])?.[1]) - 1;
    const chunk = this.chunks.find((c) => c.line <= first && first <= c.endLine);
    const where = chunk ? `chunk "${chunk.label}" (line ${chunk.line + 1})` : `the inline R code on line ${first + 1}`;
    const problem: DocProblem = { message: reason, line: chunk ? chunk.line : first, severity: 'error' };
    return new DocumentFailedError(`Knitting ${documentName} failed in ${where}: ${reason}`, [problem]);
  }
}

/** `Error in f(x) : message` or `Error: message`, with the lines that continue it (up to R's `Calls:` trailer). */
function errorMessageAt(lines: readonly string[], at: number): string {
  const head = lines[at].replace(/^Error(?: in .*?)?\s*:\s*/, '');
  const rest: string[] = [];
  for (let i = at + 1; i < lines.length && rest.length < 5; i++) {
    if (/^(Calls:|Execution halted|In addition:|Warning message|\s*$)/.test(lines[i])) break;
    rest.push(lines[i].trim());
  }
  // "Error in eval(expr, envir, enclos) :" puts the message on the next line when the call is long.
  return [head.trim(), ...rest].filter((s) => s.length > 0).join(' ');
}

function lastWords(lines: readonly string[]): string {
  const meaningful = lines.filter((l) => l.trim() !== '' && !/^Execution halted/.test(l));
  return meaningful[meaningful.length - 1]?.trim() ?? '';
}

function findLast<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return i;
  return -1;
}

/** Knits a document: runs the plan, reports progress, and returns the files it wrote (host paths). */
export async function knitDocument(runner: JobRunner, request: KnitRequest, hooks: KnitHooks): Promise<DocsBuildResult> {
  let source: string;
  try {
    source = await readFile(request.documentPath, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BerthError(code === 'ENOENT' ? `${request.documentPath} does not exist` : `cannot read ${request.documentPath} (${code ?? String(error)})`);
  }
  const plan = knitPlan(request, source, randomBytes(6).toString('hex'));
  const reader = new KnitLogReader(scanRmdChunks(source));
  let exitCode: number;
  try {
    ({ exitCode } = await runner.run(plan.spec, hooks.signal, (line) => {
      hooks.onLog?.(line);
      const progress = reader.push(line);
      if (progress) hooks.onProgress?.(progress);
    }));
  } catch (error) {
    await removeParts(plan);
    throw error;
  }
  if (hooks.signal.aborted) {
    await removeParts(plan);
    throw new CancelledError();
  }
  if (exitCode !== 0) {
    await removeParts(plan);
    throw reader.failure(path.basename(request.documentPath), exitCode);
  }
  const outputs = reader.written.map((p) => plan.layout.toHost(p)).filter((p): p is string => p !== undefined);
  if (outputs.length === 0) {
    throw new DocumentFailedError(`Knitting ${path.basename(request.documentPath)} wrote no output`);
  }
  return { outputs, warnings: [] };
}

/** Removes the temporary files of a knit that stopped between writing and renaming them. */
async function removeParts(plan: KnitPlan): Promise<void> {
  const dir = plan.layout.toHost(plan.layout.outDir);
  if (!dir) return;
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.endsWith(`.berth-${plan.suffix}`)).map((n) => rm(path.join(dir, n), { force: true })));
}
