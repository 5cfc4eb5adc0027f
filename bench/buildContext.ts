// Build with a context of 10,000 small files: Berth's context walk + tar + send + build next to `docker build`
// (legacy builder, as Berth uses) of the same folder, in the same run; and Berth's walk + tar alone next to GNU
// tar of the folder (both without sending). Each build gets a fresh cache-busting file so the COPY step really runs.
// All four run interleaved in A B B A order (bench/lib/interleave.ts). Run: node out/bench/buildContext.js [runs=5]
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
import { interleave } from './lib/interleave';
import { compare, report } from './lib/results';
import { timeMs } from './lib/stats';
import { repetitions } from './lib/quick';

const RUNS = repetitions(Number(process.argv[2] ?? 5));
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
  let builds = 0;
  const bust = (who: string) => fs.writeFileSync(path.join(dir, 'bust.txt'), `${who} ${builds++} ${RUN_ID}\n`);
  /** One build, timed; its image is removed after the clock stops. */
  const build = (who: string, fn: (tag: string) => Promise<unknown>) => async () => {
    const tag = `berth-bench/ctx-${who}:${RUN_ID}-${builds}`;
    tags.push(tag);
    bust(who);
    const ms = await timeMs(() => fn(tag));
    await docker.getImage(tag).remove({ force: true });
    return ms;
  };
  const names = {
    cli: 'docker build (CLI, legacy builder)',
    berth: 'Berth: walk + tar + send + build',
    tar: 'GNU tar -c of the folder into a pipe',
    berthTar: 'Berth: .dockerignore walk + tar to a sink',
  };
  let samples: Map<string, number[]>;
  try {
    samples = await interleave(
      [
        { name: names.cli, run: build('cli', async (tag) => execFileSync('docker', ['build', '-q', '--label', `${LABEL}=${RUN_ID}`, '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'ignore' })) },
        { name: names.berth, run: build('berth', (tag) => runBuild(builder, { contextDir: dir, dockerfile: 'Dockerfile', tag, buildArgs: {}, labels: { [LABEL]: RUN_ID } }, DOCKERFILE, {})) },
        // Through a pipe: GNU tar skips reading the files when its archive is /dev/null itself.
        { name: names.tar, run: () => timeMs(async () => execFileSync('sh', ['-c', 'tar -c -C "$0" . | cat > /dev/null', dir])) },
        {
          name: names.berthTar,
          run: () =>
            timeMs(async () => {
              const entries = await listContextEntries(dir, 'Dockerfile');
              await pipeline(packContext(dir, entries), new Writable({ write: (_chunk, _enc, done) => done() }));
            }),
        },
      ],
      RUNS,
    );
  } finally {
    for (const tag of tags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const of = (k: keyof typeof names) => ({ name: names[k], samplesMs: samples.get(names[k])! });
  report(`Build with a ${FILES.toLocaleString('en')}-file context (FROM berth/debian-base:bookworm, COPY . /x), ${RUNS} runs`, [
    compare(`image build, ${FILES.toLocaleString('en')}-file context (COPY . /x)`, of('berth'), of('cli')),
    compare(`build context of ${FILES.toLocaleString('en')} files, tar to a sink (no send)`, of('berthTar'), of('tar')),
  ]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
