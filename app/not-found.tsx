import { Text } from '@mantine/core';
import { ButtonLink } from './_components/links';
import { NotFoundMessage } from './_components/NotFoundMessage';

/** 404 for any unknown URL. */
export default function NotFound() {
  return (
    <NotFoundMessage
      title="Page not found"
      actions={
        <>
          <ButtonLink href="/search">Search the inventory</ButtonLink>
          <ButtonLink href="/" variant="default">
            Overview
          </ButtonLink>
        </>
      }
    >
      <Text c="dimmed">There is no page at this address. Start from the overview, or search the inventory.</Text>
    </NotFoundMessage>
  );
}
