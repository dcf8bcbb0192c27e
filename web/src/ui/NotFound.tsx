import { Button, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';

export function NotFound() {
  return (
    <Stack align="center" gap="sm" py="xl" ta="center" component="main">
      <Title order={1} size="h2">
        Nothing here
      </Title>
      <Text c="dimmed">This address does not match a page of the console.</Text>
      <Button component={Link} to="/" variant="light">
        Go to the overview
      </Button>
    </Stack>
  );
}
