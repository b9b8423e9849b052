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
