'use client';

import Link from 'next/link';
import { Group, Pagination, Text } from '@mantine/core';
import { searchHref, type SearchParamsIn } from '@/lib/ui/format';
import { withAsOf } from '@/lib/ui/params';

/**
 * Page links for a search result (real links: middle-click, back button and no-JS all work); keeping `asOf`.
 * `capped`: the search stopped counting (lib/store/read.ts SEARCH_CAP); `total` is then a lower bound.
 */
export function Pager({
  base,
  page,
  total,
  capped = false,
  pageSize,
  asOf,
}: {
  base: SearchParamsIn;
  page: number;
  total: number;
  capped?: boolean;
  pageSize: number;
  asOf?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total ? (page - 1) * pageSize + 1 : 0;
  const last = Math.min(total, page * pageSize);
  const href = (p: number) => withAsOf(searchHref({ ...base, page: p }), asOf);
  return (
    <Group justify="space-between" wrap="wrap" gap="sm">
      <Text size="sm" c="dimmed">
        {total ? `Showing ${first}–${last} of ${capped ? `more than ${total.toLocaleString('en-US')}: narrow the search to see the rest` : total.toLocaleString('en-US')}` : 'No results'}
      </Text>
      {pages > 1 ? (
        <Pagination
          total={pages}
          value={Math.min(page, pages)}
          size="sm"
          withEdges
          getItemProps={(p) => ({ component: Link, href: href(p) })}
          getControlProps={(control) => {
            const target =
              control === 'first' ? 1 : control === 'last' ? pages : control === 'next' ? Math.min(pages, page + 1) : Math.max(1, page - 1);
            return { component: Link, href: href(target) };
          }}
        />
      ) : null}
    </Group>
  );
}
