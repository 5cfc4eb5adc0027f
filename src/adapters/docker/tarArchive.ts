// Just enough tar (ustar) to hand the engine one small file with putArchive and to read one back from
// getArchive, without a streaming dependency for a few hundred bytes.

const BLOCK = 512;

export interface TarEntry {
  readonly name: string;
  readonly content: Buffer;
  readonly mode: number;
}

/** A tar archive holding `dir/` and the given files inside it (names relative to the archive root). */
export function tarOf(dir: string, files: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [header(`${dir}/`, 0, 0o755, '5')];
  for (const file of files) {
    parts.push(header(`${dir}/${file.name}`, file.content.length, file.mode, '0'), file.content, Buffer.alloc(padding(file.content.length)));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** The content of the first regular file in a tar archive, or undefined if it holds none. */
export function firstFileIn(archive: Buffer): Buffer | undefined {
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const h = archive.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) {
      return undefined;
    }
    const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(h[156]);
    const start = offset + BLOCK;
    if (type === '0' || type === '\0') {
      return archive.subarray(start, start + size);
    }
    offset = start + size + padding(size);
  }
  return undefined;
}

function header(name: string, size: number, mode: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 7), 100, 'ascii');
  h.write(octal(0, 7), 108, 'ascii');
  h.write(octal(0, 7), 116, 'ascii');
  h.write(octal(size, 11), 124, 'ascii');
  h.write(octal(Math.floor(Date.now() / 1000), 11), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  const sum = h.reduce((acc, b) => acc + b, 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width, '0')}\0`;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
