import { SimpleGrid, ThemeIcon } from '@mantine/core';
import { IconAlertTriangle, IconShieldCheck } from '@tabler/icons-react';
import { Figure, percent } from '../../ui/Figure.js';
import { formatCount } from '../../ui/format.js';
import type { SummaryFigures } from './series.js';

/**
 * How confirmed takeovers were answered: caught (challenged, denied or locked at the event the
 * attacker used) against allowed through. A takeover allowed through is shown with a warning
 * icon and in words, not by colour alone.
 */
function TakeoversAnswered({ takeovers }: { takeovers: SummaryFigures['takeovers'] | undefined }) {
  if (!takeovers) return <Figure testId="figure-caught" label="Takeovers caught" value="—" />;
  const { reported, caught, allowed, unmatched } = takeovers;
  const parts = [
    `${formatCount(allowed)} allowed through`,
    ...(unmatched > 0 ? [`${formatCount(unmatched)} with no assessed event`] : []),
  ];
  return (
    <Figure
      testId="figure-caught"
      label="Takeovers caught"
      value={reported === 0 ? '—' : `${formatCount(caught)} of ${formatCount(reported)}`}
      hint={reported === 0 ? 'No takeover was confirmed in this span.' : `${parts.join(', ')}.`}
      icon={
        reported === 0 ? undefined : allowed > 0 ? (
          <ThemeIcon color="orange" variant="light" size="lg" aria-hidden>
            <IconAlertTriangle size={20} />
          </ThemeIcon>
        ) : (
          <ThemeIcon color="teal" variant="light" size="lg" aria-hidden>
            <IconShieldCheck size={20} />
          </ThemeIcon>
        )
      }
    />
  );
}

/** The figures of the takeover overview; with no data (a failed read) each shows "—", never 0. */
export function Figures({ figures }: { figures: SummaryFigures | undefined }) {
  const locked = figures ? figures.byDecision.deny + figures.byDecision.lock_device : undefined;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, lg: 5 }} spacing="md">
      <Figure
        testId="figure-assessments"
        label="Assessments"
        value={formatCount(figures?.assessments)}
        hint={figures && `${formatCount(figures.byDecision.allow)} allowed`}
      />
      <Figure
        testId="figure-challenged"
        label="Challenged"
        value={
          figures?.challengedShare === null || figures === undefined
            ? '—'
            : percent.format(figures.challengedShare)
        }
        hint={figures && `${formatCount(figures.byDecision.challenge)} assessments`}
      />
      <Figure
        testId="figure-denied"
        label="Denied or locked"
        value={formatCount(locked)}
        hint={
          figures &&
          `${formatCount(figures.byDecision.deny)} denied, ${formatCount(figures.byDecision.lock_device)} devices locked`
        }
      />
      <Figure
        testId="figure-takeovers"
        label="Confirmed takeovers"
        value={formatCount(figures?.takeovers.reported)}
        hint={figures && 'Reported by the platform, by when they happened.'}
      />
      <TakeoversAnswered takeovers={figures?.takeovers} />
    </SimpleGrid>
  );
}
