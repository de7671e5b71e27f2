/** Exit codes of the command-line contract (docs/ARCHITECTURE.md). */
export const EXIT = { ok: 0, error: 1, breaks: 2, unknown: 3, partial: 4 } as const;

/** A mistake in how the command was called: printed without a stack trace. */
export class UsageError extends Error {}
