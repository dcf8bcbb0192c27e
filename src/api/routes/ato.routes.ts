import { z } from 'zod';
import type { AtoServices } from '../../ato/domain.js';
import { takeoverMethods } from '../../ato/takeovers.js';
import { authEventTypes } from '../../ato/types.js';
import { idSchema } from '../../core/ids.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { epochMs, idParam, limit, printableToken, subjectId, timeIdCursor } from '../schemas.js';
import type { App } from '../types.js';

// Free-text fields are bounded but not shaped: a malformed number, address or agent is a reason in
// the answer, not a 400, because the platform must be told how risky such an event is.
const eventSchema = z
  .object({
    eventId: printableToken(128, 'the event id')
      .optional()
      .describe('The platform’s id; a repeat is answered with the first decision.'),
    type: z.enum(authEventTypes),
    time: epochMs.describe('When the event happened (the platform’s clock).'),
    account: subjectId
      .optional()
      .describe('The platform’s account id; absent for a number registering for the first time.'),
    phone: z
      .string()
      .max(64)
      .optional()
      .describe('The phone number, E.164 (anything else is answered with a reason).'),
    device: printableToken(128, 'the device id').optional(),
    ip: z.string().max(100).optional().describe('The client’s IPv4 or IPv6 address as the platform saw it.'),
    userAgent: z.string().max(4096).optional(),
    appVersion: z.string().max(64).optional(),
    locale: z.string().max(35).optional(),
    outcome: z
      .enum(['success', 'failure'])
      .optional()
      .describe(
        'For otp_verify, pin_verify and login: what the platform found. Absent: may this attempt be made?',
      ),
    carrier: z
      .object({ simSwapAt: epochMs.optional(), portOutAt: epochMs.optional() })
      .strict()
      .optional()
      .describe('Carrier signals for the number, when the platform has them.'),
  })
  .strict();

const reasonSchema = z.object({
  code: z.string(),
  message: z.string(),
  contribution: z.number().describe('This reason’s share of the score; positive is riskier.'),
});

const assessmentSchema = z.object({
  id: idSchema('atd').describe('The assessment’s id; its ledger record is `ato.decision` with this id.'),
  duplicate: z.boolean().describe('The event id was answered before: this is that answer again.'),
  decision: z.enum(['allow', 'challenge', 'deny', 'lock_device']),
  challenges: z.array(z.enum(['pin', 'old_device_approval', 'captcha', 'wait'])).optional(),
  retryAfter: z.number().int().min(0).optional().describe('Seconds until the same attempt could pass.'),
  score: z.number(),
  reasons: z.array(reasonSchema),
  actions: z.array(z.enum(['revoke_other_sessions', 'notify_user', 'start_recovery'])),
});

const takeoverSchema = z.object({
  id: idSchema('atk'),
  account: z.string(),
  phone: z.string().nullable(),
  happenedAt: z.number(),
  reportedAt: z.number(),
  eventId: z.string().nullable(),
  method: z.enum(takeoverMethods),
  note: z.string().nullable(),
  reporter: z.string(),
});

const decisionRowSchema = z.object({
  id: z.string(),
  at: z.number(),
  eventType: z.string(),
  eventId: z.string().nullable(),
  account: z.string().nullable(),
  phone: z.string().nullable(),
  ip: z.string().nullable(),
  device: z.string().nullable(),
  decision: z.string(),
  score: z.number(),
  reason: z.string().describe('The reason that added most to the score, or `none`.'),
});

const decisionSchema = z.object({
  id: z.string(),
  ledgerIndex: z.number(),
  at: z.number(),
  assessedAt: z.number(),
  eventType: z.string(),
  eventId: z.string().nullable(),
  account: z.string().nullable(),
  phone: z.string().nullable(),
  device: z.string().nullable(),
  ip: z.string().nullable(),
  caller: z.string(),
  outcome: z.enum(['success', 'failure']).nullable(),
  context: z.object({
    country: z.string().nullable(),
    asn: z.number().nullable(),
    hosting: z.boolean(),
    ipKind: z.string(),
    phoneCountry: z.string().nullable(),
    phoneType: z.string().nullable(),
    browser: z.string().nullable(),
    os: z.string().nullable(),
    deviceType: z.string().nullable(),
  }),
  decision: z.string(),
  challenges: z.array(z.string()),
  retryAfterMs: z.number().nullable(),
  score: z.number(),
  reasons: z.array(reasonSchema),
  actions: z.array(z.string()),
});

const pages = timeIdCursor('atd');

function answer(assessed: Awaited<ReturnType<AtoServices['atoAssess']['assess']>>) {
  const { assessment } = assessed;
  return {
    id: assessed.id,
    duplicate: assessed.duplicate,
    decision: assessment.decision,
    ...(assessment.challenges ? { challenges: assessment.challenges } : {}),
    ...(assessment.retryAfterMs !== undefined
      ? { retryAfter: Math.ceil(assessment.retryAfterMs / 1000) }
      : {}),
    score: assessment.score,
    reasons: assessment.reasons,
    actions: assessment.actions,
  };
}

/** The takeover defence: the platform's assess and takeover calls, and the console's reads. */
export function atoRoutes(app: App, deps: AtoServices & { batchMax: number }): void {
  app.post(
    '/v1/auth/assess',
    {
      config: { access: { permission: 'ato.assess' } },
      schema: {
        operationId: 'assessAuthEvent',
        tags: ['ato'],
        summary:
          'How risky is this registration, code, PIN, login or device step? An explained decision, recorded on the ledger before it is answered.',
        body: eventSchema,
        response: { 200: assessmentSchema, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => answer(await deps.atoAssess.assess(request.body, principalOf(request).id)),
  );

  app.post(
    '/v1/auth/assess/batch',
    {
      config: { access: { permission: 'ato.assess' } },
      schema: {
        operationId: 'assessAuthEvents',
        tags: ['ato'],
        summary: `Up to ${deps.batchMax} events (a log replay), assessed in order per account and answered in order.`,
        body: z.object({ events: z.array(eventSchema).min(1).max(deps.batchMax) }).strict(),
        response: {
          200: z.object({ results: z.array(assessmentSchema) }),
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const caller = principalOf(request).id;
      const results = await Promise.all(
        request.body.events.map((event) => deps.atoAssess.assess(event, caller)),
      );
      return { results: results.map(answer) };
    },
  );

  app.post(
    '/v1/auth/takeovers',
    {
      config: { access: { permission: 'ato.takeovers.write' } },
      schema: {
        operationId: 'reportTakeover',
        tags: ['ato'],
        summary:
          'Reports a confirmed account takeover: recorded on the ledger and compared with the decisions made.',
        body: z
          .object({
            account: subjectId,
            phone: z.string().max(64).optional(),
            happenedAt: epochMs,
            eventId: printableToken(128, 'the event id')
              .optional()
              .describe('The platform’s id of the event that let the attacker in.'),
            method: z.enum(takeoverMethods).default('unknown'),
            note: z.string().max(2000).optional(),
          })
          .strict(),
        response: { 201: takeoverSchema, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const takeover = await deps.atoTakeovers.report(request.body, principalOf(request).id);
      return reply.status(201).send(takeover);
    },
  );

  app.get(
    '/v1/ato/takeovers',
    {
      config: { access: { permission: 'ato.read' } },
      schema: {
        operationId: 'listTakeovers',
        tags: ['ato'],
        summary: 'Confirmed takeovers, most recent first.',
        querystring: z.object({ limit: limit(500) }).strict(),
        response: { 200: z.object({ takeovers: z.array(takeoverSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ takeovers: await deps.atoTakeovers.list({ limit: request.query.limit ?? 100 }) }),
  );

  app.get(
    '/v1/ato/takeovers/:id',
    {
      config: { access: { permission: 'ato.read' } },
      schema: {
        operationId: 'getTakeoverTimeline',
        tags: ['ato'],
        summary:
          'A confirmed takeover with the account’s assessments from 14 days before to 2 days after, oldest first.',
        params: idParam('atk'),
        response: {
          200: z.object({
            takeover: takeoverSchema,
            decisions: z.array(decisionRowSchema),
            truncated: z.boolean(),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => deps.atoTakeovers.timeline(request.params.id),
  );

  app.post(
    '/v1/ato/decisions/search',
    {
      config: { access: { permission: 'ato.read' } },
      schema: {
        operationId: 'searchAtoDecisions',
        tags: ['ato'],
        summary:
          'Assessments by account, number or address, newest first. A POST so that numbers and addresses never sit in URLs or access logs.',
        body: z
          .object({
            account: subjectId.optional(),
            phone: z.string().min(1).max(64).optional(),
            ip: z.string().min(1).max(100).optional(),
            decision: z.enum(['allow', 'challenge', 'deny', 'lock_device']).optional(),
            from: epochMs.optional(),
            to: epochMs.optional(),
            cursor: z.string().max(128).optional(),
            limit: z.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: {
          200: z.object({ decisions: z.array(decisionRowSchema), next: z.string().nullable() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { cursor, ...filters } = request.body;
      const page = await deps.atoDecisions.search({
        ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
        limit: filters.limit,
        ...(cursor ? { before: pages.parse(cursor) } : {}),
      });
      return { decisions: page.rows, next: page.next ? pages.text(page.next.at, page.next.id) : null };
    },
  );

  app.get(
    '/v1/ato/decisions/:id',
    {
      config: { access: { permission: 'ato.read' } },
      schema: {
        operationId: 'getAtoDecision',
        tags: ['ato'],
        summary:
          'One assessment as the ledger holds it: the event, its context and every reason with its contribution.',
        params: idParam('atd'),
        response: { 200: decisionSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => deps.atoDecisions.get(request.params.id),
  );

  app.get(
    '/v1/ato/summary',
    {
      config: { access: { permission: 'ato.read' } },
      schema: {
        operationId: 'getAtoSummary',
        tags: ['ato'],
        summary:
          'Assessments per hour by decision and leading reason, and how confirmed takeovers were answered.',
        querystring: z
          .object({ from: z.coerce.number().int().min(0), to: z.coerce.number().int().min(0) })
          .strict()
          .refine(
            (q) => q.to > q.from && q.to - q.from <= 92 * 86_400_000,
            'from must be before to, at most 92 days apart',
          ),
        response: {
          200: z.object({
            from: z.number(),
            to: z.number(),
            counts: z.array(
              z.object({
                hour: z.number(),
                decision: z.string(),
                reason: z.string(),
                count: z.number().int(),
              }),
            ),
            takeovers: z.object({
              reported: z.number().int(),
              matched: z.number().int().describe('Takeovers whose event id matches an assessment.'),
              byDecision: z.record(z.string(), z.number().int()),
            }),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      const [counts, takeovers] = await Promise.all([
        deps.atoTallies.between(from, to),
        deps.atoTakeovers.caught(from, to),
      ]);
      return { from, to, counts, takeovers };
    },
  );
}
