import { Accordion, Alert, Badge, Button, Code, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { ApiError, api, unwrap } from '../../api/client.js';
import { confirmDone } from '../../ui/actions.js';
import { formatTime } from '../../ui/format.js';
import { type EditorProblem, LineNumberedEditor } from '../../ui/LineNumberedEditor.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { ErrorState, QueryView } from '../../ui/states.js';

const filesQueryKey = ['admin', 'policy-files'] as const;

function useFiles() {
  return useQuery({ queryKey: filesQueryKey, queryFn: () => unwrap(api.GET('/v1/access/policies/files')) });
}
type PolicyFile = NonNullable<ReturnType<typeof useFiles>['data']>['files'][number];

/** Problems for this file, from a check's answer or a refused save's details. */
function problemsOf(name: string, problems: ReadonlyArray<{ name: string; message: string; line?: number }>) {
  return problems.map((p) => ({
    message: p.name && p.name !== name ? `${p.name}.cedar: ${p.message}` : p.message,
    line: p.name === name ? p.line : undefined,
  }));
}

function PolicyEditor({ file }: { file: PolicyFile }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState(file.text);
  const [problems, setProblems] = useState<EditorProblem[]>([]);
  const [checked, setChecked] = useState<string | null>(null);
  const dirty = text !== file.text;
  const validate = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/access/policies/validate', { body: { name: file.name, text } })),
    onSuccess: (answer) => {
      setProblems(problemsOf(file.name, answer.problems));
      setChecked(answer.valid ? text : null);
    },
  });
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/v1/access/policies/{name}', {
          params: { path: { name: file.name } },
          body: { text, baseVersion: file.version },
        }),
      ),
    onSuccess: async ({ file: saved }) => {
      setProblems([]);
      await queryClient.invalidateQueries({ queryKey: filesQueryKey });
      confirmDone(
        `${saved.name}.cedar is saved as version ${saved.version} and decides every request from now on.`,
        'Policy saved',
      );
    },
    onError: (error) => {
      const refused = error instanceof ApiError ? error.body.details?.problems : undefined;
      if (Array.isArray(refused))
        setProblems(
          problemsOf(file.name, refused as Array<{ name: string; message: string; line?: number }>),
        );
    },
  });
  const refusedInvalid = save.error instanceof ApiError && save.error.code === 'access.policy_invalid';
  return (
    <Stack>
      <Group gap="xs">
        <Badge variant="light">{file.version === 0 ? 'Shipped file' : `Version ${file.version}`}</Badge>
        {file.savedBy && (
          <Text size="sm" c="dimmed">
            saved by <Code>{file.savedBy}</Code> {formatTime(file.savedAt)}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          SHA-256 <Code>{file.sha256.slice(0, 16)}…</Code>
        </Text>
      </Group>
      <LineNumberedEditor
        label={`${file.name}.cedar`}
        value={text}
        onChange={(next) => {
          setText(next);
          setChecked(null);
        }}
        problems={problems}
      />
      {validate.error && <ErrorState error={validate.error} title="Could not check" />}
      {save.error && !refusedInvalid && <ErrorState error={save.error} title="Not saved" />}
      {refusedInvalid && (
        <Alert color="red" variant="light" title="Not saved">
          The policies do not validate; nothing was saved. Fix the lines marked above.
        </Alert>
      )}
      {checked === text && problems.length === 0 && (
        <Alert color="green" variant="light" role="status" title="Valid">
          This file validates against the schema together with the other files in force.
        </Alert>
      )}
      <Group>
        <Button variant="default" onClick={() => validate.mutate()} loading={validate.isPending}>
          Validate
        </Button>
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!dirty}>
          Save
        </Button>
        {dirty && (
          <Button
            variant="subtle"
            onClick={() => {
              setText(file.text);
              setProblems([]);
              setChecked(null);
            }}
          >
            Discard changes
          </Button>
        )}
      </Group>
      <Text size="xs" c="dimmed">
        Saving checks the whole policy set again; a set that does not validate is never saved. Every save is a
        new version, an event and a ledger record.
      </Text>
    </Stack>
  );
}

export function PoliciesPage() {
  const search = useSearch({ from: '/app/admin/policies' });
  const navigate = useNavigate({ from: '/admin/policies' });
  const files = useFiles();
  return (
    <>
      <PageHeader
        title="Approval policies"
        description="The Cedar policies that decide who must approve access to user data. Edits take effect for the next decision."
      />
      <Alert color="indigo" variant="light" mb="md" title="These rules decide who sees user data">
        A change here can lower or raise the bar for every request. Each save is recorded on the ledger with
        who made it; review saved changes as you would a code change.
      </Alert>
      <QueryView query={files}>
        {(data) => {
          const current = data.files.find((f) => f.name === search.file) ?? data.files[0];
          return (
            <Stack>
              <SegmentedControl
                aria-label="Policy file"
                value={current?.name ?? ''}
                onChange={(file) => void navigate({ search: { file } })}
                data={data.files.map((f) => ({ value: f.name, label: `${f.name}.cedar` }))}
              />
              {current && <PolicyEditor key={`${current.name}@${current.version}`} file={current} />}
              <Accordion variant="contained">
                <Accordion.Item value="schema">
                  <Accordion.Control>The schema: what the policies may read</Accordion.Control>
                  <Accordion.Panel>
                    <Code block tabIndex={0}>
                      {data.schema}
                    </Code>
                  </Accordion.Panel>
                </Accordion.Item>
              </Accordion>
            </Stack>
          );
        }}
      </QueryView>
    </>
  );
}
