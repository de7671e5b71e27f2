/**
 * `--what findings`: every finding (lib/analysis/findings.ts) as of the export's time, most severe first: rule,
 * severity, title, the objects involved (primary first), cluster/project and namespace of the primary object,
 * structured evidence (ids, key names, times, counts; never a value) and the fix hint.
 *
 * Filters: realm (cluster or project of the primary object), namespace. Findings are computed in the application
 * (set-based SQL per rule), so this source loads them whole: their number is bounded by the graph's problems, not its
 * size.
 */
import { computeFindings, type Finding } from '../../analysis/findings';
import { SEVERITIES } from '../../analysis/severity';
import type { RowSource } from '../types';
import { json, list } from './common';

export const findingsSource: RowSource<Finding> = {
  what: 'findings',
  description: 'every finding with severity, objects, evidence and fix',
  filters: ['realm', 'namespace'],
  async load(database, ctx) {
    const { findings } = await computeFindings(database, { asOf: ctx.asOf });
    const rank = (s: string) => SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]);
    return findings
      .filter((f) => (!ctx.filters.realm || f.realm === ctx.filters.realm) && (!ctx.filters.namespace || f.namespace === ctx.filters.namespace))
      .sort((a, b) => rank(b.severity) - rank(a.severity) || a.rule.localeCompare(b.rule) || a.id.localeCompare(b.id));
  },
  item: (row) => row as Finding,
  columns: ['id', 'rule', 'severity', 'title', 'realm', 'namespace', 'objects', 'evidence', 'fix'],
  csv: (f) => [f.id, f.rule, f.severity, f.title, f.realm, f.namespace, list(f.objects), json(f.evidence), f.fix],
};
