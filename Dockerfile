# Production image: Debian bookworm, Node 24, the prebuilt or self-built
# mediasoup worker (scripts/setup.sh decides), the built web client.
FROM node:24-bookworm-slim
WORKDIR /app
ENV DEBIAN_FRONTEND=noninteractive PARLEY_CACHE_DIR=/opt/parley-cache
COPY . .
RUN apt-get update && bash scripts/setup.sh && rm -rf /var/lib/apt/lists/* \
 && npm prune --omit=dev
ENV NODE_ENV=production DATA_DIR=/data PORT=3000 MEDIA_PORT=40000
VOLUME /data
EXPOSE 3000/tcp 40000-40031/udp 40000-40031/tcp
CMD ["node", "server/src/main.ts"]
