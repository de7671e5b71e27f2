/** The Access card rendered to HTML from a realistic SecretAccess (test/fixtures/rbac's db-credentials shape). */
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { MantineProvider } from '@mantine/core';
import type { SecretAccess } from '@/lib/analysis/access';
import { AccessCard } from './Access';

const access: SecretAccess = {
  secret: 'k8s:rbac/payments/Secret/db-credentials',
  rbacObjects: 12,
  readers: [
    { subject: { kind: 'ServiceAccount', name: 'api', namespace: 'payments', id: 'k8s:rbac/payments/ServiceAccount/api' }, verbs: ['get'], scope: 'namespace', namespace: 'payments', resourceNames: ['db-credentials'], binding: 'k8s:rbac/payments/RoleBinding/api-reads-db-credentials', role: 'k8s:rbac/payments/Role/read-db-credentials' },
    { subject: { kind: 'Group', name: 'security-auditors@example.com' }, verbs: ['list'], scope: 'cluster', binding: 'k8s:rbac/ClusterRoleBinding/security-auditors', role: 'k8s:rbac/ClusterRole/auditor', aggregatedFrom: 'k8s:rbac/ClusterRole/auditor-secrets' },
  ],
};
const html = (a: SecretAccess | null) => renderToStaticMarkup(createElement(MantineProvider, null, createElement(AccessCard, { access: a })));

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
