import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Events checked against the OCSF 1.8.0 schema as its source files define it (`data/ocsf/`), plus
 * the platform's own classes in the same format (`data/ocsf-platform/`): a class's attributes are
 * those of its parents (`extends`), its `$include`d profiles and its own, each typed in the
 * dictionary, and an object's likewise. A check finds missing required attributes, attributes the
 * class does not have (extra fields belong in `unmapped`), values of the wrong type, an
 * `at_least_one` constraint unmet, and a `type_uid` or `category_uid` that does not follow from the
 * class and activity. OCSF's schema server does the same with the compiled schema; no maintained
 * npm package reads the raw files, so this reads them itself.
 */

type Requirement = 'required' | 'recommended' | 'optional';

interface Attribute {
  requirement: Requirement;
  /** A scalar type (`string_t` …), an object name, or `object` for free-form JSON. */
  type: string;
  isArray: boolean;
}

interface Shape {
  name: string;
  attributes: Map<string, Attribute>;
  atLeastOne: string[][];
}

export interface OcsfClass extends Shape {
  uid: number;
  categoryUid: number;
  caption: string;
}

export interface OcsfProblem {
  /** Where in the event: `metadata.product`, `actor.user`. */
  path: string;
  message: string;
}

interface RawAttribute {
  requirement?: Requirement;
  type?: string;
  is_array?: boolean;
}
interface RawFile {
  uid?: number;
  class_uid?: number;
  name: string;
  caption?: string;
  category?: string;
  extends?: string;
  attributes: Record<string, RawAttribute | string[]>;
  constraints?: { at_least_one?: string[] };
}

const dataRoot = fileURLToPath(new URL('../../data/', import.meta.url));

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? jsonFiles(join(dir, entry.name))
      : entry.name.endsWith('.json')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** The scalar types as JSON has them; derived types (`ip_t` is a `string_t`) follow their base. */
const scalarJson: Record<string, 'string' | 'integer' | 'number' | 'boolean' | 'any'> = {
  string_t: 'string',
  integer_t: 'integer',
  long_t: 'integer',
  float_t: 'number',
  boolean_t: 'boolean',
  json_t: 'any',
};

export interface OcsfSchema {
  classes: Map<number, OcsfClass>;
  /** The problems of one event, at most `limit`; empty when it conforms. */
  check(event: unknown, limit?: number): OcsfProblem[];
}

/** Reads the copied OCSF files and the platform's own classes. */
export function loadOcsfSchema(root = dataRoot): OcsfSchema {
  const ocsf = join(root, 'ocsf');
  const platform = join(root, 'ocsf-platform');
  const dictionary = {
    ...readJson<{ attributes: Record<string, RawAttribute> }>(join(ocsf, 'dictionary.json')).attributes,
    ...readJson<{ attributes: Record<string, RawAttribute> }>(join(platform, 'dictionary.json')).attributes,
  };
  const types = readJson<{ types: { attributes: Record<string, { type?: string }> } }>(
    join(ocsf, 'dictionary.json'),
  ).types.attributes;
  const categories = readJson<{ attributes: Record<string, { uid: number }> }>(
    join(ocsf, 'categories.json'),
  ).attributes;
  const events = new Map<string, RawFile>();
  for (const file of [...jsonFiles(join(ocsf, 'events')), ...jsonFiles(join(platform, 'events'))]) {
    const raw = readJson<RawFile>(file);
    events.set(raw.name, raw);
  }
  const objects = new Map<string, RawFile>();
  for (const file of jsonFiles(join(ocsf, 'objects'))) {
    const raw = readJson<RawFile>(file);
    objects.set(raw.name, raw);
  }
  const profiles = new Map<string, RawFile>();
  for (const file of jsonFiles(join(ocsf, 'profiles')))
    profiles.set(`profiles/${file.split('/').pop()}`, readJson<RawFile>(file));

  const scalarOf = (type: string): string | undefined => {
    for (let t: string | undefined = type, hops = 0; t && hops < 5; hops++) {
      if (scalarJson[t]) return t;
      t = types[t]?.type;
    }
    return undefined;
  };

  /** Own attributes of a file, its profiles' (as optional) and its parents', the nearest winning. */
  function resolve(raw: RawFile, lookup: Map<string, RawFile>, seen = new Set<string>()): Shape {
    const attributes = new Map<string, Attribute>();
    const atLeastOne: string[][] = [];
    if (raw.extends && raw.extends !== 'object' && !seen.has(raw.extends)) {
      const parent = lookup.get(raw.extends);
      if (parent) {
        const inherited = resolve(parent, lookup, new Set([...seen, raw.name]));
        for (const [name, attribute] of inherited.attributes) attributes.set(name, attribute);
        atLeastOne.push(...inherited.atLeastOne);
      }
    }
    for (const [name, value] of Object.entries(raw.attributes)) {
      if (name === '$include') {
        for (const path of value as string[]) {
          const profile = profiles.get(path);
          if (!profile) continue;
          for (const [profiled, raw] of Object.entries(profile.attributes)) {
            if (Array.isArray(raw) || attributes.has(profiled)) continue;
            const known = dictionary[profiled];
            attributes.set(profiled, {
              requirement: 'optional',
              type: raw.type ?? known?.type ?? 'object',
              isArray: known?.is_array === true,
            });
          }
        }
        continue;
      }
      const own = value as RawAttribute;
      const known = dictionary[name];
      const before = attributes.get(name);
      attributes.set(name, {
        requirement: own.requirement ?? before?.requirement ?? 'optional',
        type: own.type ?? known?.type ?? before?.type ?? 'object',
        isArray: own.is_array ?? known?.is_array ?? before?.isArray ?? false,
      });
    }
    // A file's own constraint replaces its parent's (user's names `account`, _entity's does not).
    if (raw.constraints?.at_least_one)
      return { name: raw.name, attributes, atLeastOne: [raw.constraints.at_least_one] };
    return { name: raw.name, attributes, atLeastOne };
  }

  const classes = new Map<number, OcsfClass>();
  for (const raw of events.values()) {
    if (raw.uid === undefined) continue;
    // The category is the nearest one named up the chain.
    let category: string | undefined;
    for (
      let e: RawFile | undefined = raw;
      e && !category;
      e = e.extends ? events.get(e.extends) : undefined
    ) {
      category = e.category;
    }
    const categoryUid = category ? (categories[category]?.uid ?? 0) : 0;
    const uid = raw.class_uid ?? categoryUid * 1000 + raw.uid;
    classes.set(uid, { ...resolve(raw, events), uid, categoryUid, caption: raw.caption ?? raw.name });
  }
  const shapes = new Map<string, Shape>();
  const shapeOf = (name: string): Shape | undefined => {
    if (shapes.has(name)) return shapes.get(name);
    const raw = objects.get(name);
    const shape = raw ? resolve(raw, objects) : undefined;
    if (shape) shapes.set(name, shape);
    return shape;
  };

  function checkValue(
    value: unknown,
    attribute: Attribute,
    path: string,
    problems: OcsfProblem[],
    depth: number,
  ) {
    if (attribute.isArray) {
      if (!Array.isArray(value)) {
        problems.push({ path, message: 'expected an array' });
        return;
      }
      for (const [i, item] of value.entries()) {
        checkValue(item, { ...attribute, isArray: false }, `${path}[${i}]`, problems, depth);
      }
      return;
    }
    const scalar = scalarOf(attribute.type);
    if (scalar) {
      const json = scalarJson[scalar];
      const ok =
        json === 'any' ||
        (json === 'string' && typeof value === 'string') ||
        (json === 'boolean' && typeof value === 'boolean') ||
        (json === 'number' && typeof value === 'number' && Number.isFinite(value)) ||
        (json === 'integer' && typeof value === 'number' && Number.isSafeInteger(value));
      if (!ok) problems.push({ path, message: `expected ${attribute.type} (${json})` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ path, message: `expected a ${attribute.type} object` });
      return;
    }
    const shape = attribute.type === 'object' ? undefined : shapeOf(attribute.type);
    if (shape && depth < 8) checkShape(value as Record<string, unknown>, shape, path, problems, depth + 1);
  }

  function checkShape(
    value: Record<string, unknown>,
    shape: Shape,
    path: string,
    problems: OcsfProblem[],
    depth: number,
  ) {
    const at = (name: string) => (path ? `${path}.${name}` : name);
    for (const [name, attribute] of shape.attributes) {
      if (attribute.requirement === 'required' && (value[name] === undefined || value[name] === null)) {
        problems.push({ path: at(name), message: `required by ${shape.name}` });
      }
    }
    for (const [name, item] of Object.entries(value)) {
      const attribute = shape.attributes.get(name);
      if (!attribute) {
        problems.push({
          path: at(name),
          message: `not an attribute of ${shape.name}${depth === 0 ? '; put extra fields in unmapped' : ''}`,
        });
        continue;
      }
      if (item === null || item === undefined) continue;
      checkValue(item, attribute, at(name), problems, depth);
    }
    for (const group of shape.atLeastOne) {
      if (!group.some((name) => value[name] !== undefined && value[name] !== null)) {
        problems.push({
          path: path || '(event)',
          message: `${shape.name} needs at least one of ${group.join(', ')}`,
        });
      }
    }
  }

  return {
    classes,
    check(event, limit = 10) {
      if (typeof event !== 'object' || event === null || Array.isArray(event)) {
        return [{ path: '(event)', message: 'expected a JSON object' }];
      }
      const record = event as Record<string, unknown>;
      const classUid = record.class_uid;
      const known = typeof classUid === 'number' ? classes.get(classUid) : undefined;
      if (!known) {
        return [
          {
            path: 'class_uid',
            message: `not a class Custos takes in (${[...classes.keys()].sort((a, b) => a - b).join(', ')})`,
          },
        ];
      }
      const problems: OcsfProblem[] = [];
      checkShape(record, known, '', problems, 0);
      if (
        typeof record.activity_id === 'number' &&
        record.type_uid !== known.uid * 100 + record.activity_id
      ) {
        problems.push({
          path: 'type_uid',
          message: `must be class_uid × 100 + activity_id = ${known.uid * 100 + record.activity_id}`,
        });
      }
      if (record.category_uid !== known.categoryUid) {
        problems.push({ path: 'category_uid', message: `must be ${known.categoryUid} for ${known.name}` });
      }
      return problems.slice(0, limit);
    },
  };
}
