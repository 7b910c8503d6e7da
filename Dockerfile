# One image for the API, the worker and the CLI (target `app`); nginx serves the built SPA from
# the `web` target. Built on the current Node LTS (see shared STACK-NOTES: some dependencies
# prefer Node >= 22; package.json still accepts 20.19 for development machines).
#   docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD) --target app -t korrigo-app .

FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Then only what production needs: no compilers, test runners or browser drivers at run time.
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS app
WORKDIR /app
# qpdf checks and splits uploaded scans; poppler's pdfimages/pdftoppm read their pages;
# pg_dump/pg_restore (client 15, as the server) make and restore `korrigo backup`;
# util-linux's chrt puts the worker in the idle scheduling class.
RUN apt-get update \
 && apt-get install -y --no-install-recommends qpdf poppler-utils postgresql-client-15 util-linux \
 && rm -rf /var/lib/apt/lists/*
# The volumes' mount points, owned by the unprivileged user: a new named volume takes this
# owner, so the API and the worker can write to it without running as root.
RUN mkdir -p /data /backups && chown node:node /data /backups
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/prisma.config.ts ./
COPY --from=build /app/scripts/korrigo.mjs ./scripts/korrigo.mjs
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
# Last, so that a new commit does not rebuild the layers above.
ARG GIT_COMMIT=unknown
LABEL org.opencontainers.image.title="Korrigo" \
      org.opencontainers.image.revision=$GIT_COMMIT
ENV GIT_COMMIT=$GIT_COMMIT
# The code stays root's (read-only to the process); only /data and /backups are its own.
USER node
EXPOSE 8080
# For the API; the worker's compose service replaces it with a check of its own heartbeat.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/index.js"]

FROM nginx:1.27-alpine AS web
ARG GIT_COMMIT=unknown
LABEL org.opencontainers.image.title="Korrigo web" \
      org.opencontainers.image.revision=$GIT_COMMIT
COPY --from=build /app/web/dist /usr/share/korrigo/web
COPY nginx/korrigo.conf.template /etc/nginx/templates/default.conf.template
COPY nginx/korrigo /etc/nginx/korrigo
# Runs before the image's template step (20-envsubst-on-templates.sh): sets KORRIGO_MAX_BODY.
COPY --chmod=755 nginx/max-body.envsh /docker-entrypoint.d/15-korrigo-max-body.envsh
# Fixed by this image; the deployment sets KORRIGO_API_UPSTREAM and KORRIGO_TRUSTED_PROXIES
# (and SCAN_MAX_BYTES when it changes the API's).
ENV NGINX_ENVSUBST_FILTER=^KORRIGO_ \
    KORRIGO_LISTEN=80 \
    KORRIGO_WEB_ROOT=/usr/share/korrigo/web \
    KORRIGO_DATA_DIR=/data \
    KORRIGO_ACCESS_LOG=/var/log/nginx/access.log
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/index.html"]
