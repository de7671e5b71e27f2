/** The Access card rendered to HTML from a realistic SecretAccess (test/fixtures/rbac's db-credentials shape). */
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { MantineProvider } from '@mantine/core';
import type { NodeAccess, SecretAccess } from '@/lib/analysis/access';
import type { GcpAccess } from '@/lib/analysis/gcp-access';
import { AccessCard } from './Access';

const access: SecretAccess = {
  secret: 'k8s:rbac/payments/Secret/db-credentials',
  rbacObjects: 12,
  readers: [
    { subject: { kind: 'ServiceAccount', name: 'api', namespace: 'payments', id: 'k8s:rbac/payments/ServiceAccount/api' }, verbs: ['get'], scope: 'namespace', namespace: 'payments', resourceNames: ['db-credentials'], binding: 'k8s:rbac/payments/RoleBinding/api-reads-db-credentials', role: 'k8s:rbac/payments/Role/read-db-credentials' },
    { subject: { kind: 'Group', name: 'security-auditors@example.com' }, verbs: ['list'], scope: 'cluster', binding: 'k8s:rbac/ClusterRoleBinding/security-auditors', role: 'k8s:rbac/ClusterRole/auditor', aggregatedFrom: 'k8s:rbac/ClusterRole/auditor-secrets' },
  ],
};
const html = (a: NodeAccess | null) => renderToStaticMarkup(createElement(MantineProvider, null, createElement(AccessCard, { access: a })));

describe('AccessCard', () => {
  it('one row per grant: subject (ServiceAccounts linked), scope, binding → role, aggregation', () => {
    const h = html(access);
    expect(h.match(/data-testid="access-row"/g)).toHaveLength(2);
    expect(h).toContain('only db-credentials');
    expect(h).toContain('every Secret in the cluster');
    expect(h).toContain('aggregated from ClusterRole auditor-secrets');
    expect(h).toContain(encodeURIComponent('k8s:rbac/payments/ServiceAccount/api'));
    expect(h).toContain('1 of them can read every Secret in their scope');
  });
  it('unknown without RBAC objects; nothing for a non-Secret', () => {
    expect(html({ ...access, readers: [], rbacObjects: 0 })).toContain('data-testid="access-unknown"');
    expect(html(null)).not.toContain('data-testid="access"');
  });
});

/** A Secret Manager secret's answer, shaped like test/fixtures/gcp-access's ledger-db. */
const gcp: GcpAccess = {
  provider: 'gcp', target: 'gcp:acme-prod/Secret/ledger-db', about: 'secret',
  policies: [
    { policy: 'resource', resource: 'projects/acme-prod/secrets/ledger-db', node: 'gcp:acme-prod/Secret/ledger-db', known: false },
    { policy: 'project', resource: 'projects/acme-prod', node: 'gcp:acme-prod/Project/acme-prod', known: true },
  ],
  grants: [
    {
      member: 'principal://iam.googleapis.com/projects/210987654321/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/subject/ns/payments/sa/ledger-reader',
      principal: { type: 'kubernetesServiceAccount', name: 'payments/ledger-reader', kubernetes: { pool: 'acme-prod.svc.id.goog', namespace: 'payments', name: 'ledger-reader', serviceAccounts: ['k8s:prod/payments/ServiceAccount/ledger-reader'], workloads: ['k8s:prod/payments/Deployment/ledger'] } },
      permissions: ['secretmanager.versions.access'], role: 'roles/secretmanager.secretAccessor', roleKnown: true,
      policy: 'project', policyResource: 'projects/acme-prod', policyNode: 'gcp:acme-prod/Project/acme-prod', direct: true,
    },
    {
      member: 'group:deployers@acme.example', principal: { type: 'group', name: 'deployers@acme.example' },
      permissions: ['secretmanager.versions.access'], role: 'roles/secretmanager.secretAccessor', roleKnown: true,
      policy: 'project', policyResource: 'projects/acme-prod', policyNode: 'gcp:acme-prod/Project/acme-prod', condition: { title: 'until 2027', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' },
    },
    {
      member: 'domain:acme.example', principal: { type: 'domain', name: 'acme.example' },
      permissions: [], role: 'roles/container.developer', roleKnown: false,
      policy: 'project', policyResource: 'projects/acme-prod', policyNode: 'gcp:acme-prod/Project/acme-prod',
    },
  ],
};

describe('AccessCard (GCP)', () => {
  it('a row per grant: who (Kubernetes ServiceAccount and its workload linked), permissions, role on the project policy, conditional, direct, unknown role', () => {
    const h = html(gcp);
    expect(h.match(/data-testid="access-row"/g)).toHaveLength(3);
    expect(h).toContain(encodeURIComponent('k8s:prod/payments/ServiceAccount/ledger-reader'));
    expect(h).toContain(encodeURIComponent('k8s:prod/payments/Deployment/ledger'));
    expect(h).toContain('granted directly to the Kubernetes ServiceAccount (no GCP service account)');
    expect(h).toContain('secretmanager.versions.access');
    expect(h).toContain('project acme-prod');
    expect(h).toContain('>conditional<');
    expect(h).toContain('unknown role (permissions not known)');
    // The secret's own policy was not collected: said, not hidden.
    expect(h).toMatch(/data-testid="access-unknown"[^>]*>Unknown: the resource policy \(projects\/acme-prod\/secrets\/ledger-db\) was not collected/);
  });
});
