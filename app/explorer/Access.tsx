'use client';

/**
 * The explorer's Access mode (`mode=access`): who can read the selected Secret or Secret Manager secret, or act as
 * the selected GCP service account, fetched from /api/v1/graph/access (lib/analysis/access-overlay.ts) and drawn
 * as derived edges beside the graph. The note above the canvas, the panel of a subject, and the list view's table.
 */
import { useEffect, useState } from 'react';
import { Alert, Badge, Group, Stack, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text, Title, UnstyledButton } from '@mantine/core';
import type { AccessOverlay, AccessSubject } from '@/lib/analysis/access-overlay';
import { ACCESS_EDGE_KINDS, ACCESS_TARGET_KINDS } from '@/lib/graph/model';
import { nodeHref } from '@/lib/ui/format';
import { kindKeyOf, type GraphNode } from '@/lib/ui/neighbourhood-view';
import { withAsOf } from '@/lib/ui/params';
import { DisplayName } from '../_components/NodeLink';
import { AnchorLink } from '../_components/links';
import { MORE_SUBJECTS_ID } from './graph';

export type AccessState =
  | { status: 'off' }
  | { status: 'loading'; target: string }
  | { status: 'ready'; target: string; overlay: AccessOverlay }
  | { status: 'none' | 'error'; target: string; message: string };

/** True when node `n` has an access answer (a Kubernetes Secret, GCP service account, Secret Manager secret). */
export const hasAccess = (n: GraphNode) => kindKeyOf(n) in ACCESS_TARGET_KINDS;

/** "Who can read it" or "Who can act as it", for a node with an access answer. */
export const accessQuestion = (n: GraphNode) => (ACCESS_TARGET_KINDS[kindKeyOf(n)] === 'CAN_ACT_AS' ? 'Who can act as it' : 'Who can read it');

/** Fetches the overlay of `target` (null: Access mode is off). A node kind without an answer is `none`. */
export function useAccessOverlay(target: string | null, asOf: string | undefined): AccessState {
  const [state, setState] = useState<AccessState>({ status: 'off' });
  useEffect(() => {
    if (!target) return setState({ status: 'off' });
    let live = true;
    setState({ status: 'loading', target });
    const q = new URLSearchParams({ id: target, ...(asOf ? { asOf } : {}) });
    fetch(`/api/v1/graph/access?${q}`, { headers: { Accept: 'application/json' } })
      .then(async (r) => {
        const j = (await r.json().catch(() => ({}))) as AccessOverlay & { error?: string };
        if (!live) return;
        if (r.ok) setState({ status: 'ready', target, overlay: j });
        else setState({ status: r.status === 404 ? 'none' : 'error', target, message: j.error ?? `HTTP ${r.status}` });
      })
      .catch((e: Error) => live && setState({ status: 'error', target, message: e.message }));
    return () => {
      live = false;
    };
  }, [target, asOf]);
  return state;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Counts of the overlay's subjects by type: "2 ServiceAccounts, 1 Group". */
function countsOf(o: AccessOverlay): string {
  const by = new Map<string, number>();
  for (const s of o.subjects) by.set(s.type, (by.get(s.type) ?? 0) + 1);
  return [...by].map(([t, n]) => `${n} ${t}${n === 1 ? '' : 's'}`).join(', ');
}

/** The note above the canvas in Access mode: the answer first, then what it is based on. */
export function AccessNote({ state, name, asOf }: { state: AccessState; name: string; asOf?: string }) {
  if (state.status === 'off') return null;
  const color = state.status === 'error' ? 'red' : state.status === 'ready' && !state.overlay.complete ? 'yellow' : 'blue';
  const o = state.status === 'ready' ? state.overlay : null;
  const about = o?.about === 'actAs' ? 'act as' : 'read';
  const link = state.status !== 'loading' ? (
    <AnchorLink href={`${withAsOf(nodeHref(state.target), asOf)}#access`} underline="always">the node page’s Access section</AnchorLink>
  ) : null;
  return (
    <Alert color={color} variant="light" data-testid="access-note" data-status={state.status} title={`Who can ${about} ${name}`}>
      {state.status === 'loading' ? (
        <Text size="sm">Reading RBAC and IAM policies…</Text>
      ) : state.status === 'none' ? (
        <Text size="sm">
          Access is derived for Kubernetes Secrets, GCP service accounts and Secret Manager secrets. Select one and choose “Who can read it”.
        </Text>
      ) : state.status === 'error' ? (
        <Text size="sm">Could not load who has access: {state.message}</Text>
      ) : o ? (
        <Stack gap={4}>
          <Text size="sm" data-testid="access-summary">
            {o.subjects.length
              ? `${plural(o.subjects.length + o.more, 'subject')} can ${about} it: ${countsOf(o)}${o.more ? ` and ${o.more} more` : ''} (dashed blue edges).`
              : o.complete
                ? `No collected ${o.about === 'actAs' ? 'IAM policy' : 'RBAC binding or IAM policy'} grants it to anyone.`
                : 'Nothing known grants it.'}{' '}
            Access edges are derived from {o.about === 'actAs' ? 'IAM policies' : 'RBAC and IAM policies'}, not dependencies: impact never follows them.
          </Text>
          {o.unknown.map((u) => (
            <Text size="sm" fw={600} key={u} data-testid="access-unknown">
              {u}
            </Text>
          ))}
          <Text size="sm">Every binding and role is listed on {link}.</Text>
        </Stack>
      ) : null}
    </Alert>
  );
}

/** The side panel of a subject keygraph holds no node for (or of the "N more" node). */
export function SubjectPanel({ subject, overlay, asOf }: { subject?: AccessSubject; overlay: AccessOverlay; asOf?: string }) {
  const edge = subject && overlay.edges.find((e) => e.from === subject.id);
  const verb = ACCESS_EDGE_KINDS[overlay.about === 'read' ? 'CAN_READ' : 'CAN_ACT_AS'].forward;
  return (
    <Stack gap="sm" data-testid="subject-details" data-subject-id={subject?.id ?? MORE_SUBJECTS_ID}>
      <Group gap={6}>
        <Badge variant="outline" color="indigo" size="sm" radius="sm">
          {subject ? subject.type : 'subjects'}
        </Badge>
      </Group>
      <Title order={2} fz="lg" style={{ wordBreak: 'break-word' }}>
        {subject ? <DisplayName text={subject.name} /> : `${overlay.more} more subjects`}
      </Title>
      {subject && edge ? (
        <>
          <Text size="sm">
            {verb}: <b>{edge.access.join(', ')}</b>
            {edge.uncertain ? ' (conditional or unknown role: may not hold)' : ''}
          </Text>
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              Granted by
            </Text>
            {edge.grants.map((g) => (
              <Text size="xs" key={g} className="kg-mono" style={{ wordBreak: 'break-word' }}>
                {g}
              </Text>
            ))}
          </Stack>
          <Text size="xs" c="dimmed">
            keygraph holds no node for this principal: it is named by a binding or policy, not collected.
          </Text>
        </>
      ) : (
        <Text size="sm">
          Only the first {overlay.subjects.length} are drawn.{' '}
          <AnchorLink href={`${withAsOf(nodeHref(overlay.target), asOf)}#access`} underline="always">See them all on the node page</AnchorLink>.
        </Text>
      )}
    </Stack>
  );
}

/** The list view's table of the overlay: one row per subject. */
export function AccessTable({ overlay, onSelect }: { overlay: AccessOverlay; onSelect(id: string): void }) {
  const edges = new Map(overlay.edges.map((e) => [e.from, e]));
  return (
    <>
      <Title order={2} fz="md" id="list-access">
        {overlay.about === 'actAs' ? 'Who can act as it' : 'Who can read it'} ({overlay.subjects.length + overlay.more})
      </Title>
      <TableScrollContainer minWidth={600}>
        <Table aria-labelledby="list-access" verticalSpacing={4} fz="sm" striped data-testid="access-table">
          <TableThead>
            <TableTr>
              <TableTh>Subject</TableTh>
              <TableTh>Type</TableTh>
              <TableTh>Access</TableTh>
              <TableTh>Granted by</TableTh>
            </TableTr>
          </TableThead>
          <TableTbody>
            {overlay.subjects.map((s) => {
              const e = edges.get(s.id);
              return (
                <TableTr key={s.id} data-subject-id={s.id}>
                  <TableTd>
                    <UnstyledButton onClick={() => onSelect(s.id)} aria-label={`Select ${s.type} ${s.name}`} style={{ textDecoration: 'underline dotted' }}>
                      <Text size="sm" fw={500}>
                        <DisplayName text={s.name} />
                      </Text>
                    </UnstyledButton>
                  </TableTd>
                  <TableTd>{s.type}</TableTd>
                  <TableTd>
                    {e?.access.join(', ')}
                    {e?.uncertain ? <Badge size="xs" color="yellow" ml={4}>may not hold</Badge> : null}
                  </TableTd>
                  <TableTd>
                    <Text size="xs" c="dimmed">
                      {e?.grants.join('; ')}
                    </Text>
                  </TableTd>
                </TableTr>
              );
            })}
          </TableTbody>
        </Table>
      </TableScrollContainer>
      {overlay.more ? (
        <Text size="sm">
          {overlay.more} more: <AnchorLink href={`${nodeHref(overlay.target)}#access`} underline="always">all on the node page</AnchorLink>.
        </Text>
      ) : null}
    </>
  );
}
