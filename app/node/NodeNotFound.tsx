import { Alert, Code, Stack, Text } from '@mantine/core';
import { searchHref } from '@/lib/ui/format';
import { idForms } from '@/lib/graph/ids';
import { IconAlert } from '../_components/icons';
import { ButtonLink } from '../_components/links';
import { NotFoundMessage } from '../_components/NotFoundMessage';
import { DisplayName } from '../_components/NodeLink';

/** Shown for an unknown or malformed node id. */
export function NodeNotFound({ id, malformed }: { id?: string; malformed?: boolean }) {
  return (
    <NotFoundMessage
      status={malformed ? 'Invalid id' : '404'}
      title={malformed ? 'This is not a keygraph node id' : 'No such node'}
      wide
      testId="node-not-found"
      actions={
        <>
          <ButtonLink href={id ? searchHref({ q: id.split('/').pop() ?? id }) : '/search'}>
            {id ? 'Search by name' : 'Search the inventory'}
          </ButtonLink>
          <ButtonLink href="/" variant="default">
            Overview
          </ButtonLink>
        </>
      }
    >
      {id ? (
        <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
          <DisplayName text={id} />
        </Code>
      ) : null}
      <Alert variant="light" color={malformed ? 'orange' : 'gray'} icon={<IconAlert size={18} />}>
        <Text size="sm">
          {malformed
            ? 'Node ids have one of these forms:'
            : 'No collection has reported an object with this id, not even as a reference. Check the spelling, or search by name. Ids have these forms:'}
        </Text>
        <Stack gap={2} mt={6}>
          {idForms().map((f) => (
            <Code key={f}>{f}</Code>
          ))}
        </Stack>
      </Alert>
    </NotFoundMessage>
  );
}
