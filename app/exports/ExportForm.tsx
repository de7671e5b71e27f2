'use client';

/**
 * The export chooser: what, format, filters and as-of time; builds the download link of
 * `GET /api/v1/export` and shows the equivalent `keygraph export` command. Plain links: the browser streams the
 * download straight to disk (nothing is buffered in the page).
 */
import { useMemo, useState } from 'react';
import { Button, Code, Group, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { parseLocalDateTime } from '@/lib/time';

export interface WhatChoice {
  value: string;
  label: string;
  description: string;
  filters: string[];
  /** Kind choices (`value`, `label`, `group`), empty when the export has no kind filter. */
  kinds: { value: string; label: string; group: string }[];
}

const FORMATS = [
  { value: 'csv', label: 'CSV' },
  { value: 'excel', label: 'CSV for Excel' },
  { value: 'json', label: 'JSON' },
  { value: 'ndjson', label: 'NDJSON' },
  { value: 'graphml', label: 'GraphML' },
];

const FORMAT_NOTES: Record<string, string> = {
  csv: "Spreadsheets and scripts. Starts with '#' comment lines (generation time, as-of, runs): read with comment '#' (csv-parse, pandas comment='#').",
  excel: 'Opens as is in Excel, LibreOffice and Google Sheets: UTF-8 with a byte order mark, no comment lines; row 1 states when and from which runs, row 2 is the header.',
  json: 'One document: {meta, items}. Keeps the structure of properties.',
  ndjson: 'One JSON object per line; the first line is {"meta": …}. Best for jq and large exports.',
  graphml: 'Opens in Gephi, yEd, Cytoscape and networkx: nodes and edges with their attributes.',
};

/** `2026-11-21T10:15` (browser local time) → ISO 8601 UTC, or undefined (strict: lib/time.ts, never `new Date(text)`). */
function localToIso(v: string): string | undefined {
  return v ? parseLocalDateTime(v)?.toISOString() : undefined;
}

/** A shell-quoted argument (single quotes). */
const sh = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function ExportForm({ whats }: { whats: WhatChoice[] }) {
  const [what, setWhat] = useState(whats[0]!.value);
  const [format, setFormat] = useState('csv');
  const [realm, setRealm] = useState('');
  const [namespace, setNamespace] = useState('');
  const [kind, setKind] = useState<string | null>(null);
  const [asOf, setAsOf] = useState('');
  const choice = whats.find((w) => w.value === what) ?? whats[0]!;
  const has = (f: string) => choice.filters.includes(f);
  const asOfIso = localToIso(asOf);

  const { href, command } = useMemo(() => {
    const q = new URLSearchParams({ what, format });
    const cmd = ['keygraph', 'export', '--what', what, '--format', format];
    if (has('realm') && realm.trim()) {
      q.set('realm', realm.trim());
      cmd.push('--cluster', sh(realm.trim()));
    }
    if (has('namespace') && namespace.trim()) {
      q.set('namespace', namespace.trim());
      cmd.push('--namespace', sh(namespace.trim()));
    }
    if (has('kind') && kind) {
      q.set('kind', kind);
      cmd.push('--kind', sh(kind));
    }
    if (asOfIso) {
      q.set('asOf', asOfIso);
      cmd.push('--as-of', asOfIso);
    }
    return { href: `/api/v1/export?${q}`, command: cmd.join(' ') };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [what, format, realm, namespace, kind, asOfIso, choice]);

  const groups = [...new Set(choice.kinds.map((k) => k.group))].map((g) => ({
    group: g,
    items: choice.kinds.filter((k) => k.group === g).map((k) => ({ value: k.value, label: k.label })),
  }));

  return (
    <Stack gap="md">
      <Stack gap={6}>
        <Text size="sm" fw={500}>
          What
        </Text>
        <SegmentedControl
          value={what}
          onChange={(v) => {
            setWhat(v);
            setKind(null);
          }}
          data={whats.map((w) => ({ value: w.value, label: w.label }))}
          aria-label="What to export"
          data-testid="export-what"
          style={{ alignSelf: 'flex-start' }}
        />
        <Text size="sm" c="dimmed">
          {choice.description}
        </Text>
      </Stack>
      <Stack gap={6}>
        <Text size="sm" fw={500}>
          Format
        </Text>
        <SegmentedControl value={format} onChange={setFormat} data={FORMATS} aria-label="Format" data-testid="export-format" style={{ alignSelf: 'flex-start' }} />
        <Text size="sm" c="dimmed">
          {FORMAT_NOTES[format]}
        </Text>
      </Stack>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput
          label="Cluster or project"
          placeholder="any"
          value={realm}
          onChange={(e) => setRealm(e.currentTarget.value)}
          disabled={!has('realm')}
          style={{ flex: '0 1 220px' }}
          autoComplete="off"
          spellCheck={false}
          data-testid="export-realm"
        />
        <TextInput
          label="Namespace"
          placeholder="any"
          value={namespace}
          onChange={(e) => setNamespace(e.currentTarget.value)}
          disabled={!has('namespace')}
          style={{ flex: '0 1 180px' }}
          autoComplete="off"
          spellCheck={false}
          data-testid="export-namespace"
        />
        <Select
          label="Kind"
          placeholder={has('kind') ? 'All kinds' : 'n/a'}
          data={groups}
          value={kind}
          onChange={setKind}
          disabled={!has('kind')}
          clearable
          searchable
          style={{ flex: '0 1 240px' }}
          comboboxProps={{ withinPortal: true }}
          data-testid="export-kind"
        />
        <TextInput
          type="datetime-local"
          label="As of (your local time)"
          description={asOfIso ? asOfIso : 'empty: the current state'}
          value={asOf}
          onChange={(e) => setAsOf(e.currentTarget.value)}
          style={{ flex: '0 1 240px' }}
          data-testid="export-asof"
        />
      </Group>
      <Group gap="sm" align="center">
        <Button component="a" href={href} download data-testid="export-download">
          Download {FORMATS.find((f) => f.value === format)!.label}
        </Button>
        <Text size="xs" c="dimmed">
          Streamed: large exports start at once and never load whole in the server.
        </Text>
      </Group>
      <Stack gap={4}>
        <Text size="xs" c="dimmed">
          Same export from the command line:
        </Text>
        <Code block data-testid="export-command">
          {command}
        </Code>
      </Stack>
    </Stack>
  );
}
