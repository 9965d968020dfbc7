/**
 * The committed API documents, generated from the routes: docs/openapi.json (exactly what
 * GET /openapi.json serves) and docs/api.md, a readable reference rendered from it.
 * `npm run openapi` writes them; api-reference.test.ts fails when the committed ones are stale.
 */
import { API_VERSION, ROUTES } from '../app';
import { buildOpenApiDocument } from './openapi';

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  nullable?: boolean;
  description?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema: Schema };
type Response = { description: string; content?: Record<string, { schema: Schema }> };
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
};
export type OpenApiDocument = {
  info: { title: string; version: string; description: string };
  tags?: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

/** The paths (from the repository root) and contents of the generated documents. */
export function apiDocuments(): Record<string, string> {
  const doc = buildOpenApiDocument(ROUTES, API_VERSION) as OpenApiDocument;
  return { 'docs/openapi.json': JSON.stringify(doc, null, 2) + '\n', 'docs/api.md': renderApiReference(doc) };
}

const refName = (ref: string) => ref.replace('#/components/schemas/', '');

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  return schema.$ref ? resolve(doc, doc.components.schemas[refName(schema.$ref)] ?? {}) : schema;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
const code = (text: string) => '`' + text.replace(/`/g, "'") + '`';

/** One schema as a table cell: its type and every limit a client must respect. */
function describe(doc: OpenApiDocument, schema: Schema): string {
  if (schema.$ref) return `[${refName(schema.$ref)}](#${refName(schema.$ref).toLowerCase()})`;
  if (schema.oneOf) return 'one of: ' + schema.oneOf.map((s) => describe(doc, s)).join(', ');
  if (schema.allOf) return schema.allOf.map((s) => describe(doc, s)).join(' and ');
  const parts = [schema.type === 'array' && schema.items ? `array of ${describe(doc, schema.items)}` : (schema.type ?? 'any')];
  if (schema.format) parts.push(schema.format);
  if (schema.nullable) parts.push('or null');
  if (schema.enum) parts.push('one of ' + schema.enum.map((v) => code(JSON.stringify(v))).join(', '));
  if (schema.pattern) parts.push('pattern ' + code(schema.pattern));
  const range = (name: string, min?: number, max?: number) => {
    if (min !== undefined && max !== undefined) parts.push(`${name} ${min}..${max}`);
    else if (min !== undefined) parts.push(`${name} ≥ ${min}`);
    else if (max !== undefined) parts.push(`${name} ≤ ${max}`);
  };
  range('value', schema.minimum, schema.maximum);
  range('length', schema.minLength, schema.maxLength);
  range('items', schema.minItems, schema.maxItems);
  if (schema.default !== undefined) parts.push('default ' + code(JSON.stringify(schema.default)));
  return parts.join(', ');
}

function fieldRows(doc: OpenApiDocument, schema: Schema, prefix = ''): string[] {
  const resolved = resolve(doc, schema);
  if (resolved.allOf) return resolved.allOf.flatMap((part) => fieldRows(doc, part, prefix));
  return Object.entries(resolved.properties ?? {}).flatMap(([name, field]) => {
    const row = `| ${code(prefix + name)} | ${resolved.required?.includes(name) ? 'yes' : 'no'} | ${cell(describe(doc, field))} | ${cell(field.description ?? '')} |`;
    const nested = field.type === 'object' && field.properties ? fieldRows(doc, field, `${prefix}${name}.`) : [];
    return [row, ...nested];
  });
}

const FIELD_HEADER = ['| Field | Required | Type and limits | Description |', '|---|---|---|---|'];

function bodySection(doc: OpenApiDocument, schema: Schema): string[] {
  const resolved = resolve(doc, schema);
  const name = schema.$ref ? ` (${refName(schema.$ref)})` : '';
  if (resolved.oneOf) {
    return [
      `**Request body**${name}: exactly one of these forms (no other fields).`,
      ...resolved.oneOf.flatMap((form, i) => [
        '',
        `Form ${i + 1}${form.$ref ? `: ${refName(form.$ref)}` : ''}`,
        '',
        ...FIELD_HEADER,
        ...fieldRows(doc, form),
      ]),
    ];
  }
  const strict = resolved.additionalProperties === false ? ' No other fields.' : '';
  return [`**Request body**${name}, JSON.${strict}`, '', ...FIELD_HEADER, ...fieldRows(doc, schema)];
}

function auth(op: Operation): string {
  const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
  if (schemes.length === 0) return 'none';
  return schemes.map((s) => (s === 'bearer' ? 'bearer token' : 'device signature (`Authorization: Device ...`)')).join(' or ');
}

function answerType(op: Response): string {
  const [[type, media] = []] = Object.entries(op.content ?? {});
  if (!type || !media) return '';
  const schema = media.schema;
  return `${code(type)} ${schema.$ref ? describe({} as OpenApiDocument, schema) : schema.type === 'array' && schema.items?.$ref ? `array of [${refName(schema.items.$ref)}](#${refName(schema.items.$ref).toLowerCase()})` : (schema.type ?? '')}`;
}

function renderOperation(doc: OpenApiDocument, method: string, path: string, op: Operation): string[] {
  const lines = [`### ${method.toUpperCase()} ${path}`, '', `${op.summary ?? ''}`, ''];
  if (op.description && op.description !== op.summary) lines.push(op.description, '');
  lines.push(`**Auth:** ${auth(op)}`, '');
  if (op.parameters?.length) {
    lines.push('**Parameters**', '', '| Name | In | Required | Type and limits | Description |', '|---|---|---|---|---|');
    for (const p of op.parameters) {
      lines.push(
        `| ${code(p.name)} | ${p.in} | ${p.required ? 'yes' : 'no'} | ${cell(describe(doc, p.schema))} | ${cell(p.description ?? '')} |`,
      );
    }
    lines.push('');
  }
  const body = op.requestBody?.content['application/json']?.schema;
  if (body) lines.push(...bodySection(doc, body), '');
  lines.push('**Answers**', '', '| Status | Meaning | Body |', '|---|---|---|');
  for (const [status, response] of Object.entries(op.responses)) {
    lines.push(`| ${status} | ${cell(response.description)} | ${cell(answerType(response))} |`);
  }
  lines.push('');
  return lines;
}

function renderSchemas(doc: OpenApiDocument): string[] {
  return Object.entries(doc.components.schemas).flatMap(([name, schema]) => {
    const lines = [`### ${name}`, ''];
    if (schema.description) lines.push(schema.description, '');
    if (schema.oneOf) lines.push('One of: ' + schema.oneOf.map((s) => describe(doc, s)).join(', '), '');
    else if (schema.properties || schema.allOf) lines.push(...FIELD_HEADER, ...fieldRows(doc, schema), '');
    else lines.push(cell(describe(doc, schema)), '');
    return lines;
  });
}

/** The Markdown reference: the document's introduction, then every operation by tag, then every schema. */
export function renderApiReference(doc: OpenApiDocument): string {
  const lines = [
    `# ${doc.info.title} — REST API ${doc.info.version}`,
    '',
    '<!-- Generated by `npm run openapi` from gateway-app/src/http/openapi.ts and the route declarations; do not edit. -->',
    '',
    'The machine-readable form is [openapi.json](openapi.json) (the gateway also serves it at `GET /openapi.json`).',
    '',
    doc.info.description,
    '',
  ];
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  for (const { name: tag } of doc.tags ?? []) {
    lines.push(`## ${tag}`, '');
    for (const { path, method, op } of operations.filter((o) => o.op.tags?.[0] === tag))
      lines.push(...renderOperation(doc, method, path, op));
  }
  lines.push('## Schemas', '', ...renderSchemas(doc));
  return (
    lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}
