/**
 * Which host names a TLS certificate serves, from the public fields the Kubernetes mapper keeps of a
 * `kubernetes.io/tls` Secret (`properties.certificate`: `subjectAltName` as `DNS:name` / `IP Address:a.b.c.d`
 * strings, `subject` as Node's X509Certificate prints it). Used by the `tls-host-mismatch` finding.
 */

/** The names a certificate is valid for: its DNS (and IP) subject alternative names, lower-cased; when it has no
 * SAN at all, its subject CN (what old clients matched). Empty when neither is present. */
export function certificateNames(cert: { subjectAltName?: unknown; subject?: unknown }): string[] {
  const sans = Array.isArray(cert.subjectAltName) ? cert.subjectAltName.filter((s): s is string => typeof s === 'string') : [];
  const names = sans
    .map((s) => /^(?:DNS|IP Address):(.+)$/i.exec(s.trim())?.[1]?.trim().toLowerCase())
    .filter((s): s is string => !!s);
  if (names.length || sans.length) return [...new Set(names)];
  const cn = typeof cert.subject === 'string' ? /(?:^|\n|,\s*)CN=([^\n,]+)/.exec(cert.subject)?.[1]?.trim().toLowerCase() : undefined;
  return cn ? [cn] : [];
}

/**
 * True when `host` (an Ingress `spec.tls[].hosts` entry or a Gateway listener `hostname`) is covered by one of
 * `names` (RFC 6125): equal ignoring case and a trailing dot, or a wildcard name `*.example.com` covering exactly one
 * more label (`a.example.com`, not `example.com` nor `a.b.example.com`). A wildcard host (`*.example.com`) is only
 * covered by the same wildcard.
 */
export function hostCovered(host: string, names: readonly string[]): boolean {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (!h) return true;
  for (const raw of names) {
    const n = raw.toLowerCase().replace(/\.$/, '');
    if (n === h) return true;
    if (n.startsWith('*.') && !h.startsWith('*.')) {
      const suffix = n.slice(1); // ".example.com"
      if (h.endsWith(suffix) && h.length > suffix.length && !h.slice(0, h.length - suffix.length).includes('.')) return true;
    }
  }
  return false;
}
