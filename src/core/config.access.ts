import { z } from 'zod';
import { duration, int } from './config.fields.js';

const trackerSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .default('tracker')
      .describe('Name recorded as the poster of synced tickets.'),
    url: z
      .url({ protocol: /^https?$/ })
      .refine((u) => u.includes('{id}'), 'the URL must contain {id}')
      .describe('Ticket URL with {id} in place of the ticket id; GET must answer the ticket as JSON.'),
    token: z
      .string()
      .min(1)
      .optional()
      .describe('Sent as `Authorization: Bearer <token>` (masked in output).'),
    timeout: duration('5s').describe('How long one ticket fetch may take.'),
    refreshInterval: duration('5m').describe('How often tickets cited by grants in force are re-read.'),
    fields: z
      .object({
        title: z.string().default('title').describe('Path of the ticket title.'),
        status: z.string().default('status').describe('Path of the status, matched against openStatuses.'),
        assignee: z.string().default('assignee').describe('Path of the assignee (see assigneeIs).'),
        subjects: z
          .string()
          .default('subjects')
          .describe('Path of the list of platform user ids the ticket is about.'),
        reporter: z
          .string()
          .default('reporter')
          .describe('Path of the platform user id who filed the ticket.'),
      })
      .strict()
      .prefault({})
      .describe('Dotted paths of the ticket fields in the tracker’s JSON (e.g. fields.assignee.name).'),
    openStatuses: z
      .array(z.string().min(1))
      .min(1)
      .default(['open'])
      .describe('Tracker statuses that count as open; any other status is closed.'),
    assigneeIs: z
      .enum(['username', 'id'])
      .default('username')
      .describe('Whether the assignee field holds a Custos username or a Custos usr_ id.'),
  })
  .strict();

/** `access`: catalog, tracker, approval policies, break-glass, transparency and reviews. */
export const accessConfig = z
  .object({
    catalog: z
      .array(
        z
          .object({
            name: z.string().min(3).max(64).describe('Field class name, dotted: identity.phone.'),
            tier: z
              .union([z.literal(1), z.literal(2), z.literal(3)])
              .describe('Sensitivity, 1 low to 3 sensitive.'),
            description: z.string().min(1).max(200).describe('What the class holds.'),
          })
          .strict(),
      )
      .min(1)
      .max(500)
      .optional()
      .describe('The data catalog; the built-in messaging-platform catalog when unset.'),
    tracker: trackerSchema
      .optional()
      .describe('HTTP connector to an external ticket tracker; tickets are then read from it.'),
    policyDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Folder of Cedar approval policies (schema.cedarschema and *.cedar); the shipped policies/access when unset.',
      ),
    requestTtl: duration('7d').describe('How long an access request may wait for approval before it lapses.'),
    subjectIdCase: z
      .enum(['insensitive', 'sensitive'])
      .default('insensitive')
      .describe(
        'How platform user ids compare: `insensitive` (ASCII lowercase, so User-50 is user-50) for the protected list, tickets, grants, checks and the self/colleague rules; `sensitive` for platforms whose ids differ by case. Choose it before loading data: ids already stored are not rewritten.',
      ),
    employees: z
      .object({
        maxOnCallAhead: duration('7d').describe(
          'Longest on-call shift the registry accepts: onCallUntil may be at most this far ahead.',
        ),
        maxSyncEntries: int(1, 200_000)
          .default(50_000)
          .describe('Most entries one bulk directory sync may carry.'),
      })
      .strict()
      .prefault({}),
    breakGlass: z
      .object({
        maxDuration: duration('1h').describe('Longest emergency grant an engineer on call may self-issue.'),
        maxSubjects: int(1, 100).default(5).describe('Most users one break-glass grant may name.'),
        window: duration('24h').describe(
          'The on-call window over which each person’s break-glass uses and subjects are counted (rolling).',
        ),
        maxUsesPerWindow: int(1, 1000)
          .default(3)
          .describe('Most break-glass uses one person may make within the window.'),
        maxSubjectsPerWindow: int(1, 1000)
          .default(10)
          .describe('Most distinct users one person may reach by break-glass within the window.'),
        reviewWithin: duration('24h').describe('Security must review each break-glass use within this time.'),
        sweepInterval: duration('1m').describe(
          'How often overdue break-glass reviews are looked for and escalated.',
        ),
      })
      .strict()
      .prefault({}),
    transparency: z
      .object({
        legalHoldDelay: duration('90d').describe(
          'Accesses for a legal request are listed to their subject only after this delay.',
        ),
        pseudonymSecret: z
          .string()
          .min(32)
          .optional()
          .describe(
            'Secret behind accessor pseudonyms. Default: with PostgreSQL, one kept in the database that every node shares; with SQLite, a key file created in <dataDir>/keys.',
          ),
      })
      .strict()
      .prefault({}),
    reviews: z
      .object({
        remindBefore: duration('24h').describe(
          'Reviewers are reminded this long before a review campaign’s deadline.',
        ),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});
