import { Text } from '@mantine/core';
import { PageHeader } from '../../ui/PageHeader.js';

export function HomePage() {
  return (
    <>
      <PageHeader
        title="Overview"
        description="The figures that say whether user data is protected right now."
      />
      <Text c="dimmed">The overview's figures arrive with the summary endpoint.</Text>
    </>
  );
}
