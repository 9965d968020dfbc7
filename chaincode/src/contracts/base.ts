import { Contract } from 'fabric-contract-api';
import { type AnswerOf, type OperationName, type ParsedRequestOf, RegistryError } from '@iotreg/common';
import { RegistryContext } from '../context';
import { readRequest } from '../request';

/**
 * What every contract shares: the registry context, and one way in and out of a transaction:
 * the request read with its catalogue operation's schema (form refusals come first, as at the
 * gateway), the work's writes handed to the peer once it succeeded, the answer JSON (typed as the
 * catalogue's answer), any refusal as "CODE: text", the only part of an error that crosses to
 * the client.
 */
export abstract class RegistryContract extends Contract {
  override createContext(): RegistryContext {
    return new RegistryContext();
  }

  protected async answer<N extends OperationName>(
    ctx: RegistryContext,
    operation: N,
    request: string,
    work: (request: ParsedRequestOf<N>) => Promise<AnswerOf<N>>,
  ): Promise<string> {
    try {
      const result = await work(readRequest(operation, request));
      await ctx.store.flush();
      return JSON.stringify(result);
    } catch (err) {
      if (err instanceof RegistryError) throw new Error(err.toWire());
      throw new Error(new RegistryError('INTERNAL', err instanceof Error ? err.message : String(err)).toWire());
    }
  }
}
