/**
 * An answer checked against its catalogue operation's answer schema, field for field: the gateway
 * refuses an answer that misses a required field and strips fields the schema lacks, so either
 * would reach clients broken or not at all.
 */
import { OPERATIONS, type OperationName } from '@iotreg/common';

/** What is wrong with `answer` (JSON text) as an answer of `operation`; undefined when nothing is. */
export function answerMisfit(operation: OperationName, answer: string): string | undefined {
  const value: unknown = JSON.parse(answer);
  const parsed = OPERATIONS[operation].answer.safeParse(value);
  if (!parsed.success) {
    return `${operation}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'answer'}: ${i.message}`).join('; ')}`;
  }
  const extra = extraFields(value, parsed.data, '');
  return extra.length > 0 ? `${operation}: field(s) its answer schema does not have: ${extra.join(', ')}` : undefined;
}

/** Paths present in `given` that the schema's output `kept` left out (zod strips unknown keys). */
function extraFields(given: unknown, kept: unknown, path: string): string[] {
  if (Array.isArray(given) && Array.isArray(kept)) return given.flatMap((item, i) => extraFields(item, kept[i], `${path}[${i}]`));
  if (!isObject(given) || !isObject(kept)) return [];
  return Object.keys(given).flatMap((name) => {
    const where = path ? `${path}.${name}` : name;
    return name in kept ? extraFields(given[name], kept[name], where) : [where];
  });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
