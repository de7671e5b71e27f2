import { PageSkeleton } from '../_components/PageSkeleton';

/** Shown while this page's data loads (app/_components/PageSkeleton.tsx says why there is no root loading.tsx). */
export default function Loading() {
  return <PageSkeleton />;
}
