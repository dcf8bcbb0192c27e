import { Box, Group, Text, UnstyledButton } from '@mantine/core';
import { useId, useRef } from 'react';

/** A problem to show in the editor, at its 1-based line when known. */
export interface EditorProblem {
  message: string;
  line?: number | undefined;
}

// Mantine's red text (shade 6) is 3.6:1 on the gutter; these reds are over 5:1 in either theme.
const problemColor = 'light-dark(var(--mantine-color-red-9), var(--mantine-color-red-4))';
const lineHeight = 20;
const padding = 8;

/**
 * A plain textarea with line numbers, for source text such as Cedar policies; lines with a
 * problem are marked in the gutter and each problem is listed under the editor with its line,
 * a click moving the caret there. No editor library: nothing here needs eval, so the CSP holds.
 */
export function LineNumberedEditor({
  label,
  value,
  onChange,
  problems,
  readOnly,
}: {
  label: string;
  value: string;
  onChange?: (value: string) => void;
  problems: readonly EditorProblem[];
  readOnly?: boolean;
}) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const lines = value.split('\n').length;
  const marked = new Set(problems.map((p) => p.line).filter((l): l is number => l !== undefined));
  const goToLine = (line: number) => {
    const textarea = area.current;
    if (!textarea) return;
    const offset =
      value
        .split('\n')
        .slice(0, line - 1)
        .join('\n').length + (line > 1 ? 1 : 0);
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
  };
  return (
    <Box>
      <Text component="label" htmlFor={id} size="sm" fw={500} mb={4} display="block">
        {label}
      </Text>
      <Box
        style={{
          display: 'flex',
          border: '1px solid var(--mantine-color-default-border)',
          borderRadius: 'var(--mantine-radius-sm)',
          overflowX: 'auto',
          fontFamily: 'var(--mantine-font-family-monospace)',
          fontSize: 13,
        }}
      >
        <Box
          aria-hidden
          style={{
            padding: `${padding}px 8px`,
            textAlign: 'right',
            userSelect: 'none',
            background: 'var(--mantine-color-default-hover)',
            minWidth: 44,
          }}
        >
          {Array.from({ length: lines }, (_, i) => {
            const line = i + 1;
            const bad = marked.has(line);
            return (
              <div
                key={line}
                data-line={line}
                data-problem={bad || undefined}
                style={{
                  height: lineHeight,
                  lineHeight: `${lineHeight}px`,
                  color: bad ? problemColor : 'var(--mantine-color-dimmed)',
                  fontWeight: bad ? 700 : 400,
                }}
              >
                {bad ? `● ${line}` : line}
              </div>
            );
          })}
        </Box>
        <textarea
          id={id}
          ref={area}
          value={value}
          readOnly={readOnly}
          onChange={(event) => onChange?.(event.currentTarget.value)}
          rows={lines}
          wrap="off"
          spellCheck={false}
          aria-invalid={problems.length > 0 || undefined}
          aria-describedby={problems.length ? `${id}-problems` : undefined}
          style={{
            flex: 1,
            border: 0,
            outline: 'none',
            resize: 'none',
            padding: `${padding}px`,
            lineHeight: `${lineHeight}px`,
            height: lines * lineHeight + 2 * padding,
            font: 'inherit',
            whiteSpace: 'pre',
            overflow: 'hidden',
            background: 'var(--mantine-color-body)',
            color: 'var(--mantine-color-text)',
            minWidth: 480,
          }}
        />
      </Box>
      {problems.length > 0 && (
        <Box id={`${id}-problems`} role="alert" mt="xs">
          {problems.map((problem, index) => (
            <Group
              // biome-ignore lint/suspicious/noArrayIndexKey: problems are a fresh list per check, in order
              key={index}
              gap="xs"
              wrap="nowrap"
              align="flex-start"
            >
              {problem.line !== undefined ? (
                <UnstyledButton
                  onClick={() => goToLine(problem.line as number)}
                  c={problemColor}
                  fw={700}
                  fz="sm"
                >
                  Line {problem.line}
                </UnstyledButton>
              ) : (
                <Text c={problemColor} fw={700} size="sm">
                  Policy set
                </Text>
              )}
              <Text size="sm">{problem.message}</Text>
            </Group>
          ))}
        </Box>
      )}
    </Box>
  );
}
