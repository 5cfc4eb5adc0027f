/** Messages between the preview webview and the extension. The webview is untrusted input: parse, never cast. */

/** Webview → extension. */
export type FromPreviewMessage =
  | { readonly type: 'openLink'; readonly href: string }
  | { readonly type: 'previewScrolled'; readonly line: number }
  | { readonly type: 'revealLine'; readonly line: number }
  | { readonly type: 'patched'; readonly version: number }
  /** The page's script started: on the first page of a document, or on a page the webview reloaded (it was hidden). */
  | { readonly type: 'loaded'; readonly version: number };

/** Extension → webview. */
export type ToPreviewMessage =
  | {
      /**
       * The preview's units after an edit: every unit's id and first source line in order, and (`html`, unit templates)
       * the ones the preview does not have. Kept units stay in the page, moved to their new lines; `reset` drops all.
       */
      readonly type: 'patch';
      readonly units: readonly (readonly [number, number])[];
      readonly html: string;
      readonly reset: boolean;
      readonly version: number;
      readonly mermaidUri?: string;
      readonly title: string;
    }
  | { readonly type: 'scrollToLine'; readonly line: number }
  | { readonly type: 'scrollToFragment'; readonly fragment: string };

const MAX_HREF = 4096;
const MAX_LINE = 10_000_000;

function isLine(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_LINE;
}

/** Returns the message when it has exactly a known shape; undefined for anything else. */
export function parseFromPreviewMessage(data: unknown): FromPreviewMessage | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const m = data as Record<string, unknown>;
  switch (m.type) {
    case 'openLink':
      return typeof m.href === 'string' && m.href.length > 0 && m.href.length <= MAX_HREF ? { type: 'openLink', href: m.href } : undefined;
    case 'previewScrolled':
    case 'revealLine':
      return isLine(m.line) ? { type: m.type, line: m.line } : undefined;
    case 'patched':
    case 'loaded':
      return isLine(m.version) ? { type: m.type, version: m.version } : undefined;
    default:
      return undefined;
  }
}
