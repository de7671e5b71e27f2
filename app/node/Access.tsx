/**
 * "Access" card of a Secret's page: who can read it through RBAC (lib/analysis/access.ts secretAccess), one row per
 * subject and binding: the subject (ServiceAccounts linked), verbs, scope (named, namespace, cluster), the binding and
 * role (linked), and the ClusterRole a rule was aggregated from.
 */
import { Badge, Card, Group, Stack, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text, Title } from '@mantine/core';
import type { SecretAccess, SecretGrant } from '@/lib/analysis/access';
import { parseId } from '@/lib/graph/ids';
import { NodeLink, DisplayName } from '../_components/NodeLink';

const short = (id: string) => {
  const p = parseId(id);
  return p ? `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}` : id;
};

function scopeText(g: SecretGrant): string {
  if (g.resourceNames) return `only ${g.resourceNames.join(', ')}`;
  return g.scope === 'cluster' ? 'every Secret in the cluster' : `every Secret in ${g.namespace}`;
}

/** The Access card; `access` from secretAccess (null: not a Secret, nothing rendered). */
export function AccessCard({ access, asOf }: { access: SecretAccess | null; asOf?: string }) {
  if (!access) return null;
  const wide = access.readers.filter((g) => !g.resourceNames).length;
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="access-title" data-testid="access">
      <Stack gap="sm">
        <Group gap="sm">
          <Title order={2} fz="lg" id="access-title">Access</Title>
          <Badge variant="filled" color={access.readers.length ? 'indigo' : 'gray'} size="md" radius="sm" data-testid="access-count">
            {access.readers.length}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          Who can read this Secret (get, list, watch) through RoleBindings and ClusterRoleBindings
          {wide ? `; ${wide} of them can read every Secret in their scope, not only this one` : ''}.
        </Text>
        {!access.rbacObjects ? (
          <Text size="sm" data-testid="access-unknown">Unknown: no Role, ClusterRole or binding of this cluster was collected.</Text>
        ) : !access.readers.length ? (
          <Text size="sm">No binding grants read access to it (cluster administrators always can).</Text>
        ) : (
          <TableScrollContainer minWidth={640}>
            <Table striped verticalSpacing={4} fz="sm">
              <TableThead>
                <TableTr><TableTh>Subject</TableTh><TableTh>Verbs</TableTh><TableTh>Scope</TableTh><TableTh>Through</TableTh></TableTr>
              </TableThead>
              <TableTbody>
                {access.readers.map((g, i) => (
                  <TableTr key={i} data-testid="access-row">
                    <TableTd>
                      <Text span size="xs" c="dimmed">{g.subject.kind} </Text>
                      {g.subject.id
                        ? <NodeLink id={g.subject.id} asOf={asOf}>{`${g.subject.namespace}/${g.subject.name}`}</NodeLink>
                        : <DisplayName text={g.subject.name} />}
                    </TableTd>
                    <TableTd>{g.verbs.join(', ')}</TableTd>
                    <TableTd>{scopeText(g)}</TableTd>
                    <TableTd>
                      <NodeLink id={g.binding} asOf={asOf} fw={400}>{short(g.binding)}</NodeLink>
                      {' → '}
                      <NodeLink id={g.role} asOf={asOf} fw={400}>{short(g.role)}</NodeLink>
                      {g.aggregatedFrom ? <Text span size="xs" c="dimmed"> (aggregated from {short(g.aggregatedFrom)})</Text> : null}
                    </TableTd>
                  </TableTr>
                ))}
              </TableTbody>
            </Table>
          </TableScrollContainer>
        )}
      </Stack>
    </Card>
  );
}
