import { Group, Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** One headline figure of an overview: a label, a big value ("—" when unknown) and a hint below. */
export function Figure({
  label,
  value,
  hint,
  icon,
  testId,
}: {
  label: string;
  value: string;
  hint?: ReactNode;
  icon?: ReactNode;
  testId: string;
}) {
  return (
    <Paper withBorder p="md" radius="md" data-testid={testId}>
      <Group gap="sm" wrap="nowrap" align="flex-start">
        {icon}
        <Stack gap={4}>
          <Text size="sm" c="dimmed" fw={500}>
            {label}
          </Text>
          <Text fz={28} fw={700} lh={1.1}>
            {value}
          </Text>
          {hint && (
            <Text size="xs" c="dimmed">
              {hint}
            </Text>
          )}
        </Stack>
      </Group>
    </Paper>
  );
}

/** Shares as "12.5%". */
export const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
