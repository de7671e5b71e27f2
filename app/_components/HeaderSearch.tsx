import { Suspense } from 'react';
import { TextInput } from '@mantine/core';
import { IconSearch } from './icons';
import { AsOfField } from './AsOfPicker';

/** The global search box: a plain GET form to /search, works without JavaScript; keeps the time being viewed. */
export function HeaderSearch() {
  return (
    <form action="/search" method="get" role="search" style={{ width: '100%' }}>
      <TextInput
        name="q"
        aria-label="Search the inventory"
        placeholder="Search by name, or paste a node id"
        leftSection={<IconSearch size={16} />}
        radius="md"
        size="sm"
        autoComplete="off"
        spellCheck={false}
      />
      <Suspense fallback={null}>
        <AsOfField />
      </Suspense>
    </form>
  );
}
