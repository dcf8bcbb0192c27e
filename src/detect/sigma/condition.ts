/**
 * Sigma detection conditions: `and`, `or`, `not`, parentheses, `1 of pattern`, `all of pattern`,
 * `1 of them`, `all of them`. Precedence, loosest first: or, and, not, x of, parentheses.
 */

export type ConditionNode =
  | { op: 'and' | 'or'; args: ConditionNode[] }
  | { op: 'not'; arg: ConditionNode }
  | { op: 'ref'; name: string; at: number }
  /** `pattern` undefined is `them`. */
  | { op: 'of'; quantifier: 'one' | 'all'; pattern: string | undefined; at: number };

/** A syntax problem, with the character offset in the condition where it was found. */
export class ConditionError extends Error {
  constructor(
    message: string,
    readonly at: number,
    readonly feature?: string,
  ) {
    super(message);
  }
}

interface Token {
  text: string;
  at: number;
}

const maxLength = 4096;
const maxDepth = 64;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*([()]|\|)|\s*([^\s()|]+)/gy;
  for (;;) {
    const start = pattern.lastIndex;
    const match = pattern.exec(text);
    if (!match) {
      if (text.slice(start).trim() !== '') throw new ConditionError('unexpected text', start);
      return tokens;
    }
    const value = (match[1] ?? match[2]) as string;
    tokens.push({ text: value, at: match.index + match[0].length - value.length });
  }
}

const keywords = new Set(['and', 'or', 'not', 'of', 'them']);

/** Parses a condition into a tree; identifiers are resolved later, against the searches. */
export function parseCondition(text: string): ConditionNode {
  if (text.length > maxLength) throw new ConditionError(`condition longer than ${maxLength} characters`, 0);
  const tokens = tokenize(text);
  let index = 0;
  let depth = 0;
  const peek = () => tokens[index];
  const word = (token: Token | undefined) => token?.text.toLowerCase();

  function expect(what: string): Token {
    const token = tokens[index++];
    if (!token) throw new ConditionError(`condition ends where ${what} was expected`, text.length);
    return token;
  }

  function orExpr(): ConditionNode {
    const args = [andExpr()];
    while (word(peek()) === 'or') {
      index++;
      args.push(andExpr());
    }
    return args.length === 1 ? (args[0] as ConditionNode) : { op: 'or', args };
  }

  function andExpr(): ConditionNode {
    const args = [notExpr()];
    while (word(peek()) === 'and') {
      index++;
      args.push(notExpr());
    }
    return args.length === 1 ? (args[0] as ConditionNode) : { op: 'and', args };
  }

  function notExpr(): ConditionNode {
    const token = peek();
    if (word(token) !== 'not') return atom();
    index++;
    if (++depth > maxDepth)
      throw new ConditionError(`condition nested deeper than ${maxDepth}`, token?.at ?? 0);
    try {
      return { op: 'not', arg: notExpr() };
    } finally {
      depth--;
    }
  }

  function atom(): ConditionNode {
    const token = expect('an identifier');
    if (++depth > maxDepth) throw new ConditionError(`condition nested deeper than ${maxDepth}`, token.at);
    try {
      if (token.text === '(') {
        const inner = orExpr();
        const close = expect("')'");
        if (close.text !== ')') throw new ConditionError(`expected ')' but found '${close.text}'`, close.at);
        return inner;
      }
      const lower = token.text.toLowerCase();
      if (lower === '1' || lower === 'all' || /^\d+$/.test(lower) || lower === 'any') {
        return quantified(token, lower);
      }
      if (lower === 'near') throw new ConditionError("'near' is not supported", token.at, 'near');
      if (token.text === ')' || keywords.has(lower)) {
        throw new ConditionError(`unexpected '${token.text}'`, token.at);
      }
      return { op: 'ref', name: token.text, at: token.at };
    } finally {
      depth--;
    }
  }

  function quantified(token: Token, lower: string): ConditionNode {
    const of = peek();
    if (word(of) !== 'of') {
      if (/^\d+$/.test(lower) || lower === 'all')
        throw new ConditionError(`expected 'of' after '${token.text}'`, token.at);
      return { op: 'ref', name: token.text, at: token.at };
    }
    if (lower !== '1' && lower !== 'all') {
      throw new ConditionError(
        `'${token.text} of' is not supported: use '1 of' or 'all of'`,
        token.at,
        `${lower} of`,
      );
    }
    index++;
    const target = expect("a pattern or 'them'");
    if (
      target.text === '(' ||
      target.text === ')' ||
      target.text === '|' ||
      keywords.has(word(target) ?? '')
    ) {
      if (word(target) !== 'them')
        throw new ConditionError(`unexpected '${target.text}' after 'of'`, target.at);
    }
    const pattern = word(target) === 'them' ? undefined : target.text;
    return { op: 'of', quantifier: lower === '1' ? 'one' : 'all', pattern, at: token.at };
  }

  if (tokens.length === 0) throw new ConditionError('empty condition', 0);
  const tree = orExpr();
  const rest = peek();
  if (rest?.text === '|') {
    throw new ConditionError(
      'aggregations after | are Sigma 1: use a correlation rule',
      rest.at,
      'aggregation',
    );
  }
  if (rest) throw new ConditionError(`unexpected '${rest.text}'`, rest.at);
  return tree;
}

/** Search identifiers an `of` pattern selects; `them` (undefined) leaves out names starting with `_`. */
export function selectIdentifiers(pattern: string | undefined, names: readonly string[]): string[] {
  if (pattern === undefined) return names.filter((name) => !name.startsWith('_'));
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  const regex = new RegExp(`^${parts.join('.*')}$`);
  return names.filter((name) => regex.test(name));
}
