import { strict as assert } from 'assert';
import { demuxLogBuffer } from '../../../src/adapters/docker/dockerLogs';
import { firstFileIn, tarOf } from '../../../src/adapters/docker/tarArchive';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

describe('Docker byte formats', () => {
  describe('demuxLogBuffer', () => {
    it('splits stdout and stderr frames', () => {
      assert.deepEqual(demuxLogBuffer(Buffer.concat([frame(1, 'out1\n'), frame(2, 'err\n'), frame(1, 'out2\n')])), { stdout: 'out1\nout2\n', stderr: 'err\n' });
    });
    it('gives empty text for an empty log', () => {
      assert.deepEqual(demuxLogBuffer(Buffer.alloc(0)), { stdout: '', stderr: '' });
    });
    it('keeps multibyte characters split across nothing', () => {
      assert.equal(demuxLogBuffer(frame(1, 'héllo ✓')).stdout, 'héllo ✓');
    });
  });

  describe('tar', () => {
    const archive = tarOf('berth', [{ name: 'c.json', content: Buffer.from('{"a":1}'), mode: 0o644 }]);
    it('writes whole 512-byte blocks', () => {
      assert.equal(archive.length % 512, 0);
    });
    it('writes valid header checksums', () => {
      for (const offset of [0, 512]) {
        const h = Buffer.from(archive.subarray(offset, offset + 512));
        const stored = parseInt(h.subarray(148, 154).toString('ascii'), 8);
        h.fill(0x20, 148, 156);
        assert.equal(h.reduce((a, b) => a + b, 0), stored);
      }
    });
    it('names the directory and the file inside it', () => {
      assert.equal(archive.subarray(0, 6).toString(), 'berth/');
      assert.equal(archive.subarray(512, 524).toString(), 'berth/c.json');
      assert.equal(String.fromCharCode(archive[156]), '5');
      assert.equal(String.fromCharCode(archive[512 + 156]), '0');
    });
    it('reads back the file it wrote', () => {
      assert.equal(firstFileIn(archive)?.toString(), '{"a":1}');
    });
    it('finds nothing in an empty archive', () => {
      assert.equal(firstFileIn(Buffer.alloc(1024)), undefined);
    });
    it('handles content of exactly one block', () => {
      const content = Buffer.alloc(512, 'x');
      assert.deepEqual(firstFileIn(tarOf('d', [{ name: 'f', content, mode: 0o600 }])), content);
    });
  });
});
