# syntax=docker/dockerfile:1
# The podpool operator image: `docker build -t podpool/podpool:0.1.0 .`
# Build stage: dev dependencies (TypeScript) compile src/ into dist/.
# Runtime stage: Node 24 slim, production dependencies only, the compiled JavaScript, a numeric
# non-root user (so Kubernetes' runAsNonRoot can verify it).
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `node` devDependency would otherwise download a second Node binary; the
# image's own Node 24 compiles. tsc is run directly so no node_modules/.bin/node shim is on PATH.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM node:${NODE_VERSION}-slim AS production-dependencies
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-slim
LABEL org.opencontainers.image.title="podpool" \
      org.opencontainers.image.description="Warm pod pools for one-pod-per-user workloads on Kubernetes" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY crds ./crds
COPY proto ./proto
# 1000 is the `node` user of the Node base image; numeric so runAsNonRoot can check it.
USER 1000:1000
# metrics/health + KEDA metrics-api, KEDA gRPC scaler, admission webhook, reservation API
EXPOSE 8080 9090 9443 8443
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["operator"]
