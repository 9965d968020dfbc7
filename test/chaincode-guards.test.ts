/**
 * The chaincode guards itself: the same refusals as through the REST gateway, asserted by
 * submitting straight to the peers with each org's CA-enrolled identities (no gateway app in
 * between), so a misconfigured or compromised gateway cannot grant what the chaincode forbids.
 */
import { createHash } from 'node:crypto';
import type { Contract } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, peer } from '@hyperledger/fabric-protos';
import { OPERATIONS } from '@iotreg/common';
import { orgsInSync, uid } from './support/network';
import { closePeerConnections, connectAs } from './support/peers';
import { newDevice, registration } from './support/devices';
import { ensureFamilies } from './support/families';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['guard-v1']));

function contractAs(org: 'org1' | 'org2', role: string): Contract {
  return connectAs(org, role).contract;
}

/**
 * Submits a transaction whose timestamp the client moved `seconds` into the past, as any org's
 * client can: the timestamp is the client's, in the signed proposal. The only check Fabric makes is
 * each endorsing peer's TimeWindowCheck auth filter (±peer.authentication.timewindow of its clock).
 */
async function submitBackdated(org: 'org1' | 'org2', role: string, name: string, request: unknown, seconds: number): Promise<void> {
  const { gateway, contract, signer } = connectAs(org, role);
  const proposed = gatewayProtos.ProposedTransaction.deserializeBinary(
    contract.newProposal(name, { arguments: [JSON.stringify(request)] }).getBytes(),
  );
  const signedProposal = proposed.getProposal()!;
  const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const timestamp = channelHeader.getTimestamp()!;
  timestamp.setSeconds(timestamp.getSeconds() - seconds);
  channelHeader.setTimestamp(timestamp);
  header.setChannelHeader(channelHeader.serializeBinary());
  proposal.setHeader(header.serializeBinary());
  const proposalBytes = proposal.serializeBinary();
  signedProposal.setProposalBytes(proposalBytes);
  proposed.setProposal(signedProposal);
  const signature = await signer(createHash('sha256').update(proposalBytes).digest());
  const transaction = await gateway.newSignedProposal(proposed.serializeBinary(), signature).endorse();
  const status = await (await transaction.submit()).getStatus();
  if (!status.successful) throw new Error(`transaction ${status.transactionId} committed as ${status.code}`);
}

afterAll(closePeerConnections);

/** The chaincode's refusal code, from the endorsement error's details. */
async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    const texts = [
      String((err as Error).message),
      ...((err as { details?: Array<{ message: string }> }).details ?? []).map((d) => d.message),
    ];
    return (
      texts
        .join(' | ')
        .match(
          /\b(FORBIDDEN|NOT_FOUND|INVALID_ARGUMENT|BAD_SIGNATURE|ALREADY_EXISTS|UNKNOWN_FAMILY|DUPLICATE_VOTE|RULE_VIOLATION|TIMESTAMP_BEFORE_LAST_CHANGE|UNAUTHENTICATED)\b/,
        )?.[1] ?? texts.join(' | ')
    );
  }
  return 'ACCEPTED';
}

test('a vendor or auditor identity cannot register a device, even submitting directly', async () => {
  for (const role of ['vendor', 'auditor']) {
    const device = newDevice(uid('guard'));
    const code = await refusal(() =>
      contractAs('org1', role).submitTransaction(OPERATIONS.registerDevice.tx, JSON.stringify(registration(device, 'guard-v1'))),
    );
    expect([role, code]).toEqual([role, 'FORBIDDEN']);
  }
});

test("another org's admin cannot revoke a device, even submitting directly", async () => {
  const device = newDevice(uid('guard'));
  await contractAs('org1', 'admin').submitTransaction(OPERATIONS.registerDevice.tx, JSON.stringify(registration(device, 'guard-v1')));
  // The submit waited for Org1's peer only; Org2's peer endorses the revocation, so it must hold the device too.
  await orgsInSync();
  const code = await refusal(() =>
    contractAs('org2', 'admin').submitTransaction(OPERATIONS.revokeDevice.tx, JSON.stringify({ deviceId: device.id, reason: 'other' })),
  );
  expect(code).toBe('FORBIDDEN');
  const read = JSON.parse(
    Buffer.from(
      await contractAs('org2', 'auditor').evaluateTransaction(OPERATIONS.getDevice.tx, JSON.stringify({ deviceId: device.id })),
    ).toString(),
  );
  expect(read.status).toBe('active');
});

test('an admin cannot publish firmware; a vendor cannot publish an http uri, even submitting directly', async () => {
  const code = await refusal(() =>
    contractAs('org1', 'admin').submitTransaction(
      OPERATIONS.publishFirmware.tx,
      JSON.stringify({ family: 'x', version: '1.0.0', sha256: 'a'.repeat(64), signature: 'AA==' }),
    ),
  );
  expect(code).toBe('FORBIDDEN');
  const uri = await refusal(() =>
    contractAs('org1', 'vendor').submitTransaction(
      OPERATIONS.publishFirmware.tx,
      JSON.stringify({ family: 'guard-v1', version: '9.0.0', sha256: 'b'.repeat(64), uri: 'http://fw.example/x.bin', signature: 'AA==' }),
    ),
  );
  expect(uri).toBe('INVALID_ARGUMENT');
});

test('a device cannot be registered into a family that does not exist, even submitting directly', async () => {
  const device = newDevice(uid('guard'));
  const code = await refusal(() =>
    contractAs('org1', 'admin').submitTransaction(OPERATIONS.registerDevice.tx, JSON.stringify(registration(device, uid('nofam')))),
  );
  expect(code).toBe('UNKNOWN_FAMILY');
});

test("one org cannot change the member list: its proposal waits for the other's signature; the list in force was signed by both", async () => {
  const members = async () =>
    JSON.parse(Buffer.from(await contractAs('org1', 'auditor').evaluateTransaction(OPERATIONS.getMembers.tx, '{}')).toString());
  const before = await members();
  expect(before.members).toEqual(['Org1MSP', 'Org2MSP']);
  expect(before.signedBy.map((a: { msp: string }) => a.msp).sort()).toEqual(['Org1MSP', 'Org2MSP']);
  const alone = JSON.parse(
    Buffer.from(
      await contractAs('org2', 'admin').submitTransaction(OPERATIONS.setMembers.tx, JSON.stringify({ members: ['Org2MSP'] })),
    ).toString(),
  );
  expect(alone).toMatchObject({ members: ['Org1MSP', 'Org2MSP'], proposal: { members: ['Org2MSP'], proposedBy: 'Org2MSP' } });
  expect((await members()).members).toEqual(['Org1MSP', 'Org2MSP']);
  const vendor = await refusal(() =>
    contractAs('org1', 'vendor').submitTransaction(OPERATIONS.setMembers.tx, JSON.stringify({ members: ['Org1MSP'] })),
  );
  expect(vendor).toBe('FORBIDDEN');
});

test("another org's admin cannot register a device with the proof made for Org1, even submitting directly", async () => {
  const device = newDevice(uid('guard'));
  const body = registration(device, 'guard-v1', undefined, 'Org1MSP');
  expect(await refusal(() => contractAs('org2', 'admin').submitTransaction(OPERATIONS.registerDevice.tx, JSON.stringify(body)))).toBe(
    'BAD_SIGNATURE',
  );
  expect(
    await refusal(() => contractAs('org2', 'admin').submitTransaction(OPERATIONS.registerDevices.tx, JSON.stringify({ devices: [body] }))),
  ).toBe('BAD_SIGNATURE');
  expect(await refusal(() => contractAs('org1', 'admin').submitTransaction(OPERATIONS.registerDevice.tx, JSON.stringify(body)))).toBe(
    'ACCEPTED',
  );
});

test("a transaction dated before the record's last change is refused; the peers bound timestamps to their 15 min window only", async () => {
  // Fabric's bound: each endorsing peer's TimeWindowCheck filter (core.yaml peer.authentication.timewindow, 15m).
  const beyond = await refusal(() =>
    submitBackdated('org1', 'admin', OPERATIONS.registerDevice.tx, registration(newDevice(uid('guard')), 'guard-v1'), 3600),
  );
  expect(beyond).toContain('incorrect timestamp');
  // Within it, any time goes: a new device registered "ten minutes ago" says so.
  const device = newDevice(uid('guard'));
  await submitBackdated('org1', 'admin', OPERATIONS.registerDevice.tx, registration(device, 'guard-v1'), 600);
  const read = async () =>
    JSON.parse(
      Buffer.from(
        await contractAs('org2', 'auditor').evaluateTransaction(OPERATIONS.getDevice.tx, JSON.stringify({ deviceId: device.id })),
      ).toString(),
    );
  expect(Date.now() - Date.parse((await read()).createdAt)).toBeGreaterThan(590_000);
  // The chaincode's bound: a revocation dated before that registration is refused and changes nothing.
  const code = await refusal(() =>
    submitBackdated('org1', 'admin', OPERATIONS.revokeDevice.tx, { deviceId: device.id, reason: 'keyCompromise' }, 800),
  );
  expect(code).toBe('TIMESTAMP_BEFORE_LAST_CHANGE');
  expect((await read()).status).toBe('active');
  await contractAs('org1', 'admin').submitTransaction(
    OPERATIONS.revokeDevice.tx,
    JSON.stringify({ deviceId: device.id, reason: 'keyCompromise' }),
  );
  expect((await read()).status).toBe('revoked');
});
