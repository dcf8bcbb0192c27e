import { Badge, Code, Group, List, Stack, Text } from '@mantine/core';
import {
  type Icon,
  IconBan,
  IconCircleCheck,
  IconCircleX,
  IconClockHour4,
  IconHourglassOff,
} from '@tabler/icons-react';
import type { AccessRequest, RequestPreview } from './types.js';

type Tone = { label: string; color: string; icon: Icon };

/** Each verdict and request status in a word, an icon and a colour, never colour alone. */
const tones: Record<string, Tone> = {
  auto_approved: { label: 'Auto-approved', color: 'green', icon: IconCircleCheck },
  needs_approval: { label: 'Needs approval', color: 'yellow', icon: IconClockHour4 },
  refused: { label: 'Would be refused', color: 'red', icon: IconCircleX },
  pending: { label: 'Pending', color: 'yellow', icon: IconClockHour4 },
  approved: { label: 'Approved', color: 'green', icon: IconCircleCheck },
  rejected: { label: 'Denied', color: 'red', icon: IconCircleX },
  cancelled: { label: 'Cancelled', color: 'gray', icon: IconBan },
  expired: { label: 'Expired', color: 'gray', icon: IconHourglassOff },
  active: { label: 'Active', color: 'green', icon: IconCircleCheck },
  revoked: { label: 'Revoked', color: 'red', icon: IconCircleX },
  ended: { label: 'Ended', color: 'gray', icon: IconHourglassOff },
};

export function Verdict({ verdict, size = 'md' }: { verdict: string; size?: 'sm' | 'md' }) {
  const tone = tones[verdict] ?? { label: verdict, color: 'gray', icon: IconClockHour4 };
  return (
    <Badge
      color={tone.color}
      variant="light"
      size={size === 'sm' ? 'sm' : 'lg'}
      leftSection={<tone.icon size={size === 'sm' ? 12 : 16} aria-hidden />}
      styles={{ label: { color: 'var(--mantine-color-text)' } }}
    >
      {tone.label}
    </Badge>
  );
}

/** "2 approvals: one from security (analyst role), one from the requester's management chain." */
export function requirementSentence(
  requirement: NonNullable<RequestPreview['requirement']>,
  whose: 'your' | "the requester's",
): string {
  const count = (n: number, what: string) => (n === 1 ? `one ${what}` : `${n} ${what}`);
  const from: string[] = [];
  if (requirement.securityApprovals > 0)
    from.push(`${count(requirement.securityApprovals, 'from security (analyst role)')}`);
  if (requirement.managementApprovals > 0)
    from.push(`${count(requirement.managementApprovals, `from ${whose} management chain`)}`);
  const total = requirement.approvals === 1 ? '1 approval' : `${requirement.approvals} approvals`;
  return from.length ? `Needs ${total}: ${from.join(', ')}.` : `Needs ${total} from an approver or analyst.`;
}

/** Each reason with its sentence, its code and the Cedar policy that decided it. */
export function Reasons({
  reasons,
}: {
  reasons: { code: string; message: string; policy?: string | null }[];
}) {
  if (reasons.length === 0) return null;
  return (
    <List spacing="xs" size="sm" listStyleType="none" aria-label="Reasons">
      {reasons.map((reason) => (
        <List.Item key={`${reason.code}-${reason.message}`}>
          <Text size="sm">{reason.message}</Text>
          <Group gap={6}>
            <Text size="xs" c="dimmed">
              Code <Code>{reason.code}</Code>
            </Text>
            {reason.policy && (
              <Text size="xs" c="dimmed">
                · Cedar policy <Code>{reason.policy}</Code>
              </Text>
            )}
          </Group>
        </List.Item>
      ))}
    </List>
  );
}

/** A request's latest policy decision: what granted it, or what it still waits for. */
export function RequestDecision({ request }: { request: AccessRequest }) {
  const { decision } = request;
  const reasons = decision.policies.map((p) => ({
    code: `policy.${p.id}`,
    message: p.reason,
    policy: p.id,
  }));
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Verdict verdict={request.status} />
        {request.status === 'pending' && decision.policies.length === 0 && (
          <Text size="sm">Waits for one approval from an approver or analyst.</Text>
        )}
      </Group>
      <Reasons reasons={reasons} />
    </Stack>
  );
}

/** The policy's answer to a request not yet made, shown live as the form changes. */
export function PreviewAnswer({ preview }: { preview: RequestPreview }) {
  return (
    <Stack gap="xs">
      <Verdict verdict={preview.verdict} />
      <Text size="sm" fw={500}>
        {preview.verdict === 'auto_approved'
          ? 'Auto-approved: the grant is issued as soon as you submit.'
          : preview.requirement
            ? requirementSentence(preview.requirement, 'your')
            : 'Submitting this request would be refused.'}
      </Text>
      {preview.tier !== null && (
        <Text size="xs" c="dimmed">
          Sensitivity tier {preview.tier}
          {preview.protectedSubjects ? ' · includes a protected subject' : ''}
        </Text>
      )}
      <Reasons reasons={preview.reasons} />
      {preview.requirement && preview.requirement.grantedBy.length > 0 && (
        <Text size="xs" c="dimmed">
          Then granted by {preview.requirement.grantedBy.map((p) => p.id).join(', ')}.
        </Text>
      )}
    </Stack>
  );
}
