# syntax=docker/dockerfile:1
# wxagent in a container (README, "Docker"):
#   docker build -t wxagent .
#   docker run -d --name wxagent --restart unless-stopped -v wxagent-home:/data wxagent
#   docker exec -it wxagent wxagent login        # QR login in the terminal, once
# The image holds the npm package as a registry user installs it: packed from this checkout, with
# the AES addon's prebuilt binary for the image's platform, run by the unprivileged `node` user.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
# A C++ toolchain for the AES addon's prebuild and for better-sqlite3 when npm cannot download its
# prebuilt binary.
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ make python3 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# No install scripts here: `npm pack` compiles TypeScript (prepare) and the addon's prebuild
# (prepack); the real install below builds better-sqlite3 once, for the image's Node.
RUN npm ci --ignore-scripts --no-audit --no-fund \
    && npm pack --pack-destination /tmp \
    && npm install --global --prefix /opt/wxagent --omit=dev --no-audit --no-fund /tmp/wxagent-*.tgz

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    WXAGENT_HOME=/data \
    PATH=/opt/wxagent/bin:$PATH
# bubblewrap: the command sandbox of run_command and ACP agents, where the host lets it run.
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data \
    && chown node:node /data
COPY --from=build /opt/wxagent /opt/wxagent
USER node
WORKDIR /data
VOLUME ["/data"]
# The admin UI (config admin.port, 8791) answers on the container's loopback; 401 without the
# token means it is up. The gateway keeps retrying iLink by itself, so this checks the process.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:8791/').then((r) => process.exit(r.status === 401 || r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["wxagent"]
CMD ["start"]
