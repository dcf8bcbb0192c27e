import { Alert, Button, Code, CopyButton, List, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconHelpCircle, IconInfoCircle } from '@tabler/icons-react';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.js';
import { formatTime } from '../../ui/format.js';
import { loadVerifier, useLogKey } from './logKey.js';

type EntryRecord = { type: string; id: string; commitment: string; canonical?: string; salt?: string };

type State =
  | { kind: 'server' }
  | { kind: 'running' }
  | {
      kind: 'verified';
      size: number;
      rootHex: string;
      leafHashHex: string;
      engine: string;
      key: string;
      at: number;
      recordsChecked: number;
    }
  | {
      kind: 'failed';
      step: string;
      message: string;
      computed?: string | undefined;
      expected?: string | undefined;
      evidence: string;
    }
  | { kind: 'unable'; reason: string };

const stepNames: Record<string, string> = {
  key: 'The pinned log key',
  checkpoint: 'The checkpoint',
  signature: "The checkpoint's signature",
  cosignature: 'A witness cosignature',
  record: 'A record against its commitment',
  entry: 'The entry rebuilt from its records',
  batch: "The batch's root",
  inclusion: 'The inclusion proof to the checkpoint root',
};

/** "Verify in this browser": the checkpoint and proof are fetched, then checked with the pinned key. */
export function VerifyPanel({
  index,
  entry,
  integrated,
  records,
}: {
  index: number;
  entry: string;
  integrated: boolean;
  records: EntryRecord[];
}) {
  const [vkey] = useLogKey();
  const [state, setState] = useState<State>({ kind: 'server' });

  const verify = async () => {
    if (!globalThis.crypto?.subtle) {
      setState({
        kind: 'unable',
        reason:
          'This page is not served over HTTPS, so the browser offers no crypto.subtle: it cannot verify here.',
      });
      return;
    }
    if (!vkey) {
      setState({
        kind: 'unable',
        reason: "No log key is pinned. Pin the log's verifier key on the Ledger page first.",
      });
      return;
    }
    setState({ kind: 'running' });
    let proof: Awaited<ReturnType<typeof fetchProof>>;
    try {
      proof = await fetchProof(index);
    } catch (error) {
      setState({
        kind: 'unable',
        reason: `The proof could not be fetched: ${error instanceof Error ? error.message : 'unknown error'}`,
      });
      return;
    }
    if (proof.checkpoint === null) {
      setState({ kind: 'unable', reason: 'The server sent no checkpoint with the proof.' });
      return;
    }
    const verifier = await loadVerifier();
    const result = await verifier.verifyLogEntry(
      { index, entry, inclusion: proof.inclusion, checkpoint: proof.checkpoint, records },
      vkey,
    );
    if (result.ok) {
      setState({ kind: 'verified', ...result, key: vkey.split('+').slice(0, 2).join('+'), at: Date.now() });
    } else {
      const evidence = JSON.stringify({ index, entry, vkey, proof, failure: result }, null, 2);
      setState({
        kind: 'failed',
        step: result.step,
        message: result.message,
        computed: result.computed,
        expected: result.expected,
        evidence,
      });
    }
  };

  return (
    <Stack gap="sm">
      {state.kind === 'server' && (
        <Alert
          variant="light"
          color="gray"
          icon={<IconInfoCircle />}
          title={
            <Text fw={700} size="sm" c="var(--mantine-color-text)">
              Server says
            </Text>
          }
        >
          {integrated
            ? 'The server says a published checkpoint covers this entry. This browser has not checked it.'
            : 'The server says this entry is not in a published checkpoint yet.'}
        </Alert>
      )}
      {state.kind === 'verified' && (
        <Alert
          variant="light"
          color="green"
          icon={<IconCircleCheck />}
          title={
            <Text fw={700} size="sm" c="var(--mantine-color-text)">
              Verified in this browser
            </Text>
          }
          role="status"
        >
          <List size="sm" spacing={2}>
            <List.Item>
              Entry {index} is in the log's tree of {state.size} entries (root{' '}
              <Code style={{ wordBreak: 'break-all' }}>{state.rootHex}</Code>)
              {state.recordsChecked > 0
                ? `, and ${state.recordsChecked} record(s) match their commitments`
                : ''}
              .
            </List.Item>
            <List.Item>
              Checkpoint signed by the pinned key <Code>{state.key}</Code>.
            </List.Item>
            <List.Item>
              Ed25519 by {state.engine === 'webcrypto' ? 'WebCrypto (crypto.subtle)' : '@noble/ed25519'},
              SHA-256 by crypto.subtle.
            </List.Item>
            <List.Item>Checked {formatTime(state.at)}.</List.Item>
          </List>
        </Alert>
      )}
      {state.kind === 'failed' && (
        <Alert
          variant="light"
          color="red"
          icon={<IconAlertTriangle />}
          title={
            <Text fw={700} size="sm" c="var(--mantine-color-text)">
              Failed: this entry is not proven to be in the log
            </Text>
          }
          role="alert"
        >
          <Stack gap={4}>
            <Text size="sm">
              Failing step: <strong>{stepNames[state.step] ?? state.step}</strong> — {state.message}.
            </Text>
            {state.computed && (
              <Text size="sm" style={{ wordBreak: 'break-all' }}>
                Computed: <Code>{state.computed}</Code>
              </Text>
            )}
            {state.expected && (
              <Text size="sm" style={{ wordBreak: 'break-all' }}>
                Expected: <Code>{state.expected}</Code>
              </Text>
            )}
            <CopyButton value={state.evidence}>
              {({ copied, copy }) => (
                <Button size="xs" variant="default" onClick={copy} w="fit-content">
                  {copied ? 'Evidence copied' : 'Copy evidence'}
                </Button>
              )}
            </CopyButton>
          </Stack>
        </Alert>
      )}
      {state.kind === 'unable' && (
        <Alert
          variant="light"
          color="yellow"
          icon={<IconHelpCircle />}
          title={
            <Text fw={700} size="sm" c="var(--mantine-color-text)">
              Could not verify
            </Text>
          }
          role="status"
        >
          {state.reason}
        </Alert>
      )}
      <Button
        variant="default"
        onClick={() => void verify()}
        loading={state.kind === 'running'}
        disabled={!integrated}
        w="fit-content"
      >
        Verify in this browser
      </Button>
    </Stack>
  );
}

function fetchProof(index: number) {
  return unwrap(api.GET('/v1/ledger/entries/{index}/proof', { params: { path: { index } } }));
}
