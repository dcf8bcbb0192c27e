import { Button, Group } from '@mantine/core';

/**
 * Newest, Newer and Older for a list paged by server cursors, newest first. `cursors` holds the
 * cursor of each page before this one, the last being this page's (none on the first page), so
 * Newer can step back; `next` is the server's cursor of the page after. Nothing is drawn when
 * everything fits on one page.
 */
export function CursorPager({
  cursors,
  next,
  onChange,
}: {
  cursors: string[];
  next: string | null | undefined;
  onChange: (cursors: string[]) => void;
}) {
  const here = cursors.length > 0;
  if (!here && !next) return null;
  return (
    <Group>
      <Button variant="default" size="xs" disabled={!here} onClick={() => onChange([])}>
        Newest
      </Button>
      <Button variant="default" size="xs" disabled={!here} onClick={() => onChange(cursors.slice(0, -1))}>
        Newer
      </Button>
      <Button
        variant="default"
        size="xs"
        disabled={!next}
        onClick={() => next && onChange([...cursors, next])}
      >
        Older
      </Button>
    </Group>
  );
}
