// Every failure a user can cause is a SimrunError: one line that names the file and the problem.

export type ErrorKind =
  | 'missing-file'
  | 'unreadable-file'
  | 'corrupt-parquet'
  | 'bad-schema'
  | 'bad-value'
  | 'shape-mismatch'
  | 'bad-params'
  | 'bad-batch-name'
  | 'bad-argument'
  | 'output'
  /** The output would replace something simrun did not create (an input, a user's file): never retried. */
  | 'not-ours'
  | 'too-large';

export class SimrunError extends Error {
  readonly kind: ErrorKind;
  readonly file: string | undefined;

  constructor(kind: ErrorKind, message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'SimrunError';
    this.kind = kind;
    this.file = file;
  }
}

/** First non-empty line of an error's message (at most 300 characters): libraries' messages can span many. */
export function oneLine(e: unknown): string {
  const raw = e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
  return (raw.split('\n').find((l) => l.trim() !== '') ?? raw).trim().slice(0, 300);
}

/**
 * Every command's one rule from an error to an exit code: a SimrunError (bad input or usage) is
 * its one line and exit 2; anything else is simrun's own fault, with its stack, exit 3.
 */
export function reportError(e: unknown, err: NodeJS.WritableStream): number {
  if (e instanceof SimrunError) {
    err.write(`simrun: error: ${e.message}\n`);
    return 2;
  }
  err.write(`simrun: internal error: ${(e as Error)?.stack ?? e}\n`);
  return 3;
}
