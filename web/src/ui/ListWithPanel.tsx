import { CloseButton, Grid, Group, Paper, ScrollArea, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A list with the selected record beside it (below it on a phone). The record's id is in the URL
 * (`?selected=`), so the panel survives a reload and can be linked; no modal forms.
 */
export function ListWithPanel({
  list,
  panel,
  panelTitle,
  onClose,
}: {
  list: ReactNode;
  panel?: ReactNode;
  panelTitle?: string;
  onClose?: () => void;
}) {
  if (!panel) return <>{list}</>;
  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, lg: 7 }} order={{ base: 2, lg: 1 }}>
        {list}
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 5 }} order={{ base: 1, lg: 2 }}>
        <Paper withBorder p="md" radius="md" component="section" aria-label={panelTitle ?? 'Details'}>
          <Group justify="space-between" mb="sm" wrap="nowrap">
            <Title order={2} size="h4">
              {panelTitle ?? 'Details'}
            </Title>
            {onClose && <CloseButton onClick={onClose} aria-label="Close details (Esc)" />}
          </Group>
          {/* Focusable, so a panel of plain text that scrolls can be scrolled from the keyboard. */}
          <ScrollArea.Autosize mah="75vh" viewportProps={{ tabIndex: 0 }}>
            {panel}
          </ScrollArea.Autosize>
        </Paper>
      </Grid.Col>
    </Grid>
  );
}
