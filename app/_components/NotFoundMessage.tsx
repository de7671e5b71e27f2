import { Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * The body of a "not found" page: a small status line (`404`), the title, what follows (`children`) and a row of
 * actions (button links).
 */
export function NotFoundMessage({
  status = '404',
  title,
  children,
  actions,
  wide = false,
  testId,
}: {
  status?: string;
  title: string;
  children: ReactNode;
  actions: ReactNode;
  /** Wider and with less padding, for content below the title (the node page). */
  wide?: boolean;
  testId?: string;
}) {
  return (
    <Stack gap="md" maw={wide ? 760 : 640} py={wide ? 'md' : 'xl'} data-testid={testId}>
      <Text c="indigo" fw={600} size="sm">
        {status}
      </Text>
      <Title order={1} fz={26}>
        {title}
      </Title>
      {children}
      <Group>{actions}</Group>
    </Stack>
  );
}
