/**
 * Roles and who gets which. Two roles, ordered: `viewer` (browse, impact, export) < `admin` (trigger collections,
 * manage API tokens). OIDC users are mapped from their (verified) email through the environment:
 * `KEYGRAPH_ADMIN_EMAILS` are admins; everyone else admitted by `KEYGRAPH_ALLOWED_DOMAINS` /
 * `KEYGRAPH_ALLOWED_EMAILS` is a viewer; anyone else may not sign in.
 */
import type { AuthConfig } from '../config';

export const ROLES = ['viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return v === 'viewer' || v === 'admin';
}

/** True when `have` is at least `need` (admin satisfies viewer). */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/**
 * The role of an OIDC user, or null when they may not sign in. Emails compare case-insensitively; a domain matches
 * the part after the last `@` exactly (`example.com` does not admit `evil-example.com` or `a.example.com`).
 */
export function roleForEmail(email: string, cfg: Pick<AuthConfig, 'adminEmails' | 'allowedDomains' | 'allowedEmails'>): Role | null {
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf('@');
  if (at <= 0 || at === e.length - 1) return null;
  if (cfg.adminEmails.includes(e)) return 'admin';
  const domain = e.slice(at + 1);
  if (cfg.allowedEmails.includes(e)) return 'viewer';
  if (cfg.allowedDomains.includes('*') || cfg.allowedDomains.includes(domain)) return 'viewer';
  return null;
}
