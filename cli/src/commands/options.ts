/** Option parsers and shared options for commander. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Page, PagedRoute, RouteAnswer, RouteInput } from '@iotreg/common';
import { PAGE_SIZE_MAX } from '@iotreg/common';
import type { CommandContext } from '../context';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

/** Repeatable k=v options collected into a record. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('must be key=value');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

export interface PagingOptions {
  pageSize?: number;
  bookmark?: string;
  all?: boolean;
}

export function withPaging(command: Command): Command {
  return command
    .addOption(new Option('--page-size <n>', 'items per page').argParser(integer(1, PAGE_SIZE_MAX)))
    .option('--bookmark <b>', 'start at this page (from a previous answer)')
    .option('--all', 'follow every page');
}

/** One page of a list route, or with --all every page merged into one. */
export async function fetchPage<R extends PagedRoute>(
  ctx: CommandContext,
  route: R,
  input: RouteInput<R>,
  paging: PagingOptions,
): Promise<RouteAnswer<R>> {
  const request = { ...input, pageSize: paging.pageSize, bookmark: paging.bookmark } as RouteInput<R>;
  if (!paging.all) return ctx.client.call(route, request);
  const items: unknown[] = [];
  for await (const page of ctx.client.pages(route, request)) items.push(...(page as Page<unknown>).items);
  return { items, bookmark: '' } as RouteAnswer<R>;
}
