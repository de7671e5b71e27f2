import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { ButtonLink } from '../../_components/links';

export default function RunNotFound() {
  return (
    <Stack gap="md" maw={640} py="xl">
      <Text c="indigo" fw={600} size="sm">
        404
      </Text>
      <Title order={1} fz={26}>
        No such run
      </Title>
      <Text c="dimmed">There is no collection run with this number.</Text>
      <Group>
        <ButtonLink href="/runs">
          All runs
        </ButtonLink>
      </Group>
    </Stack>
  );
}
