import {
  ActionIcon,
  AppShell,
  Burger,
  Group,
  Kbd,
  Menu,
  Modal,
  NavLink,
  ScrollArea,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure, useHotkeys, useMediaQuery } from '@mantine/hooks';
import {
  IconChevronDown,
  IconLogout,
  IconMoon,
  IconPassword,
  IconShieldLock,
  IconSun,
} from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { useEffect, useRef } from 'react';
import { api, unwrap } from '../api/client.js';
import { navSections } from '../modules.js';
import { CommandPalette } from './CommandPalette.js';
import type { NavItem } from './module.js';
import { allows } from './permissions.js';
import { useSession } from './session.js';

function visibleSections(session: ReturnType<typeof useSession>) {
  return navSections
    .map((section) => ({
      ...section,
      items: section.items.filter((item) => allows(session, item.permission)),
    }))
    .filter((section) => section.items.length > 0);
}

/**
 * The navigation entry for this path: the longest one it lies under, so `/ato/decisions` marks
 * "Login decisions" and not also the module's `/ato`, and `/access/requests` not `/access/request`.
 */
function activeItem(items: NavItem[], pathname: string): string | undefined {
  let best: string | undefined;
  for (const { to } of items) {
    const under = pathname === to || (to !== '/' && pathname.startsWith(`${to}/`));
    if (under && (best === undefined || to.length > best.length)) best = to;
  }
  return best;
}

function ShortcutsHelp({
  opened,
  onClose,
  items,
}: {
  opened: boolean;
  onClose: () => void;
  items: NavItem[];
}) {
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="md">
      <Table>
        <Table.Tbody>
          <Table.Tr>
            <Table.Td>
              <Kbd>?</Kbd>
            </Table.Td>
            <Table.Td>This list</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>
              <Kbd>Ctrl</Kbd> <Kbd>K</Kbd>
            </Table.Td>
            <Table.Td>Go to a page by name</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>
              <Kbd>j</Kbd> <Kbd>k</Kbd>
            </Table.Td>
            <Table.Td>Next and previous row in a list; Enter opens it, Esc closes it</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>
              <Kbd>/</Kbd>
            </Table.Td>
            <Table.Td>Search or filter the current list</Table.Td>
          </Table.Tr>
          {items
            .filter((item) => item.key)
            .map((item) => (
              <Table.Tr key={item.to}>
                <Table.Td>
                  <Kbd>g</Kbd> <Kbd>{item.key}</Kbd>
                </Table.Td>
                <Table.Td>{item.label}</Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}

/** The frame around every signed-in page: header, role-aware navigation, keyboard shortcuts. */
export function Shell() {
  const session = useSession();
  const [navOpen, nav] = useDisclosure(false);
  const [helpOpen, help] = useDisclosure(false);
  const [paletteOpen, palette] = useDisclosure(false);
  // Below the `sm` breakpoint the navigation slides away; while it is away it must not take focus.
  const folded = useMediaQuery('(max-width: 48em)') && !navOpen;
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  const sections = visibleSections(session);
  const items = sections.flatMap((section) => section.items);
  const active = activeItem(items, pathname);
  const awaitingG = useRef(0);

  // On a phone the navigation covers the page: close it once a link has been followed.
  const shownPath = useRef(pathname);
  useEffect(() => {
    if (shownPath.current === pathname) return;
    shownPath.current = pathname;
    nav.close();
  }, [pathname, nav.close]);

  useHotkeys([
    ['shift+?', help.open],
    ['mod+K', palette.open],
    [
      'g',
      () => {
        awaitingG.current = Date.now();
      },
    ],
    ...items
      .filter((item) => item.key)
      .map(
        (item) =>
          [
            item.key as string,
            () => {
              if (Date.now() - awaitingG.current < 1500) void navigate({ to: item.to });
              awaitingG.current = 0;
            },
          ] as [string, () => void],
      ),
  ]);

  const signOut = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/auth/logout')),
    onSettled: async () => {
      queryClient.clear();
      await navigate({ to: '/sign-in' });
    },
  });

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 248, breakpoint: 'sm', collapsed: { mobile: !navOpen } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={navOpen}
              onClick={nav.toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <UnstyledButton component={Link} to="/" aria-label="Custos home">
              <Group gap={6} wrap="nowrap">
                <IconShieldLock size={22} aria-hidden />
                <Title order={2} size="h4">
                  Custos
                </Title>
              </Group>
            </UnstyledButton>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Tooltip label="Keyboard shortcuts (?)">
              <ActionIcon variant="subtle" color="gray" onClick={help.open} aria-label="Keyboard shortcuts">
                <Kbd size="xs">?</Kbd>
              </ActionIcon>
            </Tooltip>
            <Tooltip label={scheme === 'dark' ? 'Light theme' : 'Dark theme'}>
              <ActionIcon
                variant="subtle"
                color="gray"
                onClick={() => setColorScheme(scheme === 'dark' ? 'light' : 'dark')}
                aria-label={scheme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
              >
                {scheme === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
              </ActionIcon>
            </Tooltip>
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton aria-label={`Account menu for ${session?.user.username ?? ''}`}>
                  <Group gap={4} wrap="nowrap">
                    <Text size="sm" fw={500} truncate maw={160}>
                      {session?.user.displayName}
                    </Text>
                    <IconChevronDown size={14} aria-hidden />
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  {session?.user.username} · {session?.user.roles.join(', ')}
                </Menu.Label>
                <Menu.Item component={Link} to="/password" leftSection={<IconPassword size={14} />}>
                  Change password
                </Menu.Item>
                <Menu.Item leftSection={<IconLogout size={14} />} onClick={() => signOut.mutate()}>
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation" inert={folded}>
        <ScrollArea>
          <Stack gap="md">
            {sections.map((section) => (
              <Stack gap={2} key={section.id}>
                <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm">
                  {section.label}
                </Text>
                {section.items.map((item) => (
                  <NavLink
                    key={item.to}
                    component={Link}
                    to={item.to}
                    label={item.label}
                    leftSection={<item.icon size={16} aria-hidden />}
                    active={item.to === active}
                    // The router would mark `/ato` current on `/ato/decisions` too; `active` decides.
                    activeOptions={{ exact: true, includeSearch: false }}
                  />
                ))}
              </Stack>
            ))}
          </Stack>
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
      <ShortcutsHelp opened={helpOpen} onClose={help.close} items={items} />
      <CommandPalette opened={paletteOpen} onClose={palette.close} items={items} />
    </AppShell>
  );
}
