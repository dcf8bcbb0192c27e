import { Button, Group, Select, SimpleGrid, TextInput } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import { verdictTone } from './labels.js';
import { type DecisionSearch, verdicts } from './types.js';

export type Filters = Omit<DecisionSearch, 'cursor' | 'limit'>;

type Span = '1h' | '24h' | '7d' | '30d' | 'any' | 'custom';
const spans: { value: Span; label: string; ms?: number }[] = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: 'any', label: 'Any time' },
  { value: 'custom', label: 'Between two times' },
];

/** A number as people type it (`+44 7700 900123`, `(0)`…) in the E.164 form Custos stores. */
export function compactPhone(text: string): string {
  return text.replace(/[\s().-]/g, '');
}

/** A `datetime-local` value (the reader's own time zone) as epoch milliseconds, or undefined. */
function localTime(value: string): number | undefined {
  if (value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The decisions search: account, number, address, decision and time. What is typed stays in the
 * page and goes to the server in a POST body, never into the address bar or its history.
 */
export function DecisionSearchForm({
  onSearch,
  busy,
}: {
  onSearch: (filters: Filters) => void;
  busy: boolean;
}) {
  const [account, setAccount] = useState('');
  const [phone, setPhone] = useState('');
  const [ip, setIp] = useState('');
  const [decision, setDecision] = useState<string | null>(null);
  const [span, setSpan] = useState<Span>('any');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const first = useRef<HTMLInputElement>(null);
  // `/` puts the cursor in the search, as on GitHub.
  useHotkeys([['/', () => first.current?.focus()]]);

  const submit = () => {
    const now = Date.now();
    const chosen = spans.find((s) => s.value === span);
    const filters: Filters = {};
    if (account.trim()) filters.account = account.trim();
    if (phone.trim()) filters.phone = compactPhone(phone.trim());
    if (ip.trim()) filters.ip = ip.trim();
    if (decision) filters.decision = decision as Filters['decision'];
    if (chosen?.ms) filters.from = now - chosen.ms;
    if (span === 'custom') {
      const start = localTime(from);
      const end = localTime(to);
      if (start !== undefined) filters.from = start;
      if (end !== undefined) filters.to = end;
    }
    onSearch(filters);
  };

  return (
    <form
      aria-label="Search assessments"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
        <TextInput
          ref={first}
          label="Account"
          placeholder="The platform’s account id"
          value={account}
          onChange={(event) => setAccount(event.currentTarget.value)}
          autoComplete="off"
          maxLength={128}
        />
        <TextInput
          label="Phone number"
          placeholder="+44 7700 900123"
          value={phone}
          onChange={(event) => setPhone(event.currentTarget.value)}
          autoComplete="off"
          maxLength={64}
        />
        <TextInput
          label="IP address"
          placeholder="203.0.113.7"
          value={ip}
          onChange={(event) => setIp(event.currentTarget.value)}
          autoComplete="off"
          maxLength={100}
        />
        <Select
          label="Decision"
          placeholder="Any decision"
          clearable
          data={verdicts.map((v) => ({ value: v, label: verdictTone(v).label }))}
          value={decision}
          onChange={setDecision}
        />
        <Select
          label="Time"
          data={spans.map(({ value, label }) => ({ value, label }))}
          value={span}
          onChange={(value) => setSpan((value as Span | null) ?? 'any')}
          allowDeselect={false}
        />
        {span === 'custom' && (
          <Group grow gap="xs" align="flex-start">
            <TextInput
              type="datetime-local"
              label="From"
              value={from}
              onChange={(event) => setFrom(event.currentTarget.value)}
            />
            <TextInput
              type="datetime-local"
              label="Until"
              value={to}
              onChange={(event) => setTo(event.currentTarget.value)}
            />
          </Group>
        )}
      </SimpleGrid>
      <Group mt="sm">
        <Button
          type="submit"
          variant="filled"
          loading={busy}
          leftSection={<IconSearch size={16} aria-hidden />}
        >
          Search
        </Button>
      </Group>
    </form>
  );
}
