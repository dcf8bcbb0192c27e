import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/**
 * Shows a secret (a generated password, an API key's token) exactly once, with Copy. The caller
 * keeps the secret only in component state and drops it in `onClose`: it is never cached, put in
 * a URL or shown again.
 */
export function SecretOnce({
  title,
  label,
  secret,
  children,
  onClose,
}: {
  title: string;
  label: string;
  secret: string | null;
  children?: ReactNode;
  onClose: () => void;
}) {
  return (
    <Modal opened={secret !== null} onClose={onClose} title={title} centered closeOnClickOutside={false}>
      <Stack>
        <Alert color="indigo" variant="light" title="Shown only now">
          Copy it before closing this window: Custos keeps only a hash and cannot show it again.
        </Alert>
        {children}
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            {label}
          </Text>
          <Code block data-secret tabIndex={0}>
            {secret}
          </Code>
        </Stack>
        <Group justify="flex-end">
          <CopyButton value={secret ?? ''}>
            {({ copied, copy }) => (
              <Button
                variant="light"
                onClick={copy}
                leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
              >
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
          <Button onClick={onClose}>I have copied it</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
