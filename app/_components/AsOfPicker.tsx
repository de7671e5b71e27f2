'use client';

/**
 * The header's time control: shows whether the inventory is viewed now or as of a past time (then prominently, in
 * orange, with a one-click way back), and a popover to pick a past time: the recent runs, or a typed ISO 8601 time
 * or `run:N`. Choosing keeps the current page (pages that do not read the graph, like runs and diffs, go to the
 * overview). Also {@link AsOfField}: the hidden `asOf` input of GET forms in the header.
 */
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import {
  ActionIcon,
  Button,
  Divider,
  Group,
  Loader,
  Popover,
  PopoverDropdown,
  PopoverTarget,
  Stack,
  Text,
  TextInput,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { AS_OF_PARAM, withAsOf, withoutAsOf } from '@/lib/ui/params';
import { parseTimeSpec } from '@/lib/time';
import { pickerRuns, type PickerRun } from './AsOfActions';
import { IconClock } from './icons';

const SHORT = new Intl.DateTimeFormat('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC' });

/** `21 Nov 23:12` (UTC). */
function shortTime(iso: string): string {
  const p = Object.fromEntries(SHORT.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.day} ${p.month} ${p.hour}:${p.minute}`;
}

/**
 * How the header names a time spec: `run 2`, an ISO time shortened (`2024-10-07 10:00 UTC`), a relative time as typed
 * (`24h`); anything else (the page says why it is not a time) as typed, cut. Strict: lib/time.ts, never `new Date`.
 */
function asOfLabel(spec: string): string {
  const cut = spec.length > 24 ? `${spec.slice(0, 24)}…` : spec;
  try {
    const p = parseTimeSpec(spec);
    if (p.kind === 'run') return `run ${p.runId}`;
    if (p.form !== 'iso') return cut;
    const iso = p.at.toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  } catch {
    return cut;
  }
}

/**
 * A typed spec as the link keeps it: a relative time (`24h`, `yesterday`) becomes the ISO time it means now, so the
 * page and its links stay at that moment; anything else is kept as typed (the page explains an invalid one).
 */
function pinned(v: string): string {
  try {
    const p = parseTimeSpec(v);
    return p.kind === 'time' && p.form === 'relative' ? p.at.toISOString() : v;
  } catch {
    return v;
  }
}

/** Pages that show the graph at a time; elsewhere, picking a time goes to the overview. */
function readsGraph(pathname: string): boolean {
  return !(pathname.startsWith('/runs') || pathname.startsWith('/diff'));
}

export function AsOfPicker() {
  const pathname = usePathname() ?? '/';
  const sp = useSearchParams();
  const router = useRouter();
  const spec = sp?.get(AS_OF_PARAM)?.trim() || undefined;
  const [opened, setOpened] = useState(false);
  const [runs, setRuns] = useState<PickerRun[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [typed, setTyped] = useState(spec ?? '');

  useEffect(() => setTyped(spec ?? ''), [spec]);
  useEffect(() => {
    if (!opened) return;
    let live = true;
    pickerRuns()
      .then((r) => live && (setRuns(r), setFailed(false)))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [opened]);

  const here = `${pathname}${sp && sp.toString() ? `?${sp.toString()}` : ''}`;
  const base = readsGraph(pathname) ? withoutAsOf(here) : '/';
  const hrefAt = (s: string) => withAsOf(base, s);
  const nowHref = readsGraph(pathname) ? withoutAsOf(here) : pathname;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const v = typed.trim();
    setOpened(false);
    router.push(v ? hrefAt(pinned(v)) : nowHref);
  };

  return (
    <Group gap={4} wrap="nowrap">
      <Popover opened={opened} onChange={setOpened} position="bottom-end" width={340} shadow="md" withArrow trapFocus>
        <PopoverTarget>
          <Button
            onClick={() => setOpened((o) => !o)}
            size="xs"
            radius="md"
            variant={spec ? 'filled' : 'default'}
            color={spec ? 'orange' : undefined}
            leftSection={<IconClock size={15} />}
            aria-label={spec ? `Viewing as of ${asOfLabel(spec)}: change the time` : 'View the inventory as of a past time'}
            data-testid="asof-picker"
            style={{ flexShrink: 0 }}
          >
            {spec ? `As of ${asOfLabel(spec)}` : 'Now'}
          </Button>
        </PopoverTarget>
        <PopoverDropdown p="sm">
          <Stack gap="xs" data-testid="asof-dropdown">
            <Text size="sm" fw={600}>
              View the inventory as of…
            </Text>
            <UnstyledButton
              component={Link}
              href={nowHref}
              onClick={() => setOpened(false)}
              className="kg-asof-option"
              data-active={!spec || undefined}
            >
              <Text size="sm" fw={500}>
                Now
              </Text>
              <Text size="xs" c="dimmed">
                the current state
              </Text>
            </UnstyledButton>
            <Divider label="After a run" labelPosition="left" />
            {runs === null ? (
              failed ? (
                <Text size="xs" c="red">
                  Could not list the runs; type a time below.
                </Text>
              ) : (
                <Group gap={6}>
                  <Loader size="xs" />
                  <Text size="xs" c="dimmed">
                    Loading runs…
                  </Text>
                </Group>
              )
            ) : runs.length ? (
              <Stack gap={2} mah={260} style={{ overflowY: 'auto' }}>
                {runs.map((r) => (
                  <UnstyledButton
                    key={r.id}
                    component={Link}
                    href={hrefAt(`run:${r.id}`)}
                    onClick={() => setOpened(false)}
                    className="kg-asof-option"
                    data-active={spec === `run:${r.id}` || undefined}
                    data-testid={`asof-run-${r.id}`}
                  >
                    <Text size="sm" fw={500}>
                      run {r.id} · {r.source}/{r.scope} · {shortTime(r.committedAt)}
                    </Text>
                  </UnstyledButton>
                ))}
              </Stack>
            ) : (
              <Text size="xs" c="dimmed">
                No run has been committed yet.
              </Text>
            )}
            <Divider label="Or a time" labelPosition="left" />
            <form onSubmit={onSubmit} action={base} method="get">
              <Group gap={6} wrap="nowrap" align="flex-start">
                <TextInput
                  name={AS_OF_PARAM}
                  value={typed}
                  onChange={(e) => setTyped(e.currentTarget.value)}
                  placeholder="2024-10-07T10:00:00Z, run:1, 24h"
                  aria-label="Time (ISO 8601, UTC), run:N, or a time ago (24h, 7d)"
                  size="xs"
                  style={{ flex: 1 }}
                  autoComplete="off"
                  spellCheck={false}
                  data-testid="asof-input"
                />
                <Button type="submit" size="xs">
                  View
                </Button>
              </Group>
              <Text size="xs" c="dimmed" mt={4}>
                ISO 8601 (UTC unless an offset is given), run:N, 30m, 24h, 7d, 2w, today, yesterday.
              </Text>
            </form>
          </Stack>
        </PopoverDropdown>
      </Popover>
      {spec ? (
        <Tooltip label="Back to now" withArrow>
          <ActionIcon
            component={Link}
            href={nowHref}
            variant="light"
            color="orange"
            size="md"
            radius="md"
            aria-label="Back to now"
            data-testid="asof-clear"
          >
            <span aria-hidden style={{ fontSize: 16, lineHeight: 1 }}>
              ×
            </span>
          </ActionIcon>
        </Tooltip>
      ) : null}
    </Group>
  );
}

/** The hidden `asOf` input of a GET form (the header search), so submitting keeps the time being viewed. */
export function AsOfField() {
  const spec = useSearchParams()?.get(AS_OF_PARAM)?.trim();
  return spec ? <input type="hidden" name={AS_OF_PARAM} value={spec} /> : null;
}
