import { PageSkeleton } from '../_components/PageSkeleton';

/** Shown while the overview's counts and runs load (a route group, so the boundary covers this page only). */
export default function Loading() {
  return <PageSkeleton />;
}
