import { Badge, Card, Code, Group, Stack, Text } from '@mantine/core';
import type { Finding } from '@/lib/analysis/findings';
import { RULES } from '@/lib/analysis/findings';
import type { Severity } from '@/lib/analysis/severity';
import { parseId } from '@/lib/graph/ids';
import { KindBadge } from './badges';
import { DisplayName, NodeLink } from './NodeLink';

/** Mantine colour per severity. */
export const SEVERITY_COLOR: Record<Severity, string> = { critical: 'red', high: 'orange', medium: 'yellow', low: 'blue', info: 'gray' };

/** A severity badge. */
export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <Badge color={SEVERITY_COLOR[severity]} variant={severity === 'critical' ? 'filled' : 'light'} radius="sm" size="sm" data-severity={severity} style={{ flexShrink: 0 }}>
      {severity}
    </Badge>
  );
}

/** A node as its kind badge and linked name (`namespace/name`). */
export function NodeChip({ id, asOf }: { id: string; asOf?: string }) {
  const p = parseId(id);
  if (!p) return <Text size="sm">{id}</Text>;
  return (
    <Group gap={6} wrap="nowrap" miw={0}>
      <KindBadge provider={p.provider} kind={p.kind} size="xs" />
      <NodeLink id={id} asOf={asOf}>
        <span style={{ overflowWrap: 'anywhere' }}>
          <DisplayName text={p.namespace ? `${p.namespace}/${p.name}` : p.name} />
        </span>
      </NodeLink>
    </Group>
  );
}

/**
 * Findings as cards: severity, rule, title, the objects involved (links to their node pages), fix hint and the
 * structured evidence (no values: the store holds none). `maxObjects` objects are linked, the rest counted.
 * `asOf` (a time spec, lib/ui/params.ts): node links keep that time.
 */
export function FindingsList({ findings, maxObjects = 8, asOf }: { findings: Finding[]; maxObjects?: number; asOf?: string }) {
  return (
    <Stack gap="sm" data-testid="findings">
      {findings.map((f) => (
        <Card key={f.id} withBorder radius="md" padding="md" data-finding-id={f.id} data-rule={f.rule}>
          <Stack gap={8}>
            {/* Badges keep their width and the title wraps under them on a phone (long key ids break anywhere). */}
            <Group gap="xs" wrap="wrap" align="flex-start">
              <SeverityBadge severity={f.severity} />
              <Badge variant="outline" color="gray" radius="sm" size="sm" tt="none">
                {RULES[f.rule]?.title ?? f.rule}
              </Badge>
              <Text fw={500} size="sm" style={{ flex: '1 1 240px', minWidth: 0, overflowWrap: 'anywhere' }}>
                <DisplayName text={f.title} />
              </Text>
            </Group>
            <Group gap="md" wrap="wrap">
              {f.objects.slice(0, maxObjects).map((o) => (
                <NodeChip key={o} id={o} asOf={asOf} />
              ))}
              {f.objects.length > maxObjects ? (
                <Text size="sm" c="dimmed">
                  and {f.objects.length - maxObjects} more
                </Text>
              ) : null}
            </Group>
            <FixAndEvidence finding={f} />
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}

/** A finding's fix line and its structured evidence behind a disclosure (ids, key names, times: never a value). */
export function FixAndEvidence({ finding: f, size = 'sm' }: { finding: Finding; size?: 'sm' | 'xs' }) {
  return (
    <>
      <Text size={size} style={{ overflowWrap: 'anywhere' }}>
        <Text span fw={600} size={size}>
          Fix:{' '}
        </Text>
        <DisplayName text={f.fix} />
      </Text>
      <details>
        <summary style={{ cursor: 'pointer', fontSize: 'var(--mantine-font-size-xs)', color: 'var(--mantine-color-dimmed)' }}>
          Evidence · <span className="kg-mono">{f.id}</span>
        </summary>
        <Code block mt={6} fz="xs">
          {JSON.stringify(f.evidence, null, 2)}
        </Code>
      </details>
    </>
  );
}
