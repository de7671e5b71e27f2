/**
 * The plan of an impact check: what a person does, in order, to take the action (delete, disable, rename, rotate)
 * without an outage, one step per object they act on. Pure: built from an {@link ImpactResult} without the database.
 *
 * - Consumers are grouped under the object that owns them (`AffectedNode.controller`, from ownerReferences): the
 *   step says "restart Deployment ota/api", not "restart 3 Pods", and covers its ReplicaSets and Pods.
 * - Finished Pods (`Succeeded`, `Failed`) are never restarted: they are counted as needing nothing.
 * - Dependants reached through an object the plan already changes (the consumers of a Secret holding a key) are
 *   covered by that object's step.
 * - CronJobs: the next run time comes from `spec.schedule` and `spec.timeZone` (cron-parser; UTC when no zone is set,
 *   as on GKE), after the impact's time.
 */
import { CronExpressionParser } from 'cron-parser';
import { RBAC_ROLE_KINDS, type AffectedNode, type ImpactAction, type ImpactResult } from './impact';
import { ROTATION_PLANS, type RotationPlan } from './rotation';
import { explainHop, qualifiedName } from '../graph/describe';
import type { EdgeProperties } from '../graph/records';

/** One step of a plan. */
export interface PlanStep {
  /**
   * What the step is: `prepare` (before anything: create the replacement), `update` (put the new value in a Secret),
   * `repoint` (change a dependant's spec so it no longer needs the target), `restart`, `next-run` (a CronJob's next
   * run picks it up: nothing to do but wait), `live` (mounted files refresh within about a minute), `automatic`
   * (Reloader, rolloutRestartTargets), `check` (keygraph cannot tell: look by hand), `act` (take the action itself),
   * `retire` (rotate: remove the old credential once nothing uses it).
   */
  kind: 'prepare' | 'update' | 'repoint' | 'restart' | 'next-run' | 'live' | 'automatic' | 'check' | 'act' | 'retire';
  /** Who acts: `you`, or `automatic` (nothing to do but check it happened). */
  by: 'you' | 'automatic';
  /** One sentence in plain words; names objects by `kind namespace/name`. */
  text: string;
  /** The object the step acts on (node id), when one: a top owner (Deployment, CronJob…), a Secret, the target. */
  node?: string;
  /** Ids of the affected objects the step takes care of (the owner, its ReplicaSets and Pods, what depends through it). */
  covers: string[];
  /** Running Pods among `covers`. */
  runningPods: number;
  /** A command that does it, when one exists (`kubectl rollout restart deployment/api -n ota`). */
  command?: string;
  /** `next-run`: the CronJob's next scheduled run (ISO 8601, UTC); absent when suspended or the schedule does not parse. */
  at?: string;
}

/** The plan of one impact check. */
export interface ActionPlan {
  action: ImpactAction;
  /** In the order to take them. Empty when there is nothing to do but the action. */
  steps: PlanStep[];
  /** Finished Pods (`Succeeded`/`Failed`) among the affected: never restarted, listed here only as a count. */
  finishedPods: number;
}

const FINISHED = new Set(['Succeeded', 'Failed']);
/** Kinds `kubectl rollout restart` accepts. */
const ROLLOUT = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

const label = (n: { kind: string; namespace: string | null; name: string }) => `${n.kind} ${qualifiedName(n)}`;

/** `kubectl` command restarting a workload, or undefined for kinds without one. */
function restartCommand(a: AffectedNode): string | undefined {
  const { kind, name, namespace } = a.node;
  if (ROLLOUT.has(kind)) return `kubectl rollout restart ${kind.toLowerCase()}/${name}${namespace ? ` -n ${namespace}` : ''}`;
  if (kind === 'Pod') return `kubectl delete pod ${name}${namespace ? ` -n ${namespace}` : ''}`;
  return undefined;
}

/** The command taking `action` on the target, when one exists (Kubernetes objects: `kubectl delete`). */
function actCommand(r: Pick<ImpactResult, 'action' | 'target'>): string | undefined {
  const t = r.target;
  if (t.provider !== 'k8s' || (r.action !== 'delete' && r.action !== 'disable')) return undefined;
  return `kubectl delete ${t.kind.toLowerCase()} ${t.name}${t.namespace ? ` -n ${t.namespace}` : ''}`;
}

/** The next run of a cron `schedule` after `after` in `timeZone` (default UTC), ISO 8601; undefined if it does not parse. */
export function nextCronRun(schedule: string, after: Date, timeZone?: string): string | undefined {
  try {
    return CronExpressionParser.parse(schedule, { currentDate: after, tz: timeZone ?? 'UTC' }).next().toISOString() ?? undefined;
  } catch {
    return undefined;
  }
}

/** `2026-12-05T02:30:00.000Z` → `2026-12-05 02:30 UTC`. */
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** An owner and what it stands for: itself and every affected object it owns. */
interface Unit {
  head: AffectedNode;
  members: AffectedNode[];
}

/** Groups `affected` under their top owner (the owner itself when affected, else the member closest to the target). */
function units(affected: AffectedNode[]): Unit[] {
  const byId = new Map(affected.map((a) => [a.node.id, a]));
  const groups = new Map<string, AffectedNode[]>();
  for (const a of affected) {
    const key = a.controller && byId.has(a.controller) ? a.controller : a.node.id;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(a);
  }
  return [...groups].map(([key, members]) => ({ head: byId.get(key) ?? members[0]!, members }));
}

/** Members still to act on: finished Pods need nothing. */
const live = (u: Unit) => u.members.filter((m) => !(m.node.kind === 'Pod' && m.phase && FINISHED.has(m.phase)));
const running = (ms: AffectedNode[]) => ms.filter((m) => m.node.kind === 'Pod' && m.phase === 'Running').length;

/** How a unit's member nearest the target uses what it depends on, in plain words. */
function how(u: Unit): string {
  const first = u.members.reduce((a, b) => (b.depth < a.depth ? b : a));
  const step = first.path[first.path.length - 1];
  return step ? explainHop(step.kind, step.references as EdgeProperties[]) : '';
}

/** The plan of a delete / disable / rename: change every direct dependant first, then act. */
function changePlan(r: Omit<ImpactResult, 'plan'>): PlanStep[] {
  const steps: PlanStep[] = [];
  const needed = r.affected.filter((a) => !a.optional && a.node.id !== r.target.id);
  // What depends through a Secret holding the target key is covered by that Secret's step.
  const holderList = needed.filter((a) => a.depth === 1 && a.path[0]?.kind === 'HOLDS_KEY');
  const holders = new Set(holderList.map((a) => a.node.id));
  // Each affected object's holder, found once (a hot key: 100 holders × 7,000 dependants).
  const throughOf = new Map<AffectedNode, string | undefined>();
  const downstreamOf = new Map<string, AffectedNode[]>([...holders].map((h) => [h, []]));
  for (const x of needed) {
    const h = holders.size ? x.path.find((s) => holders.has(s.node) && s.node !== x.node.id)?.node : undefined;
    throughOf.set(x, h);
    if (h) downstreamOf.get(h)!.push(x);
  }
  for (const a of holderList) {
    const h = a.node.id;
    const downstream = downstreamOf.get(h)!;
    steps.push({
      kind: 'update', by: 'you', node: h,
      text: `Put a new key in ${label(a.node)} first (it holds this key file)${downstream.length ? `: ${downstream.length} object(s) use it; the rotate plan says which restart` : ''}`,
      covers: [h, ...downstream.map((x) => x.node.id)], runningPods: running(downstream),
    });
  }
  const rest = needed.filter((a) => !holders.has(a.node.id) && !throughOf.get(a));
  for (const u of units(rest)) {
    const members = live(u);
    if (!members.length) continue;
    const covers = members.map((m) => m.node.id);
    if (u.members.every((m) => m.mentioned)) {
      steps.push(checkStep(u));
      continue;
    }
    const verb = r.action === 'rename' ? 'Point' : 'Re-point';
    const whereTo = r.action === 'rename' ? 'at the new name' : 'away from it, or remove the reference';
    const uses = how(u);
    steps.push({
      kind: 'repoint', by: 'you', node: u.head.node.id,
      text: `${verb} ${label(u.head.node)} ${whereTo}${uses ? ` (it ${uses})` : ''}`,
      covers, runningPods: running(members),
    });
  }
  steps.push({
    kind: 'act', by: 'you', node: r.target.id,
    text: `Then ${r.action} ${label(r.target)}${r.verdict === 'unknown' ? ' (the data may hide a dependant: see why the verdict is unknown)' : ''}`,
    covers: [], runningPods: 0, command: actCommand(r),
  });
  return steps;
}

/** "Check by hand" for a unit that only mentions the target (a Role's `resourceNames`, an unmodelled field). */
function checkStep(u: Unit): PlanStep {
  const text = RBAC_ROLE_KINDS.has(u.head.node.kind)
    ? `Check who ${label(u.head.node)} is bound to: it grants access to it by name, so they may read it through the API`
    : `Check ${label(u.head.node)} by hand: it names it in a field keygraph does not model`;
  return { kind: 'check', by: 'you', node: u.head.node.id, covers: u.members.map((m) => m.node.id), runningPods: running(u.members), text };
}

/** Order of the rotate plans in a plan (what needs a hand first), from lib/analysis/rotation.ts. */
const PLAN_ORDER = new Map<RotationPlan, number>(ROTATION_PLANS.map((p, i) => [p, i]));

/** The plan of a rotate: create the new value, update its holders, restart what reads at start, then retire the old. */
function rotatePlan(r: Omit<ImpactResult, 'plan'>, now: Date): PlanStep[] {
  const steps: PlanStep[] = [];
  const key = r.target.kind === 'ServiceAccountKey';
  steps.push({
    kind: 'prepare', by: 'you', node: r.target.id, covers: [], runningPods: 0,
    text: key
      ? `Create a new key for the service account; keep ${label(r.target)} enabled until the steps below are done`
      : `Write the new value into ${label(r.target)} (or have the resource that produces it do so)`,
  });
  const planned = units(r.affected.filter((a) => a.rotation))
    .map((u) => ({ u, members: live(u), plan: planOf(u) }))
    .filter((x) => x.members.length)
    .sort((x, y) => PLAN_ORDER.get(x.plan)! - PLAN_ORDER.get(y.plan)! || x.u.head.node.id.localeCompare(y.u.head.node.id));
  for (const { u, members, plan } of planned) {
    const base = { node: u.head.node.id, covers: members.map((m) => m.node.id), runningPods: running(members) };
    // The head's own step (the CronJob's schedule, Reloader's reason), else its first member's.
    const rot = u.head.rotation ?? members.find((m) => m.rotation)?.rotation;
    switch (plan) {
      case 'update':
        steps.push({ ...base, kind: 'update', by: 'you', text: `Update ${label(u.head.node)} with the new key` });
        break;
      case 'needs-restart': {
        const uses = how(u);
        steps.push({ ...base, kind: 'restart', by: 'you', text: `Restart ${label(u.head.node)}: it reads the value at start${uses ? ` (it ${uses})` : ''}`, command: restartCommand(u.head) });
        break;
      }
      case 'next-run': {
        const at = rot?.schedule && !rot.suspend ? nextCronRun(rot.schedule, now, rot.timeZone) : undefined;
        const when = rot?.suspend ? 'is suspended: the first run after it is resumed picks it up' : at ? `picks it up at its next run, ${utc(at)} (schedule ${rot!.schedule})` : 'picks it up at its next run';
        steps.push({ ...base, kind: 'next-run', by: 'automatic', at, text: `${label(u.head.node)} ${when}; a Job running now keeps the old value` });
        break;
      }
      case 'picks-up-live':
        steps.push({ ...base, kind: 'live', by: 'automatic', text: `${label(u.head.node)} picks it up live (mounted files refresh within about a minute); check the process re-reads them` });
        break;
      case 'restarts-automatically':
        steps.push({ ...base, kind: 'automatic', by: 'automatic', text: rot?.reason || `${label(u.head.node)} restarts automatically` });
        break;
    }
  }
  for (const u of units(r.affected.filter((a) => a.mentioned))) {
    steps.push(checkStep(u));
  }
  steps.push({
    kind: 'retire', by: 'you', node: r.target.id, covers: [], runningPods: 0,
    text: key
      ? `Then disable the old key ${r.target.name}; delete it once nothing failed (disabling can be undone, deleting cannot)`
      : 'Then revoke the old value where it was issued (database user, API token…), once nothing uses it',
  });
  return steps;
}

/** The most demanding plan of a unit's live members (update before restart before next-run…). */
function planOf(u: Unit): RotationPlan {
  if (u.head.rotation && u.head.node.kind === 'CronJob') return u.head.rotation.plan;
  const plans = live(u).map((m) => m.rotation?.plan).filter((p): p is RotationPlan => !!p);
  return plans.sort((a, b) => PLAN_ORDER.get(a)! - PLAN_ORDER.get(b)!)[0] ?? u.head.rotation?.plan ?? 'needs-restart';
}

/**
 * The plan for `r` (an impact result without its plan) as of `now` (the impact's time: CronJob next runs are
 * computed after it). Steps are empty but the action itself when nothing depends on the target.
 */
export function actionPlan(r: Omit<ImpactResult, 'plan'>, now: Date): ActionPlan {
  const finishedPods = r.affected.filter((a) => a.node.kind === 'Pod' && a.phase && FINISHED.has(a.phase)).length;
  return { action: r.action, steps: r.action === 'rotate' ? rotatePlan(r, now) : changePlan(r), finishedPods };
}
