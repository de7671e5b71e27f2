import { Skeleton, Stack } from '@mantine/core';

/**
 * The loading state of a page whose data is slow (overview, search, findings, diff, explorer, exports: their segment's
 * `loading.tsx` renders it). There is deliberately no root `app/loading.tsx`: a root boundary streams a 200 before a
 * page can call `notFound()`, so unknown nodes and runs could never answer 404. Pages that decide a status (node,
 * run) render their slow parts inside their own `<Suspense>` instead.
 */
export function PageSkeleton() {
  return (
    <Stack gap="md" aria-busy="true" aria-label="Loading">
      <Skeleton height={30} width={280} radius="md" />
      <Skeleton height={14} width={420} radius="md" />
      <Skeleton height={220} radius="md" />
    </Stack>
  );
}
