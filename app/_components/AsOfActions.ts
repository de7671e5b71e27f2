'use server';

/**
 * Server actions of the header's time picker (app/_components/AsOfPicker.tsx). Read-only: they list runs, nothing
 * else.
 */
import { db } from '@/lib/db';
import { recentRuns } from '@/lib/store/history';

export interface PickerRun {
  id: number;
  source: string;
  scope: string;
  status: string;
  /** ISO 8601. */
  committedAt: string;
}

/** The most recent applied runs, newest first: the moments a user can pick. */
export async function pickerRuns(): Promise<PickerRun[]> {
  const runs = await recentRuns(db(), 15);
  return runs.map((r) => ({ id: r.id, source: r.source, scope: r.scope, status: r.status, committedAt: r.committedAt.toISOString() }));
}
