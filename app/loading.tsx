import { Skeleton, Stack } from '@mantine/core';

/**
 * Shown while a page's data loads (every page streams through it). Deliberately small: it is sent with every page
 * view, ahead of the page itself.
 */
export default function Loading() {
  return (
    <Stack gap="md" aria-busy="true" aria-label="Loading">
      <Skeleton height={30} width={280} radius="md" />
      <Skeleton height={14} width={420} radius="md" />
      <Skeleton height={220} radius="md" />
    </Stack>
  );
}
