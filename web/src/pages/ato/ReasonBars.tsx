import { Box, Code, Group, Stack, Text, VisuallyHidden } from '@mantine/core';
import { formatContribution } from './labels.js';
import { byContribution } from './timeline.js';
import type { AtoReason } from './types.js';

/** One side of a signed bar: the share of the widest contribution, drawn from the centre line. */
function Half({ share, side, color }: { share: number; side: 'left' | 'right'; color: string }) {
  return (
    <Box
      flex={1}
      h="100%"
      display="flex"
      style={{ justifyContent: side === 'left' ? 'flex-end' : 'flex-start' }}
    >
      {share > 0 && <Box w={`${Math.max(2, share * 100)}%`} h="100%" bg={color} />}
    </Box>
  );
}

/**
 * Each reason of an assessment with its contribution to the score as a signed horizontal bar:
 * to the right (red) when it raised the risk, to the left (teal) when it lowered it, sorted from
 * the reason that raised it most. The number and its sign are printed beside the bar, so nothing
 * depends on colour; the bars themselves are hidden from screen readers.
 */
export function ReasonBars({ reasons }: { reasons: AtoReason[] }) {
  if (reasons.length === 0) return <Text size="sm">No reason: nothing about this event stood out.</Text>;
  const sorted = byContribution(reasons);
  const widest = Math.max(...sorted.map((r) => Math.abs(r.contribution)), Number.EPSILON);
  return (
    <Stack gap="xs">
      <Group gap={0} wrap="nowrap" aria-hidden>
        <Box w={64} />
        <Text flex={1} size="xs" c="dimmed" ta="right" pr="xs">
          ← lowers the risk
        </Text>
        <Text flex={1} size="xs" c="dimmed" pl="xs">
          raises the risk →
        </Text>
      </Group>
      <Box
        component="ul"
        m={0}
        p={0}
        display="flex"
        style={{ flexDirection: 'column', gap: 'var(--mantine-spacing-sm)', listStyle: 'none' }}
        aria-label="Reasons, from most to least risky"
      >
        {sorted.map((reason) => {
          const share = Math.abs(reason.contribution) / widest;
          return (
            <Box component="li" key={reason.code} display="block" data-code={reason.code}>
              <Group gap={0} wrap="nowrap" align="center">
                <Text w={64} size="sm" fw={600} ff="monospace">
                  <VisuallyHidden>
                    {reason.contribution > 0
                      ? 'Raised the risk by'
                      : reason.contribution < 0
                        ? 'Lowered the risk by'
                        : 'Changed the risk by'}
                  </VisuallyHidden>
                  {formatContribution(reason.contribution)}
                </Text>
                <Group flex={1} gap={0} wrap="nowrap" h={12} aria-hidden>
                  <Half side="left" share={reason.contribution < 0 ? share : 0} color="teal.7" />
                  <Box w={2} h={18} bg="gray.6" />
                  <Half side="right" share={reason.contribution > 0 ? share : 0} color="red.7" />
                </Group>
              </Group>
              <Box pl={64}>
                <Text size="sm">{reason.message}</Text>
                <Text size="xs" c="dimmed">
                  Code <Code>{reason.code}</Code>
                </Text>
              </Box>
            </Box>
          );
        })}
      </Box>
    </Stack>
  );
}
