// The build context's tar on a real disk: byte for byte the archive tar-fs made before (the packer Berth used),
// read by GNU tar as the same entries GNU tar itself writes, and failing or stopping the way a build expects.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as tarFs from 'tar-fs';
import { listContextEntries, packContext } from '../../src/adapters/docker/contextTar';
import type { ContextEntry } from '../../src/core/build/contextFiles';
import { CancelledError } from '../../src/core/common/errors';

/** The packer Berth used until 0.1 (tar-fs with these options): the reference for the archive's bytes. */
function tarFsPack(dir: string, entries: readonly ContextEntry[]): Readable {
  const options: tarFs.PackOptions & { umask: number } = { entries: entries.map((e) => e.path), ignore: () => true, umask: 0, map: (h) => ({ ...h, uid: 0, gid: 0 }) };
  return tarFs.pack(dir, options) as unknown as Readable;
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(stream, new Writable({ write: (chunk: Buffer, _e, done) => (parts.push(chunk), done()) }));
  return Buffer.concat(parts);
}

/** A tree with what a tar writer gets wrong: modes, symlinks, empty files and folders, long and non-ASCII names, big files. */
function makeTrickyTree(dir: string): void {
  const write = (rel: string, content: string | Buffer, mode = 0o644) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
    fs.chmodSync(path.join(dir, rel), mode);
  };
  write('Dockerfile', 'FROM scratch\n');
  write('.dockerignore', '*.tmp\n');
  write('skip.tmp', 'ignored');
  write('run.sh', '#!/bin/sh\necho hi\n', 0o755);
  write('readonly.txt', 'r', 0o444);
  write('setgid-dir/file', 'x');
  fs.chmodSync(path.join(dir, 'setgid-dir'), 0o2775);
  write('empty.txt', '');
  fs.mkdirSync(path.join(dir, 'empty-dir/nested-empty'), { recursive: true });
  write('block-512.bin', Buffer.alloc(512, 1));
  write('block-513.bin', Buffer.alloc(513, 2));
  write('big.bin', Buffer.alloc(3 * 256 * 1024 + 7, 3));
  write('données/café ☕.txt', 'unicode');
  write(`${'a'.repeat(60)}/${'b'.repeat(60)}/split-into-prefix.txt`, 'prefix');
  write(`${'c'.repeat(120)}/${'d'.repeat(120)}.txt`, 'pax path');
  write('n'.repeat(200), 'one long name');
  fs.symlinkSync('run.sh', path.join(dir, 'link-to-run'));
  fs.symlinkSync('données/café ☕.txt', path.join(dir, 'link-unicode'));
  fs.symlinkSync(`${'c'.repeat(120)}/${'d'.repeat(120)}.txt`, path.join(dir, 'link-long-target'));
  fs.symlinkSync('missing-target', path.join(dir, 'dangling'));
  for (let i = 0; i < 300; i++) write(`many/f${i}.txt`, `file ${i}\n`.repeat(i));
  const old = new Date('2001-02-03T04:05:06.789Z');
  fs.utimesSync(path.join(dir, 'readonly.txt'), old, old);
}

/** GNU tar's verbose listing: type and mode, owner, size, mtime, name (a directory's trailing / dropped) and link target. */
function gnuListing(archive: string): string[] {
  return execFileSync('tar', ['-tv', '--numeric-owner', '--full-time', '-f', archive], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } })
    .trimEnd()
    .split('\n')
    .map((line) => line.replace(/\/$/, ''));
}

describe('Build context tar (real disk)', function () {
  let dir: string;
  let scratch: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-tar-'));
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-tar-out-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('writes byte for byte the archive tar-fs wrote, for modes, symlinks, empty entries, long and non-ASCII names', async () => {
    makeTrickyTree(dir);
    const entries = await listContextEntries(dir, 'Dockerfile');
    const expected = await collect(tarFsPack(dir, entries));
    const actual = await collect(packContext(dir, entries));
    assert.equal(actual.length, expected.length);
    assert.ok(actual.equals(expected), 'the archive differs from the one tar-fs writes');
  });

  it('reads back in GNU tar as the entries GNU tar writes for the same list, in walk order', async () => {
    makeTrickyTree(dir);
    const entries = await listContextEntries(dir, 'Dockerfile');
    const ours = path.join(scratch, 'berth.tar');
    fs.writeFileSync(ours, await collect(packContext(dir, entries)));
    const list = path.join(scratch, 'list');
    fs.writeFileSync(list, entries.map((e) => e.path).join('\0'));
    const gnu = path.join(scratch, 'gnu.tar');
    execFileSync('tar', ['-c', '--no-recursion', '--numeric-owner', '--owner=0', '--group=0', '--null', '-T', list, '-f', gnu], { cwd: dir });
    const listing = gnuListing(ours);
    assert.deepEqual(listing, gnuListing(gnu));
    assert.equal(listing.length, entries.length);
    assert.ok(listing.some((l) => l.includes('2001-02-03 04:05:06 readonly.txt')), 'the mtime of readonly.txt is kept');
  });

  it('fails with the fs error naming a file that vanished after the walk', async () => {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    fs.writeFileSync(path.join(dir, 'gone.txt'), 'here during the walk');
    const entries = await listContextEntries(dir, 'Dockerfile');
    fs.rmSync(path.join(dir, 'gone.txt'));
    await assert.rejects(collect(packContext(dir, entries)), (e: NodeJS.ErrnoException) => {
      assert.equal(e.message, `ENOENT: no such file or directory, lstat '${path.join(dir, 'gone.txt')}'`);
      assert.equal(e.code, 'ENOENT');
      return true;
    });
  });

  it('stops reading when the signal aborts, failing with its reason and closing what it opened', async () => {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(dir, `f${i}.bin`), Buffer.alloc(256 * 1024, i));
    const entries = await listContextEntries(dir, 'Dockerfile');
    const target = (fd: string) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return ''; // closed while we looked (the fd of readdirSync itself, for one)
      }
    };
    const openFiles = () => fs.readdirSync('/proc/self/fd').filter((fd) => target(fd).startsWith(dir)).length;
    const controller = new AbortController();
    const stream = packContext(dir, entries, controller.signal);
    let received = 0;
    const failed = new Promise<unknown>((resolve) => stream.once('error', resolve));
    await new Promise<void>((resolve) => stream.once('data', (chunk: Buffer) => ((received += chunk.length), resolve())));
    stream.pause();
    controller.abort(new CancelledError());
    assert.ok((await failed) instanceof CancelledError);
    assert.ok(received < 40 * 256 * 1024, 'it read the whole context before stopping');
    const deadline = Date.now() + 10_000;
    while (openFiles() > 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(openFiles(), 0, 'a context file is still open after the stream stopped');
  });
});
