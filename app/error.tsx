'use client';

import Link from 'next/link';
import { Alert, Anchor, Button, Code, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { IconAlert } from './_components/icons';

/** Error boundary for every page: a readable message and a way forward. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <Stack gap="lg" maw={720}>
      <Title order={1} fz={26}>
        Something went wrong
      </Title>
      <Alert color="red" variant="light" icon={<IconAlert size={18} />} title="This page could not be loaded">
        <Text size="sm">
          keygraph could not read the inventory. The most common cause is that the database is not reachable: check that
          keygraph was started with <Code>keygraph serve</Code> (or <Code>keygraph demo</Code>), or that{' '}
          <Code>DATABASE_URL</Code> points at a running PostgreSQL.
        </Text>
        {error.digest ? (
          <Text size="xs" c="dimmed" mt="xs">
            Reference: <Code>{error.digest}</Code> (search the server log for it)
          </Text>
        ) : null}
      </Alert>
      <Group>
        <Button onClick={() => reset()}>Try again</Button>
        <Anchor component={Link} href="/">
          Back to the overview
        </Anchor>
      </Group>
    </Stack>
  );
}
