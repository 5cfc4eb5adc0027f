// What a document that failed to knit or export reports: one line for the user, and the problems that belong
// to lines of the document (they become diagnostics in the editor).
import { BerthError } from '../common/errors';

export interface DocProblem {
  readonly message: string;
  /** 0-based line of the document; undefined when the problem belongs to no line. */
  readonly line?: number;
  readonly severity: 'error' | 'warning';
}

/** The document (not Berth, not the engine) failed: a chunk raised, LaTeX stopped, a file it names is missing. */
export class DocumentFailedError extends BerthError {
  constructor(
    message: string,
    readonly problems: readonly DocProblem[] = [],
    /** The file the problems' lines belong to, when it is not the document itself (an .Rmd's knitted .md). */
    readonly sourcePath?: string,
  ) {
    super(message);
  }
}

/** What a successful knit or export produced, as host paths, and what it warned about on the way. */
export interface DocsBuildResult {
  readonly outputs: readonly string[];
  readonly warnings: readonly DocProblem[];
  /** The file the warnings' lines belong to, when it is not the document itself. */
  readonly sourcePath?: string;
}
