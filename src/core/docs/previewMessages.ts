/** Messages between the preview webview and the extension. The webview is untrusted input: parse, never cast. */

/** Webview → extension. */
export type FromPreviewMessage =
  | { readonly type: 'openLink'; readonly href: string }
  | { readonly type: 'previewScrolled'; readonly line: number }
  | { readonly type: 'revealLine'; readonly line: number }
  | { readonly type: 'patched'; readonly version: number };

/** Extension → webview. */
export type ToPreviewMessage =
  | { readonly type: 'update'; readonly html: string; readonly version: number; readonly mermaidUri?: string; readonly title: string }
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
      return isLine(m.version) ? { type: 'patched', version: m.version } : undefined;
    default:
      return undefined;
  }
}
