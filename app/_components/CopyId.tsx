'use client';

import { ActionIcon, Code, CopyButton, Group, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from './icons';

/** A node id (or, with `testId`, another copyable text such as a command) in a code block with a copy-to-clipboard button. */
export function CopyId({ value, label = 'Copy id', testId = 'node-id' }: { value: string; label?: string; testId?: string }) {
  return (
    <Group gap={6} wrap="nowrap" align="center">
      <Code className="kg-mono" style={{ fontSize: 13, padding: '4px 8px' }} data-testid={testId}>
        {value}
      </Code>
      <CopyButton value={value} timeout={1500}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : label} withArrow position="right">
            <ActionIcon
              variant="subtle"
              color={copied ? 'teal' : 'gray'}
              onClick={copy}
              aria-label={label}
              size="md"
            >
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}
