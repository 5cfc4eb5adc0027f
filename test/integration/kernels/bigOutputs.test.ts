// Big outputs through `berth run`: every byte the kernel writes reaches the notebook, as with nbconvert, however
// many messages carry it (the Jupyter server Berth starts applies no IOPub rate limit, and its ZeroMQ subscription
// buffers instead of dropping), and --max-output-bytes cuts visibly instead of silently. The reference is nbconvert
// with the same two limits lifted (stock nbconvert drops output on 100,000 flushed prints; see cliHelpers).
import { strict as assert } from 'assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliContainers, coalesceStreams, type Json, nbconvertInImage, normalise, startCli } from './cliHelpers';
import { KERNEL_IMAGE, withDeadline } from './helpers';

/** A PNG of w×h pixels of one colour, built in the kernel with zlib (the image has no PIL or matplotlib). */
const PNG_MAKER = `
import struct, zlib
from IPython.display import Image, display
def png(w, h, rgb):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    raw = b''.join(b'\\x00' + bytes(rgb) * w for _ in range(h))
    return b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
`;

function notebook(...cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, source, metadata: {}, outputs: [], execution_count: null })),
  });
}

const streamText = (nb: Json, cell: number, name = 'stdout') =>
  coalesceStreams(((nb.cells as Json[])[cell].outputs as Json[]) ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === name)
    .map((o) => String(o.text))
    .join('');

describe('berth run with big outputs (real Docker and Jupyter)', function () {
  this.timeout(600_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-it-big-'));
  });
  afterEach(async () => {
    const left = await cliContainers(dir);
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(left.map((c) => c.Id), [], 'a kernel container was left behind');
  });

  /** Runs the notebook through berth run and through nbconvert; returns both, parsed, and the CLI's peak RSS. */
  async function both(name: string, source: string, extra: string[] = []): Promise<{ berth: Json; reference: Json; peakMiB: number; stderr: string }> {
    writeFileSync(join(dir, name), source);
    const peakFile = join(dir, 'peak-rss');
    const cli = startCli(['run', join(dir, name), '--image', KERNEL_IMAGE, '--out', join(dir, `berth-${name}`), ...extra], { BERTH_PEAK_RSS_FILE: peakFile });
    const r = await withDeadline(cli.done, 540_000, `berth run ${name} did not finish: ${cli.stderr()}`);
    assert.equal(r.code, 0, r.stderr);
    const berth = JSON.parse(readFileSync(join(dir, `berth-${name}`), 'utf8')) as Json;
    const reference = extra.length ? berth : await nbconvertInImage(dir, name, `nbconvert-${name}`, [], { lossless: true });
    return { berth, reference, peakMiB: Number(readFileSync(peakFile, 'utf8')) / 1024, stderr: r.stderr };
  }

  it('writes every byte of a 20 MB print, equal to nbconvert, and reports its peak memory', async () => {
    const { berth, reference, peakMiB } = await both('print20mb.ipynb', notebook("for _ in range(200_000):\n    print('x' * 99)"));
    const text = streamText(berth, 0);
    assert.equal(text.length, 20_000_000, `got ${text.length} bytes of stdout`);
    assert.equal(text, 'x'.repeat(99).concat('\n').repeat(200_000));
    assert.equal(streamText(berth, 0, 'stderr'), '', 'the server reported dropped output');
    assert.deepEqual(normalise(berth), normalise(reference));
    console.log(`      berth run, 20 MB of output: peak RSS ${peakMiB.toFixed(0)} MiB`);
  });

  it('keeps all 100,000 flushed writes of a loop, in order, equal to nbconvert', async () => {
    const { berth, reference } = await both('loop.ipynb', notebook('for i in range(100_000):\n    print(i, flush=True)'));
    const lines = streamText(berth, 0).split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 100_000);
    assert.ok(lines.every((l, i) => l === String(i)), 'lines out of order or missing');
    assert.deepEqual(normalise(berth), normalise(reference));
  });

  it('keeps 200 PNG displays, in order, equal to nbconvert', async () => {
    const cell = `${PNG_MAKER}\nfor i in range(200):\n    display(Image(png(8 + i % 5, 8, (i, 255 - i, (7 * i) % 256))))`;
    const { berth, reference } = await both('pngs.ipynb', notebook(cell));
    const outputs = (berth.cells as Json[])[0].outputs as Json[];
    assert.equal(outputs.length, 200);
    assert.ok(outputs.every((o) => o.output_type === 'display_data' && typeof (o.data as Json)['image/png'] === 'string'));
    assert.equal(new Set(outputs.map((o) => (o.data as Json)['image/png'])).size, 200, 'the PNGs are not all different');
    assert.deepEqual(normalise(berth), normalise(reference));
  });

  it('--max-output-bytes cuts at a whole line with a note saying how much was cut', async () => {
    const { berth } = await both('cut.ipynb', notebook("for _ in range(200_000):\n    print('x' * 99)", "print('next cell')"), ['--max-output-bytes', '1M']);
    const outputs = (berth.cells as Json[])[0].outputs as Json[];
    const kept = streamText(berth, 0);
    const limit = 1024 * 1024;
    assert.ok(kept.length <= limit && kept.length > limit - 200, `kept ${kept.length} bytes`);
    assert.ok('x'.repeat(99).concat('\n').repeat(200_000).startsWith(kept), 'the kept text is not the start of the output');
    const note = outputs[outputs.length - 1];
    assert.equal(note.output_type, 'display_data');
    const cutBytes = 20_000_000 - kept.length;
    assert.deepEqual((note.metadata as Json).berth, { outputCut: { cutBytes, limitBytes: limit } });
    assert.match(String((note.data as Json)['text/plain']), new RegExp(`Output cut at 1\\.0 MB \\(berth run --max-output-bytes\\): 18\\.1 MB more \\(${cutBytes.toLocaleString('en-US')} bytes\\) not written`));
    assert.equal(streamText(berth, 1), 'next cell\n', 'the limit is per cell');
  });
});
