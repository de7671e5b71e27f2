/** The runs page's "Scheduled collections" card rendered to HTML. */
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { MantineProvider } from '@mantine/core';
import type { ScheduledCollectionView } from '@/lib/schedule/read';
import { ScheduledCollectionsCard } from './ScheduledCollections';

const now = new Date('2026-12-04T12:00:00Z');
const base: ScheduledCollectionView = {
  name: 'prod', command: 'k8s --context prod', everyMs: 900_000, jitterMs: 90_000, nextRunAt: new Date('2026-12-04T12:05:00Z'),
  running: false, runningSince: null, lastStartedAt: new Date('2026-12-04T11:50:00Z'), lastFinishedAt: new Date('2026-12-04T11:51:00Z'),
  lastStatus: 'ok', lastExitCode: 0, lastRunId: 42, lastError: null, skippedCount: 0, lastSkippedAt: null,
};
const html = (entries: ScheduledCollectionView[]) =>
  renderToStaticMarkup(createElement(MantineProvider, null, createElement(ScheduledCollectionsCard, { entries, now })));

describe('ScheduledCollectionsCard', () => {
  it('one row per entry: name, command, every, next run relative, status badge, link to its run', () => {
    const h = html([
      base,
      { ...base, name: 'gcp', command: 'gcp --project acme', everyMs: 3_600_000, lastStatus: 'failed', lastExitCode: 1, lastRunId: null, lastError: 'permission denied on acme', skippedCount: 2, lastSkippedAt: now },
      { ...base, name: 'new', lastStatus: null, lastExitCode: null, lastRunId: null, lastFinishedAt: null, nextRunAt: new Date('2026-12-04T11:59:00Z') },
    ]);
    expect(h).toContain('Scheduled collections');
    expect(h.match(/data-testid="scheduled-collection"/g)).toHaveLength(3);
    expect(h).toContain('keygraph collect k8s --context prod');
    expect(h).toContain('15m');
    expect(h).toContain('in 5 minutes');
    expect(h).toContain('href="/runs/42"');
    expect(h).toContain('data-status="ok"');
    expect(h).toContain('data-status="failed"');
    expect(h).toContain('permission denied on acme');
    expect(h).toContain('2 skipped');
    expect(h).toContain('not run yet');
    expect(h).toContain('due now');
  });
  it('a going run shows running; nothing when no collection is scheduled', () => {
    expect(html([{ ...base, running: true, runningSince: now }])).toContain('data-status="running"');
    expect(html([])).not.toContain('scheduled-collections');
  });
});
