'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState, type FormEvent } from 'react';
import { Button, Checkbox, Group, Select, TextInput } from '@mantine/core';
import { searchHref } from '@/lib/ui/format';
import { AS_OF_PARAM, withAsOf } from '@/lib/ui/params';
import { IconSearch } from '../_components/icons';

export interface FilterValues {
  q: string;
  /** `PROVIDER:KIND` key or '' for all kinds. */
  kindKey: string;
  namespace: string;
  realm: string;
  missing: boolean;
}

/**
 * Search filters. A GET form (works without JavaScript: the page reads `kindKey`); with JavaScript, choosing a kind
 * or ticking "missing only" applies at once. Keeps `asOf` (the time shown) when given.
 */
export function FilterBar({
  initial,
  kinds,
  asOf,
}: {
  initial: FilterValues;
  kinds: { value: string; label: string; group: string }[];
  asOf?: string;
}) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [q, setQ] = useState(initial.q);
  const [kindKey, setKindKey] = useState<string | null>(initial.kindKey || null);
  const [namespace, setNamespace] = useState(initial.namespace);
  const [missing, setMissing] = useState(initial.missing);

  const go = (over: Partial<{ q: string; kindKey: string | null; namespace: string; missing: boolean }> = {}) => {
    const v = { q, kindKey, namespace, missing, ...over };
    const [provider, kind] = v.kindKey ? v.kindKey.split(':') : [undefined, undefined];
    router.push(
      withAsOf(searchHref({ q: v.q.trim(), provider, kind, namespace: v.namespace.trim(), realm: initial.realm, missing: v.missing }), asOf),
    );
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    go();
  };

  const groups = [...new Set(kinds.map((k) => k.group))].map((g) => ({
    group: g,
    items: kinds.filter((k) => k.group === g).map((k) => ({ value: k.value, label: k.label })),
  }));

  return (
    <form ref={formRef} action="/search" method="get" onSubmit={onSubmit} role="search" aria-label="Filter the inventory">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput
          name="q"
          label="Name or id"
          placeholder="e.g. targets-backup-key or k8s:demo/ota/Secret/…"
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          leftSection={<IconSearch size={16} />}
          style={{ flex: '1 1 320px' }}
          autoComplete="off"
          spellCheck={false}
          data-testid="search-q"
        />
        <Select
          name="kindKey"
          label="Kind"
          placeholder="All kinds"
          data={groups}
          value={kindKey}
          onChange={(v) => {
            setKindKey(v);
            go({ kindKey: v });
          }}
          clearable
          searchable
          style={{ flex: '0 1 230px' }}
          comboboxProps={{ withinPortal: true }}
          data-testid="search-kind"
        />
        <TextInput
          name="namespace"
          label="Namespace"
          placeholder="any"
          value={namespace}
          onChange={(e) => setNamespace(e.currentTarget.value)}
          style={{ flex: '0 1 170px' }}
          autoComplete="off"
          spellCheck={false}
        />
        {initial.realm ? <input type="hidden" name="realm" value={initial.realm} /> : null}
        {asOf ? <input type="hidden" name={AS_OF_PARAM} value={asOf} /> : null}
        <Checkbox
          name="missing"
          value="1"
          label="Missing only"
          checked={missing}
          onChange={(e) => {
            const m = e.currentTarget.checked;
            setMissing(m);
            go({ missing: m });
          }}
          mb={8}
        />
        <Button type="submit">Search</Button>
      </Group>
    </form>
  );
}
