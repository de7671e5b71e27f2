'use client';

import { useSearchParams } from 'next/navigation';
import { parseId } from '@/lib/graph/ids';
import { NodeNotFound } from './NodeNotFound';

/** The 404 of the node page: an id no source knows, or a text that is not a node id (`?id=` read in the browser). */
export default function NodeNotFoundPage() {
  const id = useSearchParams().get('id') ?? undefined;
  return <NodeNotFound id={id} malformed={!!id && !parseId(id)} />;
}
