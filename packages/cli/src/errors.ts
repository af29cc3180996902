/** A mistake in the command line (unknown flag, missing argument): exit code 2 and a usage hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A mistake in what the user pointed at (missing data, unreadable file, a config for another
 * model): exit code 1, one line, no stack trace.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}
