import { Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A chart with its title and a sentence giving its gist. The chart itself is hidden from screen
 * readers: the sentence carries what it shows, for everyone. Shared by the modules' overviews.
 */
export function ChartCard({
  title,
  summary,
  children,
}: {
  title: string;
  summary: string;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="xs">
        <Title order={3} size="h5">
          {title}
        </Title>
        <Text size="sm" c="dimmed">
          {summary}
        </Text>
        <div aria-hidden>{children}</div>
      </Stack>
    </Paper>
  );
}
