import type { AtoModelConfig } from '../core/config.ato.model.js';
import { CustosError } from '../core/errors.js';
import type { AtoEngine } from './engine.js';
import { newHistory, observeEvent } from './history.js';
import { parseHistory, serializeHistory } from './history.json.js';
import { createGlobalModel, type GlobalModel, parseGlobalSnapshot } from './model.global.js';
import { scoreEvent } from './model.js';
import type { AccountHistory, AuthEvent, Features } from './types.js';

export type RiskModel = Pick<AtoEngine, 'score' | 'codec' | 'global'> & {
  /**
   * Updates (or starts) the account's history with an event and feeds the population what the
   * history learnt. Any event may be given: only successes are learnt, and `learn: false` keeps
   * even those out while the times and carrier signals are still kept.
   */
  observe(
    history: AccountHistory | undefined,
    event: AuthEvent,
    features: Features,
    learn?: boolean,
  ): AccountHistory;
  /** The population distribution now in use (a restored snapshot replaces it). */
  population(): GlobalModel;
};

/**
 * The statistical model with its population distribution bound in, in the shape the takeover
 * engine takes (engine.ts): score a session, learn from one, encode histories, snapshot the
 * distribution.
 */
export function createRiskModel(config: AtoModelConfig): RiskModel {
  let global = createGlobalModel(config.global);
  return {
    score: (features, history) => scoreEvent(features, history, global, config),

    // The history learns what observeEvent lets it (successes only); the population learns the
    // same sessions, counting an account when its first session is learnt.
    observe(history, event, features, learn = true) {
      const account = history?.account ?? event.account;
      if (account === undefined)
        throw new CustosError('internal', 'an event without an account cannot be learnt');
      const target = history ?? newHistory(account, event.time);
      const before = target.observations;
      observeEvent(target, event, features, { ...config.history, learn });
      if (target.observations > before) global.observe(features, { newAccount: before === 0 });
      return target;
    },

    codec: {
      encode: serializeHistory,
      decode(account, json) {
        const read = parseHistory(json, account, 0);
        return read.corrupt ? undefined : read.history;
      },
    },

    global: {
      save: () => JSON.stringify(global.toSnapshot()),
      load(state) {
        const read = parseGlobalSnapshot(state, config.global);
        global = read.ok ? read.model : createGlobalModel(config.global);
        return read.ok;
      },
    },

    population: () => global,
  };
}
