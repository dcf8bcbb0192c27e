import { Alert, Badge, Code, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.js';
import { DataTable } from '../../ui/DataTable.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { QueryView } from '../../ui/states.js';

const tiers: Record<number, { label: string; color: string; says: string }> = {
  3: { label: 'Tier 3 · sensitive', color: 'red', says: 'such as a phone number or an IP address' },
  2: { label: 'Tier 2 · personal', color: 'orange', says: 'such as a photo' },
  1: { label: 'Tier 1 · low', color: 'gray', says: 'such as a display name' },
};

export function CatalogPage() {
  const catalog = useQuery({
    queryKey: ['admin', 'catalog'],
    queryFn: () => unwrap(api.GET('/v1/access/catalog')),
  });
  return (
    <>
      <PageHeader
        title="Data catalog"
        description="The classes of user data that access requests, grants and checks name, with the sensitivity tier the approval policies read."
      />
      <Alert variant="light" color="indigo" mb="md" title="Set in the configuration">
        <Text size="sm">
          The catalog comes from the <Code>access.catalog</Code> setting (the built-in messaging-platform
          catalog when it is unset), read when Custos starts. It is read-only here: change the configuration
          and restart to add a class or change a tier.
        </Text>
      </Alert>
      <QueryView query={catalog}>
        {(data) => (
          <DataTable
            caption="Field classes of the data catalog"
            rows={[...data.fieldClasses].sort((a, b) => b.tier - a.tier || a.name.localeCompare(b.name))}
            rowKey={(f) => f.name}
            columns={[
              { key: 'name', header: 'Field class', cell: (f) => <Code>{f.name}</Code> },
              {
                key: 'tier',
                header: 'Sensitivity',
                cell: (f) => (
                  <Badge variant="dot" color={tiers[f.tier]?.color ?? 'gray'} title={tiers[f.tier]?.says}>
                    {tiers[f.tier]?.label ?? `Tier ${f.tier}`}
                  </Badge>
                ),
              },
              { key: 'description', header: 'What it holds', cell: (f) => f.description },
            ]}
          />
        )}
      </QueryView>
    </>
  );
}
