/**
 * Rotation, as Kubernetes really behaves: what each consumer of a rotated Secret must do to see the new value.
 * One classification ({@link rotationStep}), used by impact (lib/analysis/impact.ts) for `--action rotate`.
 *
 * - env / envFrom values and credentials files are read once, at container start: **needs a restart**;
 * - files of a Secret or projected volume are refreshed by the kubelet within its sync period (about a minute), except
 *   files mounted with `subPath`, which never change: plain mounts **pick it up live**, subPath mounts need a restart;
 * - a workload Stakater Reloader watches for that Secret, or a Vault Secrets Operator `rolloutRestartTargets` entry of
 *   the resource writing it, **restarts automatically**;
 * - a CronJob's (or its Jobs' pods') **next run picks it up**;
 * - a Secret holding a rotated key must itself be updated.
 */

/** The plans, from what needs a hand to what happens by itself. */
export const ROTATION_PLANS = ['update', 'needs-restart', 'next-run', 'picks-up-live', 'restarts-automatically'] as const;
/** The plan for one consumer. */
export type RotationPlan = (typeof ROTATION_PLANS)[number];

/** Wording of each plan, as the CLI and the web impact panel show it. */
export const ROTATION_PLAN_LABELS: Record<RotationPlan, string> = {
  update: 'must be updated',
  'restarts-automatically': 'restarts automatically',
  'needs-restart': 'needs a restart',
  'next-run': 'next run picks it up',
  'picks-up-live': 'picks it up live',
};

/** What {@link rotationStep} decides for one consumer. */
export interface RotationStep {
  plan: RotationPlan;
  /** Why, in one sentence (names the via, the annotation or the restarting object). */
  reason: string;
  /** The object that restarts it automatically (Reloader: the workload itself; VSO: the VaultStaticSecret…). */
  by?: string;
  /** CronJob `spec.schedule` for `next-run`. */
  schedule?: string;
  /** CronJob `spec.timeZone` (IANA name) for `next-run`; absent: the kube-controller-manager's zone (UTC on GKE). */
  timeZone?: string;
  /** CronJob `spec.suspend`. */
  suspend?: boolean;
}

/** Reloader settings of a workload, as the mapper records them (collectors/kubernetes/rotation.ts, property `reloader`). */
export interface ReloaderSettings {
  auto?: boolean;
  secretAuto?: boolean;
  configMapAuto?: boolean;
  secrets?: string[];
  configMaps?: string[];
  search?: boolean;
  disabled?: boolean;
}

/** A workload or pod as the classification needs it (node properties). */
export interface RotationObject {
  id: string;
  kind: string;
  name: string;
  /** Node property `reloader`. */
  reloader?: ReloaderSettings;
  /** CronJob `spec.schedule` / `spec.timeZone` / `spec.suspend`. */
  schedule?: string;
  timeZone?: string;
  suspend?: boolean;
}

/** The Secret (or ConfigMap) whose value changes: the rotated target, or the holder Secret of a rotated key. */
export interface RotatedObject {
  id: string;
  kind: string;
  name: string;
  /** Node property `reloader` of the Secret (`match`, `ignore`). */
  reloader?: { match?: boolean; ignore?: boolean };
  /** `rolloutRestartTargets` of the resources writing it (PRODUCES), with the producer's id. */
  restartTargets: { producer: string; kind: string; name: string }[];
}

/** One consumer: the object, how it reads the rotated Secret, and the controller at the top of its owners. */
export interface RotationConsumer {
  object: RotationObject;
  /** Edge kind of the hop that reached it (USES_SECRET, OWNS, RUNS_AS, HOLDS_KEY…). */
  hop: string;
  /** Properties of its USES_SECRET edges to the rotated Secret (`via`, `subPath`, `mountPaths`); empty when none. */
  references: Record<string, unknown>[];
  /** The top owner (Deployment of a pod's ReplicaSet, CronJob of a Job) when known; undefined when not owned. */
  controller?: RotationObject;
}

/** Reads that happen once, at container start. */
const AT_START: Record<string, string> = {
  env: 'env', envFrom: 'envFrom', googleApplicationCredentials: 'a credentials file (read once by the client library)',
  csi: 'CSI driver credentials (used when the volume is mounted)', inTreeVolume: 'volume credentials (used when the volume is mounted)',
};
/** Reads that see a new value without a restart. */
const LIVE: Record<string, string> = {
  volume: 'a Secret volume', projected: 'a projected volume', serviceAccountSecret: 'the mounted token volume',
  imagePullSecret: 'image pulls (the next pull uses it)', serviceAccountImagePullSecret: 'image pulls (the next pull uses it)',
  ingressTls: 'the Ingress controller (it watches the Secret)',
};
/** Kinds Reloader restarts (its annotation reference: Deployment, StatefulSet, DaemonSet, Rollout, CronJob, Job; and DeploymentConfig). */
const RELOADER_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout', 'DeploymentConfig', 'CronJob', 'Job']);

/** Whether Reloader, as configured on `w`, restarts it when `target` changes (`referenced`: the pod template reads it). */
function reloaderWatches(w: RotationObject, target: RotatedObject, referenced: boolean): string | null {
  const r = w.reloader;
  if (!r || !RELOADER_KINDS.has(w.kind) || target.reloader?.ignore) return null;
  const isSecret = target.kind === 'Secret';
  const named = isSecret ? r.secrets : r.configMaps;
  if (named?.includes(target.name)) return `${isSecret ? 'secret' : 'configmap'}.reloader.stakater.com/reload names it`;
  if (!referenced || r.disabled) return null;
  if (r.auto) return 'reloader.stakater.com/auto';
  if (isSecret ? r.secretAuto : r.configMapAuto) return `${isSecret ? 'secret' : 'configmap'}.reloader.stakater.com/auto`;
  if (r.search && target.reloader?.match) return 'reloader.stakater.com/search, and the Secret is annotated reloader.stakater.com/match';
  return null;
}

/**
 * The rotation plan of one consumer of `target` (pure). Order: a Secret holding a rotated key is `update`; a
 * workload (or the controller owning a pod / ReplicaSet / Job) that Reloader watches for the target, or that a
 * producer of the target names in `rolloutRestartTargets`, `restarts-automatically`; a CronJob, or a Job / pod a
 * CronJob owns, `next-run` (running Jobs keep the old value); then by how it reads the target: env, envFrom,
 * credentials files, CSI / in-tree volume credentials and `subPath` mounts `needs-restart`; plain Secret or
 * projected volume mounts, token volumes, image pull secrets and Ingress TLS `picks-up-live`. A consumer reached
 * another way (through RUNS_AS, or with no reference recorded) is `needs-restart` (conservative).
 */
export function rotationStep(c: RotationConsumer, target: RotatedObject): RotationStep {
  const o = c.object;
  if (o.kind === 'Secret' || c.hop === 'HOLDS_KEY') {
    return { plan: 'update', reason: `Secret ${o.name} holds the key: put the new key in it` };
  }
  const referenced = c.references.length > 0 || c.hop === 'OWNS';
  for (const w of [o, c.controller].filter((x): x is RotationObject => !!x)) {
    const why = reloaderWatches(w, target, referenced);
    if (why) return { plan: 'restarts-automatically', reason: `Reloader restarts ${w.kind} ${w.name} (${why})`, by: w.id };
    const t = target.restartTargets.find((x) => x.kind === w.kind && x.name === w.name);
    if (t) return { plan: 'restarts-automatically', reason: `${t.producer.split('/').slice(-2).join(' ')} restarts ${w.kind} ${w.name} after it writes the Secret (rolloutRestartTargets)`, by: t.producer };
  }
  const cron = o.kind === 'CronJob' ? o : c.controller?.kind === 'CronJob' ? c.controller : undefined;
  if (cron) {
    return {
      plan: 'next-run',
      reason: `CronJob ${cron.name}: the next run (${cron.schedule ?? 'schedule unknown'}${cron.suspend ? ', suspended' : ''}) reads the new value; a Job running now keeps the old one`,
      schedule: cron.schedule,
      timeZone: cron.timeZone,
      suspend: cron.suspend,
    };
  }
  const vias = c.references.map((p) => String(p.via ?? ''));
  const atStart = [...new Set(vias.filter((v) => v in AT_START))];
  const sub = c.references.filter((p) => p.subPath === true);
  if (atStart.length || sub.length) {
    const parts = atStart.map((v) => AT_START[v]!);
    if (sub.length) {
      const where = [...new Set(sub.flatMap((p) => (Array.isArray(p.subPathMounts) ? (p.subPathMounts as string[]) : [])))];
      parts.push(`a subPath mount${where.length ? ` (${where.join(', ')})` : ''}, which the kubelet never refreshes`);
    }
    return { plan: 'needs-restart', reason: `reads it through ${parts.join(' and ')}: restart it (kubectl rollout restart)` };
  }
  const live = [...new Set(vias.filter((v) => v in LIVE))];
  if (live.length && live.length === new Set(vias).size) {
    const files = vias.some((v) => v === 'volume' || v === 'projected' || v === 'serviceAccountSecret');
    return {
      plan: 'picks-up-live',
      reason: `reads it through ${live.map((v) => LIVE[v]!).join(' and ')}${files ? ': the kubelet refreshes the files within its sync period (about a minute); the process must re-read them' : ''}`,
    };
  }
  return { plan: 'needs-restart', reason: c.hop === 'OWNS' ? `its pods read it at start: restart ${o.kind} ${o.name}` : `depends on it through ${c.hop}: restart it to be sure` };
}
