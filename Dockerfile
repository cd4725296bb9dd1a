# anchore-objectstorage image: the `objectstorage` CLI and its Temporal worker (see docs/deployment.md).
# Debian (glibc), not Alpine: the Temporal SDK's native core ships glibc builds only. Node 24 is the current LTS
# (Node 20 reached its end of life in April 2026); the code still runs on Node 20 (package.json engines).
ARG NODE_IMAGE=node:24-bookworm-slim

# Build stage: dev dependencies, TypeScript compile and the prebuilt workflow bundle (lib/workflow-bundle.js),
# so workers run exactly the workflow code that was built instead of bundling sources at start-up.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle-workflows.js ./scripts/
COPY src ./src
RUN npm run build && test -s lib/workflow-bundle.js

# Runtime stage: production dependencies and the compiled output only, run as the image's unprivileged user.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/lib ./lib
USER node
# The launcher sets the glibc and V8 memory settings measured in make bench (bin/objectstorage).
ENTRYPOINT ["bin/objectstorage"]
CMD ["worker"]
