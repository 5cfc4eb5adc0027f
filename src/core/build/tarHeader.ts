/**
 * Tar headers for a build context, byte for byte as tar-fs 3 / tar-stream 3 wrote them when Berth packed
 * contexts with tar-fs (the engine and the golden tests see the same archive): ustar with the name split into
 * prefix/name when it is ASCII and fits, otherwise a pax `x` header carrying `path` (and `linkpath`) before
 * the ustar header, which then holds the name "PaxHeader"; octal fields end in a space; no uname/gname.
 */

export const TAR_BLOCK = 512;

export type TarEntryType = 'file' | 'directory' | 'symlink';

export interface TarEntryHeader {
  /** `/`-separated, relative; directories without a trailing slash (as tar-fs stored them). */
  readonly name: string;
  /** The st_mode as lstat gives it; only the permission bits (& 0o7777) are written. */
  readonly mode: number;
  readonly size: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  readonly type: TarEntryType;
  readonly linkname?: string;
}

const TYPEFLAG: Record<TarEntryType | 'pax', number> = { file: 0x30, symlink: 0x32, directory: 0x35, pax: 0x78 };

/** The blocks to write before an entry's data: one ustar header, or a pax header, its records and the ustar header. */
export function encodeTarHeader(header: TarEntryHeader): Buffer {
  const ustar = Buffer.alloc(TAR_BLOCK);
  if (writeUstar(ustar, header)) {
    return ustar;
  }
  const records = Buffer.from(paxRecord('path', header.name) + (header.linkname ? paxRecord('linkpath', header.linkname) : ''), 'utf8');
  const out = Buffer.alloc(TAR_BLOCK + records.length + tarPadding(records.length) + TAR_BLOCK);
  const linkname = header.linkname ? 'PaxHeader' : undefined;
  writeUstar(out, { ...header, name: 'PaxHeader', linkname, size: records.length, type: 'pax' });
  records.copy(out, TAR_BLOCK);
  writeUstar(out.subarray(out.length - TAR_BLOCK), { ...header, name: 'PaxHeader', linkname });
  return out;
}

/** The zero bytes that fill an entry's data up to a whole block. */
export function tarPadding(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(2 * TAR_BLOCK);

type UstarFields = Omit<TarEntryHeader, 'type'> & { readonly type: TarEntryType | 'pax' };

/**
 * Writes the entry's ustar header into `block` (512 zero bytes), sparing a copy for the common entry; false,
 * leaving `block` as it was, when its names need pax (use encodeTarHeader).
 */
export function writeUstarHeader(block: Buffer, header: TarEntryHeader): boolean {
  return writeUstar(block, header);
}

function writeUstar(buf: Buffer, h: UstarFields): boolean {
  let name = h.name;
  let prefix = '';
  // A non-ASCII name always goes to pax (tar-stream's rule), even when its UTF-8 bytes would fit.
  if (Buffer.byteLength(name) !== name.length) {
    return false;
  }
  while (name.length > 100) {
    const slash = name.indexOf('/');
    if (slash === -1) {
      return false;
    }
    prefix += prefix ? `/${name.slice(0, slash)}` : name.slice(0, slash);
    name = name.slice(slash + 1);
  }
  if (prefix.length > 155 || (h.linkname !== undefined && Buffer.byteLength(h.linkname) > 100)) {
    return false;
  }
  buf.write(name, 0, 'latin1');
  writeOctal(buf, 100, h.mode & 0o7777, 6);
  writeOctal(buf, 108, 0, 6);
  writeOctal(buf, 116, 0, 6);
  writeSize(buf, h.size);
  writeOctal(buf, 136, h.mtime, 11);
  buf[156] = TYPEFLAG[h.type];
  if (h.linkname) {
    buf.write(h.linkname, 157, 'utf8');
  }
  USTAR_MAGIC.copy(buf, 257);
  writeOctal(buf, 329, 0, 6);
  writeOctal(buf, 337, 0, 6);
  if (prefix) {
    buf.write(prefix, 345, 'latin1');
  }
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += buf[i];
  for (let i = 156; i < TAR_BLOCK; i++) sum += buf[i];
  writeOctal(buf, 148, sum, 6);
  return true;
}

const USTAR_MAGIC = Buffer.from('ustar\u000000', 'latin1');

/** `n` in `digits` octal digits and a space; all sevens when it does not fit (tar-stream's encodeOct). */
function writeOctal(buf: Buffer, offset: number, n: number, digits: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    // What n.toString(8) gives, as tar-stream wrote it (a pre-1970 mtime: "-…").
    buf.write(octal(n, digits), offset, 'latin1');
    return;
  }
  if (n >= 8 ** digits) {
    buf.fill(0x37, offset, offset + digits);
  } else {
    for (let i = offset + digits - 1; i >= offset; i--, n = Math.floor(n / 8)) {
      buf[i] = 0x30 + (n % 8);
    }
  }
  buf[offset + digits] = 0x20;
}

function octal(n: number, digits: number): string {
  const s = n.toString(8);
  return s.length > digits ? `${'7'.repeat(digits)} ` : `${s.padStart(digits, '0')} `;
}

/** Sizes of 8 GiB and more do not fit 11 octal digits: base-256 with the high bit set. */
function writeSize(buf: Buffer, size: number): void {
  if (size < 8 ** 11) {
    writeOctal(buf, 124, size, 11);
    return;
  }
  buf[124] = 0x80;
  for (let i = 11, n = size; i > 0; i--, n = Math.floor(n / 0x100)) {
    buf[124 + i] = n & 0xff;
  }
}

/** One pax record, `<length> <key>=<value>\n`, where the length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const len = Buffer.byteLength(body);
  let digits = String(len).length;
  if (String(len + digits).length > digits) {
    digits++;
  }
  return `${len + digits}${body}`;
}
