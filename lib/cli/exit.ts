/** Exit codes of the command-line contract (docs/ARCHITECTURE.md). */
export const EXIT = { ok: 0, error: 1, breaks: 2, unknown: 3, partial: 4 } as const;

/** A mistake in how the command was called: printed without a stack trace. */
export class UsageError extends Error {}

/** The error for a node no source knows, worded once for local and remote mode. */
export const noNodeMessage = (id: string) => `no node ${id} in the inventory (search with the web UI, or check the cluster/project name)`;
