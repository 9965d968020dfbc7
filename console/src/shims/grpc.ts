/**
 * @hyperledger/fabric-protos' index loads its gRPC service stubs, which only call this at load
 * time; the console decodes messages and never calls a service.
 */
export function makeGenericClientConstructor(): unknown {
  return class {};
}
