/**
 * Sigma value modifiers (`field|contains|all`): which we support, which Sigma defines but we
 * refuse (by name, so a refused rule says why), and which combinations make sense.
 */

export const supportedModifiers = [
  'contains',
  'startswith',
  'endswith',
  'all',
  're',
  'i',
  'm',
  's',
  'cidr',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
] as const;
export type Modifier = (typeof supportedModifiers)[number];

/** Modifiers of the Sigma specification (v2.1) outside our subset. */
export const refusedModifiers = new Set([
  'windash',
  'base64',
  'base64offset',
  'utf16',
  'utf16le',
  'utf16be',
  'wide',
  'cased',
  'neq',
  'expand',
  'fieldref',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
]);

/** Modifiers that say what kind of comparison a value is; a field takes at most one. */
const kinds = new Set<Modifier>([
  'contains',
  'startswith',
  'endswith',
  're',
  'cidr',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
]);
const regexFlags = new Set<Modifier>(['i', 'm', 's']);

export type ValueKind =
  | 'plain'
  | 'contains'
  | 'startswith'
  | 'endswith'
  | 're'
  | 'cidr'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'exists';

export interface ModifierChain {
  field: string;
  kind: ValueKind;
  all: boolean;
  /** Flags for `re`: from its `i`, `m`, `s` sub-modifiers. */
  flags: string;
}

/** A key's problem: what is wrong, and the refused Sigma feature if that is the reason. */
export interface ModifierError {
  message: string;
  feature?: string;
}

/** Splits `Field|mod|mod` and checks the modifiers and their combination. */
export function readModifiers(key: string): ModifierChain | ModifierError {
  const [field, ...names] = key.split('|') as [string, ...string[]];
  const chain: ModifierChain = { field, kind: 'plain', all: false, flags: '' };
  for (const name of names) {
    if (refusedModifiers.has(name)) return { message: `modifier '${name}' is not supported`, feature: name };
    if (!(supportedModifiers as readonly string[]).includes(name))
      return { message: `unknown modifier '${name}'` };
    const modifier = name as Modifier;
    if (modifier === 'all') {
      chain.all = true;
    } else if (regexFlags.has(modifier)) {
      if (chain.kind !== 're') return { message: `modifier '${name}' only follows 're'` };
      if (!chain.flags.includes(name)) chain.flags += name;
    } else if (kinds.has(modifier)) {
      if (chain.kind !== 'plain')
        return { message: `modifiers '${chain.kind}' and '${name}' do not combine` };
      chain.kind = modifier as ValueKind;
    }
  }
  if (chain.kind === 'exists' && (chain.all || field === '')) {
    return { message: "'exists' takes a field and no other modifier" };
  }
  if (field === '' && chain.kind !== 'plain' && !isTextKind(chain.kind)) {
    return { message: `keyword search does not take '${chain.kind}'` };
  }
  return chain;
}

/** Kinds that compare text. */
export function isTextKind(kind: ValueKind): boolean {
  return (
    kind === 'plain' || kind === 'contains' || kind === 'startswith' || kind === 'endswith' || kind === 're'
  );
}
