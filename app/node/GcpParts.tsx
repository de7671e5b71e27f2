/**
 * Small pieces shared by the GCP sections of the node page (GcpServiceAccount.tsx, GcpKey.tsx): last use (never
 * "unused" unless Policy Analyzer data was read completely), key age, validity, Workload Identity half badges and
 * chips for workloads/pods. Server components; links keep the page's time (`asOf` spec).
 */
import { Badge, Group, Stack, Table, TableTbody, TableTd, TableTr, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { LastUse, SecretConsumer } from '@/lib/store/gcp-views';
import { formatRelative, viaLabel } from '@/lib/ui/format';
import { DEFAULT_LIMITS } from '@/lib/analysis/findings';
import { KindBadge, MissingBadge } from '../_components/badges';
import { NodeLink, DisplayName } from '../_components/NodeLink';
import { TimeText } from '../_components/TimeText';
import { Tip } from '../_components/Tip';

/** Days after which a user-managed key counts as old / unused (the findings' defaults). */
const KEY_MAX_AGE_DAYS = DEFAULT_LIMITS.keyMaxAgeDays;
const KEY_UNUSED_DAYS = DEFAULT_LIMITS.keyUnusedDays;

/**
 * Label/value rows (`data-fact` = the row's key). `compact`: narrower labels in small print, tighter rows (a table
 * nested in a property value, such as a certificate's).
 */
export function FactTable({ rows, compact = false }: { rows: { key: string; label: ReactNode; value: ReactNode }[]; compact?: boolean }) {
  return (
    <Table withRowBorders={false} verticalSpacing={compact ? 2 : 4} horizontalSpacing={0}>
      <TableTbody>
        {rows.map((r) => (
          <TableTr key={r.key} data-fact={r.key}>
            <TableTd w={compact ? 120 : 170} pr={compact ? 'sm' : 'md'} style={{ verticalAlign: 'top' }}>
              <Text size={compact ? 'xs' : 'sm'} c="dimmed">
                {r.label}
              </Text>
            </TableTd>
            <TableTd>{r.value}</TableTd>
          </TableTr>
        ))}
      </TableTbody>
    </Table>
  );
}

/**
 * Last authentication: a time, "unused" (only with complete Policy Analyzer data), or "unknown". `subject`: a
 * user-managed key (flagged when unused for the limit), a Google-managed key (no "unused": Google uses it), or a
 * service account.
 */
export function LastUseValue({ lastUse, now, subject }: { lastUse: LastUse; now: Date; subject: 'user-key' | 'google-key' | 'account' }) {
  const userManaged = subject === 'user-key';
  if (lastUse.state === 'used') {
    const days = Math.floor((now.getTime() - Date.parse(lastUse.at)) / 86400e3);
    return (
      <Group gap={8} wrap="wrap" data-testid="last-use" data-state="used">
        <TimeText value={lastUse.at} />
        <Text span size="xs" c="dimmed">
          {formatRelative(lastUse.at, now)}
          {lastUse.covered ? '' : ' (or later: activity data incomplete)'}
        </Text>
        {lastUse.covered && userManaged && days >= KEY_UNUSED_DAYS ? (
          <Badge size="sm" variant="light" color="orange" radius="sm" tt="none">
            not used for {KEY_UNUSED_DAYS}+ days
          </Badge>
        ) : null}
      </Group>
    );
  }
  if (subject === 'google-key' && lastUse.state === 'none') {
    return (
      <Text span size="sm" c="dimmed" data-testid="last-use" data-state="not-applicable">
        not tracked for Google-managed keys
      </Text>
    );
  }
  if (lastUse.state === 'none') {
    return (
      <Group gap={8} data-testid="last-use" data-state="none">
        <Tip label="Policy Analyzer activity for this project was read completely and reports no authentication in its observation window." multiline w={300} withArrow>
          <Badge size="sm" variant="light" color="orange" radius="sm" tt="none">
            unused
          </Badge>
        </Tip>
        <Text span size="xs" c="dimmed">
          no authentication in the Policy Analyzer window
        </Text>
      </Group>
    );
  }
  return (
    <Group gap={8} data-testid="last-use" data-state="unknown">
      <Tip label="Policy Analyzer activity was not collected (or not completely) for this project: keygraph cannot tell whether it is used." multiline w={300} withArrow>
        <Badge size="sm" variant="light" color="gray" radius="sm" tt="none">
          unknown
        </Badge>
      </Tip>
      <Text span size="xs" c="dimmed">
        no complete Policy Analyzer data
      </Text>
    </Group>
  );
}

/** Creation time with the age in days (orange when a user-managed key is older than the limit). */
export function KeyCreated({ validAfter, ageDays, userManaged }: { validAfter?: string; ageDays?: number; userManaged: boolean }) {
  if (!validAfter) return <Text span size="sm" c="dimmed">unknown</Text>;
  const old = userManaged && ageDays !== undefined && ageDays > KEY_MAX_AGE_DAYS;
  return (
    <Group gap={8} wrap="wrap">
      <TimeText value={validAfter} />
      {ageDays !== undefined ? (
        <Badge size="sm" variant="light" color={old ? 'orange' : 'gray'} radius="sm" tt="none" data-testid="key-age" data-days={ageDays}>
          {ageDays} day{ageDays === 1 ? '' : 's'} old{old ? ` (limit ${KEY_MAX_AGE_DAYS})` : ''}
        </Badge>
      ) : null}
    </Group>
  );
}

/** End of the validity window. */
export function KeyValidUntil({ validBefore, neverExpires, now }: { validBefore?: string; neverExpires: boolean; now: Date }) {
  if (!validBefore) return <Text span size="sm" c="dimmed">unknown</Text>;
  if (neverExpires) {
    return (
      <Text span size="sm">
        never expires{' '}
        <Text span size="xs" c="dimmed">
          (no expiry set: valid until deleted or disabled)
        </Text>
      </Text>
    );
  }
  const expired = Date.parse(validBefore) < now.getTime();
  return (
    <Group gap={8}>
      <TimeText value={validBefore} />
      <Badge size="sm" variant="light" color={expired ? 'gray' : 'teal'} radius="sm" tt="none">
        {expired ? `expired ${formatRelative(validBefore, now)}` : `expires ${formatRelative(validBefore, now)}`}
      </Badge>
    </Group>
  );
}

/** Key type as a badge. */
export function KeyTypeBadge({ keyType }: { keyType?: string }) {
  const user = keyType === 'USER_MANAGED';
  const label = user ? 'user-managed' : keyType === 'SYSTEM_MANAGED' ? 'Google-managed' : (keyType ?? 'type unknown');
  const tip = user
    ? 'Created by a user; its private key was downloaded and lives wherever it was copied to. Rotate and delete it yourself.'
    : 'Google holds the private key and rotates it; it is never downloaded.';
  return (
    <Tip label={tip} multiline w={300} withArrow>
      <Badge size="sm" variant="light" color={user ? 'violet' : 'gray'} radius="sm" tt="none" data-testid="key-type">
        {label}
      </Badge>
    </Tip>
  );
}

/** Key status: not listed by GCP (missing), disabled, or enabled. */
export function KeyStatusBadge({ missing, disabled }: { missing: boolean; disabled: boolean }) {
  if (missing) {
    return (
      <Badge size="sm" variant="filled" color="red" radius="sm" tt="none" data-testid="key-status" data-state="not-listed">
        not listed by GCP
      </Badge>
    );
  }
  return disabled ? (
    <Badge size="sm" variant="light" color="red" radius="sm" tt="none" data-testid="key-status" data-state="disabled">
      disabled
    </Badge>
  ) : (
    <Badge size="sm" variant="light" color="teal" radius="sm" tt="none" data-testid="key-status" data-state="enabled">
      enabled
    </Badge>
  );
}

/** One Workload Identity half: `annotation ✓`, `binding ✗`, `binding ?` (policy not read). */
export function HalfBadge({ half, state }: { half: 'annotation' | 'binding'; state: boolean | null }) {
  const mark = state === null ? '?' : state ? '✓' : '✗';
  const color = state === null ? 'gray' : state ? 'teal' : 'red';
  const tip =
    half === 'annotation'
      ? state
        ? 'The Kubernetes ServiceAccount is annotated iam.gke.io/gcp-service-account with this account.'
        : 'The Kubernetes ServiceAccount is not annotated iam.gke.io/gcp-service-account with this account.'
      : state === null
        ? 'The IAM policy of this account was not read: the binding half is unknown.'
        : state
          ? 'The account’s IAM policy grants roles/iam.workloadIdentityUser to the Kubernetes ServiceAccount.'
          : 'The account’s IAM policy has no roles/iam.workloadIdentityUser binding for the Kubernetes ServiceAccount.';
  return (
    <Tip label={tip} multiline w={300} withArrow>
      <Badge size="sm" variant="light" color={color} radius="sm" tt="none" data-testid="wi-half" data-half={half} data-state={state === null ? 'unknown' : String(state)}>
        {half} {mark}
      </Badge>
    </Tip>
  );
}

/** A node link with its kind badge (and missing badge). */
export function NodeChip({ node, asOf, children }: { node: { id: string; provider: string; kind: string; namespace: string | null; name: string; missing: boolean }; asOf?: string; children?: ReactNode }) {
  return (
    <Group gap={6} wrap="wrap" data-testid="node-chip" data-node-id={node.id} style={{ rowGap: 2 }}>
      <KindBadge provider={node.provider} kind={node.kind} size="xs" />
      <NodeLink id={node.id} asOf={asOf}>
        <span style={{ overflowWrap: 'anywhere' }}><DisplayName text={node.namespace ? `${node.namespace}/${node.name}` : node.name} /></span>
      </NodeLink>
      {node.missing ? <MissingBadge size="xs" /> : null}
      {children}
    </Group>
  );
}

/** Workloads and pods (consumers of a Secret, or running as a KSA), pods with their phase. */
export function ConsumerList({ workloads, pods, asOf, empty }: { workloads: SecretConsumer[]; pods: SecretConsumer[]; asOf?: string; empty: string }) {
  if (!workloads.length && !pods.length) {
    return (
      <Text size="sm" c="dimmed">
        {empty}
      </Text>
    );
  }
  const running = pods.filter((p) => p.phase === 'Running').length;
  return (
    <Stack gap={6}>
      {workloads.map((w) => (
        <NodeChip key={w.node.id} node={w.node} asOf={asOf}>
          {w.vias.filter((v) => v !== 'RUNS_AS').map((v) => (
            <Badge key={v} variant="dot" color="indigo" size="xs" radius="sm" tt="none">
              {viaLabel(v)}
            </Badge>
          ))}
        </NodeChip>
      ))}
      {pods.length ? (
        <Stack gap={4} data-testid="pods">
          <Text size="xs" c="dimmed">
            {pods.length} pod{pods.length === 1 ? '' : 's'}
            {running ? `, ${running} running` : ', none running'}
          </Text>
          {pods.map((p) => (
            <NodeChip key={p.node.id} node={p.node} asOf={asOf}>
              {p.phase ? (
                <Badge size="xs" variant="light" color={p.phase === 'Running' ? 'green' : 'gray'} radius="sm" tt="none" data-testid="pod-phase">
                  {p.phase}
                </Badge>
              ) : null}
            </NodeChip>
          ))}
        </Stack>
      ) : null}
    </Stack>
  );
}
