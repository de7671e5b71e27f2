import { Card, Group, Stack, Text, Title } from '@mantine/core';
import { findingsFor } from './loaders';
import { FindingsList } from './FindingsList';
import { AppLink } from './NodeLink';

/**
 * Server component for the node page: the findings that involve node `id` (as of `asOf`, default now), from the
 * stored whole-graph findings (lib/analysis/cache.ts; possibly from before the latest commits while a refresh runs). Renders nothing when there are none, so it can be placed
 * unconditionally. Usage: `<NodeFindings id={node.id} asOf={opts.asOf} asOfSpec={asOf.spec} />` (`asOfSpec`: the
 * page's time spec, kept by the node links).
 */
export async function NodeFindings({ id, asOf, asOfSpec }: { id: string; asOf?: Date; asOfSpec?: string }) {
  const mine = await findingsFor(id, asOf?.getTime());
  if (!mine.length) return null;
  return (
    <Card withBorder radius="md" padding="md" data-testid="node-findings">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} fz="lg">
            Findings ({mine.length})
          </Title>
          <AppLink href={asOf ? `/findings?asOf=${encodeURIComponent(asOf.toISOString())}` : '/findings'} size="sm">
            All findings
          </AppLink>
        </Group>
        <Text size="sm" c="dimmed">
          Problems this object is part of.
        </Text>
        <FindingsList findings={mine} maxObjects={6} asOf={asOfSpec} />
      </Stack>
    </Card>
  );
}
