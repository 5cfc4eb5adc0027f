// Shared by the docs integration tests: the CLI as a user runs it, a fixture folder per test, commands run in the
// real images (pdftotext, nbconvert), the job containers a test started, and a DOCX (zip) reader.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import { docker, withDeadline } from '../kernels/helpers';

export const ROOT = resolve(__dirname, '../../../..');
export const R_IMAGE = process.env.BERTH_R_IMAGE ?? 'berth/r:latest';
export const DOCS_IMAGE = process.env.BERTH_DOCS_IMAGE ?? 'berth/docs:latest';
const CLI = join(ROOT, 'dist/cli.js');
const RESEARCH = join(ROOT, 'test/fixtures/workspace/research');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI in a child process, started in `cwd`: the folder it mounts when the document is inside it. */
export function startCli(args: string[], cwd = ROOT): { child: ChildProcess; done: Promise<CliResult>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

export const runCli = (...args: string[]) => withDeadline(startCli(args).done, 240_000, `berth ${args.join(' ')} did not finish`);
/** `berth …` run from `cwd`, as a user runs it from the project folder. */
export const runCliIn = (cwd: string, ...args: string[]) => withDeadline(startCli(args, cwd).done, 240_000, `berth ${args.join(' ')} did not finish`);

/** A fresh folder holding the research fixtures (paper.md, refs.bib, the CSL style, report.Rmd) and images/. */
export function fixtureFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `berth-it-${prefix}-`));
  cpSync(RESEARCH, join(dir, 'research'), { recursive: true });
  cpSync(join(ROOT, 'test/fixtures/workspace/images'), join(dir, 'images'), { recursive: true });
  return dir;
}

/** Knit and export containers for documents under `dir` (the berth.document label holds the document's path). */
export async function jobContainers(dir: string) {
  const all = await docker.listContainers({ all: true, filters: { label: ['berth.job'] } });
  return all.filter((c) => (c.Labels['berth.document'] ?? '').startsWith(dir));
}

export async function removeJobContainers(dir: string): Promise<void> {
  for (const c of await jobContainers(dir)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
}

/** Runs `cmd` in a throw-away container of `image` with `dir` at /workspace (where Berth mounts it); returns stdout. */
export async function runInImage(image: string, dir: string, cmd: string[]): Promise<string> {
  const container = await docker.createContainer({ Image: image, Cmd: cmd, WorkingDir: '/workspace', Labels: { 'berth.test': 'docs-reference' }, HostConfig: { Binds: [`${dir}:/workspace`] } });
  try {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const ended = new Promise((r) => stream.on('end', r));
    const collect = (into: Buffer[]) => new Writable({ write: (b: Buffer, _e, done) => (into.push(b), done()) });
    docker.modem.demuxStream(stream, collect(out), collect(err));
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await ended;
    if (StatusCode !== 0) throw new Error(`${cmd.join(' ')} exited ${StatusCode}: ${Buffer.concat(err).toString()}`);
    return Buffer.concat(out).toString('utf8');
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** One file out of a zip archive (a .docx is one): reads the central directory and inflates the entry. */
export function zipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const entryName = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (entryName === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return method === 0 ? data : inflateRawSync(data);
    }
    at += 46 + nameLength + extra + comment;
  }
  throw new Error(`${name} is not in the archive`);
}

type Json = Record<string, unknown>;

/** What may differ between two executions of one notebook: timings, kernel info, how streams were chunked. */
export function normaliseNotebook(nb: Json): Json {
  const cells = (nb.cells as Json[]).map((cell) => {
    const metadata = { ...(cell.metadata as Json) };
    delete metadata.execution;
    const outputs = cell.outputs as Json[] | undefined;
    return { ...cell, metadata, ...(outputs ? { outputs: coalesceStreams(outputs) } : {}) };
  });
  const metadata = { ...(nb.metadata as Json) };
  delete metadata.language_info;
  return { ...nb, cells, metadata };
}

function coalesceStreams(outputs: Json[]): Json[] {
  const result: Json[] = [];
  const text = (t: unknown) => (Array.isArray(t) ? t.join('') : String(t));
  for (const o of outputs) {
    const last = result[result.length - 1];
    if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name) last.text = text(last.text) + text(o.text);
    else result.push(o.output_type === 'stream' ? { ...o, text: text(o.text) } : { ...o });
  }
  return result;
}
