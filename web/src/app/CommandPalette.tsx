import { Kbd, Modal, NavLink, Stack, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useNavigate } from '@tanstack/react-router';
import { type KeyboardEvent, useState } from 'react';
import type { NavItem } from './module.js';

/** Ctrl-K: jump to any page the session may open, by typing part of its name. */
export function CommandPalette({
  opened,
  onClose,
  items,
}: {
  opened: boolean;
  onClose: () => void;
  items: NavItem[];
}) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const navigate = useNavigate();
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = items.filter((item) => words.every((word) => item.label.toLowerCase().includes(word)));
  const go = (item: NavItem | undefined) => {
    if (!item) return;
    onClose();
    setQuery('');
    void navigate({ to: item.to });
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((i) => Math.min(matches.length - 1, i + 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((i) => Math.max(0, i - 1));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      go(matches[active]);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Go to a page" size="md">
      <Stack gap="xs">
        <TextInput
          data-autofocus
          label="Page name"
          placeholder="approvals, grants, ledger…"
          leftSection={<IconSearch size={16} aria-hidden />}
          value={query}
          onChange={(event) => {
            setQuery(event.currentTarget.value);
            setActive(0);
          }}
          onKeyDown={onKey}
          aria-controls="command-palette-results"
        />
        <Stack gap={2} id="command-palette-results" role="listbox" aria-label="Matching pages">
          {matches.map((item, index) => (
            <NavLink
              key={item.to}
              role="option"
              aria-selected={index === active}
              active={index === active}
              label={item.label}
              leftSection={<item.icon size={16} aria-hidden />}
              onClick={() => go(item)}
            />
          ))}
          {matches.length === 0 && (
            <Text c="dimmed" size="sm">
              No page matches “{query}”.
            </Text>
          )}
        </Stack>
        <Text size="xs" c="dimmed">
          <Kbd>↑</Kbd> <Kbd>↓</Kbd> to choose, <Kbd>Enter</Kbd> to open, <Kbd>Esc</Kbd> to close
        </Text>
      </Stack>
    </Modal>
  );
}
