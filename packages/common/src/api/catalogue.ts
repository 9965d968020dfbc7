/**
 * The operation catalogue: every chaincode transaction once, with its kind (a write that is
 * ordered and committed, or a read one peer answers), its request and its answer. The chaincode
 * validates requests with it, the gateway calls the ledger and checks answers with it, and the
 * REST routes (rest.ts) and their OpenAPI document are built from it.
 */
import { z } from 'zod';
import * as R from './records';
import * as Q from './requests';
import * as I from './identity';
import * as QZ from './quarantine';
import * as SC from './sealed-config';
import * as AG from './agreements';
import * as F from './fleet';
import * as RO from './rollouts';
import * as FA from './families';
import * as CF from './confidential';

export type OperationKind = 'submit' | 'evaluate';

export interface Operation<Req extends z.ZodType = z.ZodType, Ans extends z.ZodType = z.ZodType> {
  /** The chaincode transaction: "<Contract>:<Method>". */
  tx: string;
  kind: OperationKind;
  request: Req;
  answer: Ans;
  /**
   * Private data: the request travels as transient data (never in the transaction) and only the
   * caller's own org's peers endorse or answer it (docs/identity.md, confidential attributes).
   */
  ownOrgOnly?: true;
}

const submit = <Req extends z.ZodType, Ans extends z.ZodType>(tx: string, request: Req, answer: Ans) =>
  ({ tx, kind: 'submit', request, answer }) as const;
const evaluate = <Req extends z.ZodType, Ans extends z.ZodType>(tx: string, request: Req, answer: Ans) =>
  ({ tx, kind: 'evaluate', request, answer }) as const;
const ownOrgOnly = <Req extends z.ZodType, Ans extends z.ZodType, K extends OperationKind>(
  kind: K,
  tx: string,
  request: Req,
  answer: Ans,
) => ({ tx, kind, request, answer, ownOrgOnly: true }) as const;

export const OPERATIONS = {
  registerDevice: submit('Devices:RegisterDevice', Q.RegisterDeviceRequest, R.Device),
  registerDevices: submit('Devices:RegisterDevices', Q.RegisterDevicesRequest, R.DevicesRegistered),
  getDevice: evaluate('Devices:GetDevice', Q.DeviceRef, R.Device),
  listDevices: evaluate('Devices:ListDevices', Q.ListDevicesRequest, R.pageOf(R.Device, 'DevicePage')),
  rotateKey: submit('Devices:RotateKey', Q.RotateKeyRequest, R.Device),
  listDeviceKeys: evaluate('Devices:ListDeviceKeys', Q.DeviceRef, z.array(R.DeviceKey)),
  getKeyValidity: evaluate('Devices:GetKeyValidity', Q.KeyValidityRequest, R.KeyValidity),
  setDeviceStatus: submit('Devices:SetDeviceStatus', Q.SetDeviceStatusRequest, R.Device),
  revokeDevice: submit('Devices:RevokeDevice', Q.RevokeDeviceRequest, R.Device),
  listRevocations: evaluate('Devices:ListRevocations', Q.ListRevocationsRequest, R.pageOf(R.Revocation, 'RevocationPage')),
  getDeviceHistory: evaluate('Devices:GetDeviceHistory', Q.DeviceHistoryRequest, R.pageOf(R.HistoryEntry, 'HistoryPage')),

  publishConfig: submit('Config:PublishConfig', Q.PublishConfigRequest, R.ConfigRecord),
  getConfig: evaluate('Config:GetConfig', Q.DeviceRef, R.ConfigRecord),
  verifyConfig: evaluate('Config:VerifyConfig', Q.VerifyConfigRequest, R.ConfigVerification),
  reportConfig: submit('Config:ReportConfig', Q.ConfigReportRequest, R.ConfigReport),

  registerFamily: submit('Firmware:RegisterFamily', Q.RegisterFamilyRequest, R.Family),
  getFamily: evaluate('Firmware:GetFamily', Q.FamilyRef, R.Family),
  setFamilyPolicy: submit('Firmware:SetFamilyPolicy', Q.FamilyPolicyRequest, R.Family),
  publishFirmware: submit('Firmware:PublishFirmware', Q.PublishFirmwareRequest, R.FirmwareRelease),
  getFirmware: evaluate('Firmware:GetFirmware', Q.ReleaseRef, R.FirmwareRelease),
  listFirmware: evaluate('Firmware:ListFirmware', Q.ListFirmwareRequest, R.pageOf(R.FirmwareRelease, 'FirmwarePage')),
  getLatestFirmware: evaluate('Firmware:GetLatestFirmware', Q.FamilyRef, R.FirmwareRelease),
  voteFirmware: submit('Firmware:VoteFirmware', Q.VoteFirmwareRequest, R.FirmwareRelease),
  revokeFirmware: submit('Firmware:RevokeFirmware', Q.RevokeFirmwareRequest, R.FirmwareRelease),
  verifyFirmware: evaluate('Firmware:VerifyFirmware', Q.VerifyFirmwareRequest, R.FirmwareVerification),
  reportFirmware: submit('Firmware:ReportFirmware', Q.FirmwareReportRequest, R.Device),

  anchorMessage: submit('Messages:AnchorMessage', Q.AnchorMessageRequest, R.MessageAnchor),
  listMessages: evaluate('Messages:ListMessages', Q.ListMessagesRequest, R.pageOf(R.MessageAnchor, 'MessageAnchorPage')),
  verifyMessage: evaluate('Messages:VerifyMessage', Q.VerifyMessageRequest, R.MessageVerification),

  registerEndpoint: submit('Discovery:RegisterEndpoint', Q.RegisterEndpointRequest, R.Endpoint),
  listEndpoints: evaluate('Discovery:ListEndpoints', Q.ListEndpointsRequest, R.pageOf(R.Endpoint, 'EndpointPage')),

  /** The consortium's member orgs: recorded by ./test-network.sh after the chaincode commit, as each org's admin. */
  setMembers: submit('Governance:SetMembers', Q.SetMembersRequest, R.Members),
  getMembers: evaluate('Governance:GetMembers', Q.NoFields, R.Members),

  setFamilyIdentityPolicy: submit('Identity:SetFamilyIdentityPolicy', I.FamilyIdentityPolicyRequest, R.Family),
  preRotateKey: submit('Identity:PreRotateKey', I.PreRotateKeyRequest, R.Device),
  registerMaker: submit('Identity:RegisterMaker', I.RegisterMakerRequest, I.Maker),
  getMaker: evaluate('Identity:GetMaker', I.MakerRef, I.Maker),
  offerTransfer: submit('Identity:OfferTransfer', I.OfferTransferRequest, R.Device),
  acceptTransfer: submit('Identity:AcceptTransfer', I.AcceptTransferRequest, R.Device),
  listQuarantined: evaluate(
    'Quarantine:ListQuarantined',
    QZ.ListQuarantinedRequest,
    R.pageOf(QZ.QuarantinedDevice, 'QuarantinedDevicePage'),
  ),

  publishSealedConfig: submit('SealedConfig:PublishSealedConfig', SC.PublishSealedConfigRequest, SC.SealedConfig),
  getSealedConfig: evaluate('SealedConfig:GetSealedConfig', Q.DeviceRef, SC.SealedConfig),

  offerAgreement: submit('Agreements:OfferAgreement', AG.OfferAgreementRequest, AG.Agreement),
  acceptAgreement: submit('Agreements:AcceptAgreement', AG.AcceptAgreementRequest, AG.Agreement),
  recordUsage: submit('Agreements:RecordUsage', AG.RecordUsageRequest, AG.UsageRecord),
  settleAgreement: submit('Agreements:SettleAgreement', AG.SettleAgreementRequest, AG.Agreement),
  getAgreement: evaluate('Agreements:GetAgreement', AG.AgreementRef, AG.Agreement),
  listUsage: evaluate('Agreements:ListUsage', AG.ListUsageRequest, R.pageOf(AG.UsageRecord, 'UsageRecordPage')),
  /** Model-only (fleet.ts): the chaincode refuses them; a gateway's read model answers. */
  queryDevices: evaluate('Fleet:QueryDevices', F.QueryDevicesRequest, F.FleetDevicePage),
  countDevices: evaluate('Fleet:CountDevices', F.CountDevicesRequest, F.FleetCounts),
  /** The device's latest configuration report against the published configuration (drift). */
  getConfigReport: evaluate('Config:GetConfigReport', Q.DeviceRef, R.ConfigReport),
  createRollout: submit('Rollouts:CreateRollout', RO.CreateRolloutRequest, RO.Rollout),
  getRollout: evaluate('Rollouts:GetRollout', RO.RolloutRef, RO.Rollout),
  setRolloutState: submit('Rollouts:SetRolloutState', RO.SetRolloutStateRequest, RO.Rollout),
  getRolloutDevice: evaluate('Rollouts:GetRolloutDevice', RO.RolloutDeviceRef, RO.RolloutDeviceStatus),
  reportRollout: submit('Rollouts:ReportRollout', RO.RolloutReportRequest, RO.RolloutReport),
  consentRollout: submit('Rollouts:ConsentRollout', RO.RolloutConsentRequest, RO.Rollout),
  setConsentPolicy: submit('Rollouts:SetConsentPolicy', RO.ConsentPolicyRequest, RO.ConsentPolicy),
  proposeRollback: submit('Rollouts:ProposeRollback', RO.RollbackRequest, RO.RollbackDecision),
  getRollback: evaluate('Rollouts:GetRollback', Q.ReleaseRef, RO.RollbackDecision),
  refreshFamilyStatus: submit('Rollouts:RefreshFamilyStatus', RO.FamilyStatusRef, RO.FamilyStatus),
  getFamilyStatus: evaluate('Rollouts:GetFamilyStatus', RO.FamilyStatusRef, RO.FamilyStatusRecord),
  listFamilies: evaluate('Families:ListFamilies', FA.ListFamiliesRequest, FA.FamilySummaryPage),
  putConfidentialAttributes: ownOrgOnly(
    'submit',
    'Confidential:PutConfidentialAttributes',
    CF.PutConfidentialAttributesRequest,
    CF.ConfidentialAttributesStored,
  ),
  getConfidentialAttributes: ownOrgOnly('evaluate', 'Confidential:GetConfidentialAttributes', Q.DeviceRef, CF.ConfidentialAttributes),
  recordConfidentialDigest: submit('Confidential:RecordConfidentialDigest', Q.DeviceRef, CF.ConfidentialDigest),
  getConfidentialDigest: evaluate('Confidential:GetConfidentialDigest', Q.DeviceRef, CF.ConfidentialDigest),
} as const satisfies Record<string, Operation>;

export type Operations = typeof OPERATIONS;
export type OperationName = keyof Operations;
export type SubmitName = { [N in OperationName]: Operations[N]['kind'] extends 'submit' ? N : never }[OperationName];

/** What a caller sends: the schema's input (optional fields may be left out). */
export type RequestOf<N extends OperationName> = z.input<Operations[N]['request']>;
/** The request as validated: defaults applied, times normalised. */
export type ParsedRequestOf<N extends OperationName> = z.output<Operations[N]['request']>;
export type AnswerOf<N extends OperationName> = z.output<Operations[N]['answer']>;

/** Whether the operation's request is private data, for the caller's own org alone. */
export const isOwnOrgOnly = (name: OperationName): boolean => (OPERATIONS[name] as Operation).ownOrgOnly === true;

export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

/** The operation a chaincode transaction name belongs to. */
export function operationOfTx(tx: string): OperationName | undefined {
  return OPERATION_NAMES.find((name) => OPERATIONS[name].tx === tx);
}
