// One bad block must not hide the rest of a document. Raw HTML can leave an element open: an unclosed <svg> or
// <script> makes the sanitiser drop everything after it (their content is discarded), an unclosed <details>
// folds the rest of the document away. This closes such elements at the end of the top-level block that opened
// them, and leaves alone what the document closes itself, even blocks later (a <div align="center"> … </div>
// around Markdown is a common README pattern).
import { Parser } from 'htmlparser2';

/**
 * Elements whose content the sanitiser throws away, and the raw-text ones that swallow the markup after them:
 * never left open past the end of their block.
 */
const CONTENT_DROPPING = new Set([
  'script', 'style', 'textarea', 'title', 'xmp', 'noembed', 'noframes', 'noscript', 'iframe', 'object', 'applet',
  'svg', 'math', 'template', 'option', 'frameset', 'plaintext',
]);

interface OpenElement {
  readonly name: string;
  readonly block: number;
}

/** Where a document's top-level blocks need closing tags, and where it may be cut into independent pieces. */
export interface OpenElementsAnalysis {
  /** The closing tags to append to each block. */
  readonly closers: readonly (readonly string[])[];
  /**
   * After block i (closers added), nothing it or an earlier block opened is still open: the HTML before and after
   * that point can be sanitised apart and give what sanitising them together gives.
   */
  readonly separableAfter: readonly boolean[];
  /** How many elements the blocks open and never close (each is closed in its own block). */
  readonly unclosed: number;
}

/**
 * Joins the HTML of a document's top-level blocks, with closing tags added at the end of a block for (a) every
 * content-dropping element still open there and (b) every element the rest of the document never closes.
 * Parsed with htmlparser2, the parser sanitize-html itself uses, so both agree on what is open where.
 */
export function closeOpenElements(blocks: readonly string[]): string {
  const { closers } = analyseOpenElements(blocks);
  return blocks.map((html, i) => html + closers[i].join('')).join('');
}

export function analyseOpenElements(blocks: readonly string[]): OpenElementsAnalysis {
  const stack: OpenElement[] = [];
  const closers: string[][] = blocks.map(() => []);
  const openAfter: OpenElement[][] = [];
  let block = 0;
  let atEnd = false;
  const neverClosed: OpenElement[] = [];
  const parser = new Parser(
    {
      onopentag: (name) => {
        stack.push({ name, block });
      },
      onclosetag: (name) => {
        // htmlparser2 reports closes in its own stack order, implied ones included: the top is this element.
        const top = stack[stack.length - 1];
        if (top?.name !== name) return;
        stack.pop();
        if (atEnd) neverClosed.push(top);
      },
    },
    { decodeEntities: true },
  );
  for (block = 0; block < blocks.length; block++) {
    parser.write(blocks[block]);
    const dropping = stack.findIndex((e) => CONTENT_DROPPING.has(e.name));
    if (dropping >= 0) {
      for (const open of stack.slice(dropping).reverse()) {
        const closer = `</${open.name}>`;
        closers[open.block].push(closer);
        parser.write(closer);
      }
    }
    openAfter.push(stack.slice());
  }
  atEnd = true;
  parser.end();
  // parser.end() closes innermost first, so each block's closers come out in the right order.
  for (const open of neverClosed) closers[open.block].push(`</${open.name}>`);
  const closedInPlace = new Set(neverClosed);
  return { closers, separableAfter: openAfter.map((open) => open.every((e) => closedInPlace.has(e))), unclosed: neverClosed.length };
}
