import { NodeNotFound } from './NodeNotFound';

/** A well-formed id that no source knows. */
export default function NodeNotFoundPage() {
  return <NodeNotFound />;
}
