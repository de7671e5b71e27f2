/**
 * A node's properties as a readable table (never raw JSON first). Property names follow what the collectors write
 * (collectors/kubernetes/mapper.ts and the GCP collector); unknown properties are shown generically so nothing a
 * newer collector adds is hidden. Secret values are never in properties: only key names and HMAC fingerprints.
 */
import {
  Badge,
  Code,
  Group,
  Stack,
  Table,
  TableTbody,
  TableTd,
  TableTh,
  TableThead,
  TableTr,
  Text,
} from '@mantine/core';
import type { ReactNode } from 'react';
import type { NodeView } from '@/lib/store/read';
import { k8sId } from '@/lib/graph/ids';
import { clip, clipDeep, formatBytes, formatRelative, looksLikeIsoDate, shortFingerprint } from '@/lib/ui/format';
import { NodeLink } from '../_components/NodeLink';
import { TimeText } from '../_components/TimeText';
import { IconInfo } from '../_components/icons';
import { Tip } from '../_components/Tip';
import { FactTable } from './GcpParts';

type Props = Record<string, unknown>;
/** One property row of a node page: `key` is the property name (or `_missing`), label and value are rendered. */
export type Row = { label: ReactNode; value: ReactNode; key: string };

const isObj = (v: unknown): v is Props => typeof v === 'object' && v !== null && !Array.isArray(v);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const objs = (v: unknown): Props[] => (Array.isArray(v) ? v.filter(isObj) : []);

const FINGERPRINT_EXPLANATION =
  'An HMAC-SHA256 of the value under this installation’s key (not stored in the database), truncated. Equal fingerprints mean equal values; the value cannot be recovered from it.';

function Mono({ children }: { children: ReactNode }) {
  return (
    <Text span className="kg-mono">
      {children}
    </Text>
  );
}

function Dimmed({ children }: { children: ReactNode }) {
  return (
    <Text span size="sm" c="dimmed">
      {children}
    </Text>
  );
}

function BoolBadge({ v, yes = 'yes', no = 'no' }: { v: boolean; yes?: string; no?: string }) {
  return (
    <Badge variant="light" color={v ? 'teal' : 'gray'} size="sm" radius="sm">
      {v ? yes : no}
    </Badge>
  );
}

function MapList({ map, max = 50 }: { map: Props; max?: number }) {
  const entries = Object.entries(map);
  return (
    <Stack gap={4}>
      {entries.slice(0, max).map(([k, v]) => (
        <Group key={k} gap={6} wrap="nowrap" align="flex-start">
          <Code style={{ whiteSpace: 'normal', wordBreak: 'break-all' }}>{k}</Code>
          <Text size="sm" style={{ wordBreak: 'break-all' }}>
            {clip(typeof v === 'string' ? v : JSON.stringify(v))}
          </Text>
        </Group>
      ))}
      {entries.length > max ? <Dimmed>… and {entries.length - max} more (see raw properties)</Dimmed> : null}
    </Stack>
  );
}

function CodeList({ items }: { items: string[] }) {
  return (
    <Group gap={6}>
      {items.map((s) => (
        <Code key={s}>{s}</Code>
      ))}
    </Group>
  );
}

function DateValue({ v }: { v: string }) {
  return <TimeText value={v} />;
}

function Expiry({ notAfter, now }: { notAfter: string; now: Date }) {
  const ms = Date.parse(notAfter) - now.getTime();
  if (Number.isNaN(ms)) return <Text span>{notAfter}</Text>;
  const days = Math.floor(ms / 86400e3);
  const color = ms < 0 ? 'red' : days < 14 ? 'orange' : days < 30 ? 'yellow' : 'teal';
  const label = ms < 0 ? `expired ${formatRelative(notAfter, now)}` : `expires ${formatRelative(notAfter, now)}`;
  return (
    <Group gap={8}>
      <TimeText value={notAfter} />
      <Badge size="sm" variant="light" color={color} radius="sm">
        {label}
      </Badge>
    </Group>
  );
}

/** Generic rendering of a property value. */
function genericValue(v: unknown): ReactNode {
  if (v === null || v === undefined) return <Dimmed>—</Dimmed>;
  if (typeof v === 'boolean') return <BoolBadge v={v} />;
  if (typeof v === 'number') return <Text span>{v}</Text>;
  if (typeof v === 'string') return looksLikeIsoDate(v) ? <DateValue v={v} /> : <Text span style={{ wordBreak: 'break-all' }}>{clip(v)}</Text>;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.length ? <CodeList items={v as string[]} /> : <Dimmed>none</Dimmed>;
  if (isObj(v) && Object.values(v).every((x) => typeof x !== 'object' || x === null)) return <MapList map={v} />;
  return (
    <Code block style={{ fontSize: 12, maxHeight: 220, overflow: 'auto' }}>
      {JSON.stringify(clipDeep(v), null, 2)}
    </Code>
  );
}

function label(text: string, tip?: string): ReactNode {
  if (!tip) return text;
  return (
    <Group gap={4} wrap="nowrap">
      <span>{text}</span>
      <Tip label={tip} multiline w={300} withArrow>
        <Text span c="dimmed" style={{ display: 'inline-flex', cursor: 'help' }} role="img" aria-label={tip}>
          <IconInfo size={14} />
        </Text>
      </Tip>
    </Group>
  );
}

/** Secret data keys with their fingerprints (never values). */
function SecretKeys({ p }: { p: Props }) {
  const keys = strs(p.dataKeys);
  const fps = isObj(p.fingerprints) ? p.fingerprints : {};
  const invalid = new Set([...strs(p.invalidBase64Keys), ...strs(p.invalidValueKeys)]);
  if (!keys.length) return <Dimmed>no data keys</Dimmed>;
  return (
    <Table withRowBorders={false} verticalSpacing={4} horizontalSpacing={0} data-testid="secret-keys">
      <TableTbody>
        {keys.map((k) => {
          const fp = typeof fps[k] === 'string' ? (fps[k] as string) : undefined;
          return (
            <TableTr key={k}>
              <TableTd pr="xl" style={{ width: '1%', whiteSpace: 'nowrap' }}>
                <Code data-testid="data-key">{k}</Code>
              </TableTd>
              <TableTd>
                {fp ? (
                  <Tip label={FINGERPRINT_EXPLANATION} multiline w={320} withArrow>
                    <Text span size="xs" c="dimmed" className="kg-mono" style={{ cursor: 'help' }}>
                      fingerprint {shortFingerprint(fp)}
                    </Text>
                  </Tip>
                ) : null}
                {invalid.has(k) ? (
                  <Badge ml={8} size="xs" color="orange" variant="light">
                    not valid base64
                  </Badge>
                ) : null}
              </TableTd>
            </TableTr>
          );
        })}
      </TableTbody>
    </Table>
  );
}

function Certificate({ c, now }: { c: Props; now: Date }) {
  if (typeof c.error === 'string') return <Text size="sm" c="orange.8">{c.error}</Text>;
  const rows: Row[] = [];
  if (typeof c.subject === 'string') rows.push({ key: 'subject', label: 'Subject', value: <Mono>{c.subject}</Mono> });
  const san = strs(c.subjectAltName);
  if (san.length) rows.push({ key: 'san', label: 'Names (SAN)', value: <CodeList items={san} /> });
  if (typeof c.issuer === 'string') rows.push({ key: 'issuer', label: 'Issuer', value: <Mono>{c.issuer}</Mono> });
  if (typeof c.validFrom === 'string') rows.push({ key: 'from', label: 'Valid from', value: <DateValue v={c.validFrom} /> });
  if (typeof c.validTo === 'string') rows.push({ key: 'to', label: 'Valid until', value: <Expiry notAfter={c.validTo} now={now} /> });
  if (typeof c.serialNumber === 'string') rows.push({ key: 'serial', label: 'Serial', value: <Mono>{c.serialNumber}</Mono> });
  if (typeof c.chainLength === 'number') rows.push({ key: 'chain', label: 'Chain length', value: String(c.chainLength) });
  return <FactTable rows={rows} compact />;
}

function Containers({ list }: { list: Props[] }) {
  return (
    <Stack gap={4}>
      {list.map((c, i) => (
        <Group key={`${String(c.name)}-${i}`} gap={8} wrap="nowrap" align="flex-start">
          <Text size="sm" fw={600} style={{ whiteSpace: 'nowrap' }}>
            {String(c.name ?? '')}
          </Text>
          {typeof c.image === 'string' ? <Mono>{c.image}</Mono> : null}
        </Group>
      ))}
    </Stack>
  );
}

function ContainerStatuses({ list }: { list: Props[] }) {
  return (
    <Stack gap={4}>
      {list.map((c, i) => (
        <Group key={`${String(c.name)}-${i}`} gap={8}>
          <Text size="sm" fw={600}>
            {String(c.name ?? '')}
          </Text>
          {typeof c.ready === 'boolean' ? <BoolBadge v={c.ready} yes="ready" no="not ready" /> : null}
          {typeof c.restartCount === 'number' ? (
            <Text size="sm" c={c.restartCount > 0 ? 'orange.8' : 'dimmed'}>
              {c.restartCount} restart{c.restartCount === 1 ? '' : 's'}
            </Text>
          ) : null}
        </Group>
      ))}
    </Stack>
  );
}

const PHASE_COLORS: Record<string, string> = { Running: 'teal', Pending: 'yellow', Succeeded: 'gray', Failed: 'red', Unknown: 'gray' };

const SECRET_TYPE_HINTS: Record<string, string> = {
  Opaque: 'Arbitrary user-defined data',
  'kubernetes.io/tls': 'A TLS certificate and its private key (tls.crt, tls.key)',
  'kubernetes.io/dockerconfigjson': 'Registry credentials used as an image pull secret',
  'kubernetes.io/service-account-token': 'A long-lived token of a ServiceAccount',
  'kubernetes.io/basic-auth': 'A username and password',
  'kubernetes.io/ssh-auth': 'An SSH private key',
};

/** Properties that are shown elsewhere or only in the raw view. */
const HIDDEN = new Set(['fingerprints', 'invalidBase64Keys', 'invalidValueKeys']);

/**
 * The property rows of a node, most useful first. Returns rows so the page can place them in a card. `now`: the
 * time the page shows (expiry is relative to it); `asOf`: its time spec, kept by node links (lib/ui/params.ts).
 */
export function propertyRows(node: NodeView, now: Date, asOf?: string): Row[] {
  const p = node.properties ?? {};
  const rows: Row[] = [];
  const done = new Set<string>(HIDDEN);
  const add = (key: string, lbl: ReactNode, value: ReactNode) => {
    rows.push({ key, label: lbl, value });
    done.add(key);
  };
  const has = (k: string) => p[k] !== undefined && p[k] !== null;

  if (node.missing) {
    add('_missing', 'Observed', <Text span c="red.7" fw={500}>No: only references to it were seen</Text>);
  }

  // ---- Secret
  if (node.kind === 'Secret') {
    if (typeof p.type === 'string') {
      add('type', 'Type', (
        <Group gap={8}>
          <Code>{p.type}</Code>
          {SECRET_TYPE_HINTS[p.type] ? <Dimmed>{SECRET_TYPE_HINTS[p.type]}</Dimmed> : null}
        </Group>
      ));
    }
    if (p.metadataOnly === true) {
      add('metadataOnly', 'Data keys', <Dimmed>Not read: this Secret was listed with metadata only (no permission to read data).</Dimmed>);
    } else if (has('dataKeys')) {
      add('dataKeys', label(`Data keys (${strs(p.dataKeys).length})`, 'Key names only. keygraph never stores Secret values, only HMAC fingerprints.'), <SecretKeys p={p} />);
    }
    if (typeof p.size === 'number') add('size', label('Size', 'Total size of the decoded values'), formatBytes(p.size));
    if (typeof p.immutable === 'boolean') add('immutable', 'Immutable', <BoolBadge v={p.immutable} />);
    if (isObj(p.certificate)) add('certificate', 'TLS certificate', <Certificate c={p.certificate} now={now} />);
  }

  // ---- ConfigMap: like a Secret's data, key names and fingerprints only (values are not stored either).
  if (node.provider === 'k8s' && node.kind === 'ConfigMap') {
    if (has('dataKeys')) {
      add('dataKeys', label(`Data keys (${strs(p.dataKeys).length})`, 'Key names of data and binaryData only. keygraph never stores ConfigMap values, only HMAC fingerprints.'), <SecretKeys p={p} />);
    }
    if (typeof p.size === 'number') add('size', label('Size', 'Total size of the values'), formatBytes(p.size));
    if (typeof p.immutable === 'boolean') add('immutable', 'Immutable', <BoolBadge v={p.immutable} />);
    if (strs(p.binaryKeys).length) add('binaryKeys', label('Binary keys', 'Keys of binaryData (base64 in the object)'), <Mono>{strs(p.binaryKeys).join(', ')}</Mono>);
  }

  // ---- Read through the API by a controller (collectors/kubernetes/references.ts API_CONSUMERS)
  if (Array.isArray(p.usedBy) && p.usedBy.length) {
    add('usedBy', label('Read by', 'A controller reads it through the Kubernetes API (by label, annotation or name): it is not unused even though no object names it.'), (
      <Group gap={8}>
        {p.usedBy.filter(isObj).map((u) => (
          <Text key={String(u.label)} span size="sm">
            {String(u.controller)} <Dimmed>({String(u.label)})</Dimmed>
          </Text>
        ))}
      </Group>
    ));
  }

  // ---- ServiceAccount (Kubernetes)
  if (node.provider === 'k8s' && node.kind === 'ServiceAccount') {
    if (p.implicit === true) {
      add('implicit', 'Implicit', (
        <Text size="sm">
          Not in the collected input: Kubernetes creates a <Code>default</Code> ServiceAccount in every namespace, so
          keygraph assumes it exists. Pods with no <Code>serviceAccountName</Code> run as it.
        </Text>
      ));
    }
    if (typeof p.gcpServiceAccount === 'string') {
      add('gcpServiceAccount', label('GCP service account', 'From the iam.gke.io/gcp-service-account annotation (GKE Workload Identity)'), <Mono>{p.gcpServiceAccount}</Mono>);
    }
  }

  // ---- Workloads and pods
  if (typeof p.replicas === 'number') {
    add('replicas', 'Replicas', (
      <Group gap={8}>
        <Text span>{p.replicas} desired</Text>
        {typeof p.readyReplicas === 'number' ? (
          <Badge variant="light" size="sm" radius="sm" color={p.readyReplicas >= p.replicas ? 'teal' : 'orange'}>
            {p.readyReplicas} ready
          </Badge>
        ) : null}
      </Group>
    ));
    done.add('readyReplicas');
  }
  if (typeof p.phase === 'string') {
    add('phase', 'Phase', <Badge variant="light" radius="sm" color={PHASE_COLORS[p.phase] ?? 'gray'}>{p.phase}</Badge>);
  }
  if (typeof p.startTime === 'string') add('startTime', label('Started', 'Env vars and mounted Secrets were resolved at this time'), <DateValue v={p.startTime} />);
  if (typeof p.nodeName === 'string') add('nodeName', 'Node', <Mono>{p.nodeName}</Mono>);
  if (typeof p.schedule === 'string') add('schedule', 'Schedule', <Code>{p.schedule}</Code>);
  if (typeof p.suspend === 'boolean') add('suspend', 'Suspended', <BoolBadge v={p.suspend} />);
  const containers = objs(p.containers);
  if (containers.length) add('containers', `Containers (${containers.length})`, <Containers list={containers} />);
  const init = objs(p.initContainers);
  if (init.length) add('initContainers', `Init containers (${init.length})`, <Containers list={init} />);
  const statuses = objs(p.containerStatuses);
  if (statuses.length) add('containerStatuses', 'Container status', <ContainerStatuses list={statuses} />);
  if (typeof p.serviceAccountName === 'string' && node.provider === 'k8s' && node.namespace) {
    const saId = k8sId(node.realm, node.namespace, 'ServiceAccount', p.serviceAccountName);
    add('serviceAccountName', 'ServiceAccount', <NodeLink id={saId} asOf={asOf}>{p.serviceAccountName}</NodeLink>);
  }
  if (typeof p.automountServiceAccountToken === 'boolean') {
    add('automountServiceAccountToken', 'Automount token', <BoolBadge v={p.automountServiceAccountToken} />);
  }

  // ---- Ingress
  if (typeof p.ingressClassName === 'string') add('ingressClassName', 'Ingress class', <Code>{p.ingressClassName}</Code>);
  if (strs(p.hosts).length) add('hosts', 'Hosts', <CodeList items={strs(p.hosts)} />);

  // ---- Producers
  if (typeof p.secretName === 'string' && node.namespace) {
    add('secretName', 'Writes Secret', <NodeLink id={k8sId(node.realm, node.namespace, 'Secret', p.secretName)} asOf={asOf}>{p.secretName}</NodeLink>);
  }
  if (typeof p.targetName === 'string' && node.namespace) {
    add('targetName', 'Writes Secret', <NodeLink id={k8sId(node.realm, node.namespace, 'Secret', p.targetName)} asOf={asOf}>{p.targetName}</NodeLink>);
  }
  if (typeof p.commonName === 'string') add('commonName', 'Common name', <Mono>{p.commonName}</Mono>);
  if (strs(p.dnsNames).length) add('dnsNames', 'DNS names', <CodeList items={strs(p.dnsNames)} />);
  if (typeof p.notAfter === 'string') add('notAfter', 'Not after', <Expiry notAfter={p.notAfter} now={now} />);
  if (strs(p.encryptedKeys).length) add('encryptedKeys', label('Encrypted keys', 'Key names of the sealed data; values stay encrypted'), <CodeList items={strs(p.encryptedKeys)} />);

  // ---- Ownership
  const owners = objs(p.ownerReferences);
  if (owners.length && node.provider === 'k8s' && node.namespace) {
    add('ownerReferences', 'Owners', (
      <Stack gap={4}>
        {owners.map((o) => (
          <Group key={`${String(o.kind)}/${String(o.name)}`} gap={6}>
            <Dimmed>{String(o.kind)}</Dimmed>
            <NodeLink id={k8sId(node.realm, node.namespace!, String(o.kind), String(o.name))} asOf={asOf}>{String(o.name)}</NodeLink>
            {o.controller === true ? <Badge size="xs" variant="light" color="gray">controller</Badge> : null}
          </Group>
        ))}
      </Stack>
    ));
  }

  // ---- Metadata
  if (typeof p.creationTimestamp === 'string') add('creationTimestamp', 'Created', <DateValue v={p.creationTimestamp} />);
  if (isObj(p.labels)) {
    add('labels', `Labels (${Object.keys(p.labels).length})`, (
      <Group gap={6}>
        {Object.entries(p.labels).map(([k, v]) => (
          <Badge key={k} variant="outline" color="gray" radius="sm" tt="none" fw={500} style={{ maxWidth: '100%' }}>
            {clip(`${k}=${String(v)}`, 300)}
          </Badge>
        ))}
      </Group>
    ));
  }
  if (isObj(p.annotations)) add('annotations', `Annotations (${Object.keys(p.annotations).length})`, <MapList map={p.annotations} />);
  if (typeof p.uid === 'string') add('uid', 'UID', <Mono>{p.uid}</Mono>);
  if (typeof p.apiVersion === 'string') add('apiVersion', 'API version', <Code>{p.apiVersion}</Code>);

  // ---- Everything else, generically.
  for (const [k, v] of Object.entries(p)) {
    if (done.has(k)) continue;
    add(k, k, genericValue(v));
  }
  return rows;
}

/** The rows in a two-column key/value table. */
export function PropertyTable({ rows }: { rows: Row[] }) {
  return (
    <Table className="kg-kv" verticalSpacing="sm" horizontalSpacing="md" data-testid="properties">
      <TableThead style={{ display: 'none' }}>
        <TableTr>
          <TableTh>Property</TableTh>
          <TableTh>Value</TableTh>
        </TableTr>
      </TableThead>
      <TableTbody>
        {rows.map((r) => (
          <TableTr key={r.key}>
            <TableTh scope="row">
              <Text size="sm" fw={500} c="dimmed" component="div">
                {r.label}
              </Text>
            </TableTh>
            <TableTd>
              <Text size="sm" component="div">
                {r.value}
              </Text>
            </TableTd>
          </TableTr>
        ))}
      </TableTbody>
    </Table>
  );
}
