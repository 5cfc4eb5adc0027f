// The build context's tar headers: ustar fields, the prefix split of long names, and pax for what ustar cannot hold.
import { strict as assert } from 'assert';
import { encodeTarHeader, tarPadding, type TarEntryHeader } from '../../src/core/build/tarHeader';

const file = (name: string, extra: Partial<TarEntryHeader> = {}): TarEntryHeader => ({ name, mode: 0o100755, size: 5, mtime: 1_700_000_000, type: 'file', ...extra });
const field = (block: Buffer, offset: number, length: number) => block.subarray(offset, offset + length).toString('utf8').replace(/\0+$/, '');

function checksumHolds(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return parseInt(field(block, 148, 8).trim(), 8) === sum;
}

describe('tar headers of the build context', () => {
  it('writes a short ASCII name as one ustar block with octal fields, root owner and the permission bits only', () => {
    const h = encodeTarHeader(file('src/app.py'));
    assert.equal(h.length, 512);
    assert.equal(field(h, 0, 100), 'src/app.py');
    assert.equal(field(h, 100, 8), '000755 ');
    assert.equal(field(h, 108, 8), '000000 ');
    assert.equal(field(h, 124, 12), '00000000005 ');
    assert.equal(field(h, 136, 12), `${(1_700_000_000).toString(8)} `);
    assert.equal(String.fromCharCode(h[156]), '0');
    assert.equal(field(h, 257, 8), 'ustar\u000000');
    assert.ok(checksumHolds(h));
  });

  it('marks directories and symlinks by type, with the link target in ustar when it fits', () => {
    assert.equal(String.fromCharCode(encodeTarHeader({ name: 'src', mode: 0o40755, size: 0, mtime: 0, type: 'directory' })[156]), '5');
    const link = encodeTarHeader({ name: 'l', mode: 0o120777, size: 0, mtime: 0, type: 'symlink', linkname: '../target' });
    assert.equal(String.fromCharCode(link[156]), '2');
    assert.equal(field(link, 157, 100), '../target');
  });

  it('splits an ASCII name longer than 100 bytes into prefix and name at a slash', () => {
    const name = `${'d'.repeat(60)}/${'e'.repeat(60)}/f.txt`;
    const h = encodeTarHeader(file(name));
    assert.equal(h.length, 512);
    assert.equal(field(h, 345, 155), 'd'.repeat(60));
    assert.equal(field(h, 0, 100), `${'e'.repeat(60)}/f.txt`);
    assert.ok(checksumHolds(h));
  });

  it('puts a name that cannot be split into a pax path record, the ustar name then being PaxHeader', () => {
    const name = 'n'.repeat(120);
    const h = encodeTarHeader(file(name));
    assert.equal(String.fromCharCode(h[156]), 'x');
    const records = h.subarray(512, 512 + parseInt(field(h, 124, 12).trim(), 8)).toString('utf8');
    assert.equal(records, `130 path=${name}\n`);
    const last = h.subarray(h.length - 512);
    assert.equal(field(last, 0, 100), 'PaxHeader');
    assert.equal(field(last, 124, 12), '00000000005 ');
    assert.ok(checksumHolds(h.subarray(0, 512)) && checksumHolds(last));
  });

  it('uses pax for a non-ASCII name even when its UTF-8 bytes would fit ustar', () => {
    const h = encodeTarHeader(file('données/é.txt'));
    assert.equal(String.fromCharCode(h[156]), 'x');
    assert.match(h.subarray(512, 1024).toString('utf8'), /^\d+ path=données\/é\.txt\n/);
  });

  it('puts a link target over 100 bytes into a pax linkpath record', () => {
    const target = `${'t'.repeat(101)}`;
    const h = encodeTarHeader({ name: 'l', mode: 0o120777, size: 0, mtime: 0, type: 'symlink', linkname: target });
    assert.match(h.subarray(512, 1024).toString('utf8'), new RegExp(`^\\d+ path=l\\n\\d+ linkpath=${target}\\n`));
    assert.equal(field(h.subarray(h.length - 512), 157, 100), 'PaxHeader');
  });

  it('counts the digits of a pax record length in the length, across a power of ten', () => {
    // " path=" + name + "\n" is name + 7 bytes: a 90-byte name makes 97 + 2 digits = 99; 91 bytes make 98 + 3 = 101.
    for (const [nameLength, record] of [[90, 99], [91, 101]] as const) {
      const h = encodeTarHeader(file(`é${'n'.repeat(nameLength - 2)}`));
      assert.equal(h.subarray(512).toString('utf8').split(' ')[0], String(record));
      assert.equal(parseInt(field(h, 124, 12).trim(), 8), record);
    }
  });

  it('writes a size of 8 GiB or more in base-256', () => {
    const h = encodeTarHeader(file('big', { size: 8 * 1024 ** 3 }));
    assert.equal(h[124], 0x80);
    assert.equal(h.readUIntBE(130, 6), 8 * 1024 ** 3);
  });

  it('writes a pre-1970 mtime as tar-fs did (its octal string, sign and all), the checksum still right', () => {
    const h = encodeTarHeader(file('old', { mtime: -8 }));
    assert.equal(field(h, 136, 12), '00000000-10 ');
    assert.ok(checksumHolds(h));
  });

  it('pads data to whole 512-byte blocks', () => {
    assert.deepEqual([0, 1, 511, 512, 513].map(tarPadding), [0, 511, 1, 0, 511]);
  });
});
