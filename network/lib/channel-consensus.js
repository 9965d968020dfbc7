// Prints the consensus type and consenters of a channel config block (argv[2]), decoded with
// Fabric's protos: the pinned configtxlator cannot render BFT's ConsensusType metadata.
'use strict';
const fs = require('node:fs');
const { common, orderer } = require('@hyperledger/fabric-protos');

const block = common.Block.deserializeBinary(fs.readFileSync(process.argv[2]));
const envelope = common.Envelope.deserializeBinary(block.getData().getDataList_asU8()[0]);
const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
const config = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig();
const ordererGroup = config.getChannelGroup().getGroupsMap().get('Orderer');
const value = (name) => ordererGroup.getValuesMap().get(name).getValue_asU8();

const consensus = orderer.ConsensusType.deserializeBinary(value('ConsensusType'));
const stateName = Object.keys(orderer.ConsensusType.State).find((key) => orderer.ConsensusType.State[key] === consensus.getState());
const consenters = common.Orderers.deserializeBinary(value('Orderers')).getConsenterMappingList();
console.log(`  consensus: ${consensus.getType()} (${stateName}), ${consenters.length} consenters`);
for (const c of consenters) console.log(`    id ${c.getId()}  ${c.getHost()}:${c.getPort()}  ${c.getMspId()}`);
