// Build with a context of 10,000 small files: Berth's context walk + tar + send + build next to `docker build`
// (legacy builder, as Berth uses) of the same folder, in the same run; and Berth's walk + tar alone next to GNU
// tar of the folder (both without sending). Each build gets a fresh cache-busting file so the COPY step really runs.
// Run: node out/bench/buildContext.js [runs]
import { execFileSync } from 'child_process';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { DockerImageBuilder } from '../src/adapters/docker/dockerImageBuilder';
import { listContextEntries, packContext } from '../src/adapters/docker/contextTar';
import { runBuild } from '../src/core/build/buildRunner';
import { printTable, timeMs } from './lib/stats';

const RUNS = Number(process.argv[2] ?? 5);
const FILES = 10_000;
const DOCKERFILE = 'FROM berth/debian-base:bookworm\nCOPY . /x\n';
const LABEL = 'berth.bench.build-context';
const RUN_ID = `${process.pid}-${Date.now()}`;

function makeContext(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-ctx-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE);
  fs.writeFileSync(path.join(dir, '.dockerignore'), '*.tmp\n**/skip-*\n');
  for (let d = 0; d < 100; d++) {
    const sub = path.join(dir, `pkg${d}`);
    fs.mkdirSync(sub);
    for (let f = 0; f < FILES / 100; f++) fs.writeFileSync(path.join(sub, `mod${f}.py`), `# module ${d}.${f}\nVALUE = ${d * 1000 + f}\n`);
  }
  return dir;
}

async function main(): Promise<void> {
  const docker = new Docker();
  const builder = new DockerImageBuilder(docker, 'unix:///var/run/docker.sock');
  const dir = makeContext();
  const tags: string[] = [];
  const samples = { cli: [] as number[], berth: [] as number[], tar: [] as number[], berthTar: [] as number[] };
  const bust = (who: string, run: number) => fs.writeFileSync(path.join(dir, 'bust.txt'), `${who} ${run} ${RUN_ID}\n`);
  try {
    for (let run = 0; run < RUNS; run++) {
      const cliTag = `berth-bench/ctx-cli:${RUN_ID}-${run}`;
      const berthTag = `berth-bench/ctx-berth:${RUN_ID}-${run}`;
      tags.push(cliTag, berthTag);
      const cli = async () => {
        bust('cli', run);
        samples.cli.push(await timeMs(async () => {
          execFileSync('docker', ['build', '-q', '--label', `${LABEL}=${RUN_ID}`, '-t', cliTag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'ignore' });
        }));
      };
      const berth = async () => {
        bust('berth', run);
        samples.berth.push(await timeMs(() => runBuild(builder, { contextDir: dir, dockerfile: 'Dockerfile', tag: berthTag, buildArgs: {}, labels: { [LABEL]: RUN_ID } }, DOCKERFILE, {})));
      };
      // Alternate the order so neither side always runs on a warmer page cache.
      if (run % 2 === 0) {
        await cli();
        await berth();
      } else {
        await berth();
        await cli();
      }
      // Through a pipe: GNU tar skips reading the files when its archive is /dev/null itself.
      samples.tar.push(await timeMs(async () => execFileSync('sh', ['-c', 'tar -c -C "$0" . | cat > /dev/null', dir])));
      samples.berthTar.push(await timeMs(async () => {
        const entries = await listContextEntries(dir, 'Dockerfile');
        await pipeline(packContext(dir, entries), new Writable({ write: (_chunk, _enc, done) => done() }));
      }));
      for (const tag of [cliTag, berthTag]) await docker.getImage(tag).remove({ force: true });
      process.stderr.write(`run ${run + 1}/${RUNS} done\n`);
    }
  } finally {
    for (const tag of tags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printTable(`Build with a ${FILES.toLocaleString('en')}-file context (FROM berth/debian-base:bookworm, COPY . /x), ${RUNS} runs`, [
    { name: 'docker build (CLI, legacy builder)', samplesMs: samples.cli },
    { name: 'Berth: walk + tar + send + build', samplesMs: samples.berth, floor: 'docker build (CLI, legacy builder)' },
    { name: 'GNU tar -c of the folder into a pipe', samplesMs: samples.tar },
    { name: 'Berth: .dockerignore walk + tar to a sink', samplesMs: samples.berthTar, floor: 'GNU tar -c of the folder into a pipe' },
  ]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
