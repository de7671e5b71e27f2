import { Card, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { IconInbox } from './icons';

/** A friendly "nothing here" panel with an optional explanation and actions. */
export function EmptyState({ title, children, icon }: { title: string; children?: ReactNode; icon?: ReactNode }) {
  return (
    <Card withBorder padding="xl" radius="md" data-testid="empty-state">
      <Stack align="center" gap="sm" py="md" style={{ textAlign: 'center' }}>
        <ThemeIcon size={48} radius="xl" variant="light" color="gray">
          {icon ?? <IconInbox size={24} />}
        </ThemeIcon>
        <Title order={3} fz="lg">
          {title}
        </Title>
        {children ? (
          <Text c="dimmed" size="sm" maw={560} component="div">
            {children}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}
