/**
 * Reads that several server components of one page need, deduplicated per request with React's `cache`: the node
 * page's triage header, impact panel and findings card share one impact walk and one findings read.
 */
import { cache } from 'react';
import { db } from '@/lib/db';
import { impactOf, type ImpactAction } from '@/lib/analysis/impact';
import { findingsByNode } from '@/lib/analysis/cache';

/** Impact of `action` on node `id` as of `asOfMs` (epoch ms; undefined = now), or null for an unknown node. */
export const impactFor = cache((id: string, action: ImpactAction, asOfMs?: number) =>
  impactOf(db(), id, { action, asOf: asOfMs === undefined ? undefined : new Date(asOfMs) }),
);

/** The stored findings that involve node `id` as of `asOfMs` (epoch ms; undefined = now). */
export const findingsFor = cache(async (id: string, asOfMs?: number) =>
  (await findingsByNode(db(), [id], { asOf: asOfMs === undefined ? undefined : new Date(asOfMs) })).get(id) ?? [],
);
