/** What every command action gets: the terminal, the output mode, and a lazily configured gateway client. */
import type { Command } from 'commander';
import { bearer, RegistryClient } from '@iotreg/common';
import { Connection, ConnectionOptions, Environment, resolveConnection } from './connection';
import { formatRecord, formatTable, Row } from './output';

/** The process's terminal, injectable so tests run commands in-process. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Environment;
  /** stderr is a terminal: progress may rewrite its line. */
  interactive: boolean;
}

export interface GlobalOptions extends ConnectionOptions {
  json?: boolean;
}

/**
 * How long a request may wait for its answer: a batch of registrations answers only once endorsed
 * (longer the more devices it holds) and committed, which can take the gateway's full deadlines.
 */
const ANSWER_TIMEOUT_MS = 180_000;

export class CommandContext {
  #connection: Connection | undefined;
  #client: RegistryClient | undefined;

  constructor(
    readonly io: Io,
    readonly options: GlobalOptions,
  ) {}

  static of(io: Io, command: Command): CommandContext {
    return new CommandContext(io, command.optsWithGlobals<GlobalOptions>());
  }

  get json(): boolean {
    return this.options.json === true;
  }

  /** Resolved on first use, so commands that need no gateway (keygen, audit verify) need no configuration. */
  get connection(): Connection {
    this.#connection ??= resolveConnection(this.options, this.io.env);
    return this.#connection;
  }

  /** The registry's REST client, as the connection's bearer token. */
  get client(): RegistryClient {
    const { gateway, token } = this.connection;
    this.#client ??= new RegistryClient({ baseUrl: gateway, authorization: bearer(token), timeoutMs: ANSWER_TIMEOUT_MS });
    return this.#client;
  }

  /** One record: JSON with --json, "key  value" lines otherwise. */
  record(value: unknown): void {
    this.io.stdout(this.json ? `${JSON.stringify(value)}\n` : formatRecord(value as Row));
  }

  /** A list page: JSON {items, bookmark} with --json, a table otherwise (and where the next page starts). */
  page(page: { items: unknown[]; bookmark: string }, columns: string[]): void {
    if (this.json) {
      this.io.stdout(`${JSON.stringify(page)}\n`);
      return;
    }
    this.io.stdout(formatTable(page.items as Row[], columns));
    if (page.bookmark !== '') this.io.stderr(`more: --bookmark ${page.bookmark}\n`);
  }
}
