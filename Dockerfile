# One image for Vitrina's own services: `serve all` by default (model server, processors, gateway
# with the web UI); any other `vitrina` command can be given instead.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless maven ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev
COPY . .
# Runs as the image's unprivileged `node` user; only the model/stack cache is writable by it.
RUN mkdir -p /var/cache/vitrina && chown node:node /var/cache/vitrina
USER node
ENV VITRINA_GATEWAY_HOST=0.0.0.0 \
    VITRINA_CACHE_DIR=/var/cache/vitrina
EXPOSE 8080 50051
ENTRYPOINT ["node", "bin/vitrina.js"]
CMD ["serve", "all"]
