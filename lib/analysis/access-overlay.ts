/**
 * The explorer's Access mode: who can read a Kubernetes Secret or Secret Manager secret, and who can act as a GCP
 * service account, as derived edges (lib/graph/model.ts ACCESS_EDGE_KINDS) from each subject to the target. Built
 * from the node's access answer (lib/analysis/access.ts nodeAccess); the edges are never stored and never part of
 * a neighbourhood's `edges`, so impact never walks them.
 *
 * Subjects: ServiceAccounts named by RBAC bindings, GCP service accounts in the graph, and the Kubernetes
 * ServiceAccounts a Workload Identity member resolves to are graph nodes (drawn as such, clickable). Users, Groups,
 * domains, `allUsers` and principals with no node are pseudo-nodes `subject:TYPE:NAME`. One edge per subject and
 * target, carrying every grant that gives the access, one line each.
 */
import type { Database } from '../db';
import { Prisma } from '../generated/prisma/client';
import type { AccessEdgeKind } from '../graph/model';
import { parseId } from '../graph/ids';
import { bestNodesSql, live, missingSummary, summary, type NodeSummary, type NodeSummaryRow, type ReadOptions } from '../store/read';
import { describeGrant, isGcpAccess, nodeAccess, type NodeAccess } from './access';
import { describeGcpGrant, PRINCIPAL_LABELS, type GcpGrant } from './gcp-access';

/** At most this many subjects are drawn; the others are counted in {@link AccessOverlay.more}. */
export const MAX_ACCESS_SUBJECTS = 50;

/** One subject of the overlay. */
export interface AccessSubject {
  /** A graph node id, or `subject:TYPE:NAME` for a principal keygraph holds no node for. */
  id: string;
  /** Kind for people: `ServiceAccount`, `Group`, `User`, `group`, `user`, `anyone (allUsers)`… */
  type: string;
  /** Name for people (`namespace/name` for a ServiceAccount, the email or group name otherwise). */
  name: string;
  /** The node's summary when the subject is a graph node (missing: named by a binding but not collected). */
  node?: NodeSummary;
}

/** One derived edge: subject → target. */
export interface AccessEdge {
  /** `FROM|KIND|TO`. */
  id: string;
  kind: AccessEdgeKind;
  from: string;
  to: string;
  /** What is granted: RBAC verbs (`get`, `list`, `watch`) or IAM permissions; `unknown role` when not known. */
  access: string[];
  /** Every grant giving it, one line each (binding and role, or IAM role and policy). */
  grants: string[];
  /** Some grant is conditional (IAM Conditions) or its role's permissions are not known: the access may not hold. */
  uncertain: boolean;
}

/** The overlay of one target. */
export interface AccessOverlay {
  target: string;
  /** `read` for Secrets and Secret Manager secrets / versions, `actAs` for GCP service accounts. */
  about: 'read' | 'actAs';
  /** False when the policies that decide it were not collected (RBAC of the cluster, or an IAM policy): what is
   * drawn is what is known, and more subjects may have access. */
  complete: boolean;
  /** Why it is not complete, for people (one line each). */
  unknown: string[];
  subjects: AccessSubject[];
  edges: AccessEdge[];
  /** Subjects left out beyond {@link MAX_ACCESS_SUBJECTS}. */
  more: number;
}

interface Draft {
  subject: Omit<AccessSubject, 'node'>;
  access: Set<string>;
  grants: string[];
  uncertain: boolean;
}

/** Groups grants by subject (pure). `nodeIds`: subjects that are graph nodes. */
function draftsOf(access: NodeAccess): { about: AccessOverlay['about']; drafts: Map<string, Draft>; unknown: string[] } {
  const drafts = new Map<string, Draft>();
  const add = (s: Draft['subject'], what: string[], line: string, uncertain: boolean) => {
    const d = drafts.get(s.id) ?? drafts.set(s.id, { subject: s, access: new Set(), grants: [], uncertain: false }).get(s.id)!;
    for (const w of what) d.access.add(w);
    if (!d.grants.includes(line)) d.grants.push(line);
    d.uncertain ||= uncertain;
  };
  if (!isGcpAccess(access)) {
    for (const g of access.readers) {
      const s = g.subject;
      const id = s.id ?? `subject:${s.kind}:${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
      add({ id, type: s.kind, name: s.namespace ? `${s.namespace}/${s.name}` : s.name }, g.verbs, describeGrant(g), false);
    }
    const unknown = access.rbacObjects ? [] : ['RBAC (Roles, ClusterRoles and their bindings) was not collected for this cluster: who can read it is not known.'];
    return { about: 'read', drafts, unknown };
  }
  for (const g of access.grants) {
    const line = describeGcpGrant(g);
    const what = g.roleKnown ? g.permissions : ['unknown role'];
    const uncertain = !g.roleKnown || !!g.condition;
    for (const s of gcpSubjects(g)) add(s, what, line, uncertain);
  }
  const unknown = access.policies.filter((p) => !p.known).map((p) => `The ${p.policy} policy (${p.resource}) was not collected${p.error ? ` (${p.error})` : ''}: its grants are not known.`);
  return { about: access.about === 'secret' ? 'read' : 'actAs', drafts, unknown };
}

/** The subjects of one IAM grant: the GCP service account node, the Kubernetes ServiceAccounts of a Workload
 * Identity member, else one pseudo-node for the member. */
function gcpSubjects(g: GcpGrant): Draft['subject'][] {
  const p = g.principal;
  const label = PRINCIPAL_LABELS[p.type];
  if (p.id) return [{ id: p.id, type: 'GCP service account', name: p.name }];
  const ksas = p.kubernetes?.serviceAccounts ?? [];
  if (ksas.length) return ksas.map((id) => ({ id, type: 'ServiceAccount', name: shortName(id) }));
  return [{ id: `subject:${p.type}:${p.name}`, type: label, name: p.name }];
}

const shortName = (id: string) => {
  const p = parseId(id);
  return p ? (p.namespace ? `${p.namespace}/${p.name}` : p.name) : id;
};

/** Graph nodes first, then ServiceAccounts, then by type and name; a stable order for the cap. */
const order = (a: Draft, b: Draft) =>
  Number(a.subject.id.startsWith('subject:')) - Number(b.subject.id.startsWith('subject:')) ||
  a.subject.type.localeCompare(b.subject.type) ||
  a.subject.name.localeCompare(b.subject.name);

/**
 * The overlay of an access answer (pure): subjects sorted (graph nodes first), capped at `max`; `nodes` gives the
 * summaries of the subjects that are graph nodes (absent: drawn as missing).
 */
export function overlayOf(access: NodeAccess, target: string, nodes: Map<string, NodeSummary>, max = MAX_ACCESS_SUBJECTS): AccessOverlay {
  const { about, drafts, unknown } = draftsOf(access);
  const kind: AccessEdgeKind = about === 'read' ? 'CAN_READ' : 'CAN_ACT_AS';
  const all = [...drafts.values()].filter((d) => d.subject.id !== target).sort(order);
  const shown = all.slice(0, max);
  return {
    target,
    about,
    complete: unknown.length === 0,
    unknown,
    subjects: shown.map((d) => ({
      ...d.subject,
      ...(!d.subject.id.startsWith('subject:') && { node: nodes.get(d.subject.id) ?? missingSummary(d.subject.id) }),
    })),
    edges: shown.map((d) => ({
      id: `${d.subject.id}|${kind}|${target}`, kind, from: d.subject.id, to: target,
      access: [...d.access].sort(), grants: d.grants, uncertain: d.uncertain,
    })),
    more: all.length - shown.length,
  };
}

/**
 * The Access-mode overlay of node `id` (a Kubernetes Secret, GCP service account, Secret Manager secret or
 * version), as of now or `opts.asOf`; null for any other node. Errors: database errors propagate.
 */
export async function accessOverlay(database: Database, id: string, opts: ReadOptions = {}): Promise<AccessOverlay | null> {
  const access = await nodeAccess(database, id, opts);
  if (!access) return null;
  const ids = [...draftsOf(access).drafts.keys()].filter((s) => !s.startsWith('subject:'));
  const rows = ids.length
    ? await database.prisma.$queryRaw<NodeSummaryRow[]>(bestNodesSql(Prisma.sql`v.node_id IN (${Prisma.join(ids)}) AND ${live('v', opts.asOf)}`))
    : [];
  return overlayOf(access, id, new Map(rows.map((r) => [r.node_id, summary(r)])));
}
