/**
 * TLS facts of objects that serve a certificate from a Secret, beyond the Ingress (mapper.ts mapIngress): Gateway API
 * `Gateway` listeners. Only names are kept; lib/analysis/findings.ts `tls-host-mismatch` compares them with the
 * certificate's SANs.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** A listener hostname: a DNS name, optionally with a leading `*.` (Gateway API `Hostname`). */
const HOSTNAME = /^(?:\*\.)?[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/i;

/** One TLS-terminating listener: its `hostname` and the Secrets of `tls.certificateRefs` (namespace when given). */
export interface GatewayListener {
  name?: string;
  hostname: string;
  certificateRefs: { name: string; namespace?: string }[];
}

/**
 * Listeners of a Gateway API `Gateway` (API group `gateway.networking.k8s.io`) that terminate TLS with a Secret
 * (`spec.listeners[].tls.certificateRefs[]` of kind Secret, group core: the defaults) and name a `hostname`; a
 * listener without a hostname serves every name and is not listed. Undefined when there is none (or another kind).
 */
export function gatewayListeners(group: string | undefined, kind: string, o: unknown): GatewayListener[] | undefined {
  if (group !== 'gateway.networking.k8s.io' || kind !== 'Gateway' || !isObj(o) || !isObj(o.spec)) return undefined;
  const out: GatewayListener[] = [];
  for (const l of (Array.isArray(o.spec.listeners) ? o.spec.listeners : []).slice(0, 64)) {
    if (!isObj(l) || typeof l.hostname !== 'string' || !HOSTNAME.test(l.hostname) || !isObj(l.tls)) continue;
    if (l.tls.mode !== undefined && l.tls.mode !== 'Terminate') continue;
    const refs = (Array.isArray(l.tls.certificateRefs) ? l.tls.certificateRefs : []).slice(0, 16).filter(isObj)
      .filter((r) => (r.kind === undefined || r.kind === 'Secret') && (r.group === undefined || r.group === '') && typeof r.name === 'string' && NAME.test(r.name))
      .map((r) => (typeof r.namespace === 'string' && LABEL.test(r.namespace) ? { name: r.name as string, namespace: r.namespace } : { name: r.name as string }));
    if (refs.length) out.push({ name: typeof l.name === 'string' ? l.name.slice(0, 253) : undefined, hostname: l.hostname.toLowerCase(), certificateRefs: refs });
  }
  return out.length ? out : undefined;
}
