/**
 * The static registry layout the runtime's store installs from (docs/REGISTRY.md):
 * `/registry/:name/index.json` (+ `index.sig`) and `/registry/:name/:version/<file>`.
 * A file is served only when the stored manifest lists it; its bytes come from the
 * blob named by the stored digest (a file or a database row, sync/blob-store.ts), so a
 * request path never reaches the file system.
 */
import type { FastifyInstance } from 'fastify';
import type { SyncContext } from '../context.ts';
import { SyncError } from '../errors.ts';
import { RegistryIndexCache } from '../registry-model.ts';
import { fileParams, nameParams } from '../schemas.ts';
import { CompressionCache, sendRepresentation } from '../send-representation.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Compressible files up to this size are read into memory (and compressed) whole. */
const MAX_IN_MEMORY_BYTES = 8 * 1024 * 1024;

function contentTypeOf(path: string): string {
  if (path.endsWith('.json') || path.endsWith('.sig')) return 'application/json';
  if (path.endsWith('.onnx') || path.endsWith('.bin')) return 'application/octet-stream';
  return 'application/octet-stream';
}

export function registerRegistryStaticRoutes(app: FastifyInstance, ctx: SyncContext): void {
  const { store, blobs, metrics, config } = ctx;
  const indexes = new RegistryIndexCache(config.indexTtlSeconds, config.indexKey);
  const compressed = new CompressionCache();

  const indexOf = async (name: string) => {
    const model = await metrics.timeStore(() => store.getModel(name));
    if (!model || model.versions.length === 0) throw new SyncError('NOT_FOUND', `model ${name} is not published on this endpoint`);
    return indexes.get(model);
  };

  app.get<{ Params: { name: string } }>(
    '/registry/:name/index.json',
    { schema: { summary: 'The model index (edgeloop-index/1)', params: nameParams } },
    async (request, reply) => {
      const index = await indexOf(request.params.name);
      return sendRepresentation(request, reply, {
        id: index.id,
        contentType: 'application/json',
        // The index changes; clients revalidate with If-None-Match every time.
        cacheControl: 'no-cache',
        size: index.bytes.byteLength,
        bytes: index.bytes,
        compressible: true,
      }, compressed);
    },
  );

  app.get<{ Params: { name: string } }>(
    '/registry/:name/index.sig',
    { schema: { summary: 'Signature of index.json (when SYNC_INDEX_KEY is configured)', params: nameParams } },
    async (request, reply) => {
      const index = await indexOf(request.params.name);
      if (index.signature === undefined) throw new SyncError('NOT_FOUND', 'this endpoint does not sign its indexes (SYNC_INDEX_KEY is not set)');
      return sendRepresentation(request, reply, {
        id: index.signatureId!,
        contentType: 'application/json',
        cacheControl: 'no-cache',
        size: index.signature.byteLength,
        bytes: index.signature,
        compressible: false,
      }, compressed);
    },
  );

  app.get<{ Params: { name: string; version: string; '*': string } }>(
    '/registry/:name/:version/*',
    { schema: { summary: 'A file of a published version (manifest.json, manifest.sig, artifact files)', params: fileParams } },
    async (request, reply) => {
      const { name, version, '*': path } = request.params;
      const file = await metrics.timeStore(() => store.getFile(name, version, path));
      if (!file) throw new SyncError('NOT_FOUND', `${name}@${version} has no file ${path.slice(0, 255)}`);
      const compressible = file.path.endsWith('.json') && file.bytes <= MAX_IN_MEMORY_BYTES;
      return sendRepresentation(request, reply, {
        id: file.sha256,
        contentType: contentTypeOf(file.path),
        cacheControl: IMMUTABLE,
        size: file.bytes,
        // HEAD too: it must answer the encoded ETag and length GET would (the bytes are cached compressed).
        bytes: compressible ? await blobs.read(file.sha256) : undefined,
        ...blobs.source(file.sha256),
        compressible,
      }, compressed);
    },
  );
}
