/**
 * An error the user can fix (bad input, missing file, bad option). The CLI
 * prints its message as one line and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  override name = "UserError";
  /** Process exit code: 2 for usage errors, 1 for everything else. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
