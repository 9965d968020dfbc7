/**
 * Parsing with a catalogue schema, and the one way a refusal is told: INVALID_ARGUMENT naming
 * each field ("body.deviceId: must be …"). Chaincode and gateway both parse through here, so
 * they refuse the same values with the same words.
 */
import type { z } from 'zod';
import { RegistryError } from '../errors';

type Issue = z.core.$ZodIssue;

/**
 * A union's failure, told by the form the value came closest to (fewest issues) rather than zod's
 * "invalid input"; a tie, or unknown fields, also give the union's own message (which names the forms).
 */
function closestForm(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const sizes = issue.errors.map((issues) => issues.length);
  const fewest = Math.min(...sizes);
  if (sizes.filter((n) => n === fewest).length > 1) return [issue];
  const closest = (issue.errors[sizes.indexOf(fewest)] ?? []).map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as Issue);
  // an unknown field may belong to another form: then say which forms there are, too
  const mixed = closest.some((inner) => inner.code === 'unrecognized_keys');
  return [...(mixed ? [issue] : []), ...closest.flatMap(closestForm)];
}

/** The refusal of `error`'s issues, each path prefixed with `where` (e.g. "body") when given. */
export function invalidArgument(error: z.ZodError, where?: string): RegistryError {
  const problems = error.issues.flatMap(closestForm).map((issue) => {
    const path = [...(where ? [where] : []), ...issue.path.map(String)].join('.') || 'request';
    return issue.code === 'unrecognized_keys' ? `${path}: unknown field(s) ${issue.keys.join(', ')}` : `${path}: ${issue.message}`;
  });
  return new RegistryError('INVALID_ARGUMENT', problems.join('; '));
}

/** `value` as `schema` reads it, or INVALID_ARGUMENT. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidArgument(result.error, where);
}
