/**
 * GitHub's heading anchor: lower case, punctuation dropped (letters, marks, digits, `_`, `-` and spaces
 * stay), spaces become `-`. Duplicates are numbered by markdown-it-anchor (`intro`, `intro-1`, …).
 */
export function githubSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}
