// One document of the docs preview, rendered block by block and kept between keystrokes: an edit re-parses only
// the top-level blocks around it, renders and sanitises only the blocks that changed, and reports which blocks the
// preview must replace. What one block's HTML depends on elsewhere in the document is tracked: reference
// definitions (a link resolves against a definition anywhere), heading ids (a repeated heading is numbered after
// the earlier ones) and raw HTML left open across blocks (those blocks are sanitised together, as one unit).
import type MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import type { RenderCache } from './renderCache';
import { SOURCE_LINE_ATTR } from './sanitizePreviewHtml';
import { analyseOpenElements, closeOpenElements } from './closeOpenElements';
import { splitFrontMatter } from './frontMatter';
import { githubSlug } from './githubSlug';
import {
  finishHtml,
  finishHtmlTogether,
  hasRawHtml,
  joinSourceLines,
  newEnv,
  renderFrontMatterBlock,
  renderTokens,
  splitSourceLines,
  topLevelBlocks,
  type LineSplitHtml,
  type References,
  type RenderOptions,
  type UnsanitizedHtml,
} from './markdownBlocks';

/**
 * Lines after a window that its last block may read to decide where it ends: a paragraph ends where the next
 * line starts a table, which takes the line after that one to tell. Two would do; three leave a margin.
 */
const LOOKAHEAD = 3;

/** The part of an update the preview needs: every unit in order with its first line, and the HTML of new ones. */
export interface PreviewUpdate {
  /** [id, first source line] of every unit of the document, in order. */
  readonly units: readonly (readonly [number, number])[];
  /** [id, HTML] of the units the previous update did not have. */
  readonly added: readonly (readonly [number, string])[];
  readonly hasMermaid: boolean;
}

/** A top-level block of the body: its lines, what it takes from the rest of the document, and its render. */
interface Block {
  /** Body lines [start, end): moved as lines are typed above the block. */
  start: number;
  end: number;
  readonly text: string;
  /** A run of reference definitions renders nothing; the definitions it makes, first ones first. */
  readonly definitions?: References;
  /** The slugs of its headings and the ids they got (numbered after the same slug earlier in the document). */
  readonly slugs: readonly string[];
  readonly headingIds: readonly string[];
  /** The reference labels it may resolve (looked up, found or not). */
  readonly labels: ReadonlySet<string>;
  readonly rendered?: UnsanitizedHtml;
  /** Its first line when it was rendered: the source lines in `rendered` count from there. */
  readonly renderedStart: number;
  /** Raw HTML in it leaves an element open for a later block to close: it cannot be sanitised on its own. */
  readonly leavesOpen: boolean;
  readonly hasRawHtml: boolean;
  readonly id: number;
  /** Rendered as a draft (math as TeX, code not highlighted): refine() renders it in full. */
  readonly draft: boolean;
  /** Sanitised on its own, when it is a unit of its own; made on first use. */
  finished?: Finished;
}

/** A block freshly parsed, its tokens not rendered yet. */
type ParsedBlock = Omit<Block, 'rendered' | 'renderedStart' | 'leavesOpen' | 'hasRawHtml' | 'id' | 'draft' | 'finished'> & {
  readonly tokens?: Token[];
  /** The line the tokens' line maps count from. */
  readonly tokenOffset?: number;
};

interface Finished {
  readonly split: LineSplitHtml;
  /** The unit's first line when it was rendered; its lines move with it. */
  readonly line: number;
}

/** What the preview replaces as one: a block, or blocks that raw HTML holds together, or the front matter. */
interface Unit {
  readonly id: number;
  readonly start: number;
  readonly finished: Finished;
}

interface ParsedRange {
  readonly blocks: ParsedBlock[];
  /** A block starts where the range ends, so the blocks after it parse as they did. */
  readonly synced: boolean;
}

/** Documents at least this large open in steps: the first screen, then the rest as drafts, then refined. */
const LARGE_DOCUMENT_CHARS = 64 * 1024;
/** The first screen of a large document, generously: more lines than any preview shows at once. */
const FIRST_SCREEN_LINES = 150;

/**
 * The start of a large document that the preview shows first (whole lines), or undefined for a document small
 * enough to render at once. The rest follows as an edit that appends it, which PreviewDocument handles as any edit.
 */
export function firstScreenOf(source: string): string | undefined {
  if (source.length < LARGE_DOCUMENT_CHARS) return undefined;
  let end = -1;
  for (let i = 0; i < FIRST_SCREEN_LINES; i++) {
    end = source.indexOf('\n', end + 1);
    if (end < 0) return undefined;
  }
  return source.slice(0, end + 1);
}

export class PreviewDocument {
  private lines: string[] = [];
  private blocks: Block[] | undefined;
  private references: References = {};
  private frontMatter: { readonly key: string; readonly unit: Unit } | undefined;
  /** Units of raw HTML held together, by their blocks and closing tags, from the latest update. */
  private groups = new Map<string, Unit>();
  private units: Unit[] = [];
  private nextId = 0;
  /** The update under way renders new blocks as drafts. */
  private drafting = false;

  /** `cache`: code and math kept between documents by their caller (DocumentRenderer.render); none while typing. */
  constructor(
    private readonly renderer: { markdownIt(allowHtml: boolean): MarkdownIt },
    private readonly options: RenderOptions,
    private readonly cache?: RenderCache,
  ) {}

  /**
   * Brings the render up to `source`; returns the units the preview needs. `draft`: the blocks rendered now are
   * drafts (math as TeX, code not highlighted), for refine() to render in full afterwards.
   */
  update(source: string, { draft = false } = {}): PreviewUpdate {
    const before = new Set(this.units.map((u) => u.id));
    this.drafting = draft;
    const { frontMatter, body } = splitFrontMatter(source);
    const key = frontMatter ? JSON.stringify(frontMatter) : '';
    if (!frontMatter) this.frontMatter = undefined;
    else if (this.frontMatter?.key !== key) {
      const rendered = renderFrontMatterBlock(frontMatter);
      this.frontMatter = { key, unit: { id: ++this.nextId, start: 0, finished: { split: splitSourceLines(finishHtml(rendered.html, [rendered], this.options.mapImage)), line: 0 } } };
    }
    const lines = body.split('\n');
    this.blocks = this.blocks ? this.edited(lines) : this.parsedWhole(lines);
    this.lines = lines;
    this.drafting = false;
    return this.changedSince(before);
  }

  /** Renders up to `limit` draft blocks in full, first ones first; undefined when no draft is left. */
  refine(limit: number): PreviewUpdate | undefined {
    const blocks = this.blocks ?? [];
    const drafts: number[] = [];
    for (let i = 0; i < blocks.length && drafts.length < limit; i++) if (blocks[i].draft) drafts.push(i);
    this.drafting = false;
    if (drafts.length === 0) return undefined;
    const before = new Set(this.units.map((u) => u.id));
    // A block's heading ids are the first free ones after the blocks before it, so also after all the others.
    const taken = new Set(blocks.flatMap((b) => b.headingIds));
    for (const i of drafts.reverse()) {
      const block = blocks[i];
      for (const id of block.headingIds) taken.delete(id);
      blocks.splice(i, 1, ...this.parseRange(this.lines, block.start, block.end, taken, () => this.references).blocks.map((b) => this.rendered(b)));
    }
    return this.changedSince(before);
  }

  private changedSince(before: ReadonlySet<number>): PreviewUpdate {
    const blocks = this.blocks ?? [];
    this.units = [...(this.frontMatter ? [this.frontMatter.unit] : []), ...this.unitsOf(blocks)];
    return {
      units: this.units.map((u) => [u.id, u.start] as const),
      added: this.units.filter((u) => !before.has(u.id)).map((u) => [u.id, htmlOf(u)] as const),
      hasMermaid: blocks.some((b) => b.rendered?.hasMermaid),
    };
  }

  /** Every unit as new: for a preview that lost what it had (its page was reloaded). */
  snapshot(): PreviewUpdate {
    return {
      units: this.units.map((u) => [u.id, u.start] as const),
      added: this.units.map((u) => [u.id, htmlOf(u)] as const),
      hasMermaid: (this.blocks ?? []).some((b) => b.rendered?.hasMermaid),
    };
  }

  /** The whole preview body, as the units joined give it. */
  get html(): string {
    return this.units.map(htmlOf).join('');
  }

  private parsedWhole(lines: string[]): Block[] {
    const parsed = this.parseRange(lines, 0, lines.length, new Set(), (defs) => defs);
    this.references = mergedDefinitions(parsed.blocks);
    return parsed.blocks.map((b) => this.rendered(b));
  }

  /** The blocks after an edit: the old ones before and after it kept, the ones it touched parsed again. */
  private edited(lines: string[]): Block[] {
    const old = this.blocks ?? [];
    const oldLines = this.lines;
    const common = Math.min(oldLines.length, lines.length);
    let prefix = 0;
    while (prefix < common && oldLines[prefix] === lines[prefix]) prefix++;
    if (prefix === oldLines.length && prefix === lines.length) return old;
    let suffix = 0;
    while (suffix < common - prefix && oldLines[oldLines.length - 1 - suffix] === lines[lines.length - 1 - suffix]) suffix++;
    const delta = lines.length - oldLines.length;
    const changedEnd = oldLines.length - suffix;

    // The first block that may have read a changed line (a block reads up to the start of the next one, and a bit).
    const first = firstIndex(old.length, (i) => nextStart(old, i, oldLines.length) + LOOKAHEAD >= prefix);
    const from = first === 0 ? 0 : old[first].start;
    const taken: string[] = [];
    for (let i = 0; i < first; i++) taken.push(...old[i].headingIds);
    const before = old.slice(0, first);
    // Re-parse up to an old block the edit did not touch; when a block runs on past it, go on to one twice as far.
    let last = Math.max(first, firstIndex(old.length, (i) => old[i].start >= changedEnd && old[i].start + delta > from));
    let parsed: ParsedRange;
    for (;;) {
      const to = last < old.length ? old[last].start + delta : lines.length;
      const after = old.slice(last);
      parsed = this.parseRange(lines, from, to, new Set(taken), (defs) => mergedDefinitions(before, [{ definitions: defs }], after));
      if (parsed.synced) break;
      const far = from + 2 * Math.max(1, to - from);
      last = Math.max(last + 1, firstIndex(old.length, (i) => old[i].start + delta >= far));
    }
    const replaced = old.slice(first, last);
    const after = old.slice(last);
    for (const block of after) {
      block.start += delta;
      block.end += delta;
    }
    const references = mergedDefinitions(before, parsed.blocks, after);
    const changed = changedLabels(this.references, references);
    this.references = references;

    // Unchanged text with the same heading ids and references renders the same: keep it (and its place in the preview).
    const reusable = new Map(replaced.filter((b) => !uses(b, changed)).map((b) => [blockKey(b), b]));
    const middle = parsed.blocks.map((b) => {
      const kept = reusable.get(blockKey(b));
      if (!kept) return this.rendered(b);
      reusable.delete(blockKey(b));
      kept.start = b.start;
      kept.end = b.end;
      return kept;
    });

    // Blocks elsewhere that an edit renumbers (a heading like theirs above them) or whose references it changed.
    const result: Block[] = [];
    const ids = new Set<string>();
    const check = (block: Block): Block[] => {
      if (block.slugs.length === 0 && !uses(block, changed)) return [block];
      const expected = peekHeadingIds(block.slugs, ids);
      if (!uses(block, changed) && sameList(expected, block.headingIds)) {
        for (const id of expected) ids.add(id);
        return [block];
      }
      return this.parseRange(lines, block.start, block.end, ids, () => references).blocks.map((b) => this.rendered(b));
    };
    for (const block of before) result.push(...check(block));
    for (const block of middle) {
      for (const id of block.headingIds) ids.add(id);
      result.push(block);
    }
    for (const block of after) result.push(...check(block));
    return result;
  }

  /**
   * Parses body lines [from, to) on their own (with a few lines after them, to see where the last block ends).
   * `taken` holds the heading ids of the blocks before `from` and receives the new ones; `resolve` gives the
   * references of the whole document from the definitions made in the range.
   */
  private parseRange(lines: string[], from: number, to: number, taken: Set<string>, resolve: (definitions: References) => References): ParsedRange {
    const md = this.renderer.markdownIt(this.options.allowHtml);
    const end = Math.min(lines.length, to + LOOKAHEAD);
    const text = lines.slice(from, end).join('\n') + (end < lines.length ? '\n' : '');
    let synced = to >= lines.length;
    const ranges: { from: number; to: number; start: number; end: number }[] = [];
    const looked = new Set<string>();
    let definitions: ParsedBlock[] = [];
    const env = newEnv({
      lineOffset: from,
      headingIds: taken,
      beforeInline: (state) => {
        for (const [i, j] of topLevelBlocks(state.tokens)) {
          const map = state.tokens[i].map;
          const last = ranges[ranges.length - 1];
          if (!map) {
            if (last) last.to = j;
            continue;
          }
          if (map[0] + from === to) synced = true;
          if (map[0] + from >= to) break;
          ranges.push({ from: i, to: j, start: map[0] + from, end: map[1] + from });
        }
        // Only the blocks of the range go on to the inline phase, the heading ids and the source lines.
        state.tokens.length = ranges.length > 0 ? ranges[ranges.length - 1].to : 0;
        definitions = this.definitionsBetween(lines, from, to, ranges);
        const references = resolve(mergedDefinitions(definitions));
        state.env.references = new Proxy(references, {
          get: (target, label) => {
            if (typeof label === 'string') looked.add(label);
            return Reflect.get(target, label);
          },
        });
      },
    });
    const tokens = md.parse(text, env);
    const blocks: ParsedBlock[] = ranges.map((r) => {
      const slice = tokens.slice(r.from, r.to);
      const headings = headingsOf(slice);
      // The exact source of the block: an unclosed fence at the end takes the document's last newline or not.
      const blockText = lines.slice(r.start, r.end).join('\n') + (r.end < lines.length ? '\n' : '');
      return { start: r.start, end: r.end, text: blockText, definitions: undefined, slugs: headings.slugs, headingIds: headings.ids, labels: labelsIn(blockText, looked, md.utils.normalizeReference), tokens: slice, tokenOffset: from };
    });
    return { blocks: [...blocks, ...definitions].sort((x, y) => x.start - y.start), synced };
  }

  /** Lines no block covers are reference definitions (they make no tokens): each run of them is a block of its own. */
  private definitionsBetween(lines: string[], from: number, to: number, ranges: readonly { start: number; end: number }[]): ParsedBlock[] {
    const md = this.renderer.markdownIt(this.options.allowHtml);
    const found: ParsedBlock[] = [];
    let line = from;
    const gapUntil = (stop: number) => {
      while (line < stop) {
        while (line < stop && lines[line].trim() === '') line++;
        const start = line;
        while (line < stop && lines[line].trim() !== '') line++;
        if (line === start) break;
        const text = lines.slice(start, line).join('\n');
        const env: { references?: References } = {};
        md.block.parse(text, md, env, []);
        found.push({ start, end: line, text, definitions: env.references ?? {}, slugs: [], headingIds: [], labels: new Set() });
      }
    };
    for (const range of ranges) {
      gapUntil(range.start);
      line = Math.max(line, range.end);
    }
    gapUntil(to);
    return found;
  }

  private rendered(block: ParsedBlock): Block {
    const { tokens } = block;
    const rendered = tokens && renderTokens(this.renderer.markdownIt(this.options.allowHtml), tokens, block.tokenOffset ?? 0, this.cache, this.drafting);
    const raw = rendered !== undefined && this.options.allowHtml && tokens !== undefined && tokens.some(hasRawHtml);
    // Every block has the same shape, fields in the same order: the per-keystroke passes over all blocks stay fast.
    return {
      start: block.start,
      end: block.end,
      text: block.text,
      definitions: block.definitions,
      slugs: block.slugs,
      headingIds: block.headingIds,
      labels: block.labels,
      rendered,
      renderedStart: block.start,
      leavesOpen: raw && rendered !== undefined && analyseOpenElements([rendered.html]).unclosed > 0,
      hasRawHtml: raw,
      id: ++this.nextId,
      draft: rendered?.drafted ?? false,
      finished: undefined,
    };
  }

  /** The units of the blocks: each block on its own, except runs that raw HTML left open holds together. */
  private unitsOf(blocks: readonly Block[]): Unit[] {
    const content = blocks.filter((b): b is Block & { rendered: UnsanitizedHtml } => b.rendered !== undefined);
    this.finishTogether(content.filter((b) => !b.leavesOpen && !b.finished));
    if (!content.some((b) => b.leavesOpen)) return content.map((b) => ({ id: b.id, start: b.start, finished: this.finishedAlone(b) }));
    const { closers, separableAfter } = analyseOpenElements(content.map((b) => b.rendered.html));
    const units: Unit[] = [];
    const groups = new Map<string, Unit>();
    for (let i = 0; i < content.length; ) {
      let j = i;
      while (j < content.length - 1 && !separableAfter[j]) j++;
      const members = content.slice(i, j + 1);
      if (members.length === 1 && !members[0].leavesOpen) {
        units.push({ id: members[0].id, start: members[0].start, finished: this.finishedAlone(members[0]) });
      } else {
        const key = members.map((b, k) => `${b.id}@${b.start - members[0].start}:${closers[i + k].join('')}`).join(' ');
        const kept = this.groups.get(key);
        const unit = kept ? { ...kept, start: members[0].start } : { id: ++this.nextId, start: members[0].start, finished: this.finishedTogether(members, closers.slice(i, j + 1)) };
        groups.set(key, unit);
        units.push(unit);
      }
      i = j + 1;
    }
    this.groups = groups;
    return units;
  }

  /** Sanitises blocks that are units of their own in one pass; finishedAlone does any it could not. */
  private finishTogether(blocks: readonly (Block & { rendered: UnsanitizedHtml })[]): void {
    if (blocks.length < 2) return;
    const pieces = blocks.map((b) => ({ html: b.hasRawHtml ? closeOpenElements([b.rendered.html]) : b.rendered.html, render: b.rendered }));
    finishHtmlTogether(pieces, this.options.mapImage)?.forEach((html, i) => {
      blocks[i].finished = { split: splitSourceLines(html), line: blocks[i].renderedStart };
    });
  }

  private finishedAlone(block: Block & { rendered: UnsanitizedHtml }): Finished {
    if (!block.finished) {
      const html = block.hasRawHtml ? closeOpenElements([block.rendered.html]) : block.rendered.html;
      block.finished = { split: splitSourceLines(finishHtml(html, [block.rendered], this.options.mapImage)), line: block.renderedStart };
    }
    return block.finished;
  }

  /** Blocks sanitised as one, each first given the lines it has now (they may have moved apart since rendering). */
  private finishedTogether(members: readonly (Block & { rendered: UnsanitizedHtml })[], closers: readonly (readonly string[])[]): Finished {
    const moved = members.map((b) => movedLines(b.rendered, b.start - b.renderedStart));
    const html = moved.map((r, k) => r.html + closers[k].join('')).join('');
    return { split: splitSourceLines(finishHtml(html, moved, this.options.mapImage)), line: members[0].start };
  }
}

function movedLines(rendered: UnsanitizedHtml, shift: number): UnsanitizedHtml {
  if (shift === 0) return rendered;
  const move = (html: string) => joinSourceLines(splitSourceLines(html), shift, SOURCE_LINE_ATTR);
  return { ...rendered, html: move(rendered.html), slots: rendered.slots.map(move) };
}

function htmlOf(unit: Unit): string {
  return joinSourceLines(unit.finished.split, unit.start - unit.finished.line);
}

function nextStart(blocks: readonly Block[], i: number, lineCount: number): number {
  return i + 1 < blocks.length ? blocks[i + 1].start : lineCount;
}

/** The first index in [0, length) where `test` holds, for a test that holds from some index on; length if none. */
function firstIndex(length: number, test: (i: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (test(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** The first definition of a label counts, as markdown-it has it. */
function mergedDefinitions(...runs: (readonly { readonly definitions?: References }[])[]): References {
  const merged: References = {};
  for (const blocks of runs) {
    for (const block of blocks) {
      if (!block.definitions) continue;
      for (const label in block.definitions) if (!(label in merged)) merged[label] = block.definitions[label];
    }
  }
  return merged;
}

function changedLabels(before: References, after: References): Set<string> {
  const changed = new Set<string>();
  for (const label of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[label]?.href !== after[label]?.href || before[label]?.title !== after[label]?.title) changed.add(label);
  }
  return changed;
}

function uses(block: Pick<Block, 'labels'>, changed: ReadonlySet<string>): boolean {
  if (changed.size === 0) return false;
  for (const label of block.labels) if (changed.has(label)) return true;
  return false;
}

/**
 * The labels a block may have looked up: those of its range's lookups that occur in its text. A label is looked up
 * as written (trimmed, spaces collapsed, case folded), so the normalised text contains it.
 */
function labelsIn(text: string, looked: ReadonlySet<string>, normalize: (s: string) => string): Set<string> {
  if (looked.size === 0) return new Set();
  const normalized = normalize(text);
  return new Set([...looked].filter((label) => normalized.includes(label)));
}

function blockKey(block: Pick<Block, 'text' | 'headingIds' | 'definitions'>): string {
  return `${block.definitions ? 'refs' : 'md'}\0${block.headingIds.join('\0')}\0${block.text}`;
}

/** The text of a heading as markdown-it-anchor slugs it: its text and code spans. */
function headingsOf(tokens: readonly Token[]): { slugs: string[]; ids: string[] } {
  const slugs: string[] = [];
  const ids: string[] = [];
  tokens.forEach((token, i) => {
    if (token.type !== 'heading_open') return;
    const title = (tokens[i + 1]?.children ?? []).filter((c) => c.type === 'text' || c.type === 'code_inline').map((c) => c.content).join('');
    slugs.push(githubSlug(title));
    ids.push(token.attrGet('id') ?? '');
  });
  return { slugs, ids };
}

/** The ids uniqueHeadingId would give these slugs after `taken`, without taking them. */
function peekHeadingIds(slugs: readonly string[], taken: ReadonlySet<string>): string[] {
  const ids: string[] = [];
  for (const slug of slugs) {
    let id = slug;
    for (let i = 1; taken.has(id) || ids.includes(id); i++) id = `${slug}-${i}`;
    ids.push(id);
  }
  return ids;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
