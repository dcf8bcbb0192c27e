import { Group, Paper, SimpleGrid, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconAlertTriangle, IconShieldCheck } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { formatCount, formatDuration } from '../../ui/format.js';
import type { Overview } from './overview.js';

function Figure({
  label,
  value,
  hint,
  testId,
}: {
  label: string;
  value: string;
  hint?: ReactNode;
  testId: string;
}) {
  return (
    <Paper withBorder p="md" radius="md" data-testid={testId}>
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
    </Paper>
  );
}

/**
 * Standing access comes first: a calm 0 is the normal state; anything else is shown loudly, in
 * red with an icon and words, since it means grants were written around Custos.
 */
function StandingAccess({ count }: { count: number | undefined }) {
  if (count === undefined) {
    return (
      <Figure
        testId="figure-standing"
        label="People with standing access"
        value="—"
        hint="Could not be read."
      />
    );
  }
  if (count === 0) {
    return (
      <Paper withBorder p="md" radius="md" data-testid="figure-standing" data-state="calm">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <ThemeIcon color="teal" variant="light" size="lg" aria-hidden>
            <IconShieldCheck size={20} />
          </ThemeIcon>
          <Stack gap={4}>
            <Text size="sm" c="dimmed" fw={500}>
              People with standing access
            </Text>
            <Text fz={28} fw={700} lh={1.1}>
              0
            </Text>
            <Text size="xs" c="dimmed">
              Every grant in force has an approval or break-glass trail.
            </Text>
          </Stack>
        </Group>
      </Paper>
    );
  }
  return (
    <Paper
      p="md"
      radius="md"
      bg="red.8"
      c="white"
      role="alert"
      data-testid="figure-standing"
      data-state="loud"
    >
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <IconAlertTriangle size={28} aria-hidden />
        <Stack gap={4}>
          <Text size="sm" fw={700}>
            People with standing access
          </Text>
          <Text fz={32} fw={800} lh={1.1}>
            {formatCount(count)}
          </Text>
          <Text size="sm">
            {count === 1 ? 'One person holds' : `${formatCount(count)} people hold`} a grant that no approved
            request or break-glass explains. It was written around Custos: investigate and revoke it.
          </Text>
        </Stack>
      </Group>
    </Paper>
  );
}

/** The figures of the overview; with no data (a failed read) every figure shows "—", never 0. */
export function Figures({ data }: { data: Overview | undefined }) {
  const access = data?.access;
  const ledger = data?.ledger;
  const grants = access ? access.activeGrants.approval + access.activeGrants.breakGlass : undefined;
  const age = (seconds: number | null | undefined, none: string) =>
    seconds === null ? none : seconds === undefined ? '—' : `${formatDuration(seconds)} ago`;
  return (
    <Stack gap="md">
      <StandingAccess count={access?.standingAccessActors} />
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="md">
        <Figure
          testId="figure-grants"
          label="Grants in force"
          value={formatCount(grants)}
          hint={access && `${formatCount(access.activeGrants.breakGlass)} by break-glass`}
        />
        <Figure
          testId="figure-pending"
          label="Requests awaiting approval"
          value={formatCount(access?.pendingRequests)}
        />
        <Figure
          testId="figure-breakglass"
          label="Break-glass uses awaiting review"
          value={formatCount(access?.breakGlassUnreviewed)}
        />
        <Figure
          testId="figure-ledger"
          label="Ledger entries"
          value={formatCount(ledger?.size)}
          hint={ledger && `${formatCount(ledger.integrated)} in the latest checkpoint`}
        />
        <Figure
          testId="figure-checkpoint"
          label="Last checkpoint"
          value={age(ledger?.checkpointAgeSeconds, 'Not since start')}
          hint={
            ledger?.publicationStale ? 'Stale: entries are waiting too long for a checkpoint.' : undefined
          }
        />
        <Figure
          testId="figure-cosignature"
          label="Last witness cosignature"
          value={age(ledger?.cosignatureAgeSeconds, 'No witnesses')}
        />
      </SimpleGrid>
    </Stack>
  );
}
