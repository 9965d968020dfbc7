import { Contract } from 'fabric-contract-api';
import { RegistryError } from '@iotreg/common';
import { RegistryContext } from '../context';
import { Fields, parseRequest } from '../request';

/**
 * What every contract shares: the registry context, and one way in and out of a transaction:
 * the JSON request parsed, the work's writes handed to the peer once it succeeded, the answer
 * JSON, any refusal as "CODE: text", the only part of an error that crosses to the client.
 */
export abstract class RegistryContract extends Contract {
  override createContext(): RegistryContext {
    return new RegistryContext();
  }

  protected async answer(ctx: RegistryContext, request: string, work: (fields: Fields) => Promise<unknown>): Promise<string> {
    try {
      const result = await work(parseRequest(request));
      await ctx.store.flush();
      return JSON.stringify(result);
    } catch (err) {
      if (err instanceof RegistryError) throw new Error(err.toWire());
      throw new Error(new RegistryError('INTERNAL', err instanceof Error ? err.message : String(err)).toWire());
    }
  }
}
