/**
 * The 403 page: the proxy rewrites a request for an admin-only page by a signed-in viewer to this page, with
 * status 403. Visiting it directly shows the same message.
 */
import type { Metadata } from 'next';
import { Alert, Button, Stack, Text, Title } from '@mantine/core';
import { IconAlert } from '../../_components/icons';

export const metadata: Metadata = { title: 'Not allowed' };
export const dynamic = 'force-dynamic';

export default function ForbiddenPage() {
  return (
    <Stack maw={560} gap="lg" data-testid="forbidden">
      <Title order={1} fz={26}>
        Not allowed
      </Title>
      <Alert color="red" variant="light" icon={<IconAlert size={18} />} title="This page needs the admin role">
        <Text size="sm">Your account can browse the inventory, check impact and export, but not manage API tokens or trigger collections.</Text>
      </Alert>
      <Button component="a" href="/" w="fit-content" variant="light">
        Go to the overview
      </Button>
    </Stack>
  );
}
