import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { ButtonLink } from './_components/links';

/** 404 for any unknown URL. */
export default function NotFound() {
  return (
    <Stack gap="md" maw={640} py="xl">
      <Text c="indigo" fw={600} size="sm">
        404
      </Text>
      <Title order={1} fz={26}>
        Page not found
      </Title>
      <Text c="dimmed">There is no page at this address. Start from the overview, or search the inventory.</Text>
      <Group>
        <ButtonLink href="/search">
          Search the inventory
        </ButtonLink>
        <ButtonLink href="/" variant="default">
          Overview
        </ButtonLink>
      </Group>
    </Stack>
  );
}
