/**
 * The bodies POSTed to alert webhooks (lib/alerts/index.ts), built from a run and its new and resolved findings.
 *
 * What a finding becomes ({@link AlertFinding}): its id, rule, severity, title, object ids, where it is (provider,
 * realm, namespace) and the fix, plus a link to its primary object when the public URL is known. Never its
 * `evidence` (structured, and value-free in the store, but bulky and not needed to act): the finding page has it.
 * Neither format carries anything a collector read as a value; the store holds none.
 *
 * - `json`: {@link JsonAlert}, every list capped at {@link JSON_LIST_LIMIT} findings (`counts` has the totals).
 * - `slack`: a Slack incoming-webhook message `{ text, blocks }` (Block Kit): `text` is the one-line summary (the
 *   notification and the fallback), `blocks` a header, the summary and one section per finding, at most
 *   {@link SLACK_LISTED} new and {@link SLACK_LISTED} resolved (Slack allows 50 blocks), then a "… and N more" line.
 *   Text from the inventory (titles, object ids, fixes) is escaped for mrkdwn (`&`, `<`, `>`).
 */
import type { Finding } from '../analysis/findings';
import type { Severity } from '../analysis/severity';

/** The run an alert is about. `committedAt` is ISO 8601. */
export interface AlertRun {
  id: number;
  source: string;
  scope: string;
  provider: string | null;
  status: string;
  committedAt: string;
}

/** A finding as alerted: lib/analysis/findings.ts Finding without its evidence (ids and text only). */
export interface AlertFinding extends Omit<Finding, 'evidence'> {
  /** `<public URL>/node?id=<primary object>` when KEYGRAPH_PUBLIC_URL is set. */
  url?: string;
}

/** The `json` format's body. */
export interface JsonAlert {
  run: AlertRun & { url?: string };
  /** The least severity alerted. */
  minSeverity: Severity;
  /** Totals before capping the lists. */
  counts: { new: number; resolved: number };
  /** Findings present as of the run's commit and absent just before it, most severe first. */
  new: AlertFinding[];
  /** Findings present just before the run's commit and absent as of it, most severe first. */
  resolved: AlertFinding[];
}

/** The `slack` format's body (Slack incoming webhook). */
export interface SlackAlert {
  text: string;
  blocks: Record<string, unknown>[];
}

/** What both formats are built from. */
export interface AlertContent {
  run: AlertRun;
  minSeverity: Severity;
  new: Finding[];
  resolved: Finding[];
  /** Origin users reach keygraph at (KEYGRAPH_PUBLIC_URL), for links; none without it. */
  publicOrigin?: string;
}

/** Most findings per list in the `json` format. */
export const JSON_LIST_LIMIT = 1000;
/** Most findings per list (new, resolved) that a Slack message shows. */
export const SLACK_LISTED = 20;

const nodeUrl = (origin: string | undefined, id: string | undefined) =>
  origin && id ? `${origin}/node?id=${encodeURIComponent(id)}` : undefined;

/** A finding as alerted (see the module comment): the fields to act on, without evidence. */
export function alertFinding(f: Finding, publicOrigin?: string): AlertFinding {
  const url = nodeUrl(publicOrigin, f.objects[0]);
  return {
    id: f.id,
    rule: f.rule,
    severity: f.severity,
    title: f.title,
    objects: [...f.objects],
    provider: f.provider,
    realm: f.realm,
    namespace: f.namespace,
    fix: f.fix,
    ...(url && { url }),
  };
}

/** The `json` body. */
export function jsonAlert(c: AlertContent): JsonAlert {
  const runUrl = c.publicOrigin ? `${c.publicOrigin}/runs/${c.run.id}` : undefined;
  return {
    run: { ...c.run, ...(runUrl && { url: runUrl }) },
    minSeverity: c.minSeverity,
    counts: { new: c.new.length, resolved: c.resolved.length },
    new: c.new.slice(0, JSON_LIST_LIMIT).map((f) => alertFinding(f, c.publicOrigin)),
    resolved: c.resolved.slice(0, JSON_LIST_LIMIT).map((f) => alertFinding(f, c.publicOrigin)),
  };
}

/** Escapes text for Slack mrkdwn (control characters `&`, `<`, `>`), and trims it to `max` characters. */
export function slackEscape(s: string, max = 500): string {
  const t = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The one-line summary both the Slack `text` and the header use. */
export function alertSummary(c: Pick<AlertContent, 'run' | 'minSeverity' | 'new' | 'resolved'>): string {
  const parts = [];
  if (c.new.length) parts.push(`${plural(c.new.length, 'new finding')}`);
  if (c.resolved.length) parts.push(`${c.resolved.length} resolved`);
  return `keygraph: ${parts.join(', ') || 'no change'} (${c.minSeverity} or worse) after run ${c.run.id} of ${c.run.source}/${c.run.scope}`;
}

function slackFinding(f: Finding, origin: string | undefined): Record<string, unknown> {
  const url = nodeUrl(origin, f.objects[0]);
  const primary = f.objects[0] ? slackEscape(f.objects[0], 300) : '';
  const object = url ? `<${url}|${primary}>` : `\`${primary}\``;
  const more = f.objects.length > 1 ? ` (+${f.objects.length - 1} more)` : '';
  const text = `*${f.severity}* · ${slackEscape(f.title, 400)}\n${object}${more}\n_${slackEscape(f.rule, 80)}_: ${slackEscape(f.fix, 1200)}`;
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function slackList(heading: string, list: Finding[], origin: string | undefined): Record<string, unknown>[] {
  if (!list.length) return [];
  const blocks: Record<string, unknown>[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${heading}*` } }];
  for (const f of list.slice(0, SLACK_LISTED)) blocks.push(slackFinding(f, origin));
  if (list.length > SLACK_LISTED) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `… and ${list.length - SLACK_LISTED} more` }] });
  }
  return blocks;
}

/** The `slack` body (see the module comment). */
export function slackAlert(c: AlertContent): SlackAlert {
  const summary = alertSummary(c);
  const runLink = c.publicOrigin ? ` · <${c.publicOrigin}/runs/${c.run.id}|run ${c.run.id}>` : '';
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: `keygraph: ${c.run.source}/${c.run.scope}`.slice(0, 150) } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${slackEscape(summary)} · committed ${c.run.committedAt}${runLink}` }],
    },
    ...slackList(`New (${c.new.length})`, c.new, c.publicOrigin),
    ...(c.new.length && c.resolved.length ? [{ type: 'divider' }] : []),
    ...slackList(`Resolved (${c.resolved.length})`, c.resolved, c.publicOrigin),
  ];
  return { text: summary, blocks };
}

/** The body for `format`. */
export function alertBody(format: 'slack' | 'json', c: AlertContent): JsonAlert | SlackAlert {
  return format === 'slack' ? slackAlert(c) : jsonAlert(c);
}
