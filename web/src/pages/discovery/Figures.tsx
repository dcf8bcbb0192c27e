import { SimpleGrid, ThemeIcon } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { Figure, percent } from '../../ui/Figure.js';
import { formatCount } from '../../ui/format.js';
import type { DiscoveryFigures } from './summary.js';

/** The figures of the discovery overview; with no data (a failed read) each shows "—", never 0. */
export function Figures({ figures }: { figures: DiscoveryFigures | undefined }) {
  const by = figures?.byDecision;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, lg: 3 }} spacing="md">
      <Figure
        testId="figure-checks"
        label="Checks"
        value={formatCount(figures?.checks)}
        hint={by && `${formatCount(by.allow)} allowed in full`}
      />
      <Figure
        testId="figure-not-allowed"
        label="Not allowed"
        value={
          figures === undefined || figures.notAllowedShare === null
            ? '—'
            : percent.format(figures.notAllowedShare)
        }
        hint={
          by &&
          `${formatCount(by.partial)} partly answered, ${formatCount(by.shadow)} shadowed, ${formatCount(
            by.throttle,
          )} throttled, ${formatCount(by.block)} blocked`
        }
      />
      <Figure
        testId="figure-fleets"
        label="Flagged fleets"
        value={formatCount(figures?.fleets)}
        hint={figures && 'Found by this node at its last look, whatever the span.'}
        icon={
          figures && figures.fleets > 0 ? (
            <ThemeIcon color="orange" variant="light" size="lg" aria-hidden>
              <IconAlertTriangle size={20} />
            </ThemeIcon>
          ) : undefined
        }
      />
    </SimpleGrid>
  );
}
