import { Text } from '@mantine/core';
import { ButtonLink } from '../../_components/links';
import { NotFoundMessage } from '../../_components/NotFoundMessage';

/** 404 for a run number that does not exist. */
export default function RunNotFound() {
  return (
    <NotFoundMessage title="No such run" actions={<ButtonLink href="/runs">All runs</ButtonLink>}>
      <Text c="dimmed">There is no collection run with this number.</Text>
    </NotFoundMessage>
  );
}
