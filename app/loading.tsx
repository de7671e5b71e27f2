import { Card, Group, Skeleton, Stack } from '@mantine/core';

/** Shown while a page's data loads. */
export default function Loading() {
  return (
    <Stack gap="lg" aria-busy="true" aria-label="Loading">
      <Skeleton height={30} width={280} radius="md" />
      <Skeleton height={14} width={420} radius="md" />
      <Card withBorder padding="lg">
        <Stack gap="sm">
          {Array.from({ length: 6 }, (_, i) => (
            <Group key={i} gap="md" wrap="nowrap">
              <Skeleton height={20} width={90} radius="sm" />
              <Skeleton height={14} style={{ flex: 1 }} radius="sm" />
              <Skeleton height={14} width={120} radius="sm" />
            </Group>
          ))}
        </Stack>
      </Card>
    </Stack>
  );
}
