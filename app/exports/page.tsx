import type { Metadata } from 'next';
import { Anchor, Card, Code, List, ListItem, Stack, Text, Title } from '@mantine/core';
import { EDGE_KIND_KEYS, EDGE_KINDS, NODE_KIND_KEYS, NODE_KINDS } from '@/lib/graph/model';
import { SOURCES } from '@/lib/export/sources';
import { providerLabel } from '@/lib/ui/format';
import { PageTitle } from '../_components/PageTitle';
import { ExportForm, type WhatChoice } from './ExportForm';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Exports' };

const LABELS: Record<string, string> = { nodes: 'Nodes', edges: 'Edges', keys: 'Key audit' };

/** Kind choices of an export: node kinds (`k8s:Secret`), edge kinds, or none. */
function kindsFor(what: string): WhatChoice['kinds'] {
  if (what === 'nodes') {
    return NODE_KIND_KEYS.map((k) => ({ value: k, label: NODE_KINDS[k].plural, group: providerLabel(NODE_KINDS[k].provider) }));
  }
  if (what === 'edges') return EDGE_KIND_KEYS.map((k) => ({ value: k, label: `${k} (${EDGE_KINDS[k].forward})`, group: 'Relations' }));
  return [];
}

/** Exports page: pick what, format, filters and a point in time; download a streamed file. */
export default function ExportsPage() {
  const whats: WhatChoice[] = Object.values(SOURCES).map((s) => ({
    value: s.what,
    label: LABELS[s.what] ?? s.what,
    description: s.description,
    filters: [...s.filters],
    kinds: s.checkKind ? kindsFor(s.what) : [],
  }));
  const quick = [
    { href: '/api/v1/export?what=keys&format=csv', label: 'Key audit (CSV)' },
    { href: '/api/v1/export?what=nodes&format=csv', label: 'All nodes (CSV)' },
    { href: '/api/v1/export?what=edges&format=graphml', label: 'The whole graph (GraphML)' },
  ];
  return (
    <Stack gap="lg">
      <PageTitle
        title="Exports"
        description="Audit and analysis exports of the inventory, now or as of a past time. Each file states when it was generated, the time it shows and the collection runs (with coverage) it rests on."
      />
      <Card withBorder padding="lg" radius="md">
        <ExportForm whats={whats} />
      </Card>
      <Card withBorder padding="lg" radius="md">
        <Stack gap="xs">
          <Title order={2} fz="lg">
            Quick downloads
          </Title>
          <List size="sm" spacing={4}>
            {quick.map((q) => (
              <ListItem key={q.href}>
                <Anchor href={q.href} download data-testid="export-quick">
                  {q.label}
                </Anchor>
              </ListItem>
            ))}
          </List>
          <Text size="sm" c="dimmed">
            No secret value is ever exported: Secrets carry key names and HMAC fingerprints only. CSV cells that a
            spreadsheet would run as a formula are prefixed with <Code>&apos;</Code>. The API behind these links is{' '}
            <Code>GET /api/v1/export?what=&amp;format=&amp;realm=&amp;namespace=&amp;kind=&amp;asOf=</Code>.
          </Text>
        </Stack>
      </Card>
    </Stack>
  );
}
