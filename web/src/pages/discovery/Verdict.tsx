import { Badge } from '@mantine/core';
import { verdictTone } from './labels.js';

/** A decision as a badge: word, icon and colour, the word in the theme's text colour for contrast. */
export function DiscoveryVerdictBadge({ decision, size = 'md' }: { decision: string; size?: 'sm' | 'md' }) {
  const tone = verdictTone(decision);
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
