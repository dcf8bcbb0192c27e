import { Table, Text, VisuallyHidden } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { type KeyboardEvent, type ReactNode, useRef } from 'react';

export interface Column<T> {
  key: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Hidden below the `sm` breakpoint, so phone widths keep the columns that matter. */
  hideOnPhone?: boolean;
  width?: number | string;
}

/**
 * A list of records: click or Enter opens one (the page shows it in its side panel), `j`/`k`
 * move between rows as in GitHub and Linear, Esc closes. Paging, sorting and filtering are the
 * server's; this only draws what it was given.
 */
export function DataTable<T>({
  caption,
  rows,
  columns,
  rowKey,
  selected,
  onSelect,
  rowLabel,
}: {
  /** Read by screen readers: what the table lists. */
  caption: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  selected?: string | undefined;
  onSelect?: (key: string | undefined) => void;
  /** How a row is announced, e.g. the request's subject and status. */
  rowLabel?: (row: T) => string;
}) {
  const body = useRef<HTMLTableSectionElement>(null);
  const focusRow = (index: number) => {
    const target = body.current?.querySelectorAll<HTMLTableRowElement>('tr[data-row]')[index];
    target?.focus();
  };
  const currentIndex = () => {
    const all = [...(body.current?.querySelectorAll<HTMLTableRowElement>('tr[data-row]') ?? [])];
    const focused = all.indexOf(document.activeElement as HTMLTableRowElement);
    if (focused >= 0) return focused;
    return rows.findIndex((row) => rowKey(row) === selected);
  };
  useHotkeys([
    ['j', () => focusRow(Math.min(rows.length - 1, currentIndex() + 1))],
    ['k', () => focusRow(Math.max(0, currentIndex() - 1))],
    ['Escape', () => onSelect?.(undefined)],
  ]);
  const onKey = (event: KeyboardEvent<HTMLTableRowElement>, key: string) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect?.(key);
    }
  };
  return (
    <Table.ScrollContainer minWidth={320}>
      <Table highlightOnHover={Boolean(onSelect)} verticalSpacing="xs" stickyHeader>
        <VisuallyHidden component="caption">{caption}</VisuallyHidden>
        <Table.Thead>
          <Table.Tr>
            {columns.map((column) => (
              <Table.Th key={column.key} w={column.width} visibleFrom={column.hideOnPhone ? 'sm' : undefined}>
                {column.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody ref={body}>
          {rows.map((row) => {
            const key = rowKey(row);
            const isSelected = key === selected;
            return (
              <Table.Tr
                key={key}
                data-row
                tabIndex={onSelect ? 0 : undefined}
                aria-selected={onSelect ? isSelected : undefined}
                aria-label={rowLabel?.(row)}
                bg={isSelected ? 'var(--mantine-primary-color-light)' : undefined}
                style={onSelect ? { cursor: 'pointer' } : undefined}
                onClick={onSelect ? () => onSelect(key) : undefined}
                onKeyDown={onSelect ? (event) => onKey(event, key) : undefined}
              >
                {columns.map((column) => (
                  <Table.Td key={column.key} visibleFrom={column.hideOnPhone ? 'sm' : undefined}>
                    {column.cell(row)}
                  </Table.Td>
                ))}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {rows.length === 0 && (
        <Text c="dimmed" ta="center" py="md">
          Nothing to list.
        </Text>
      )}
    </Table.ScrollContainer>
  );
}
