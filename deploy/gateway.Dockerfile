# The REST gateway of one member organisation. Build from the repository root:
#   docker build -f deploy/gateway.Dockerfile -t iotreg-gateway:0.1.0 .
# Run (docs/deploy.md): its configuration file and what it names (the peer's TLS root, the
# enrolled identities' certificates and keys, the HTTPS key pair), and a writable state folder.
#   docker run -v /etc/iotreg:/etc/iotreg:ro -v iotreg-state:/var/lib/iotreg -p 8443:8443 iotreg-gateway:0.1.0

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npx tsc --build gateway-app

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /src/packages/common/package.json packages/common/
COPY --from=build /src/gateway-app/package.json gateway-app/
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts --workspace @iotreg/gateway --workspace @iotreg/common
COPY --from=build /src/packages/common/dist packages/common/dist
COPY --from=build /src/gateway-app/dist gateway-app/dist
RUN mkdir -p /var/lib/iotreg && chown node /var/lib/iotreg
USER node
ENV IOTREG_GATEWAY_CONFIG=/etc/iotreg/gateway.json
ENTRYPOINT ["node", "/app/gateway-app/dist/server.js"]
