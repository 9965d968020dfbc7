/**
 * The chaincode and the operation catalogue name the same transactions: every catalogue
 * operation is a contract method of the same name, @Transaction() for a submit and
 * @Transaction(false) for an evaluate, that reads its request as that operation; and no contract
 * transaction is missing from the catalogue (the gateway could not call it, nor check its answer).
 */
import { Transaction } from 'fabric-contract-api';
import { isOwnOrgOnly, OPERATION_NAMES, OPERATIONS, type OperationKind, type OperationName } from '@iotreg/common';
import type { RegistryContext } from '../context';
import { contracts } from '../index';
import { RegistryContract } from './base';

type ContractClass = new () => RegistryContract;

/** What fabric-contract-api's @Transaction(commit) records on a contract's prototype, which fabric-shim serves. */
interface TransactionMetadata {
  name: string;
  tag?: string[];
}

const reflect = Reflect as unknown as { getMetadata(key: string, target: object): TransactionMetadata[] | undefined };

/** "Contract:Method" → kind, of every transaction the contracts serve. */
function contractTransactions(classes: readonly ContractClass[]): Map<string, OperationKind> {
  const served = new Map<string, OperationKind>();
  for (const Class of classes) {
    const name = new Class().getName();
    for (const tx of reflect.getMetadata('fabric:transactions', Class.prototype) ?? []) {
      served.set(`${name}:${tx.name}`, tx.tag?.includes('SUBMIT') ? 'submit' : 'evaluate');
    }
  }
  return served;
}

/** "Contract:Method" → kind, of every catalogue operation. */
function catalogueTransactions(names: readonly OperationName[] = OPERATION_NAMES): Map<string, OperationKind> {
  return new Map(names.map((name) => [OPERATIONS[name].tx, OPERATIONS[name].kind]));
}

const aKind = (kind: OperationKind | undefined) => (kind === 'submit' ? 'a submit' : 'an evaluate');

/** Each transaction the two sides do not agree on, and why. */
function differences(catalogue: Map<string, OperationKind>, served: Map<string, OperationKind>): string[] {
  const all = [...new Set([...catalogue.keys(), ...served.keys()])].sort();
  return all.flatMap((tx) => {
    const [listed, annotated] = [catalogue.get(tx), served.get(tx)];
    if (listed === annotated) return [];
    if (!annotated) return [`${tx}: ${aKind(listed)} in the catalogue, no @Transaction method in the contracts`];
    if (!listed) return [`${tx}: a contract transaction (${annotated}) the catalogue lacks`];
    return [`${tx}: ${aKind(listed)} in the catalogue, ${aKind(annotated)} in the contract`];
  });
}

test('every catalogue operation is a contract transaction of its kind, and every contract transaction is in the catalogue', () => {
  expect(differences(catalogueTransactions(), contractTransactions(contracts))).toEqual([]);
});

test('the comparison fails when a transaction is added on one side only, or has another kind', () => {
  class Surplus extends RegistryContract {
    constructor() {
      super('Devices');
    }

    @Transaction(false)
    async CountDevices(): Promise<string> {
      return '0';
    }
  }
  const served = contractTransactions([...contracts, Surplus]);
  expect(differences(catalogueTransactions(), served)).toEqual([
    'Devices:CountDevices: a contract transaction (evaluate) the catalogue lacks',
  ]);
  const withoutGetDevice = catalogueTransactions(OPERATION_NAMES.filter((name) => name !== 'getDevice'));
  expect(differences(withoutGetDevice, contractTransactions(contracts))).toEqual([
    'Devices:GetDevice: a contract transaction (evaluate) the catalogue lacks',
  ]);
  const kinds = catalogueTransactions();
  kinds.set('Devices:GetDevice', 'submit');
  kinds.set('Devices:Forgotten', 'evaluate');
  expect(differences(kinds, contractTransactions(contracts))).toEqual([
    'Devices:Forgotten: an evaluate in the catalogue, no @Transaction method in the contracts',
    'Devices:GetDevice: a submit in the catalogue, an evaluate in the contract',
  ]);
});

test.each(OPERATION_NAMES)('%s reads its request as that operation', async (operation) => {
  const [contractName, method] = OPERATIONS[operation].tx.split(':') as [string, string];
  const Class = contracts.find((C) => new C().getName() === contractName)!;
  const contract = new Class() as unknown as Record<string, (ctx: RegistryContext, request: string) => Promise<string>>;
  const answer = jest.spyOn(contract as unknown as { answer: () => Promise<string> }, 'answer').mockResolvedValue('{}');
  // A private data operation's request is transient, not an argument.
  const ctx = (isOwnOrgOnly(operation) ? { store: { transient: () => '{}' } } : {}) as unknown as RegistryContext;
  await contract[method]!(ctx, '{}');
  expect(answer).toHaveBeenCalledWith(ctx, operation, '{}', expect.any(Function));
});
