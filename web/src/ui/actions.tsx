import { Button, type ButtonProps, Group, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCheck } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/** Says what a change did, in words, once the server has answered (never before: no optimistic writes). */
export function confirmDone(message: ReactNode, title = 'Done'): void {
  notifications.show({
    title,
    message,
    color: 'green',
    icon: <IconCheck size={18} />,
    autoClose: 6000,
    closeButtonProps: { 'aria-label': 'Dismiss' },
  });
}

/**
 * A button for an act that cannot be undone (revoke, disable, deny): asks first, saying exactly
 * what will happen, and runs `onConfirm` only on the second, explicit click.
 */
export function ConfirmAction({
  label,
  title,
  children,
  confirmLabel,
  onConfirm,
  loading,
  color = 'red',
  ...button
}: {
  label: ReactNode;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  loading?: boolean;
} & Omit<ButtonProps, 'children' | 'onClick'>) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button color={color} variant="light" {...button} onClick={open}>
        {label}
      </Button>
      {/* Locking the page's scroll injects an unnonced <style> element, which the CSP refuses. */}
      <Modal opened={opened} onClose={close} title={title} centered lockScroll={false}>
        <Stack>
          <Text size="sm">{children}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color={color}
              loading={loading}
              onClick={() => {
                onConfirm();
                close();
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
