/**
 * Bad-input cases generated from the OpenAPI document: every operation, each body field, query
 * and path parameter replaced in turn by values Postgres, the parsers or a careless validator
 * choke on, plus whole bodies of the wrong shape, encoding or media type. New routes are covered
 * as soon as they are documented.
 */

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  nullable?: boolean;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One request to send: everything but the credentials. */
export interface FuzzCase {
  label: string;
  method: string;
  path: string;
  query: string;
  contentType?: string;
  body?: string | Buffer;
}

/** Values for what the document cannot know (ids of real objects), by parameter or property name. */
export interface Fixtures {
  /** A path parameter's value from the path before it and its name, e.g. ('/api/v1/jobs/{id}', 'id'). */
  pathValue(path: string, name: string): string;
  /** A body property's or query parameter's value by its name, or undefined to derive one from the schema. */
  namedValue(name: string): unknown;
}

export const BAD_STRINGS: readonly [string, unknown][] = [
  ['NUL', 'a\u0000b'],
  ['lone high surrogate', 'x\ud800y'],
  ['lone low surrogate', '\udfffx'],
  ['200,000 characters', 'x'.repeat(200_000)],
  ['whitespace only', ' \t\n '],
  ['a number', 12345],
  ['a negative number', -1],
  ['a huge number', 1e308],
  ['a fraction', 1.5],
  ['true', true],
  ['null', null],
  ['an object', { a: 1 }],
  ['an array', ['a']],
  ['an empty array', []],
  ['a date before year 1', '-271821-04-20T00:00:00Z'],
  ['a date past year 9999', '+275760-09-13T00:00:00Z'],
  ['a number as a string', '9007199254740993'],
];

const QUERY_VALUES: readonly [string, string][] = [
  ['NUL', '%00'],
  ['invalid UTF-8', '%ED%A0%80'],
  ['a lone %', '%'],
  ['10,000 characters', 'x'.repeat(10_000)],
  ['negative', '-1'],
  ['huge', '1e400'],
  ['not a number', 'abc'],
  ['empty', ''],
  ['a date before year 1', '-271821-04-20T00%3A00%3A00Z'],
];

const PATH_VALUES: readonly [string, string][] = [
  ['NUL', '%00'],
  ['invalid UTF-8', '%ED%A0%80'],
  ['not a uuid', 'not-a-uuid'],
  ['5,000 characters', 'x'.repeat(5_000)],
  ['a traversal', '..%2F..%2Fetc'],
  ['an unknown uuid', '0190b3c2-0000-7000-8000-00000000abcd'],
];

export class CaseGenerator {
  constructor(
    private readonly document: OpenApiDocument,
    private readonly fixtures: Fixtures,
  ) {}

  /** Every operation as [method, path template, operation]. */
  operations(): [string, string, Operation][] {
    return Object.entries(this.document.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]): [string, string, Operation] => [method.toUpperCase(), path, op]),
    );
  }

  /** The cases of one operation: a valid-looking baseline, then each part made bad in turn. */
  casesFor(method: string, template: string, op: Operation): FuzzCase[] {
    const params = op.parameters ?? [];
    const pathParams = params.filter((p) => p.in === 'path');
    const queryParams = params.filter((p) => p.in === 'query');
    const fill = (overrides: Record<string, string> = {}): string =>
      template.replace(/\{(\w+)\}/g, (_m, name: string) =>
        name in overrides ? overrides[name] : encodeURIComponent(this.fixtures.pathValue(template, name)),
      );
    const baseQuery = (): Record<string, string> => {
      const query: Record<string, string> = {};
      for (const p of queryParams.filter((q) => q.required))
        query[p.name] = String(this.sample(p.schema ?? {}, p.name));
      return query;
    };
    const encodeQuery = (query: Record<string, string>, raw: Record<string, string> = {}): string => {
      const parts = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
      for (const [k, v] of Object.entries(raw)) parts.push(`${k}=${v}`);
      return parts.length > 0 ? `?${parts.join('&')}` : '';
    };
    const content = op.requestBody?.content ?? {};
    const jsonSchema = content['application/json']?.schema;
    const multipart = 'multipart/form-data' in content;
    const baseBody = jsonSchema ? (this.sample(jsonSchema, '') as Record<string, unknown>) : undefined;
    const json = (body: unknown): Pick<FuzzCase, 'contentType' | 'body'> => ({
      contentType: 'application/json',
      body: JSON.stringify(body),
    });
    const base = (label: string, extra: Partial<FuzzCase>): FuzzCase => ({
      label: `${method} ${template}: ${label}`,
      method,
      path: fill(),
      query: encodeQuery(baseQuery()),
      ...(baseBody !== undefined ? json(baseBody) : {}),
      ...extra,
    });

    const cases: FuzzCase[] = [base('baseline', {})];

    for (const p of pathParams) {
      for (const [label, value] of PATH_VALUES) {
        cases.push(base(`path ${p.name} ${label}`, { path: fill({ [p.name]: value }) }));
      }
    }
    for (const p of queryParams) {
      for (const [label, value] of QUERY_VALUES) {
        const query = baseQuery();
        delete query[p.name];
        cases.push(base(`query ${p.name} ${label}`, { query: encodeQuery(query, { [p.name]: value }) }));
      }
      cases.push(base(`query ${p.name} repeated`, { query: encodeQuery(baseQuery(), { [p.name]: `a&${p.name}=b` }) }));
    }

    if (baseBody !== undefined && jsonSchema) {
      for (const field of this.fieldPaths(jsonSchema)) {
        for (const [label, value] of BAD_STRINGS) {
          cases.push(base(`body ${field.join('.')} ${label}`, json(setPath(baseBody, field, value))));
        }
      }
      const text = JSON.stringify(baseBody);
      const merged = (extra: string): string => (text === '{}' ? `{${extra}}` : `${text.slice(0, -1)},${extra}}`);
      cases.push(
        base('body of 100,000 nested arrays', {
          contentType: 'application/json',
          body: '['.repeat(1e5) + ']'.repeat(1e5),
        }),
        base('body of 50,000 nested objects', {
          contentType: 'application/json',
          body: '{"a":'.repeat(5e4) + '1' + '}'.repeat(5e4),
        }),
        base('body with __proto__', { contentType: 'application/json', body: merged('"__proto__":{"polluted":true}') }),
        base('body with constructor.prototype', {
          contentType: 'application/json',
          body: merged('"constructor":{"prototype":{"polluted":true}}'),
        }),
        base('body with a byte-order mark', {
          contentType: 'application/json',
          body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
        }),
        base('body as text/plain', { contentType: 'text/plain', body: text }),
        base('body as a form', { contentType: 'application/x-www-form-urlencoded', body: 'name=x&query=y' }),
        base('body as multipart', {
          contentType: 'multipart/form-data; boundary=b',
          body: '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n',
        }),
        base('empty JSON body', { contentType: 'application/json', body: '' }),
        base('no body', { contentType: undefined, body: undefined }),
        base('body null', { contentType: 'application/json', body: 'null' }),
        base('body an array', { contentType: 'application/json', body: `[${text}]` }),
        base('body a string', { contentType: 'application/json', body: '"x"' }),
        base('malformed JSON', { contentType: 'application/json', body: '{"a":' }),
        base('body not UTF-8', {
          contentType: 'application/json',
          body: Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
        }),
        base('body in latin1', { contentType: 'application/json; charset=latin1', body: text }),
        base('body past BODY_LIMIT', { contentType: 'application/json', body: `{"x":"${'y'.repeat(1_100_000)}"}` }),
      );
    }
    if (multipart) {
      const boundary = 'fuzz';
      const part = (headers: string, data: string): string => `--${boundary}\r\n${headers}\r\n\r\n${data}\r\n`;
      const mp = `multipart/form-data; boundary=${boundary}`;
      cases.push(
        base('multipart, non-ASCII filename', {
          contentType: mp,
          body: Buffer.from(
            part('Content-Disposition: form-data; name="files"; filename="Café-日本.md"', '# Café') +
              `--${boundary}--\r\n`,
          ),
        }),
        base('multipart, NUL in filename', {
          contentType: mp,
          body:
            part('Content-Disposition: form-data; name="files"; filename="a\u0000b.md"', '# x') + `--${boundary}--\r\n`,
        }),
        base('multipart, empty file', {
          contentType: mp,
          body: part('Content-Disposition: form-data; name="files"; filename="e.txt"', '') + `--${boundary}--\r\n`,
        }),
        base('multipart, binary with a text name', {
          contentType: mp,
          body: Buffer.concat([
            Buffer.from(part('Content-Disposition: form-data; name="files"; filename="a.txt"', '').slice(0, -2)),
            Buffer.from([0, 1, 2, 0xff, 0xfe, 0]),
            Buffer.from(`\r\n--${boundary}--\r\n`),
          ]),
        }),
        base('multipart, truncated', { contentType: mp, body: `--${boundary}\r\nContent-Disposition: form-dat` }),
        base('multipart without a boundary', { contentType: 'multipart/form-data', body: 'x' }),
        base('multipart, JSON instead', { contentType: 'application/json', body: '{"files":[]}' }),
      );
    }
    return cases;
  }

  /** Paths of the fields worth making bad: every property, and one level into objects and array items. */
  private fieldPaths(schema: Schema, prefix: (string | number)[] = [], depth = 0): (string | number)[][] {
    const resolved = this.resolve(schema);
    const paths: (string | number)[][] = [];
    for (const [name, property] of Object.entries(resolved.properties ?? {})) {
      const path = [...prefix, name];
      paths.push(path);
      if (depth >= 2) continue;
      const child = this.resolve(property);
      if (child.properties) paths.push(...this.fieldPaths(child, path, depth + 1));
      const items = child.items ? this.resolve(child.items) : undefined;
      if (items?.properties) paths.push(...this.fieldPaths(items, [...path, 0], depth + 1));
      else if (items) paths.push([...path, 0]);
    }
    return paths;
  }

  private resolve(schema: Schema): Schema {
    if (schema.$ref) return this.resolve(this.document.components!.schemas![schema.$ref.split('/').pop()!]);
    if (schema.allOf) return schema.allOf.map((s) => this.resolve(s)).reduce(mergeSchemas, {});
    if (schema.oneOf?.[0]) return this.resolve(schema.oneOf[0]);
    if (schema.anyOf?.[0]) return this.resolve(schema.anyOf[0]);
    return schema;
  }

  /** A plausible value: a fixture by name, else the schema's example, enum, default or type. */
  sample(schema: Schema, name: string): unknown {
    const named = name ? this.fixtures.namedValue(name) : undefined;
    if (named !== undefined) return named;
    const s = this.resolve(schema);
    if (s.example !== undefined) return s.example;
    if (s.enum?.length) return s.enum[0];
    if (s.default !== undefined) return s.default;
    switch (s.type) {
      case 'object':
      case undefined: {
        if (!s.properties) return {};
        const out: Record<string, unknown> = {};
        for (const key of s.required ?? []) out[key] = this.sample(s.properties[key], key);
        return out;
      }
      case 'array':
        return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => this.sample(s.items ?? {}, ''));
      case 'integer':
      case 'number':
        return s.minimum ?? 1;
      case 'boolean':
        return false;
      default:
        if (s.format === 'uuid') return '0190b3c2-0000-7000-8000-00000000abcd';
        if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
        if (s.format === 'email') return 'someone@example.test';
        return 'sample'.padEnd(s.minLength ?? 0, 'x');
    }
  }
}

function setPath(value: unknown, path: (string | number)[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  if (typeof head === 'number') {
    const list = Array.isArray(value) ? [...(value as unknown[])] : [];
    list[head] = setPath(list[head] ?? {}, rest, leaf);
    return list;
  }
  const object = value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : {};
  (object as Record<string, unknown>)[head] = setPath((object as Record<string, unknown>)[head], rest, leaf);
  return object;
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  return {
    ...a,
    ...b,
    properties: { ...a.properties, ...b.properties },
    required: [...(a.required ?? []), ...(b.required ?? [])],
  };
}
