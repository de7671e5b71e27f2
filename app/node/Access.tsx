/**
 * "Access" card of a Secret's page: who can read it through RBAC (lib/analysis/access.ts secretAccess), one row per
 * subject and binding: the subject (ServiceAccounts linked), verbs, scope (named, namespace, cluster), the binding and
 * role (linked), and the ClusterRole a rule was aggregated from.
 * On a GCP service account's or Secret Manager secret's page (lib/analysis/gcp-access.ts gcpAccess): one row per
 * member and IAM binding: who (GCP and Kubernetes ServiceAccounts linked, with the workloads running as them),
 * permission(s) or "unknown role", the role and the policy (resource / project), "conditional" and "direct" marks.
 */
import { Badge, Card, Group, Stack, Table, TableScrollContainer, TableTbody, TableTd, TableTh, TableThead, TableTr, Text, Title } from '@mantine/core';
import { isGcpAccess, type NodeAccess, type SecretGrant } from '@/lib/analysis/access';
import { PRINCIPAL_LABELS, type GcpAccess, type GcpGrant } from '@/lib/analysis/gcp-access';
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

function GcpWho({ g, asOf }: { g: GcpGrant; asOf?: string }) {
  const p = g.principal;
  const k = p.kubernetes;
  return (
    <>
      <Text span size="xs" c="dimmed">{PRINCIPAL_LABELS[p.type]} </Text>
      {p.id ? <NodeLink id={p.id} asOf={asOf}>{p.name}</NodeLink> : <DisplayName text={p.name} />}
      {k && k.serviceAccounts.length ? (
        <Text size="xs" c="dimmed" component="div">
          {k.serviceAccounts.map((id, i) => <span key={id}>{i ? ', ' : ''}<NodeLink id={id} asOf={asOf} fw={400}>{short(id)}</NodeLink></span>)}
          {k.workloads.length ? <> · run by {k.workloads.map((id, i) => <span key={id}>{i ? ', ' : ''}<NodeLink id={id} asOf={asOf} fw={400}>{short(id)}</NodeLink></span>)}</> : null}
        </Text>
      ) : k ? <Text size="xs" c="dimmed" component="div">no such Kubernetes ServiceAccount collected</Text> : null}
      {g.direct ? <Text size="xs" component="div" data-testid="access-direct">granted directly to the Kubernetes ServiceAccount (no GCP service account)</Text> : null}
    </>
  );
}

function GcpAccessBody({ access, asOf }: { access: GcpAccess; asOf?: string }) {
  const unknownPolicies = access.policies.filter((p) => !p.known);
  return (
    <>
      <Text size="sm" c="dimmed">
        {access.about === 'secret'
          ? 'Who can read its versions (secretmanager.versions.access), from the secret\'s and the project\'s IAM policies.'
          : 'Who can act as it, mint its tokens, sign as it or create its keys, from its own and the project\'s IAM policies.'}
        {' '}Organisation and folder policies are not collected.
      </Text>
      {unknownPolicies.map((p) => (
        <Text size="sm" key={p.node} data-testid="access-unknown">
          Unknown: the {p.policy} policy ({p.resource}) was not collected{p.error ? ` (${p.error})` : ''}.
        </Text>
      ))}
      {!access.grants.length ? (
        unknownPolicies.length < access.policies.length ? <Text size="sm">No collected policy grants these permissions.</Text> : null
      ) : (
        <TableScrollContainer minWidth={640}>
          <Table striped verticalSpacing={4} fz="sm">
            <TableThead>
              <TableTr><TableTh>Who</TableTh><TableTh>Permissions</TableTh><TableTh>Through</TableTh></TableTr>
            </TableThead>
            <TableTbody>
              {access.grants.map((g, i) => (
                <TableTr key={i} data-testid="access-row">
                  <TableTd><GcpWho g={g} asOf={asOf} /></TableTd>
                  <TableTd>
                    {g.roleKnown ? g.permissions.join(', ') : <Text span size="sm" fs="italic">unknown role (permissions not known)</Text>}
                  </TableTd>
                  <TableTd>
                    <DisplayName text={g.role} />{g.customRole ? <Text span size="xs" c="dimmed"> (custom role)</Text> : null}
                    {' on '}
                    <NodeLink id={g.policyNode} asOf={asOf} fw={400}>{g.policy === 'project' ? `project ${g.policyResource.slice('projects/'.length)}` : 'its own policy'}</NodeLink>
                    {g.condition ? (
                      <Badge ml={6} variant="light" color="yellow" size="sm" radius="sm" title={[g.condition.title, g.condition.expression].filter(Boolean).join(': ')}>conditional</Badge>
                    ) : null}
                  </TableTd>
                </TableTr>
              ))}
            </TableTbody>
          </Table>
        </TableScrollContainer>
      )}
    </>
  );
}

/** The Access card; `access` from nodeAccess (null: a node without an access answer, nothing rendered). */
export function AccessCard({ access, asOf }: { access: NodeAccess | null; asOf?: string }) {
  if (!access) return null;
  if (isGcpAccess(access)) {
    return (
      <Card withBorder padding="lg" radius="md" component="section" id="access" aria-labelledby="access-title" data-testid="access">
        <Stack gap="sm">
          <Group gap="sm">
            <Title order={2} fz="lg" id="access-title">Access</Title>
            <Badge variant="filled" color={access.grants.length ? 'indigo' : 'gray'} size="md" radius="sm" data-testid="access-count">{access.grants.length}</Badge>
          </Group>
          <GcpAccessBody access={access} asOf={asOf} />
        </Stack>
      </Card>
    );
  }
  const wide = access.readers.filter((g) => !g.resourceNames).length;
  return (
    <Card withBorder padding="lg" radius="md" component="section" id="access" aria-labelledby="access-title" data-testid="access">
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
