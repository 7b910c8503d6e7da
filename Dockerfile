# One image for the API, the worker and the CLI; nginx serves web/dist from the `web` stage.
# Built on the current Node LTS (see shared STACK-NOTES: some dependencies prefer Node >= 22).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends qpdf poppler-utils && rm -rf /var/lib/apt/lists/*
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS app
WORKDIR /app
ENV NODE_ENV=production
# qpdf checks and splits uploaded scans; poppler's pdfimages lists their images.
RUN apt-get update && apt-get install -y --no-install-recommends qpdf poppler-utils && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/prisma.config.ts ./
USER node
EXPOSE 8080
CMD ["node", "dist/server/index.js"]

FROM nginx:1.27-alpine AS web
COPY --from=build /app/web/dist /usr/share/korrigo/web
COPY nginx/korrigo.conf.template /etc/nginx/templates/default.conf.template
