# The device-registry chaincode server (chaincode as a service, fabric-shim's server mode).
# Build from the repository root:
#   docker build -f deploy/chaincode.Dockerfile -t iotreg-chaincode:0.1.0 .
# Run (docs/deploy.md): the package ID the peer computed, and the server's TLS key pair.
#   docker run -e CORE_CHAINCODE_ID=<package ID> \
#     -e CORE_CHAINCODE_TLS_CERT_FILE=/tls/cert.pem -e CORE_CHAINCODE_TLS_KEY_FILE=/tls/key.pem \
#     -v /path/to/tls:/tls:ro -p 9999:9999 iotreg-chaincode:0.1.0
# fabric-chaincode-node reads every server option from CORE_<OPTION> (yargs' env prefix).
# Peers older than Fabric 3.1 take no batched state calls: add -e IOTREG_STATE_BATCHES=off.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npx tsc --build chaincode

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# The lockfile's production dependencies of the chaincode and what it shares, nothing else.
COPY package.json package-lock.json ./
COPY --from=build /src/packages/common/package.json packages/common/
COPY --from=build /src/chaincode/package.json chaincode/
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts --workspace @iotreg/chaincode --workspace @iotreg/common
COPY --from=build /src/packages/common/dist packages/common/dist
COPY --from=build /src/chaincode/dist chaincode/dist
USER node
EXPOSE 9999
ENV CORE_CHAINCODE_ADDRESS=0.0.0.0:9999 CORE_MODULE_PATH=/app/chaincode
ENTRYPOINT ["/app/node_modules/.bin/fabric-chaincode-node", "server"]
