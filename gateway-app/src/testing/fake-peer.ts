/**
 * A scripted Fabric Gateway service (the peer side of fabric-gateway) over TLS, so the real
 * grpc-js client and fabric-gateway library can be exercised without a network: what they
 * send is decoded with fabric-protos, what they get back is built the way a peer builds it.
 */
import * as grpc from '@grpc/grpc-js';
import { common, gateway, google, msp, peer } from '@hyperledger/fabric-protos';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './tls-fixture';

export interface ProposalCall {
  channel: string;
  txId: string;
  chaincode: string;
  fcn: string;
  args: string[];
}

/** Thrown by a script to answer with a gRPC error (details[] as the peer gateway attaches them). */
export class PeerError {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly peerMessages: string[] = [],
  ) {}
}

export interface PeerScript {
  evaluate?: (call: ProposalCall) => Promise<Uint8Array> | Uint8Array;
  endorse?: (call: ProposalCall) => Promise<Uint8Array> | Uint8Array;
  submit?: (txId: string) => Promise<void> | void;
  commitStatus?: (request: { txId: string; channel: string; mspId: string }) => Promise<{ code: number; blockNumber: number }>;
}

function decodeProposal(signed: peer.SignedProposal | undefined): ProposalCall {
  if (!signed) throw new PeerError(grpc.status.INVALID_ARGUMENT, 'no proposal');
  const proposal = peer.Proposal.deserializeBinary(signed.getProposalBytes_asU8());
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec();
  const args = (spec?.getInput()?.getArgsList_asU8() ?? []).map((bytes) => Buffer.from(bytes).toString('utf8'));
  return {
    channel: channelHeader.getChannelId(),
    txId: channelHeader.getTxId(),
    chaincode: spec?.getChaincodeId()?.getName() ?? '',
    fcn: args[0] ?? '',
    args: args.slice(1),
  };
}

/** The prepared transaction a peer gateway returns from Endorse, carrying the chaincode's result. */
function preparedTransaction(channel: string, txId: string, result: Uint8Array): common.Envelope {
  const response = new peer.Response();
  response.setStatus(200);
  response.setPayload(result);
  const chaincodeAction = new peer.ChaincodeAction();
  chaincodeAction.setResponse(response);
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setExtension$(chaincodeAction.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsed);
  const action = new peer.TransactionAction();
  action.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([action]);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setChannelId(channel);
  channelHeader.setTxId(txId);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope;
}

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (!(err instanceof PeerError)) return { code: grpc.status.INTERNAL, details: String(err) };
  const metadata = new grpc.Metadata();
  if (err.peerMessages.length > 0) {
    const status = new google.rpc.Status();
    status.setCode(err.code);
    status.setMessage(err.details);
    for (const message of err.peerMessages) {
      const detail = new gateway.ErrorDetail();
      detail.setAddress('peer0.org1.example.com:7051');
      detail.setMspId('Org1MSP');
      detail.setMessage(message);
      const any = status.addDetails();
      any.setTypeUrl('type.googleapis.com/gateway.ErrorDetail');
      any.setValue(detail.serializeBinary());
    }
    metadata.set('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
  }
  return { code: err.code, details: err.details, metadata };
}

function unary<Req, Res>(handler: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request).then(
      (response) => callback(null, response),
      (err: unknown) => callback(toServiceError(err) as grpc.ServiceError),
    );
  };
}

export interface FakePeer {
  endpoint: string;
  script: PeerScript;
  evaluations: ProposalCall[];
  endorsements: ProposalCall[];
  submits: string[];
  statusRequests: { txId: string; channel: string; mspId: string }[];
  close(): Promise<void>;
}

export async function startFakePeer(): Promise<FakePeer> {
  const server = new grpc.Server();
  const fake: FakePeer = {
    endpoint: '',
    script: {},
    evaluations: [],
    endorsements: [],
    submits: [],
    statusRequests: [],
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };

  server.addService(gateway.GatewayService, {
    evaluate: unary(async (request: gateway.EvaluateRequest) => {
      const call = decodeProposal(request.getProposedTransaction());
      fake.evaluations.push(call);
      if (!fake.script.evaluate) throw new PeerError(grpc.status.UNIMPLEMENTED, 'no evaluate script');
      const result = new peer.Response();
      result.setStatus(200);
      result.setPayload(await fake.script.evaluate(call));
      const response = new gateway.EvaluateResponse();
      response.setResult(result);
      return response;
    }),
    endorse: unary(async (request: gateway.EndorseRequest) => {
      const call = decodeProposal(request.getProposedTransaction());
      fake.endorsements.push(call);
      if (!fake.script.endorse) throw new PeerError(grpc.status.UNIMPLEMENTED, 'no endorse script');
      const response = new gateway.EndorseResponse();
      response.setPreparedTransaction(preparedTransaction(call.channel, call.txId, await fake.script.endorse(call)));
      return response;
    }),
    submit: unary(async (request: gateway.SubmitRequest) => {
      fake.submits.push(request.getTransactionId());
      await fake.script.submit?.(request.getTransactionId());
      return new gateway.SubmitResponse();
    }),
    commitStatus: unary(async (signed: gateway.SignedCommitStatusRequest) => {
      const request = gateway.CommitStatusRequest.deserializeBinary(signed.getRequest_asU8());
      const identity = msp.SerializedIdentity.deserializeBinary(request.getIdentity_asU8());
      const decoded = { txId: request.getTransactionId(), channel: request.getChannelId(), mspId: identity.getMspid() };
      fake.statusRequests.push(decoded);
      if (!fake.script.commitStatus) throw new PeerError(grpc.status.UNIMPLEMENTED, 'no commit status script');
      const { code, blockNumber } = await fake.script.commitStatus(decoded);
      const response = new gateway.CommitStatusResponse();
      response.setResult(code as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap]);
      response.setBlockNumber(blockNumber);
      return response;
    }),
    chaincodeEvents: (call: grpc.ServerWritableStream<gateway.SignedChaincodeEventsRequest, gateway.ChaincodeEventsResponse>) => {
      call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'not scripted' });
    },
  });

  const credentials = grpc.ServerCredentials.createSsl(null, [
    { cert_chain: Buffer.from(TEST_TLS_CERT), private_key: Buffer.from(TEST_TLS_KEY) },
  ]);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, boundPort) => (err ? reject(err) : resolve(boundPort))),
  );
  fake.endpoint = `127.0.0.1:${port}`;
  return fake;
}
