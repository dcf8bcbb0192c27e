import { z } from 'zod';
import { CustosError } from '../../core/errors.js';
import type { EventIntake } from '../../detect/intake.js';
import { errorResponses } from '../errors.js';
import type { App } from '../types.js';

/** The platform's events in: OCSF 1.8.0 JSON, checked one by one, put on the bus. */
export function eventsRoutes(app: App, deps: { eventIntake: EventIntake; batchMax: number }): void {
  app.post(
    '/v1/events',
    {
      config: { access: { permission: 'events.write' } },
      schema: {
        operationId: 'createEvents',
        tags: ['events'],
        summary:
          'A batch of the platform’s events (OCSF 1.8.0: authentication, account change, API and datastore activity, and the platform’s call and crash classes). Each is checked against its class; good ones go on the bus, bad ones are refused with their problems.',
        body: z
          .object({
            // Each event is checked against its OCSF class by the intake, which names every problem.
            events: z
              .array(z.looseObject({}))
              .min(1)
              .max(100_000)
              .describe(`At most ${deps.batchMax} (events.batchMax; more is refused with 413).`),
          })
          .strict(),
        response: {
          200: z.object({
            accepted: z.number().int(),
            duplicates: z.number().int().describe('Repeats of an event id earlier in the batch, taken once.'),
            rejected: z.array(
              z.object({
                index: z.number().int(),
                problems: z.array(z.object({ path: z.string(), message: z.string() })),
              }),
            ),
          }),
          ...errorResponses(400, 401, 403, 413, 503),
        },
      },
    },
    async (request) => {
      const { events } = request.body;
      if (events.length > deps.batchMax) {
        throw new CustosError('request.too_large', `at most ${deps.batchMax} events in one batch`, {
          events: events.length,
        });
      }
      return deps.eventIntake.ingest(events);
    },
  );
}
