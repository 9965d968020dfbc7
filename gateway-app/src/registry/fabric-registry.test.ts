import type { CallOptions } from '@grpc/grpc-js';
import type { Contract, Network, ProposalOptions, Status } from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import pino from 'pino';
import { RegistryError, OPERATIONS, operationOfTx } from '@iotreg/common';
import { SAMPLE_ANSWERS, sampleDevice } from '../testing/sample-answers';
import type { LedgerPort } from '../fabric/connection';
import { createMetrics, Metrics } from '../metrics';
import { DEADLINES_MS } from '../fabric/connection';
import { chaincodeRefusal, commitStatusError, endorseError, gatewayError, submitError } from '../testing/fabric-errors';
import { FabricRegistry, MVCC_RETRIES } from './fabric-registry';

const enc = (value: unknown) => Buffer.from(JSON.stringify(value));
const txIdOf = (n: number) => n.toString(16).padStart(64, '0');
const sampleFor = (tx: string) => {
  const name = operationOfTx(tx);
  return name && name in SAMPLE_ANSWERS ? SAMPLE_ANSWERS[name as keyof typeof SAMPLE_ANSWERS] : {};
};

type Step<T> = (txId: string) => Promise<T> | T;

/**
 * A scripted peer: each proposal gets the next transaction ID; endorse, submit, the commit
 * wait and commit status lookups follow the scripts given by the test.
 */
class FakeLedger implements LedgerPort {
  readonly channel = 'iot';
  readonly mspId = 'Org1MSP';
  proposals: { identity: string; name: string; args: string[]; txId: string }[] = [];
  /** Every proposal's and evaluation's options, in order (transient data, endorsing orgs). */
  proposalOptions: ProposalOptions[] = [];
  evaluateOptions: ProposalOptions[] = [];
  evaluations: { identity: string; name: string; args: string[] }[] = [];
  qsccCalls: { identity: string; name: string; args: string[]; options?: CallOptions }[] = [];
  submits: string[] = [];
  /** Milliseconds each endorsement was given, in order. */
  endorseDeadlines: number[] = [];
  lookups: { identity: string; txId: string; options?: CallOptions }[] = [];
  resubmits: { identity: string; transaction: string }[] = [];
  closed = false;

  evaluate: (name: string, args: string[]) => Promise<Uint8Array> = async (name) => enc(sampleFor(name));
  /** By default the sample answer of the proposal's transaction. */
  endorse: Step<Uint8Array> = (txId) => enc(sampleFor(this.proposals.find((p) => p.txId === txId)?.name ?? ''));
  submit: Step<void> = () => undefined;
  commit: Step<Status> = (txId) => status(txId, 0);
  lookup: Step<Status> = (txId) => status(txId, 0);
  qsccEvaluate: (name: string, args: string[]) => Promise<Uint8Array> = async () => new Uint8Array();
  events: { blockNumber: bigint; transactionId: string; chaincodeName: string; eventName: string; payload: Uint8Array }[] = [];
  eventsOptions: unknown[] = [];
  eventsClosed = 0;

  contract(identity: string): Contract {
    return {
      getChaincodeName: () => 'device-registry',
      evaluate: async (name: string, options?: ProposalOptions) => {
        const args = (options?.arguments ?? []) as string[];
        this.evaluations.push({ identity, name, args });
        if (options) this.evaluateOptions.push(options);
        return this.evaluate(name, args);
      },
      newProposal: (name: string, options?: ProposalOptions) => {
        const txId = txIdOf(this.proposals.length + 1);
        this.proposals.push({ identity, name, args: (options?.arguments ?? []) as string[], txId });
        if (options) this.proposalOptions.push(options);
        return {
          getTransactionId: () => txId,
          endorse: async (callOptions?: CallOptions) => {
            this.endorseDeadlines.push(Number(callOptions?.deadline ?? Infinity) - Date.now());
            const result = await this.endorse(txId);
            return {
              getTransactionId: () => txId,
              getResult: () => result,
              getBytes: () => enc({ txId }),
              submit: async () => {
                this.submits.push(txId);
                await this.submit(txId);
                return { getStatus: async () => this.commit(txId), getTransactionId: () => txId };
              },
            };
          },
        };
      },
    } as unknown as Contract;
  }

  qscc(identity: string): Contract {
    return {
      evaluate: async (name: string, options?: { arguments?: string[] }) => {
        const args = options?.arguments ?? [];
        this.qsccCalls.push({ identity, name, args });
        return this.qsccEvaluate(name, args);
      },
      newProposal: (name: string, proposalOptions?: { arguments?: string[] }) => ({
        evaluate: async (options?: CallOptions) => {
          const args = proposalOptions?.arguments ?? [];
          this.qsccCalls.push({ identity, name, args, ...(options ? { options } : {}) });
          return this.qsccEvaluate(name, args);
        },
      }),
    } as unknown as Contract;
  }

  network(): Network {
    return {
      getChaincodeEvents: async (_name: string, options?: unknown) => {
        this.eventsOptions.push(options);
        const events = this.events;
        const onClose = () => {
          this.eventsClosed += 1;
        };
        return {
          async *[Symbol.asyncIterator]() {
            for (const event of events) yield event;
          },
          close: onClose,
        };
      },
    } as unknown as Network;
  }

  async commitStatus(identity: string, txId: string, options?: CallOptions): Promise<Status> {
    this.lookups.push({ identity, txId, ...(options ? { options } : {}) });
    return this.lookup(txId);
  }

  async resubmit(identity: string, transaction: Uint8Array): Promise<void> {
    this.resubmits.push({ identity, transaction: Buffer.from(transaction).toString('utf8') });
  }

  close(): void {
    this.closed = true;
  }
}

function status(transactionId: string, code: number, blockNumber = 5n): Status {
  return { transactionId, code: code as Status['code'], blockNumber, successful: code === 0 };
}

let ledger: FakeLedger;
let metrics: Metrics;
let registry: FabricRegistry;

beforeEach(() => {
  ledger = new FakeLedger();
  metrics = createMetrics({ defaultMetrics: false });
  registry = new FabricRegistry({
    ledger,
    relayIdentity: 'relay',
    metrics,
    logger: pino({ level: 'silent' }),
    outcomeResolutionMs: 200,
    resolutionRetryDelayMs: 10,
    pingTimeoutMs: 1_000,
    endorseAgainAfterMs: [5, 5],
  });
});

/** A counter's value, or a histogram's observation count, for the labels given. */
async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find(
    (v) =>
      (String(metric.type) !== 'histogram' || (v as { metricName?: string }).metricName === `${name}_count`) &&
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return value?.value ?? 0;
}

describe('evaluate', () => {
  test('one argument, the JSON text of the request; the answer decoded from JSON', async () => {
    await expect(registry.call('getDevice', 'org1-auditor', { deviceId: 'd-1' })).resolves.toEqual(sampleDevice);
    expect(ledger.evaluations).toEqual([{ identity: 'org1-auditor', name: OPERATIONS.getDevice.tx, args: ['{"deviceId":"d-1"}'] }]);
    expect(ledger.proposals).toHaveLength(0);
  });

  test('a chaincode error code becomes that RegistryError', async () => {
    ledger.evaluate = async () => {
      throw chaincodeRefusal('NOT_FOUND: no device d-1');
    };
    await expect(registry.call('getDevice', 'a', { deviceId: 'd-1' })).rejects.toEqual(new RegistryError('NOT_FOUND', 'no device d-1'));
    expect(
      await metricValue('iotreg_gateway_ledger_call_duration_seconds', { transaction: OPERATIONS.getDevice.tx, outcome: 'NOT_FOUND' }),
    ).toBe(1);
  });

  test('an unreachable peer is LEDGER_UNAVAILABLE', async () => {
    ledger.evaluate = async () => {
      throw gatewayError(14, 'No connection established');
    };
    await expect(registry.call('listDevices', 'a', { pageSize: 10 })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });

  test('an answer that is not JSON is INTERNAL', async () => {
    ledger.evaluate = async () => Buffer.from('<html>');
    await expect(registry.call('getFamily', 'a', { family: 'f' })).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  test("an answer outside the operation's schema is INTERNAL: no caller gets a record the contract does not describe", async () => {
    ledger.evaluate = async () => enc({ deviceId: 'd-1', status: 'active' });
    await expect(registry.call('getDevice', 'a', { deviceId: 'd-1' })).rejects.toMatchObject({ code: 'INTERNAL' });
    ledger.evaluate = async () => enc({ ...sampleDevice, secret: 'not in the schema' });
    await expect(registry.call('getDevice', 'a', { deviceId: 'd-1' })).resolves.toEqual(sampleDevice);
  });
});

describe('private data (own-org-only operations)', () => {
  const transientOf = (options: ProposalOptions | undefined) =>
    JSON.parse(Buffer.from((options?.transientData as Record<string, string>)['request']!).toString('utf8')) as Record<string, unknown>;

  test('the request travels as transient data, endorsed by this org alone, with a salt drawn here when none is given', async () => {
    await registry.call('putConfidentialAttributes', 'org1-admin', { deviceId: 'd-1', attributes: { site: 'plant-3' } });
    expect(ledger.proposals).toMatchObject([{ name: OPERATIONS.putConfidentialAttributes.tx, args: [] }]);
    const [options] = ledger.proposalOptions;
    expect(options?.endorsingOrganizations).toEqual(['Org1MSP']);
    const sent = transientOf(options);
    expect(sent).toMatchObject({ deviceId: 'd-1', attributes: { site: 'plant-3' } });
    expect(sent.salt).toMatch(/^[0-9a-f]{64}$/);
    await registry.call('putConfidentialAttributes', 'org1-admin', { deviceId: 'd-1', attributes: { site: 'x' } });
    expect(transientOf(ledger.proposalOptions[1]).salt).not.toEqual(sent.salt);
  });

  test("a caller's salt is kept; reads of the values are answered by this org's peers alone", async () => {
    const salt = 'ab'.repeat(32);
    await registry.call('putConfidentialAttributes', 'org1-admin', { deviceId: 'd-1', attributes: { site: 'x' }, salt });
    expect(transientOf(ledger.proposalOptions[0]).salt).toBe(salt);
    await registry.call('getConfidentialAttributes', 'org1-auditor', { deviceId: 'd-1' });
    expect(ledger.evaluations).toEqual([{ identity: 'org1-auditor', name: OPERATIONS.getConfidentialAttributes.tx, args: [] }]);
    expect(ledger.evaluateOptions[0]?.endorsingOrganizations).toEqual(['Org1MSP']);
    expect(transientOf(ledger.evaluateOptions[0])).toEqual({ deviceId: 'd-1' });
  });

  test('the public digest is an ordinary majority-endorsed write', async () => {
    await registry.call('recordConfidentialDigest', 'org1-admin', { deviceId: 'd-1' });
    expect(ledger.proposals).toMatchObject([{ args: ['{"deviceId":"d-1"}'] }]);
    expect(ledger.proposalOptions[0]?.endorsingOrganizations).toBeUndefined();
    expect(ledger.proposalOptions[0]?.transientData).toBeUndefined();
  });
});

describe('submit', () => {
  test('endorse, submit, wait for VALID: the endorsed result with its transaction ID and block', async () => {
    ledger.commit = (txId) => status(txId, 0, 42n);
    const committed = await registry.call('registerDevice', 'org1-admin', {
      deviceId: 'd-1',
      publicKeyPem: 'pem',
      family: 'f',
      proof: 'p',
    });
    expect(committed).toEqual({ result: sampleDevice, txId: txIdOf(1), blockNumber: 42 });
    expect(ledger.proposals).toEqual([
      {
        identity: 'org1-admin',
        name: OPERATIONS.registerDevice.tx,
        args: ['{"deviceId":"d-1","publicKeyPem":"pem","family":"f","proof":"p"}'],
        txId: txIdOf(1),
      },
    ]);
    expect(ledger.submits).toEqual([txIdOf(1)]);
    expect(ledger.lookups).toHaveLength(0);
  });

  test("submitting: each attempt's transaction is told before it goes to the orderers, and waited for", async () => {
    const codes = [11, 0];
    ledger.commit = (txId) => status(txId, codes.shift() ?? 0);
    const told: Array<{ txId: string; submittedBefore: number; transaction: string }> = [];
    await registry.call(
      'voteFirmware',
      'a',
      { family: 'f', version: '1.0.0', decision: 'approve' },
      {
        submitting: async ({ txId, transaction }) => {
          await new Promise((resolve) => setImmediate(resolve));
          told.push({ txId, submittedBefore: ledger.submits.length, transaction });
        },
      },
    );
    expect(told.map(({ txId, submittedBefore }) => ({ txId, submittedBefore }))).toEqual([
      { txId: txIdOf(1), submittedBefore: 0 },
      { txId: txIdOf(2), submittedBefore: 1 },
    ]);
    expect(told.every(({ transaction }) => Buffer.from(transaction, 'base64').length > 0)).toBe(true);
  });

  test('a batch gets longer to endorse, in proportion to its devices', async () => {
    const device = { deviceId: 'd', publicKeyPem: 'pem', family: 'f', proof: 'p' };
    await registry.call('registerDevice', 'org1-admin', device);
    await registry.call('registerDevices', 'org1-admin', { devices: Array.from({ length: 500 }, () => device) });
    const [single, batch] = ledger.endorseDeadlines;
    expect(single).toBeGreaterThan(DEADLINES_MS.endorse - 1_000);
    expect(single).toBeLessThanOrEqual(DEADLINES_MS.endorse);
    expect(batch! - single!).toBeGreaterThan(500 * DEADLINES_MS.endorsePerDevice - 1_000);
  });

  test('a chaincode refusal at endorsement is final and nothing is submitted', async () => {
    ledger.endorse = () => {
      throw endorseError(10, 'failed to endorse transaction, see attached details for more info', [
        'chaincode response 500, FORBIDDEN: device d-1 belongs to Org2MSP',
      ]);
    };
    await expect(registry.call('revokeDevice', 'a', { deviceId: 'd-1', reason: 'other' })).rejects.toEqual(
      new RegistryError('FORBIDDEN', 'device d-1 belongs to Org2MSP'),
    );
    expect(ledger.submits).toHaveLength(0);
    expect(ledger.lookups).toHaveLength(0);
    expect(ledger.endorseDeadlines).toHaveLength(1);
  });

  describe("endorsed by this org's peer, refused only by another org's", () => {
    const notFound = { mspId: 'Org2MSP', message: 'chaincode response 500, NOT_FOUND: device d-1 not found' };
    const mismatch = { mspId: 'Org2MSP', message: 'ProposalResponsePayloads do not match' };
    /** Endorsements fail with these details, one after another, then succeed. */
    const failing = (...failures: Array<Parameters<typeof endorseError>[2]>) => {
      const endorse = ledger.endorse;
      ledger.endorse = (txId) => {
        const details = failures.shift();
        if (details) throw endorseError(10, 'failed to collect enough transaction endorsements', details);
        return endorse(txId);
      };
    };
    const revoke = { deviceId: 'd-1', reason: 'other' as const };

    test('a peer behind this one: the same transaction is endorsed again after a pause, and commits', async () => {
      failing([notFound], [mismatch]);
      const committed = await registry.call('revokeDevice', 'a', revoke);
      expect(committed.txId).toBe(txIdOf(1));
      expect(ledger.endorseDeadlines).toHaveLength(3);
      expect(ledger.submits).toEqual([txIdOf(1)]);
      expect(await metrics.registry.getSingleMetricAsString('iotreg_gateway_write_retries_total')).toContain(
        'reason="ENDORSED_BY_OWN_ORG_ONLY"} 2',
      );
    });

    test('a refusal that outlasts every pause is answered as refused, nothing submitted', async () => {
      failing([notFound], [notFound], [notFound]);
      await expect(registry.call('revokeDevice', 'a', revoke)).rejects.toEqual(new RegistryError('NOT_FOUND', 'device d-1 not found'));
      expect(ledger.endorseDeadlines).toHaveLength(3);
      expect(ledger.submits).toHaveLength(0);
    });

    test("is final at once when this org's peer refused too, or the other org's peer is unreachable", async () => {
      failing([notFound, 'chaincode response 500, NOT_FOUND: device d-1 not found']);
      await expect(registry.call('revokeDevice', 'a', revoke)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(ledger.endorseDeadlines).toHaveLength(1);
      failing([{ mspId: 'Org2MSP', message: 'connection refused' }]);
      await expect(registry.call('revokeDevice', 'a', revoke)).rejects.toBeInstanceOf(RegistryError);
      expect(ledger.endorseDeadlines).toHaveLength(2);
    });
  });

  test('an unreachable endorser is LEDGER_UNAVAILABLE: nothing was written', async () => {
    ledger.endorse = () => {
      throw endorseError(14, 'connection refused');
    };
    await expect(registry.call('publishConfig', 'a', { deviceId: 'd', version: 1, sha256: 'x' })).rejects.toMatchObject({
      code: 'LEDGER_UNAVAILABLE',
      message: expect.stringContaining('nothing was written'),
    });
    expect(ledger.submits).toHaveLength(0);
  });

  test('MVCC and phantom read conflicts: the whole write is proposed again, as a new transaction', async () => {
    const codes = [11, 12, 0];
    ledger.commit = (txId) => status(txId, codes.shift() ?? 0);
    const committed = await registry.call('voteFirmware', 'a', { family: 'f', version: '1.0.0', decision: 'approve' });
    expect(committed.txId).toBe(txIdOf(3));
    expect(ledger.proposals.map((p) => p.txId)).toEqual([txIdOf(1), txIdOf(2), txIdOf(3)]);
    expect(new Set(ledger.proposals.map((p) => p.args[0])).size).toBe(1);
    expect(await metricValue('iotreg_gateway_write_retries_total', { reason: 'MVCC_READ_CONFLICT' })).toBe(1);
    expect(await metricValue('iotreg_gateway_write_retries_total', { reason: 'PHANTOM_READ_CONFLICT' })).toBe(1);
  });

  test(`conflicts retried ${MVCC_RETRIES} times at most, then STATE_CONFLICT`, async () => {
    ledger.commit = (txId) => status(txId, 11);
    await expect(registry.call('voteFirmware', 'a', { family: 'f', version: '1.0.0', decision: 'approve' })).rejects.toMatchObject({
      code: 'STATE_CONFLICT',
      details: { txId: txIdOf(MVCC_RETRIES + 1) },
    });
    expect(ledger.proposals).toHaveLength(MVCC_RETRIES + 1);
  });

  test('other validation codes are not retried', async () => {
    ledger.commit = (txId) => status(txId, 10); // ENDORSEMENT_POLICY_FAILURE
    await expect(registry.call('registerEndpoint', 'a', { id: 'e', kind: 'peer', url: 'grpcs://p:7051' })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('ENDORSEMENT_POLICY_FAILURE'),
    });
    expect(ledger.proposals).toHaveLength(1);
  });

  describe('unknown outcomes are looked up by transaction ID, never resubmitted blindly', () => {
    test('BFT quorum failure (UNAVAILABLE) that did commit: success, submitted once', async () => {
      ledger.submit = () => {
        throw submitError(14, 'insufficient number of orderers could successfully process transaction to satisfy quorum requirement');
      };
      ledger.lookup = (txId) => status(txId, 0, 77n);
      const committed = await registry.call('anchorMessage', 'relay', {
        payload: { action: 'anchor', deviceId: 'd-1', seq: 1, digest: 'd'.repeat(64) },
        signature: 's',
      });
      expect(committed).toEqual({ result: SAMPLE_ANSWERS.anchorMessage, txId: txIdOf(1), blockNumber: 77 });
      expect(ledger.submits).toEqual([txIdOf(1)]);
      expect(ledger.lookups.map((l) => [l.identity, l.txId])).toEqual([['relay', txIdOf(1)]]);
      expect(ledger.lookups[0]?.options?.deadline).toBeDefined();
      expect(await metricValue('iotreg_gateway_outcome_resolutions_total', { result: 'VALID' })).toBe(1);
    });

    test('the commit wait failing is resolved the same way', async () => {
      ledger.commit = () => {
        throw commitStatusError(4, 'deadline exceeded');
      };
      ledger.lookup = (txId) => status(txId, 0);
      await expect(registry.call('setDeviceStatus', 'a', { deviceId: 'd', status: 'suspended' })).resolves.toMatchObject({
        txId: txIdOf(1),
      });
      expect(ledger.proposals).toHaveLength(1);
    });

    test('a lost connection during submit (DEADLINE_EXCEEDED) that committed invalid with MVCC: retried as a new transaction', async () => {
      let first = true;
      ledger.submit = () => {
        if (first) {
          first = false;
          throw submitError(4, 'submit timeout expired while broadcasting to ordering service');
        }
      };
      ledger.lookup = (txId) => status(txId, 11);
      const committed = await registry.call('rotateKey', 'a', { deviceId: 'd', publicKeyPem: 'p', proofOld: 'o', proofNew: 'n' });
      expect(committed.txId).toBe(txIdOf(2));
      expect(ledger.submits).toEqual([txIdOf(1), txIdOf(2)]);
    });

    test('a lookup that finds it committed invalid (not a conflict) reports that: nothing was written', async () => {
      ledger.submit = () => {
        throw submitError(14, 'quorum');
      };
      ledger.lookup = (txId) => status(txId, 10);
      await expect(registry.call('registerFamily', 'a', { family: 'f', vendorKeyPem: 'p', approvalThreshold: 1 })).rejects.toMatchObject({
        code: 'INTERNAL',
      });
      expect(ledger.submits).toHaveLength(1);
    });

    test('still unknown when the lookup budget runs out: OUTCOME_UNKNOWN with the transaction ID', async () => {
      ledger.submit = () => {
        throw submitError(14, 'quorum');
      };
      ledger.lookup = () => {
        throw commitStatusError(14, 'peer unreachable');
      };
      const started = Date.now();
      const failure = registry.call('publishFirmware', 'a', { family: 'f', version: '1.0.0', sha256: 'x', signature: 's' });
      await expect(failure).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN', details: { txId: txIdOf(1) } });
      await expect(failure).rejects.toThrow(txIdOf(1));
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(ledger.lookups.length).toBeGreaterThan(1); // asked again while the peer was unreachable
      expect(ledger.lookups.every((l) => l.txId === txIdOf(1))).toBe(true);
      expect(ledger.submits).toHaveLength(1);
    });

    test('a submit refused outright is not looked up', async () => {
      ledger.submit = () => {
        throw submitError(10, 'received unsuccessful response from orderer: status=BAD_REQUEST');
      };
      await expect(
        registry.call('reportConfig', 'relay', {
          payload: { action: 'config-report', deviceId: 'd-1', seq: 1, sha256: 'f'.repeat(64) },
          signature: 's',
        }),
      ).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(ledger.lookups).toHaveLength(0);
    });
  });
});

describe('ledger queries', () => {
  function processed(validationCode: number): Uint8Array {
    const tx = new peer.ProcessedTransaction();
    tx.setValidationcode(validationCode);
    return tx.serializeBinary();
  }

  function block(number: number, txIds: string[], lastConfig?: number): Uint8Array {
    const b = new common.Block();
    const header = new common.BlockHeader();
    header.setNumber(number);
    b.setHeader(header);
    if (lastConfig !== undefined) {
      const index = new common.LastConfig();
      index.setIndex(lastConfig);
      const ordererMetadata = new common.OrdererBlockMetadata();
      ordererMetadata.setLastConfig(index);
      const signatures = new common.Metadata();
      signatures.setValue(ordererMetadata.serializeBinary());
      const metadata = new common.BlockMetadata();
      metadata.setMetadataList([signatures.serializeBinary(), new Uint8Array(), new Uint8Array()]);
      b.setMetadata(metadata);
    }
    const data = new common.BlockData();
    data.setDataList(
      txIds.map((txId) => {
        const channelHeader = new common.ChannelHeader();
        channelHeader.setTxId(txId);
        channelHeader.setChannelId('iot');
        const h = new common.Header();
        h.setChannelHeader(channelHeader.serializeBinary());
        const payload = new common.Payload();
        payload.setHeader(h);
        const envelope = new common.Envelope();
        envelope.setPayload(payload.serializeBinary());
        return envelope.serializeBinary();
      }),
    );
    b.setData(data);
    return b.serializeBinary();
  }

  test('transactionStatus: the validation code name and block number', async () => {
    ledger.qsccEvaluate = async () => processed(11);
    ledger.lookup = (txId) => status(txId, 11, 31n);
    await expect(registry.transactionStatus('a', 'ab'.repeat(32))).resolves.toEqual({
      txId: 'ab'.repeat(32),
      status: 'MVCC_READ_CONFLICT',
      blockNumber: 31,
    });
    expect(ledger.qsccCalls[0]).toEqual({ identity: 'a', name: 'GetTransactionByID', args: ['iot', 'ab'.repeat(32)] });
  });

  test('committedResult: a cut-off transaction the ledger lacks is sent again, then waited for', async () => {
    ledger.qsccEvaluate = async () => {
      throw chaincodeRefusal('Failed to get transaction with id x, error no such transaction ID [x] in index');
    };
    ledger.lookup = (txId) => status(txId, 11);
    await expect(registry.committedResult('a', 'cd'.repeat(32), Buffer.from('endorsed'))).resolves.toEqual({
      kind: 'invalid',
      validationCode: 'MVCC_READ_CONFLICT',
    });
    expect(ledger.resubmits).toEqual([{ identity: 'a', transaction: 'endorsed' }]);
    expect(ledger.lookups.map((l) => l.txId)).toEqual(['cd'.repeat(32)]);
  });

  test('committedResult: a transaction the ledger has is not sent again', async () => {
    ledger.qsccEvaluate = async () => processed(11);
    ledger.lookup = (txId) => status(txId, 11);
    await registry.committedResult('a', 'ab'.repeat(32), Buffer.from('endorsed'));
    expect(ledger.resubmits).toEqual([]);
  });

  test('transactionStatus: a transaction the peer does not know is UNKNOWN', async () => {
    ledger.qsccEvaluate = async () => {
      throw chaincodeRefusal('Failed to get transaction with id x, error no such transaction ID [x] in index');
    };
    await expect(registry.transactionStatus('a', 'cd'.repeat(32))).resolves.toEqual({ txId: 'cd'.repeat(32), status: 'UNKNOWN' });
    expect(ledger.lookups).toHaveLength(0);
  });

  test('transactionStatus: an unreachable peer is 503, not UNKNOWN', async () => {
    ledger.qsccEvaluate = async () => {
      throw gatewayError(14, 'down');
    };
    await expect(registry.transactionStatus('a', 'cd'.repeat(32))).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });

  /** A config block whose Orderer group holds a BFT consenter mapping. */
  function configBlock(consenters: { id: number; mspId: string; identity: string }[]): Uint8Array {
    const orderers = new common.Orderers();
    orderers.setConsenterMappingList(
      consenters.map((c) => {
        const consenter = new common.Consenter();
        consenter.setId(c.id);
        consenter.setMspId(c.mspId);
        consenter.setIdentity(Buffer.from(c.identity));
        return consenter;
      }),
    );
    const value = new common.ConfigValue();
    value.setValue(orderers.serializeBinary());
    const ordererGroup = new common.ConfigGroup();
    ordererGroup.getValuesMap().set('Orderers', value);
    const channelGroup = new common.ConfigGroup();
    channelGroup.getGroupsMap().set('Orderer', ordererGroup);
    const config = new common.Config();
    config.setChannelGroup(channelGroup);
    const configEnvelope = new common.ConfigEnvelope();
    configEnvelope.setConfig(config);
    const payload = new common.Payload();
    payload.setData(configEnvelope.serializeBinary());
    const envelope = new common.Envelope();
    envelope.setPayload(payload.serializeBinary());
    const data = new common.BlockData();
    data.setDataList([envelope.serializeBinary()]);
    const b = new common.Block();
    b.setHeader(new common.BlockHeader());
    b.setData(data);
    return b.serializeBinary();
  }

  test('transactionProof: the block as stored, the envelope index, the validation code, the consenters and their config block', async () => {
    const txId = 'ef'.repeat(32);
    const blockBytes = block(12, ['11'.repeat(32), txId, '22'.repeat(32)], 3);
    const consenters = [
      { id: 1, mspId: 'OrdererMSP', identity: '-----BEGIN CERTIFICATE-----\none\n-----END CERTIFICATE-----\n' },
      { id: 2, mspId: 'OrdererMSP', identity: '-----BEGIN CERTIFICATE-----\ntwo\n-----END CERTIFICATE-----\n' },
    ];
    const answers: Record<string, Uint8Array> = {
      GetTransactionByID: processed(0),
      GetBlockByTxID: blockBytes,
      GetBlockByNumber: configBlock(consenters),
    };
    ledger.qsccEvaluate = async (name) => answers[name] ?? new Uint8Array();
    const proof = await registry.transactionProof('auditor', txId);
    expect(proof).toEqual({
      txId,
      validationCode: 'VALID',
      validationCodeValue: 0,
      blockNumber: 12,
      block: Buffer.from(blockBytes).toString('base64'),
      envelopeIndex: 1,
      configBlockNumber: 3,
      consenters,
      configBlock: Buffer.from(answers.GetBlockByNumber as Uint8Array).toString('base64'),
    });
    expect(ledger.qsccCalls.map((c) => [c.name, c.args])).toEqual([
      ['GetTransactionByID', ['iot', txId]],
      ['GetBlockByTxID', ['iot', txId]],
      ['GetBlockByNumber', ['iot', '3']],
    ]);
    const decoded = common.Block.deserializeBinary(Buffer.from(proof.block, 'base64'));
    expect(decoded.getHeader()?.getNumber()).toBe(12);
  });

  test('transactionProof of a block without orderer metadata: INTERNAL, not a proof without consenters', async () => {
    const txId = 'ef'.repeat(32);
    const blockBytes = block(12, [txId]);
    ledger.qsccEvaluate = async (name) => (name === 'GetTransactionByID' ? processed(0) : blockBytes);
    await expect(registry.transactionProof('auditor', txId)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  test('transactionProof of an unknown transaction: NOT_FOUND', async () => {
    ledger.qsccEvaluate = async () => {
      throw chaincodeRefusal('no such transaction ID');
    };
    await expect(registry.transactionProof('a', 'ef'.repeat(32))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('ping: chain height from qscc GetChainInfo, as the relay identity, with a short deadline', async () => {
    const info = new common.BlockchainInfo();
    info.setHeight(99);
    ledger.qsccEvaluate = async () => info.serializeBinary();
    const before = Date.now();
    await expect(registry.ping()).resolves.toEqual({ height: 99 });
    const call = ledger.qsccCalls[0];
    expect(call).toMatchObject({ identity: 'relay', name: 'GetChainInfo', args: ['iot'] });
    expect(Number(call?.options?.deadline)).toBeLessThanOrEqual(before + 1_000 + 50);
  });

  test('chaincodeEvents: mapped events, start block passed, close() closes the ledger stream', async () => {
    ledger.events = [
      { blockNumber: 4n, transactionId: 't1', chaincodeName: 'device-registry', eventName: 'device.registered', payload: enc({ a: 1 }) },
      { blockNumber: 4n, transactionId: 't2', chaincodeName: 'device-registry', eventName: 'device.revoked', payload: enc({ b: 2 }) },
    ];
    const stream = await registry.chaincodeEvents('a', 4n);
    const seen = [];
    for await (const event of stream) seen.push([event.blockNumber, event.txId, event.name]);
    expect(seen).toEqual([
      [4n, 't1', 'device.registered'],
      [4n, 't2', 'device.revoked'],
    ]);
    expect(ledger.eventsOptions).toEqual([{ startBlock: 4n }]);
    expect(ledger.eventsClosed).toBeGreaterThan(0);
    await registry.chaincodeEvents('a');
    expect(ledger.eventsOptions[1]).toBeUndefined();
  });
});
