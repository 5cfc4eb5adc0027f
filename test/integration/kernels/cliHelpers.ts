// `berth run` as a user runs it (the bundled dist/cli.js in a child process), and the reference it is held to:
// `jupyter nbconvert --execute` in the same image.
import { strict as assert } from 'assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { docker, KERNEL_IMAGE, withDeadline } from './helpers';

export const ROOT = resolve(__dirname, '../../../..');
export const CLI = join(ROOT, 'dist/cli.js');
/** Preloaded into the CLI's process when asked: writes its peak RSS (KiB) to BERTH_PEAK_RSS_FILE at exit. */
const PEAK_RSS = join(ROOT, 'test/integration/kernels/peakRss.cjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult>; stderr: () => string } {
  const preload = env.BERTH_PEAK_RSS_FILE ? ['--require', PEAK_RSS] : [];
  const child = spawn(process.execPath, [...preload, CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

export const runCli = (...args: string[]) => withDeadline(startCli(args).done, 120_000, `berth ${args.join(' ')} did not finish`);

/** Kernel containers the CLI started for notebooks under `dir` (labelled with the notebook's file URI). */
export async function cliContainers(dir: string) {
  const all = await docker.listContainers({ all: true, filters: { label: ['berth.owner.kind=cli'] } });
  return all.filter((c) => (c.Labels['berth.notebook'] ?? '').startsWith(`file://${dir}`));
}

export type Json = Record<string, unknown>;

/**
 * Stock nbconvert loses output when a cell writes many small messages: its ZeroMQ subscription discards messages past
 * 1000 queued, and it stops reading IOPub 4 s after the execute reply (measured on 100,000 flushed prints: 63,869 and
 * 64,762 lines kept). The lossless reference lifts both, the high-water mark the way Berth's server does.
 */
const LOSSLESS_NBCONVERT = `
import sys, zmq
_socket = zmq.Context.socket
def _socket_without_hwm(self, socket_type, *args, **kwargs):
    sock = _socket(self, socket_type, *args, **kwargs)
    if socket_type == zmq.SUB:
        sock.setsockopt(zmq.RCVHWM, 0)
    return sock
zmq.Context.socket = _socket_without_hwm
from nbconvert.nbconvertapp import main
sys.argv[0] = 'nbconvert'
main()
`;

/**
 * `jupyter nbconvert --to notebook --execute` inside the kernel image, `dir` mounted where Berth mounts it.
 * `lossless`: the reference for floods of messages (see LOSSLESS_NBCONVERT).
 */
export async function nbconvertInImage(dir: string, input: string, output: string, extra: string[] = [], options: { image?: string; lossless?: boolean } = {}): Promise<Json> {
  const args = ['--to', 'notebook', '--execute', ...extra, '--output', output, input];
  const container = await docker.createContainer({
    Image: options.image ?? KERNEL_IMAGE,
    Entrypoint: options.lossless ? ['python3', '-c', LOSSLESS_NBCONVERT] : ['python3', '-m', 'nbconvert'],
    Cmd: options.lossless ? ['--ExecutePreprocessor.iopub_timeout=600', ...args] : args,
    WorkingDir: '/workspace',
    Labels: { 'berth.test': 'nbconvert-reference' },
    HostConfig: { Binds: [`${dir}:/workspace`] },
  });
  try {
    await container.start();
    assert.equal(((await container.wait()) as { StatusCode: number }).StatusCode, 0, 'nbconvert failed');
  } finally {
    await container.remove({ force: true });
  }
  return JSON.parse(readFileSync(join(dir, output), 'utf8')) as Json;
}

/** What may differ between two executions of one notebook: timings, kernel info, how streams were chunked. */
export function normalise(nb: Json): Json {
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

/** Joins consecutive stream outputs of the same name (nbconvert writes one output per message). */
export function coalesceStreams(outputs: Json[]): Json[] {
  const result: Json[] = [];
  const text = (t: unknown) => (Array.isArray(t) ? t.join('') : String(t));
  for (const o of outputs) {
    const last = result[result.length - 1];
    if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name) {
      last.text = text(last.text) + text(o.text);
    } else {
      result.push(o.output_type === 'stream' ? { ...o, text: text(o.text) } : { ...o });
    }
  }
  return result;
}
