// `berth run NOTEBOOK --image IMAGE [--kube-context CTX]`: executes a notebook in a container (or, with
// --kube-context, in a Kubernetes pod) from a terminal or CI, through the same core and adapters as the VS Code
// controller. Exit codes: 0 ok, 1 a cell failed, 2 usage or
// environment error (one line on stderr), 130/143 interrupted by SIGINT/SIGTERM. The container is removed
// on every path, signals included (in a pod: the pod and its Secret); after a SIGKILL (a CI timeout) its
// server shuts itself down once idle (CLI_IDLE_TIMEOUT_S), and the next `berth run` removes a container it left.
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DockerodeEngine } from './adapters/docker/dockerEngine';
import { DockerServerLauncher } from './adapters/docker/dockerServerLauncher';
import { localHost } from './adapters/host/localHost';
import { JupyterKernelConnector } from './adapters/jupyter/jupyterKernelConnector';
import { loadKubeContext } from './adapters/kubernetes/kubeContext';
import { KubernetesServerLauncher } from './adapters/kubernetes/kubernetesServerLauncher';
import { EXPORT_USAGE, isDocsCommand, KNIT_USAGE } from './core/cli/docsArgs';
import { parseCommandLine, USAGE, type RunArgs } from './core/cli/runArgs';
import { BerthError, isCancellation } from './core/common/errors';
import type { Logger } from './core/common/logger';
import type { KernelSession, LaunchOptions } from './core/kernels/api';
import { CLI_IDLE_TIMEOUT_S } from './core/kernels/containerSpec';
import { executeNotebook } from './core/kernels/executeNotebook';
import { removeLapsedLeftovers } from './core/kernels/leftovers';
import type { LauncherMap } from './core/kernels/launchers';
import { NotebookKernels, type KernelSourceRef, type TokenStorePort } from './core/kernels/notebookKernels';
import { formatBytes } from './core/kernels/notebookOutputs';
import { parseNotebook, serializeNotebook, type Notebook } from './core/kernels/nbformat';
import { runDocsCommand } from './docsCli';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, SIGNAL_EXIT, stderrLogger } from './cliSupport';

const EXIT_CELL_ERROR = EXIT_FAILED;


/** @jupyterlab/services reports connection chatter on console.debug/log, which would land in stdout. */
function routeLibraryConsole(log: Logger): void {
  const target = globalThis.console as unknown as Record<string, (...a: unknown[]) => void>;
  target.debug = (...a: unknown[]) => log.debug(a.map(String).join(' '));
  target.log = (...a: unknown[]) => log.debug(a.map(String).join(' '));
}


async function readNotebook(file: string): Promise<Notebook> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BerthError(code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file} (${code ?? String(error)})`);
  }
  return parseNotebook(text, file);
}

/** Writes next to the target and renames, so an interrupted write never leaves half a notebook. */
async function writeNotebook(file: string, nb: Notebook): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.berth-${process.pid}.tmp`);
  await writeFile(temp, serializeNotebook(nb), 'utf8');
  await rename(temp, file);
}

async function run(args: RunArgs): Promise<number> {
  const log = stderrLogger(args.verbose);
  routeLibraryConsole(log);
  const progress = (message: string) => {
    if (process.stderr.isTTY || args.verbose) {
      process.stderr.write(`berth: ${message}\n`);
    }
  };
  const notebookPath = path.resolve(args.notebook);
  const nb = await readNotebook(notebookPath);
  const outPath = path.resolve(args.out ?? args.notebook);

  const abort = new AbortController();
  let signalled: string | undefined;
  let session: KernelSession | undefined;
  const onSignal = (name: string) => {
    if (signalled) {
      // A second Ctrl-C: the user wants out now; the container was already asked to go.
      process.exit(SIGNAL_EXIT[name] ?? EXIT_USAGE);
    }
    signalled = name;
    progress(`${name}: stopping the kernel ${args.kube ? 'pod' : 'container'}`);
    abort.abort();
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);

  const options: LaunchOptions = {
    notebookPath,
    notebookKey: `file://${notebookPath}`,
    workspaceFolder: path.dirname(notebookPath),
    env: {},
    extraMounts: [],
    owner: { ...localHost().stampOf(process.pid), kind: 'cli', id: `cli-${process.pid}` },
    keepAlive: false,
    idleTimeoutS: CLI_IDLE_TIMEOUT_S,
  };
  const key = options.notebookKey;
  let kernels: NotebookKernels<KernelSourceRef> | undefined;
  try {
    let launchers: LauncherMap;
    let source: KernelSourceRef;
    if (args.kube) {
      // In a pod: the server command is found in the pod; the kernelspec is named (--kernel), the notebook's, or python3.
      const missing = args.kube.kubeconfig?.split(path.delimiter).find((f) => f !== '' && !existsSync(path.resolve(f)));
      if (missing) {
        throw new BerthError(`--kubeconfig ${missing} does not exist`);
      }
      const loaded = await loadKubeContext(args.kube.kubeconfig, args.kube.context);
      const namespace = args.kube.namespace ?? loaded.context.namespace ?? 'default';
      launchers = { kubernetes: new KubernetesServerLauncher(log, args.kube.copyLimitBytes ? { copyLimitBytes: args.kube.copyLimitBytes } : {}) };
      const kernelspec = args.kernel ?? notebookKernelspec(nb) ?? 'python3';
      source = { id: 'cli', reference: args.image, target: { kind: 'kubernetes', image: args.image, kernelspec, context: args.kube.context, namespace, ...(args.kube.kubeconfig ? { kubeconfig: args.kube.kubeconfig } : {}) } };
    } else {
      const engine = new DockerodeEngine(undefined);
      const launcher = new DockerServerLauncher(engine, log);
      launchers = { docker: launcher };
      await engine.ping(abort.signal);
      // What earlier runs on this host left (killed with SIGKILL, say): never another host's running kernels.
      const removed = await removeLapsedLeftovers(launcher, localHost(), log);
      if (removed.kernels + removed.probes > 0) progress(`removed ${removed.kernels} leftover kernel and ${removed.probes} probe container(s) of earlier runs`);
      // Probed once, here: the start gets this probe and does not probe again.
      const probe = await launcher.probe(args.image, abort.signal);
      if (!probe.serverCommand) {
        throw new BerthError(probe.unusableReason ?? `Image ${args.image} cannot serve Jupyter`);
      }
      source = { id: 'cli', reference: args.image, probe, target: { kind: 'docker', image: args.image, kernelspec: args.kernel ?? defaultKernelspec(nb, probe.kernelspecs.map((k) => k.name)) } };
    }
    kernels = cliKernels(launchers, log, options, notebookPath, (message) => progress(message), abort.signal);
    session = await kernels.session(key, source);
    const result = await executeNotebook(nb, session, {
      allowErrors: args.allowErrors,
      cellTimeoutMs: args.timeoutS !== undefined ? args.timeoutS * 1000 : undefined,
      signal: abort.signal,
      maxOutputBytes: args.maxOutputBytes,
      describeCut: (cut, limit) => `Output cut at ${formatBytes(limit)} (berth run --max-output-bytes): ${formatBytes(cut)} more (${cut.toLocaleString('en-US')} bytes) not written.`,
      onCell: (i, total) => progress(`running cell ${i}/${total}`),
    });
    await writeNotebook(outPath, nb);
    if (result.kind === 'cell-error') {
      process.stderr.write(`berth: ${result.message} (outputs written to ${outPath})\n`);
      return EXIT_CELL_ERROR;
    }
    progress(`${result.cellsRun} cells run; outputs written to ${outPath}`);
    return EXIT_OK;
  } catch (error) {
    if (signalled || isCancellation(error)) {
      return SIGNAL_EXIT[signalled ?? 'SIGINT'];
    }
    if (error instanceof BerthError) {
      log.debug(error.stack ?? error.message);
      return fail(error.message);
    }
    log.error(error instanceof Error ? error : String(error));
    return fail(`unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (kernels) {
      await kernels.shutdown(key).catch((e: unknown) => log.warn(`could not remove the kernel ${args.kube ? 'pod' : 'container'}: ${String(e)}`));
      kernels.dispose();
    }
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
  }
}

/**
 * The kernel lifecycle VS Code uses, for one notebook and this process: progress lines on stderr, cancelled by the
 * signal handlers' abort, tokens in memory only, and no server of an earlier owner to resume (the owner is this pid).
 */
function cliKernels(launchers: LauncherMap, log: Logger, options: LaunchOptions, notebookPath: string, progress: (message: string) => void, signal: AbortSignal): NotebookKernels<KernelSourceRef> {
  const tokens = new Map<string, string>();
  const memory: TokenStorePort = {
    get: async (id) => tokens.get(id),
    set: async (id, token) => void tokens.set(id, token),
    delete: async (id) => void tokens.delete(id),
  };
  return new NotebookKernels<KernelSourceRef>({
    launchers,
    connector: new JupyterKernelConnector(log),
    ui: {
      withStartProgress: (_task, run) => run((p) => progress(p.message), signal),
      withAttachProgress: (_title, run) => run(),
      checkTrust: () => {},
      // A death shows in the cell that was running (executeNotebook reports it, and the exit code says so).
      announceDeath: () => {},
    },
    // Its own info lines (kernel started, container removed) repeat what the progress lines say: warnings only.
    log: { ...log, info: () => {} },
    tokens: memory,
    owner: options.owner,
    resumeOwnServers: false,
    launchOptions: () => options,
    nameOf: () => notebookPath,
  });
}

function notebookKernelspec(nb: Notebook): string | undefined {
  const spec = nb.metadata.kernelspec as { name?: unknown } | undefined;
  return typeof spec?.name === 'string' && spec.name ? spec.name : undefined;
}

/** The notebook's own kernelspec when the image has it, else python3, else the image's first. */
function defaultKernelspec(nb: Notebook, available: readonly string[]): string {
  const own = notebookKernelspec(nb);
  return own && available.includes(own) ? own : available.includes('python3') ? 'python3' : available[0];
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    if (isDocsCommand(argv[0])) return await runDocsCommand(argv);
    const command = parseCommandLine(argv);
    if (command.kind === 'help') {
      process.stdout.write(`${USAGE}\n${KNIT_USAGE}\n${EXPORT_USAGE}\n\nRuns every code cell of NOTEBOOK in a Jupyter kernel inside a container of IMAGE on the local\nDocker Engine and writes the outputs back (or to --out). With --kube-context the kernel runs in a pod of that\nkubeconfig context (IMAGE as the cluster pulls it; the notebook's folder is copied in, results stay in the pod);\nthe pod and its Secret are removed on every path. Exit codes: 0 ok, 1 a cell failed, 2 usage or\nenvironment error.\n`);
      return EXIT_OK;
    }
    return await run(command.args);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

// docker-modem builds an `ssh:HOST:PORT…` URL for every request to an ssh:// engine and parses it with url.parse,
// which makes Node print a DEP0170 warning into the run's output. Only that warning is dropped.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
  if (code === 'DEP0170' && String(warning instanceof Error ? warning.message : warning).startsWith('The URL ssh:')) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;

void main(process.argv.slice(2)).then((code) => process.exit(code));
