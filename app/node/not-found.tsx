import { parseId } from '@/lib/graph/ids';
import { requestSearchParams } from '@/lib/auth/server';
import { NodeNotFound } from './NodeNotFound';

/** The 404 of the node page: an id no source knows, or a text that is not a node id at all. */
export default async function NodeNotFoundPage() {
  const id = (await requestSearchParams()).get('id') ?? undefined;
  return <NodeNotFound id={id} malformed={!!id && !parseId(id)} />;
}
