/**
 * The "viewing the past" banner every page that reads the graph shows under the header, the inline error for an
 * `asOf` that does not resolve, and "no data at that time" for a time before the first collection. Pages read their
 * point in time with {@link pageAsOf} and show only the banner when lib/ui/params.ts `hidesData` says so.
 */
import { Alert, Group, Stack, Text } from '@mantine/core';
import { db } from '@/lib/db';
import { getRun } from '@/lib/store/read';
import { dataBegins, resolveTime } from '@/lib/store/history';
import { formatDate, isoDate, runHref } from '@/lib/ui/format';
import { parseAsOf, type AsOf, type SearchParams } from '@/lib/ui/params';
import { IconAlert, IconClock } from './icons';
import { AnchorLink, ButtonLink } from './links';

/**
 * The point in time a page shows, from its `?asOf=` (ISO 8601, `run:N`, `24h`, `7d`, `yesterday`…: the one resolver,
 * lib/store/history.ts resolveTime), `nodata` before the first committed run; throws only the database's errors.
 */
export async function pageAsOf(sp: SearchParams): Promise<AsOf> {
  return parseAsOf(sp, (spec) => resolveTime(db(), spec), { dataBegins: () => dataBegins(db()) });
}

/**
 * Nothing when viewing now. When viewing the past: a prominent sticky banner ("Viewing the inventory as of … —
 * Back to now"). For an `asOf` that does not resolve: the error and a way out (pages show this instead of data).
 * `nowHref`: this page without `asOf`.
 */
export async function AsOfBanner({ asOf, nowHref }: { asOf: AsOf; nowHref: string }) {
  if (asOf.state === 'now') return null;
  if (asOf.state === 'nodata') {
    return (
      <Alert
        color="gray"
        variant="light"
        icon={<IconClock size={20} />}
        title="No data at that time"
        data-testid="asof-nodata"
        data-asof={isoDate(asOf.at)}
        maw={820}
      >
        <Stack gap="sm">
          <Text size="sm">
            keygraph has no data at{' '}
            <time dateTime={isoDate(asOf.at)} data-testid="asof-time">
              {formatDate(asOf.at)}
            </time>
            :{' '}
            {asOf.begins ? (
              <>
                its first collection committed at <time dateTime={isoDate(asOf.begins)}>{formatDate(asOf.begins)}</time>.
              </>
            ) : (
              'nothing has been collected yet.'
            )}{' '}
            Nothing can be said about what existed or was broken then: this is not an all-clear.
          </Text>
          <Group>
            <ButtonLink href={nowHref} size="xs" color="gray" variant="light">
              Show the inventory now
            </ButtonLink>
          </Group>
        </Stack>
      </Alert>
    );
  }
  if (asOf.state === 'invalid') {
    return (
      <Alert
        color="red"
        variant="light"
        icon={<IconAlert size={20} />}
        title="This is not a time keygraph can show"
        data-testid="asof-error"
        maw={820}
      >
        <Stack gap="sm">
          <Text size="sm">
            <Text span fw={600}>
              asOf={asOf.spec}
            </Text>
            : {asOf.error}.
          </Text>
          <Text size="sm" c="dimmed">
            A time is ISO 8601 (UTC unless an offset is given), run:N (the moment run N’s changes took effect), a time
            ago (30m, 24h, 7d, 2w), or today, yesterday (00:00 UTC). The clock in the header lists the recent runs.
          </Text>
          <Group>
            <ButtonLink href={nowHref} size="xs" color="red" variant="light">
              Show the inventory now
            </ButtonLink>
          </Group>
        </Stack>
      </Alert>
    );
  }
  const run = /^run:(\d+)$/i.exec(asOf.spec);
  const r = run ? await getRun(db(), Number(run[1])) : null;
  return (
    <div className="kg-asof-banner" data-testid="asof-banner" role="status" data-asof={isoDate(asOf.at)}>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group gap="sm" wrap="nowrap" align="flex-start" style={{ minWidth: 0 }}>
          <span className="kg-asof-banner-icon">
            <IconClock size={18} />
          </span>
          <Stack gap={0} style={{ minWidth: 0 }}>
            <Text size="sm" fw={600}>
              Viewing the inventory as of{' '}
              <time dateTime={isoDate(asOf.at)} data-testid="asof-time">
                {formatDate(asOf.at)}
              </time>
              {r ? (
                <Text span size="sm" fw={500}>
                  {' '}
                  · after{' '}
                  <AnchorLink href={runHref(r.id)} fw={600} c="orange.9" underline="always">
                    run {r.id}
                  </AnchorLink>{' '}
                  ({r.source}/{r.scope})
                </Text>
              ) : null}
            </Text>
            <Text size="xs" c="orange.9">
              Objects, references and counts as they were then. Links keep this time until you go back to now.
            </Text>
          </Stack>
        </Group>
        <ButtonLink href={nowHref} size="xs" color="orange" variant="filled" data-testid="asof-back-to-now">
          Back to now
        </ButtonLink>
      </Group>
    </div>
  );
}
