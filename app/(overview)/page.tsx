import {
  Alert,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { db } from '@/lib/db';
import { countByKind, listRuns } from '@/lib/store/read';
import { isProvider, NODE_KIND_KEYS, NODE_KINDS, PROVIDER_KEYS } from '@/lib/graph/model';
import { kindStyle, providerLabel, searchHref } from '@/lib/ui/format';
import { hidesData, readOptionsFrom, withAsOf, type SearchParams } from '@/lib/ui/params';
import { AppLink } from '../_components/NodeLink';
import { EmptyState } from '../_components/EmptyState';
import { PageTitle } from '../_components/PageTitle';
import { RunsTable } from '../_components/RunsTable';
import { IconAlert } from '../_components/icons';
import { CardLink } from '../_components/links';
import { AsOfBanner, pageAsOf } from '../_components/AsOfBanner';

export const dynamic = 'force-dynamic';

type Count = Awaited<ReturnType<typeof countByKind>>[number];

/** Model order first (Secrets, ServiceAccounts, workloads…), unknown kinds after. */
function modelOrder(c: Count): number {
  const i = NODE_KIND_KEYS.indexOf(`${c.provider}:${c.kind}` as (typeof NODE_KIND_KEYS)[number]);
  return i < 0 ? NODE_KIND_KEYS.length : i;
}

export default async function OverviewPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const asOf = await pageAsOf(await searchParams);
  const banner = <AsOfBanner asOf={asOf} nowHref="/" />;
  if (hidesData(asOf)) return banner;
  const opts = readOptionsFrom(asOf);
  const database = db();
  const [counts, runs] = await Promise.all([countByKind(database, opts), listRuns(database, { limit: 5 })]);
  const total = counts.reduce((a, c) => a + c.total, 0);
  const missing = counts.reduce((a, c) => a + c.missing, 0);
  const pending = counts.reduce((a, c) => a + c.pending, 0);

  if (total === 0 && runs.length === 0) return <NoData />;

  // Kubernetes first, then GCP, then anything else.
  const providerRank = (p: string) => (isProvider(p) ? PROVIDER_KEYS.indexOf(p) : PROVIDER_KEYS.length);
  const providers = [...new Set(counts.map((c) => c.provider))].sort((a, b) => providerRank(a) - providerRank(b) || a.localeCompare(b));
  const missingKinds = counts.filter((c) => c.missing > 0).sort((a, b) => modelOrder(a) - modelOrder(b));

  return (
    <Stack gap="xl">
      {banner}
      <PageTitle
        title="Overview"
        description="Everything keygraph knows about, by kind. Open any count to list the objects; every object links both ways."
      />

      <CardLink
        withBorder
        padding="lg"
        radius="md"
        href={withAsOf(searchHref({ missing: true }), asOf.spec)}
        className="kg-stat-card"
        data-testid="missing-card"
        style={{
          borderColor: missing ? 'var(--mantine-color-red-4)' : undefined,
          background: missing ? 'var(--mantine-color-red-0)' : undefined,
        }}
      >
        <Group justify="space-between" align="center" wrap="wrap" gap="md">
          <Group gap="md" wrap="nowrap">
            <Text fz={40} fw={700} c={missing ? 'red.7' : 'teal.7'} lh={1}>
              {missing}
            </Text>
            <Stack gap={2}>
              <Text fw={600}>{missing === 1 ? 'Missing object (dangling reference)' : 'Missing objects (dangling references)'}</Text>
              <Text size="sm" c="dimmed" maw={620}>
                {missing
                  ? 'Referenced but not observed. Pods that need them keep running, and fail at their next start.'
                  : 'Every referenced Secret, ServiceAccount and key was observed in what keygraph collected (the Findings page lists references it could not check).'}
              </Text>
              {pending ? (
                <Text size="sm" data-testid="pending-count">
                  {pending} more {pending === 1 ? 'is' : 'are'} pending: a Certificate, ExternalSecret or SealedSecret will create {pending === 1 ? 'it' : 'them'}.
                </Text>
              ) : null}
            </Stack>
          </Group>
          {missingKinds.length ? (
            <Group gap="xs">
              {missingKinds.map((c) => (
                <Text key={`${c.provider}:${c.kind}`} size="sm" c="red.8" fw={500}>
                  {c.missing} {c.missing === 1 ? kindStyle(c.provider, c.kind).label : kindStyle(c.provider, c.kind).plural}
                </Text>
              ))}
            </Group>
          ) : null}
        </Group>
      </CardLink>

      {providers.map((provider) => (
        <Stack gap="sm" key={provider}>
          <Title order={2} fz="lg">
            {providerLabel(provider)}
          </Title>
          <SimpleGrid cols={{ base: 2, sm: 3, md: 4, lg: 5 }} spacing="md">
            {counts
              .filter((c) => c.provider === provider)
              .sort((a, b) => modelOrder(a) - modelOrder(b))
              .map((c) => {
                const s = kindStyle(c.provider, c.kind);
                return (
                  <CardLink
                    key={c.kind}
                    withBorder
                    padding="md"
                    radius="md"
                    href={withAsOf(searchHref({ kind: c.kind, provider: c.provider }), asOf.spec)}
                    className="kg-stat-card"
                    data-testid={`count-${c.provider}-${c.kind}`}
                    style={{ borderLeft: `4px solid ${s.color}` }}
                  >
                    <Text size="sm" c="dimmed" fw={500}>
                      {s.plural}
                    </Text>
                    <Group gap={8} align="baseline">
                      <Text fz={28} fw={700} lh={1.3}>
                        {c.total}
                      </Text>
                      {c.missing ? (
                        <Text size="xs" c="red.7" fw={600}>
                          {c.missing} missing
                        </Text>
                      ) : null}
                    </Group>
                  </CardLink>
                );
              })}
          </SimpleGrid>
        </Stack>
      ))}

      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} fz="lg">
            Latest collections
          </Title>
          <AppLink href="/runs" size="sm">
            All runs →
          </AppLink>
        </Group>
        {runs.length ? (
          <RunsTable runs={runs} />
        ) : (
          <Text c="dimmed" size="sm">
            No collection has run yet.
          </Text>
        )}
      </Stack>
    </Stack>
  );
}

/** First start: nothing collected yet. */
function NoData() {
  const kinds = Object.values(NODE_KINDS).map((k) => k.plural);
  return (
    <Stack gap="xl">
      <PageTitle title="Welcome to keygraph" description="The inventory is empty: nothing has been collected yet." />
      <EmptyState title="Collect your first inventory">
        <Stack gap="md" align="stretch" style={{ textAlign: 'left' }}>
          <Text size="sm">
            keygraph links {kinds.slice(0, 4).join(', ')} and more, so you can look things up from either end. Run one of
            these, then reload this page:
          </Text>
          <SimpleGrid cols={1} spacing="md">
            <Command cmd="keygraph collect files DIR --cluster NAME" what="Manifests, a GitOps folder or kubectl -o yaml/json dumps" />
            <Command cmd="keygraph collect k8s --context CTX" what="A live cluster through your kubeconfig (read-only)" />
            <Command cmd="keygraph demo" what="A two-day demo cluster with a renamed secret still in use" />
          </SimpleGrid>
        </Stack>
      </EmptyState>
      <Alert variant="light" color="indigo" icon={<IconAlert size={18} />} title="Secret values are never stored">
        Collectors keep Secret key names and HMAC fingerprints only; values and their base64 never reach the database.
      </Alert>
    </Stack>
  );
}

function Command({ cmd, what }: { cmd: string; what: string }) {
  return (
    <Stack gap={4}>
      <Text size="sm" c="dimmed">
        {what}
      </Text>
      <Code block fz="sm" style={{ padding: '8px 12px' }}>
        {cmd}
      </Code>
    </Stack>
  );
}
