import { Button, Code, Group, Stack, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { loadVerifier, useLogKey } from './logKey.js';

/** Where the auditor pins the log's verifier key, with its fingerprint to compare out of band. */
export function LogKeyField() {
  const [vkey, setVkey] = useLogKey();
  const [draft, setDraft] = useState(vkey ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const fingerprint = useQuery({
    queryKey: ['ledger', 'fingerprint', vkey],
    enabled: vkey !== null,
    queryFn: async () => (await loadVerifier()).keyFingerprint(vkey as string),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const pin = async () => {
    const verifier = await loadVerifier();
    try {
      const key = await verifier.parseNoteKey(draft.trim());
      if (key.type !== 1) throw new Error('this is a witness key, not a log key');
      setVkey(draft.trim());
      setProblem(null);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : 'not a verifier key');
    }
  };
  return (
    <Stack gap="xs">
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="Log verifier key"
          description="Paste the key custos.ledger.vkey printed by the server, from a channel you trust. It is public and kept in this browser."
          value={draft}
          onChange={(event) => setDraft(event.currentTarget.value)}
          error={problem}
          style={{ flex: 1, minWidth: 280 }}
          spellCheck={false}
        />
        <Button
          variant="default"
          onClick={() => void pin()}
          disabled={draft.trim() === '' || draft.trim() === vkey}
        >
          Pin key
        </Button>
      </Group>
      {vkey ? (
        <Text size="sm">
          Pinned key <Code>{vkey.split('+')[0]}</Code>, fingerprint (SHA-256){' '}
          <Code style={{ wordBreak: 'break-all' }}>{fingerprint.data ?? '…'}</Code>
        </Text>
      ) : (
        <Text size="sm" c="dimmed">
          No key pinned: proofs can be fetched but not verified in this browser.
        </Text>
      )}
    </Stack>
  );
}
