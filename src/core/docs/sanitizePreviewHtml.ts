import { randomBytes } from 'node:crypto';
import sanitizeHtml from 'sanitize-html';

/** Maps an image `src` the document wrote (relative, or absolute inside the workspace) to a URL the preview may load. */
export type ImageMapper = (src: string) => string | undefined;

/** The element the renderer leaves where trusted generated HTML (code, math, diagrams) is spliced in after sanitising. */
export const SLOT_TAG = 'berth-slot';

/**
 * The attribute the renderer writes a block's source line in before sanitising; afterwards it becomes `data-line`.
 * Its name is random per process and never reaches the preview, so a document cannot write one: a `data-line`
 * written in raw HTML is dropped, and every `data-line` in the preview is a real source line (scroll sync and
 * the incremental patching shift them as lines are typed above).
 */
export const SOURCE_LINE_ATTR = `data-berth-line-${randomBytes(6).toString('hex')}`;

/**
 * Raster images that cannot carry script. SVG is left out on purpose: it is harmless inside <img>, but users
 * copy such URLs into places where it is not, and a pasted badge is nearly always PNG.
 */
const SAFE_DATA_IMAGE = /^data:image\/(?:png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]+$/i;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

const ALIGN_CLASSES = ['berth-align-left', 'berth-align-center', 'berth-align-right'];

/**
 * The allow-list for everything the Markdown produced, raw HTML included. No script, no event handlers, no
 * style (neither elements nor attributes: nothing can overlay the preview), no frames, objects, forms or SVG;
 * links only http(s)/mailto/relative; images only http(s), safe data: rasters and what the mapper allows.
 */
export function sanitizePreviewHtml(html: string, mapImage: ImageMapper): string {
  return sanitizeHtml(html, {
    allowedTags: [
      'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'em', 'strong', 'b', 'i',
      'u', 's', 'del', 'ins', 'strike', 'sub', 'sup', 'kbd', 'samp', 'var', 'mark', 'small', 'abbr', 'cite', 'q',
      'dfn', 'time', 'a', 'img', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'input', 'table', 'thead', 'tbody', 'tfoot',
      'tr', 'th', 'td', 'caption', 'colgroup', 'col', 'details', 'summary', 'div', 'span', 'figure', 'figcaption',
      'section', 'article', 'aside', 'header', 'footer', 'nav', 'center', 'picture', SLOT_TAG,
    ],
    allowedAttributes: {
      '*': ['id', 'title', 'lang', 'dir', SOURCE_LINE_ATTR, 'align'],
      a: ['href', 'name'],
      img: ['src', 'alt', 'width', 'height'],
      input: ['type', 'checked', 'disabled'],
      th: ['colspan', 'rowspan'],
      td: ['colspan', 'rowspan'],
      ol: ['start', 'type', 'reversed'],
      li: ['value'],
      details: ['open'],
      col: ['span'],
      colgroup: ['span'],
      abbr: ['title'],
      time: ['datetime'],
      [SLOT_TAG]: ['data-k'],
    },
    allowedClasses: {
      ul: ['contains-task-list'],
      ol: ['contains-task-list'],
      li: ['task-list-item'],
      input: ['task-list-item-checkbox'],
      th: ALIGN_CLASSES,
      td: ALIGN_CLASSES,
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    allowedStyles: {},
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'svg', 'math', 'template', 'title', 'xmp', 'noembed', 'noframes', 'frameset', 'applet'],
    disallowedTagsMode: 'discard',
    transformTags: {
      img: (tagName, attribs) => ({ tagName, attribs: withMappedSrc(attribs, mapImage) }),
      // Checkboxes are task-list state, never form controls.
      input: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, type: 'checkbox', disabled: '' },
      }),
    },
  });
}

function withMappedSrc(attribs: sanitizeHtml.Attributes, mapImage: ImageMapper): sanitizeHtml.Attributes {
  const { src, ...rest } = attribs;
  const raw = (src ?? '').trim();
  if (!raw) return rest;
  if (/^data:/i.test(raw)) return SAFE_DATA_IMAGE.test(raw) ? { ...rest, src: raw } : rest;
  if (/^https?:/i.test(raw)) return { ...rest, src: raw };
  if (HAS_SCHEME.test(raw) || raw.startsWith('//')) return rest;
  const mapped = mapImage(raw);
  return mapped === undefined ? rest : { ...rest, src: mapped };
}
