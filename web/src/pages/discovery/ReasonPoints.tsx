import { Box, Code, Group, Stack, Text, VisuallyHidden } from '@mantine/core';
import { formatPoints } from './labels.js';
import type { DiscoveryReason } from './types.js';

/** Reasons with the most points first; those without points (notes, such as bad entries) last. */
export function byPoints(reasons: readonly DiscoveryReason[]): DiscoveryReason[] {
  return [...reasons].sort(
    (a, b) => (b.contribution ?? -1) - (a.contribution ?? -1) || a.code.localeCompare(b.code),
  );
}

/**
 * Every reason of a decision: its points as a number and a bar (the share of the largest), its
 * sentence and code. Reasons without points are notes (bad entries, repeats, the quota): they are
 * listed with "no points". The bars are drawn for the eye only; the numbers carry the same thing.
 */
export function ReasonPoints({ reasons }: { reasons: readonly DiscoveryReason[] }) {
  if (reasons.length === 0) return <Text size="sm">No reason: nothing about this check stood out.</Text>;
  const sorted = byPoints(reasons);
  const widest = Math.max(...sorted.map((r) => r.contribution ?? 0), Number.EPSILON);
  return (
    <Box
      component="ul"
      m={0}
      p={0}
      display="flex"
      style={{ flexDirection: 'column', gap: 'var(--mantine-spacing-sm)', listStyle: 'none' }}
      aria-label="Reasons, most points first"
    >
      {sorted.map((reason) => {
        const points = reason.contribution;
        return (
          <Box component="li" key={reason.code} display="block" data-code={reason.code}>
            <Group gap="sm" wrap="nowrap" align="center">
              <Text w={88} size="sm" fw={600} ff="monospace">
                {points === undefined ? (
                  'no points'
                ) : (
                  <>
                    <VisuallyHidden>Added</VisuallyHidden>+{formatPoints(points)}
                    <VisuallyHidden> points</VisuallyHidden>
                  </>
                )}
              </Text>
              <Box flex={1} h={12} aria-hidden>
                {points !== undefined && points > 0 && (
                  <Box w={`${Math.max(2, (points / widest) * 100)}%`} h="100%" bg="red.7" />
                )}
              </Box>
            </Group>
            <Stack gap={0} pl={88 + 12}>
              <Text size="sm">{reason.message}</Text>
              <Text size="xs" c="dimmed">
                Code <Code>{reason.code}</Code>
              </Text>
            </Stack>
          </Box>
        );
      })}
    </Box>
  );
}
