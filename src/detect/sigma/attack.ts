import type { AttackTags } from './types.js';

/** ATT&CK Enterprise tactics, by the short names ATT&CK uses (Sigma writes them with `_`). */
const tactics = new Set([
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  // ATT&CK v18 split defense evasion into these two.
  'stealth',
  'defense-impairment',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
]);

const technique = /^t(\d{4})(?:\.(\d{3}))?$/;
const group = /^g(\d{4})$/;
const software = /^s(\d{4})$/;
/** Data sources (`attack.ds0005`): valid, but not carried in a match. */
const dataSource = /^ds(\d{4})$/;

/**
 * Reads the `attack.*` tags of a rule (Sigma tags appendix): tactics by name, techniques,
 * groups and software by id. Returns the references and the tags it could not read, so the
 * loader can warn about a misspelt tactic instead of silently losing it.
 */
export function readAttackTags(tags: readonly string[]): { attack: AttackTags; unknown: string[] } {
  const attack: AttackTags = { tactics: [], techniques: [], groups: [], software: [] };
  const unknown: string[] = [];
  for (const tag of tags) {
    const lower = tag.toLowerCase();
    if (!lower.startsWith('attack.')) continue;
    const rest = lower.slice('attack.'.length);
    const tactic = rest.replaceAll('_', '-');
    const t = technique.exec(rest);
    if (tactics.has(tactic)) pushOnce(attack.tactics, tactic);
    else if (t) pushOnce(attack.techniques, t[2] ? `T${t[1]}.${t[2]}` : `T${t[1]}`);
    else if (group.test(rest)) pushOnce(attack.groups, rest.toUpperCase());
    else if (software.test(rest)) pushOnce(attack.software, rest.toUpperCase());
    else if (dataSource.test(rest)) continue;
    else unknown.push(tag);
  }
  return { attack, unknown };
}

function pushOnce(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}
