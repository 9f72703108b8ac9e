# Vigil: a DICOM node with AI triage. Build: docker build -t vigil .
# Run:   docker run -p 11112:11112 -p 127.0.0.1:8042:8042 -v vigil-data:/app/data vigil

# --- build stage: native modules (better-sqlite3) need a compiler; the runtime image does not.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node's install script would fetch a CUDA provider; the CPU runtime ships inside it.
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --omit=dev

# --- runtime stage: production dependencies, the sources, the shipped config, models, plugins.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    VIGIL_DATA_DIR=/app/data \
    VIGIL_HTTP_HOST=0.0.0.0 \
    VIGIL_DICOM_HOST=0.0.0.0
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
# src/tools (phantom, demo: developer tools the node never imports) stays out: .dockerignore.
COPY src ./src
COPY plugins ./plugins
COPY config ./config
COPY models ./models
# The node writes its data folder, and config/: PUT /rules rewrites config/rules.yaml (a temp
# file renamed over it, so the folder itself must be writable), whether or not a volume is there.
RUN useradd --system --uid 10001 --home-dir /app vigil \
 && mkdir -p /app/data \
 && chown -R vigil:vigil /app/data /app/config
USER vigil
VOLUME ["/app/data", "/app/config", "/app/models"]
# 2762: DICOM over TLS, listened on only when dicom.tls is configured (config/README.md).
EXPOSE 11112 2762 8042
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.VIGIL_HTTP_PORT || 8042) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["npm", "start"]
