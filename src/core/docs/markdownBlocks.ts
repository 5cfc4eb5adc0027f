// The pieces the docs preview renders Markdown with, one top-level block at a time: markdown-it with Berth's
// plugins and rules (anchors, task lists, KaTeX, highlight.js, R Markdown chunks, mermaid placeholders), then
// sanitising, trusted parts put back, and source lines that can move without rendering again.
import { randomBytes } from 'node:crypto';
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import anchor from 'markdown-it-anchor';
import taskLists from 'markdown-it-task-lists';
import katexPlugin from '@vscode/markdown-it-katex';
import { escapeHtml } from './escapeHtml';
import type { FrontMatter } from './frontMatter';
import { githubSlug } from './githubSlug';
import type { RenderCache } from './renderCache';
import { languageOfEngine, parseRmdChunkHeader } from './rmdChunk';
import { sanitizePreviewHtml, SLOT_TAG, SOURCE_LINE_ATTR, type ImageMapper } from './sanitizePreviewHtml';

export interface RenderOptions {
  /** Raw HTML in the Markdown: sanitised when true, shown as text when false (untrusted workspaces). */
  readonly allowHtml: boolean;
  /** Maps relative image paths to URLs the preview can load; undefined drops the image. */
  readonly mapImage: ImageMapper;
}

export interface RenderedDocument {
  /** The preview body: sanitised HTML whose blocks carry `data-line` (0-based source line). */
  readonly html: string;
  /** The document has a mermaid diagram, so the preview must load the mermaid script. */
  readonly hasMermaid: boolean;
}

/** Reference definitions by normalised label, as markdown-it keeps them in its env. */
export type References = Record<string, { readonly href: string; readonly title: string }>;

/** markdown-it's state of one parse, as its core rules see it. */
export type CoreState = Parameters<MarkdownIt['core']['process']>[0];

/** The env markdown-it hands to every rule of one parse and render. */
export interface RenderEnv {
  /** Trusted HTML produced by Berth's own rules, spliced in after sanitising. */
  slots: string[];
  /** Unguessable and new for every render, so placeholders written in the document itself never match. */
  slotKey: string;
  hasMermaid: boolean;
  /** The source line of the first line parsed: a window of a document is parsed on its own. */
  readonly lineOffset: number;
  /** Heading ids taken so far in document order; a repeated heading gets the next free `-N`. */
  readonly headingIds: Set<string>;
  /**
   * A draft: math as its TeX source and code not highlighted, the expensive parts, for the blocks of a large
   * document the preview shows first and renders in full right after.
   */
  readonly draft?: boolean;
  /** The render left something out as a draft would. */
  drafted: boolean;
  /** Highlighted code and typeset math by source, when the caller keeps them between renders. */
  readonly cache?: RenderCache;
  /** markdown-it's own: the definitions links resolve against. */
  references?: References;
  /** Called between the block and the inline phase, to set the references links resolve against. */
  readonly beforeInline?: (state: CoreState) => void;
}

/** One top-level block (or several) rendered but not sanitised yet: trusted parts wait in slots. */
export interface UnsanitizedHtml {
  readonly html: string;
  readonly slotKey: string;
  readonly slots: readonly string[];
  readonly hasMermaid: boolean;
  /** Rendered as a draft that left math or highlighting out. */
  readonly drafted: boolean;
}

const BLOCK_TOKENS_WITH_LINES = new Set([
  'paragraph_open', 'heading_open', 'blockquote_open', 'bullet_list_open', 'ordered_list_open', 'list_item_open',
  'table_open', 'tr_open', 'hr', 'code_block', 'dl_open', 'dt_open', 'dd_open',
]);

/** KaTeX guards: no \href/\url/\html* commands, bounded macro expansion and sizes. */
const KATEX_OPTIONS = { throwOnError: false, trust: false, strict: 'ignore', maxSize: 50, maxExpand: 1000, output: 'htmlAndMathml' };

/** Slot keys: a secret of this process and a count, so no document can name one (none reaches the preview). */
const SLOT_SECRET = randomBytes(9).toString('hex');
let slotCount = 0;

export function newEnv(fields: Pick<RenderEnv, 'lineOffset' | 'headingIds'> & Partial<Pick<RenderEnv, 'cache' | 'beforeInline' | 'draft'>>): RenderEnv {
  return { slots: [], slotKey: `${SLOT_SECRET}x${(slotCount++).toString(36)}`, hasMermaid: false, drafted: false, ...fields };
}

/** Renders tokens of one parse (a range of top-level blocks) to HTML that still has to be sanitised. */
export function renderTokens(md: MarkdownIt, tokens: Token[], lineOffset: number, cache?: RenderCache, draft = false): UnsanitizedHtml {
  const env = newEnv({ lineOffset, headingIds: new Set(), cache, draft });
  const html = md.renderer.render(tokens, md.options, env);
  return { html, slotKey: env.slotKey, slots: env.slots, hasMermaid: env.hasMermaid, drafted: env.drafted };
}

/** The front matter as the table the preview shows above the document. */
export function renderFrontMatterBlock(frontMatter: FrontMatter): UnsanitizedHtml {
  const env = newEnv({ lineOffset: 0, headingIds: new Set() });
  const html = `${slot(env, renderFrontMatter(frontMatter))}\n`;
  return { html, slotKey: env.slotKey, slots: env.slots, hasMermaid: false, drafted: false };
}

/**
 * Sanitises rendered HTML and puts the trusted parts of the renders it came from back. Source lines are still in
 * SOURCE_LINE_ATTR: withSourceLines or splitSourceLines turns them into `data-line`.
 */
export function finishHtml(html: string, renders: readonly Pick<UnsanitizedHtml, 'slotKey' | 'slots'>[], mapImage: ImageMapper): string {
  return fillSlots(sanitizePreviewHtml(html, mapImage), renders);
}

/**
 * Sanitises many pieces in one pass (sanitize-html costs per call as much as per byte), cut apart again at a
 * placeholder no document can write. Each piece must leave nothing open; undefined when one ended inside a tag and
 * swallowed the cut (then sanitise them one by one).
 */
export function finishHtmlTogether(pieces: readonly { readonly html: string; readonly render: Pick<UnsanitizedHtml, 'slotKey' | 'slots'> }[], mapImage: ImageMapper): string[] | undefined {
  const cut = `<${SLOT_TAG} data-k="${SLOT_SECRET}cut"></${SLOT_TAG}>`;
  const sanitized = sanitizePreviewHtml(pieces.map((p) => p.html).join(cut), mapImage).split(cut);
  if (sanitized.length !== pieces.length) return undefined;
  return sanitized.map((html, i) => fillSlots(html, [pieces[i].render]));
}

const SOURCE_LINE = new RegExp(` ${SOURCE_LINE_ATTR}="(\\d+)"`, 'g');

/** Finished HTML cut around its source lines, so that it can be given other lines without rendering it again. */
export interface LineSplitHtml {
  /** The HTML between the lines: one more than `lines`. */
  readonly parts: readonly string[];
  readonly lines: readonly number[];
}

export function splitSourceLines(html: string): LineSplitHtml {
  const pieces = html.split(SOURCE_LINE);
  const parts: string[] = [];
  const lines: number[] = [];
  pieces.forEach((piece, i) => (i % 2 === 0 ? parts.push(piece) : lines.push(Number(piece))));
  return { parts, lines };
}

/** The HTML with each source line moved by `shift` (lines typed or deleted above it), as `data-line` or `attribute`. */
export function joinSourceLines(split: LineSplitHtml, shift: number, attribute = 'data-line'): string {
  let html = split.parts[0];
  for (let i = 0; i < split.lines.length; i++) html += ` ${attribute}="${split.lines[i] + shift}"${split.parts[i + 1]}`;
  return html;
}

export function hasRawHtml(token: Token): boolean {
  return token.type === 'html_block' || (token.type === 'inline' && (token.children ?? []).some((c) => c.type === 'html_inline'));
}

/** The token ranges [from, to) of the top-level blocks: a token at level 0, or an open token through its close. */
export function topLevelBlocks(tokens: readonly Token[]): [number, number][] {
  const blocks: [number, number][] = [];
  for (let i = 0; i < tokens.length; ) {
    const start = i;
    let depth = tokens[i++].nesting;
    while (depth > 0 && i < tokens.length) depth += tokens[i++].nesting;
    blocks.push([start, i]);
  }
  return blocks;
}

/** GitHub's numbering of repeated headings (markdown-it-anchor's): `intro`, `intro-1`, `intro-2`, … */
export function uniqueHeadingId(slug: string, taken: Set<string>): string {
  let id = slug;
  for (let i = 1; taken.has(id); i++) id = `${slug}-${i}`;
  taken.add(id);
  return id;
}

function cached(env: RenderEnv, key: string, compute: () => string): string {
  return env.cache ? env.cache.get(key, compute) : compute();
}

export function createMarkdownIt(html: boolean): MarkdownIt {
  const md = new MarkdownIt({ html, linkify: true, typographer: false });
  // The ids are unique across the whole document, not only the part parsed: the plugin keeps them as they are.
  md.use(anchor, { slugifyWithState: (title: string, state: { env: unknown }) => uniqueHeadingId(githubSlug(title), (state.env as RenderEnv).headingIds), tabIndex: false });
  md.use(taskLists, { enabled: false });
  md.use(katexPlugin, KATEX_OPTIONS);
  md.core.ruler.after('block', 'berth_references', (state) => {
    (state.env as RenderEnv).beforeInline?.(state);
  });
  md.core.ruler.push('berth_source_lines', (state) => {
    const offset = (state.env as RenderEnv).lineOffset;
    for (const token of state.tokens) {
      if (token.map && BLOCK_TOKENS_WITH_LINES.has(token.type)) token.attrSet(SOURCE_LINE_ATTR, String(token.map[0] + offset));
      if (token.type === 'th_open' || token.type === 'td_open') alignmentToClass(token);
    }
    return true;
  });

  const mathInline = md.renderer.rules.math_inline;
  const mathBlock = md.renderer.rules.math_block;
  const mathInlineBlock = md.renderer.rules.math_inline_block;
  if (!mathInline || !mathBlock || !mathInlineBlock) throw new Error('markdown-it-katex did not install its math renderers');
  md.renderer.rules.math_inline = (tokens, idx, opts, env: RenderEnv, self) =>
    slot(env, env.draft ? mathDraft(env, 'code', tokens[idx].content) : cached(env, `$\0${tokens[idx].content}`, () => movedStyles(mathInline(tokens, idx, opts, env, self))));
  // `$$…$$` inside a paragraph line: display math, without a line of its own.
  md.renderer.rules.math_inline_block = (tokens, idx, opts, env: RenderEnv, self) =>
    slot(env, env.draft ? mathDraft(env, 'code', tokens[idx].content) : cached(env, `$$i\0${tokens[idx].content}`, () => movedStyles(mathInlineBlock(tokens, idx, opts, env, self))));
  md.renderer.rules.math_block = (tokens, idx, opts, env: RenderEnv, self) => {
    const line = lineOf(tokens[idx], env);
    const inner = env.draft ? mathDraft(env, 'pre', tokens[idx].content) : cached(env, `$$\0${tokens[idx].content}`, () => movedStyles(mathBlock(tokens, idx, opts, env, self)));
    return slot(env, `<div class="berth-math"${lineAttr(line)}>${inner}</div>`) + '\n';
  };
  md.renderer.rules.fence = (tokens, idx, _opts, env: RenderEnv) => {
    const token = tokens[idx];
    const line = lineOf(token, env);
    if (isMermaid(token.info)) env.hasMermaid = true;
    if (env.draft) env.drafted = true;
    const html = env.draft ? renderFence(token, false) : cached(env, `\`\0${token.info}\0${token.content}`, () => renderFence(token, true));
    // The cached block has no line number (the same block moves as lines are typed above it): add it here.
    return slot(env, line === undefined ? html : html.replace(/^<(\w+) class="([\w -]+)"/, `<$1 class="$2"${lineAttr(line)}`)) + '\n';
  };
  return md;
}

function lineOf(token: Token, env: RenderEnv): number | undefined {
  return token.map ? token.map[0] + env.lineOffset : undefined;
}

/** markdown-it aligns table cells with a style attribute, which the CSP forbids; use a class instead. */
function alignmentToClass(token: Token): void {
  const style = token.attrGet('style');
  const align = style && /text-align:\s*(left|center|right)/.exec(style)?.[1];
  if (!style) return;
  token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'style');
  if (align) token.attrJoin('class', `berth-align-${align}`);
}

function isMermaid(info: string): boolean {
  return info.trim().split(/\s+/)[0].toLowerCase() === 'mermaid';
}

/** A fence as HTML whose first element has a class attribute (the fence rule adds the source line after it). */
function renderFence(token: Token, highlight: boolean): string {
  const info = token.info.trim();
  const chunk = parseRmdChunkHeader(info);
  if (!chunk && isMermaid(info)) {
    return `<div class="berth-mermaid"><pre class="berth-mermaid-source">${escapeHtml(token.content)}</pre></div>`;
  }
  if (chunk) {
    const options = chunk.options
      .map(({ key, value }) => `<span class="berth-chunk-option">${escapeHtml(value ? `${key}=${value}` : key)}</span>`)
      .join('');
    const label = chunk.label ? `<span class="berth-chunk-label">${escapeHtml(chunk.label)}</span>` : '';
    return (
      `<div class="berth-chunk">` +
      `<div class="berth-chunk-header"><span class="berth-chunk-engine">${escapeHtml(chunk.engine)}</span>${label}${options}</div>` +
      codeBlock(token.content, languageOfEngine(chunk.engine), highlight) +
      `</div>`
    );
  }
  const language = info.split(/[\s{]/)[0];
  return codeBlock(token.content, language, highlight);
}

function codeBlock(code: string, language: string, highlight: boolean): string {
  const lang = language.toLowerCase();
  const known = highlight && lang !== '' && hljs.getLanguage(lang) !== undefined;
  const body = known ? hljs.highlight(code, { language: lang, ignoreIllegals: true }).value : escapeHtml(code);
  const langClass = /^[\w+#.-]+$/.test(lang) ? ` language-${escapeHtml(lang)}` : '';
  return `<pre class="hljs"><code class="hljs${langClass}">${body}</code></pre>`;
}

function mathDraft(env: RenderEnv, tag: 'code' | 'pre', tex: string): string {
  env.drafted = true;
  return `<${tag} class="berth-math-draft">${escapeHtml(tex)}</${tag}>`;
}

function renderFrontMatter(frontMatter: FrontMatter): string {
  const rows = frontMatter.entries
    ? frontMatter.entries.map(({ key, value }) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('')
    : `<tr><td class="berth-front-matter-error">Front matter is not valid YAML: ${escapeHtml(frontMatter.error ?? '')}</td></tr>`;
  return `<table class="berth-front-matter" ${SOURCE_LINE_ATTR}="0"><tbody>${rows}</tbody></table>`;
}

/**
 * KaTeX positions glyphs with style attributes, which the CSP's style-src forbids; the preview script
 * applies them through CSSOM instead. KaTeX escapes attribute values, so the rename cannot touch text.
 */
function movedStyles(katexHtml: string): string {
  return katexHtml.replace(/ style="/g, ' data-berth-style="');
}

function lineAttr(line: number | undefined): string {
  return line === undefined ? '' : ` ${SOURCE_LINE_ATTR}="${line}"`;
}

/** Sets trusted HTML aside under a placeholder element that the sanitiser lets through unchanged. */
function slot(env: Pick<RenderEnv, 'slots' | 'slotKey'>, html: string): string {
  env.slots.push(html);
  return `<${SLOT_TAG} data-k="${env.slotKey}-${env.slots.length - 1}"></${SLOT_TAG}>`;
}

/** Puts the trusted HTML back; placeholders with any other key (written by the document) vanish. */
function fillSlots(html: string, renders: readonly Pick<UnsanitizedHtml, 'slotKey' | 'slots'>[]): string {
  const pattern = new RegExp(`<${SLOT_TAG}(?: data-k="([^"]*)")?></${SLOT_TAG}>`, 'g');
  const slotsByKey = new Map(renders.map((r) => [r.slotKey, r.slots]));
  return html.replace(pattern, (_match, k: string | undefined) => {
    const dash = k?.lastIndexOf('-') ?? -1;
    const slots = k && dash > 0 ? slotsByKey.get(k.slice(0, dash)) : undefined;
    if (!k || !slots) return '';
    const index = Number(k.slice(dash + 1));
    return Number.isInteger(index) && index >= 0 && index < slots.length ? slots[index] : '';
  });
}
