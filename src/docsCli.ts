// `berth knit DOC.Rmd` and `berth export DOC.md --to FORMAT`: the same core as the editor's Knit and Export
// commands, with the exit codes of `berth run`: 0 ok, 1 the document failed, 2 usage or environment error (one
// line on stderr), 130/143 interrupted by SIGINT/SIGTERM. The container is removed on every path.
import * as path from 'node:path';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, SIGNAL_EXIT, stderrLogger } from './cliSupport';
import { DockerodeEngine } from './adapters/docker/dockerEngine';
import { DockerJobRunner } from './adapters/docker/dockerJobRunner';
import { parseDocsArgs, type DocsArgs } from './core/cli/docsArgs';
import { BerthError, isCancellation } from './core/common/errors';
import { DocumentFailedError, type DocsBuildResult } from './core/docs/docsFailure';
import { DEFAULT_PANDOC_IMAGE, exportDocument } from './core/docs/export';
import { DEFAULT_R_IMAGE, describeKnitProgress, knitDocument } from './core/docs/knit';
import type { KernelOwner } from './core/kernels/api';

const EXIT_DOCUMENT_FAILED = EXIT_FAILED;



/** The folder mounted at /workspace: the current directory when it holds the document, else the document's folder. */
function workspaceFor(documentPath: string): string {
  const cwd = process.cwd();
  const rel = path.relative(cwd, documentPath);
  return !rel.startsWith('..') && !path.isAbsolute(rel) ? cwd : path.dirname(documentPath);
}

export async function runDocsCommand(argv: readonly string[]): Promise<number> {
  let args: DocsArgs;
  try {
    args = parseDocsArgs(argv);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const log = stderrLogger(args.verbose);
  const progress = (message: string) => {
    if (process.stderr.isTTY || args.verbose) process.stderr.write(`berth: ${message}\n`);
  };
  const abort = new AbortController();
  let signalled: string | undefined;
  const onSignal = (name: string) => {
    if (signalled) process.exit(SIGNAL_EXIT[name] ?? EXIT_USAGE);
    signalled = name;
    progress(`${name}: stopping the ${args.command} container`);
    abort.abort();
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);

  const documentPath = path.resolve(args.document);
  const owner: KernelOwner = { kind: 'cli', id: `cli-${process.pid}`, pid: process.pid };
  const user = process.getuid && process.getgid ? `${process.getuid()}:${process.getgid()}` : undefined;
  const common = {
    documentPath,
    workspaceFolder: workspaceFor(documentPath),
    outPath: args.out ? path.resolve(args.out) : undefined,
    owner,
    user,
  };
  const engine = new DockerodeEngine(undefined);
  const runner = new DockerJobRunner(engine, log);
  const onLog = (line: string) => log.debug(line);
  try {
    await engine.ping(abort.signal);
    let result: DocsBuildResult;
    if (args.command === 'knit') {
      result = await knitDocument(runner, { ...common, image: args.image ?? DEFAULT_R_IMAGE }, { signal: abort.signal, onLog, onProgress: (p) => progress(describeKnitProgress(p)) });
    } else {
      progress(`pandoc ${path.basename(documentPath)} → ${args.to}`);
      result = await exportDocument(runner, { ...common, format: args.to, image: args.image ?? DEFAULT_PANDOC_IMAGE }, { signal: abort.signal, onLog });
    }
    for (const w of result.warnings) process.stderr.write(`berth: warning: ${w.line === undefined ? '' : `line ${w.line + 1}: `}${w.message}\n`);
    progress(`wrote ${result.outputs.join(', ')}`);
    return EXIT_OK;
  } catch (error) {
    if (signalled || isCancellation(error)) return SIGNAL_EXIT[signalled ?? 'SIGINT'];
    if (error instanceof DocumentFailedError) return fail(error.message, EXIT_DOCUMENT_FAILED);
    if (error instanceof BerthError) return fail(error.message);
    log.error(error instanceof Error ? error : String(error));
    return fail(`unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
  }
}
