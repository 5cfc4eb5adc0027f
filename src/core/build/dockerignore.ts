import * as path from 'path';

/**
 * .dockerignore as the docker CLI applies it: a port of moby/patternmatcher (ignorefile.ReadAll, Pattern.compile,
 * MatchesUsingParentResults), which the CLI uses to choose the files of a build context. Paths are relative to
 * the context, with `/` separators, and matching is case-sensitive (as Docker on Linux and macOS).
 */

/** Go's filepath.Clean for `/`-separated paths. */
export function cleanPath(p: string): string {
  if (p === '') {
    return '.';
  }
  const normal = path.posix.normalize(p);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** The patterns of a .dockerignore file, normalised the way Docker reads them (ignorefile.ReadAll). */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const line of lines) {
    if (line.startsWith('#')) {
      continue;
    }
    let pattern = line.trim();
    if (pattern === '') {
      continue;
    }
    const invert = pattern.startsWith('!');
    if (invert) {
      pattern = pattern.slice(1).trim();
    }
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) {
        pattern = pattern.slice(1);
      }
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

/** One compiled pattern; `exclusion` is a `!` (re-include) pattern. */
export class IgnorePattern {
  readonly exclusion: boolean;
  /** The cleaned pattern without its `!`. */
  readonly text: string;
  private readonly matchType: MatchType;
  private readonly regexp: RegExp | undefined;

  constructor(raw: string) {
    let p = cleanPath(raw.trim());
    this.exclusion = p.startsWith('!');
    if (this.exclusion) {
      if (p.length === 1) {
        throw new Error('illegal exclusion pattern: "!"');
      }
      p = p.slice(1);
    }
    this.text = p;
    const compiled = compile(p);
    this.matchType = compiled.matchType;
    this.regexp = compiled.regexp;
  }

  matches(file: string): boolean {
    switch (this.matchType) {
      case 'exact':
        return file === this.text;
      case 'prefix':
        return file.startsWith(this.text.slice(0, -2));
      case 'suffix': {
        const suffix = this.text.slice(2);
        return file.endsWith(suffix) || (suffix.startsWith('/') && file === suffix.slice(1));
      }
      case 'regexp':
        return this.regexp!.test(file);
    }
  }
}

const REGEXP_SPECIALS = '.+()|{}$';

function compile(pattern: string): { matchType: MatchType; regexp?: RegExp } {
  let re = '^';
  let matchType: MatchType = 'exact';
  const chars = [...pattern];
  for (let i = 0, n = 0; i < chars.length; i++, n++) {
    const ch = chars[i];
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') {
          i++;
        }
        if (i + 1 >= chars.length) {
          if (matchType === 'exact') {
            matchType = 'prefix';
          } else {
            re += '.*';
            matchType = 'regexp';
          }
        } else {
          re += '(.*/)?';
          matchType = 'regexp';
        }
        if (n === 0) {
          matchType = 'suffix';
        }
      } else {
        re += '[^/]*';
        matchType = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      matchType = 'regexp';
    } else if (REGEXP_SPECIALS.includes(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      if (i + 1 < chars.length) {
        re += `\\${chars[++i]}`;
        matchType = 'regexp';
      } else {
        // Docker appends a lone backslash, which then escapes the closing `$`; kept for fidelity.
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      matchType = 'regexp';
    } else {
      re += ch;
    }
  }
  if (matchType !== 'regexp') {
    return { matchType };
  }
  try {
    return { matchType, regexp: new RegExp(`${re}$`) };
  } catch {
    throw new Error(`bad pattern "${pattern}"`);
  }
}

/** Per-pattern results for a directory, handed to its children (patternmatcher.MatchInfo). */
export interface MatchInfo {
  readonly parentMatched: readonly boolean[];
}

/** The ordered .dockerignore patterns and Docker's rule for applying them to one path. */
export class PatternMatcher {
  readonly patterns: readonly IgnorePattern[];
  readonly hasExclusions: boolean;

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.filter((p) => p.trim() !== '').map((p) => new IgnorePattern(p));
    this.hasExclusions = this.patterns.some((p) => p.exclusion);
  }

  /** Whether `file` is ignored: the last pattern matching it or one of its parent folders decides. */
  matches(file: string): boolean {
    return this.matchesUsingParentResults(file, undefined).matched;
  }

  /**
   * Docker's MatchesUsingParentResults, including its short-cut: a pattern that cannot change the outcome
   * is not evaluated, and counts as not matched for the children.
   */
  matchesUsingParentResults(file: string, parent: MatchInfo | undefined): { matched: boolean; info: MatchInfo } {
    let matched = false;
    const parentMatched: boolean[] = [];
    this.patterns.forEach((pattern, i) => {
      let match = parent?.parentMatched[i] ?? false;
      if (!match) {
        if (pattern.exclusion !== matched) {
          parentMatched.push(false);
          return;
        }
        match = pattern.matches(file);
        if (!match && parent === undefined) {
          const parentPath = path.posix.dirname(file);
          if (parentPath !== '.') {
            const dirs = parentPath.split('/');
            for (let k = 1; k <= dirs.length && !match; k++) {
              match = pattern.matches(dirs.slice(0, k).join('/'));
            }
          }
        }
      }
      parentMatched.push(match);
      if (match) {
        matched = !pattern.exclusion;
      }
    });
    return { matched, info: { parentMatched } };
  }

  /**
   * An ignored directory is still walked when a `!` pattern names something inside it literally
   * (Docker checks the pattern text as a prefix, so `!**\/x` does not reopen an ignored folder).
   */
  mayReincludeInside(dir: string): boolean {
    if (!this.hasExclusions) {
      return false;
    }
    const dirSlash = `${dir}/`;
    return this.patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(dirSlash));
  }
}

/**
 * The patterns Docker applies to a context: the .dockerignore patterns plus re-includes for the Dockerfile and
 * .dockerignore themselves, which are always sent (the CLI's TrimBuildFilesFromExcludes).
 */
export function contextPatterns(dockerignore: readonly string[], dockerfileInContext: string): string[] {
  const patterns = [...dockerignore];
  if (new PatternMatcher(patterns).matches('.dockerignore')) {
    patterns.push('!.dockerignore');
  }
  if (new PatternMatcher(patterns).matches(dockerfileInContext)) {
    patterns.push(`!${dockerfileInContext}`);
  }
  return patterns;
}
