/**
 * Ed25519 signatures over the exact bytes of `manifest.json`, through WebCrypto
 * (`{ name: 'Ed25519' }`, in Node 20 and Chromium). The signature travels as
 * `manifest.sig`, a small JSON envelope. Since the manifest pins every artifact file
 * by SHA-256, one signature covers the whole package.
 */
import { EdgeloopError } from './edgeloop-error.ts';
import { decodeBase64Url, encodeBase64Url } from './base64url.ts';
import { sha256Hex } from './sha256.ts';
import { getSubtle, toBufferSource } from './web-crypto.ts';

/** The format tag of `manifest.sig`. */
export const SIGNATURE_FORMAT = 'edgeloop-sig/1' as const;

/** Largest `manifest.sig` read, in bytes: a real one is about 150. */
const MAX_SIGNATURE_FILE_BYTES = 4096;

const ED25519 = { name: 'Ed25519' } as const;
const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
const ENVELOPE_KEYS = ['format', 'alg', 'keyId', 'signature'];

/** The content of `manifest.sig` (UTF-8 JSON). */
export interface SignatureEnvelope {
  format: typeof SIGNATURE_FORMAT;
  alg: 'Ed25519';
  /** {@link keyIdOf} the public key that verifies `signature`. */
  keyId: string;
  /** Base64url (no padding) of the 64-byte Ed25519 signature over the manifest bytes. */
  signature: string;
}

/** A signing key pair in the text form edgeloop stores and passes around. */
export interface SigningKeyPair {
  /** Base64url (no padding) of the 32 raw public-key bytes; what runtimes list in `trustedKeys`. */
  publicKey: string;
  /** Base64url (no padding) of the PKCS #8 private key. Keep it secret. */
  privateKey: string;
  /** {@link keyIdOf} `publicKey`. */
  keyId: string;
}

/** What a successful verification found. */
export interface VerifiedSignature {
  /** Id of the trusted key that made the signature. */
  keyId: string;
}

/** Makes a new Ed25519 key pair for signing packages. */
export async function generateSigningKeyPair(): Promise<SigningKeyPair> {
  const subtle = getSubtle();
  const pair = (await subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
  const publicKey = encodeBase64Url(raw);
  return { publicKey, privateKey: encodeBase64Url(pkcs8), keyId: await keyIdOf(publicKey) };
}

/**
 * The short id of a public key: the first 16 hex characters of the SHA-256 of its 32
 * raw bytes. It only picks the key to try; the signature check itself is what counts.
 *
 * @throws TypeError when `publicKey` is not base64url of 32 bytes.
 */
export async function keyIdOf(publicKey: string): Promise<string> {
  return (await sha256Hex(publicKeyBytes(publicKey, 'publicKey'))).slice(0, 16);
}

/**
 * Signs the exact bytes of `manifest.json` and returns the bytes of `manifest.sig`.
 * The public key is checked against the private one (by verifying the new signature)
 * so that a mismatched pair cannot produce a `manifest.sig` that never verifies.
 *
 * @throws TypeError when a key is malformed or the two keys are not a pair.
 */
export async function signManifest(manifestBytes: Uint8Array, privateKey: string, publicKey: string): Promise<Uint8Array> {
  const subtle = getSubtle();
  let pkcs8: Uint8Array<ArrayBuffer>;
  let signingKey: CryptoKey;
  try {
    pkcs8 = decodeBase64Url(privateKey);
    signingKey = await subtle.importKey('pkcs8', pkcs8, ED25519, false, ['sign']);
  } catch (error) {
    throw new TypeError('privateKey must be base64url (no padding) of a PKCS #8 Ed25519 private key', { cause: error });
  }
  const verifyingKey = await importPublicKey(publicKey, 'publicKey');
  const data = toBufferSource(manifestBytes);
  const signature = new Uint8Array(await subtle.sign(ED25519, signingKey, data));
  if (!(await subtle.verify(ED25519, verifyingKey, signature, data))) {
    throw new TypeError('publicKey is not the public half of privateKey; pass the pair from the same generateSigningKeyPair() call');
  }
  const envelope: SignatureEnvelope = {
    format: SIGNATURE_FORMAT,
    alg: 'Ed25519',
    keyId: await keyIdOf(publicKey),
    signature: encodeBase64Url(signature),
  };
  return new TextEncoder().encode(`${JSON.stringify(envelope)}\n`);
}

/**
 * Checks `manifest.sig` against the exact bytes of `manifest.json` and the keys the
 * runtime trusts.
 *
 * @param trustedKeys - public keys (base64url of 32 raw bytes) whose signatures are accepted.
 * @throws EdgeloopError `SIGNATURE_MISSING` when there is no or an empty signature file.
 * @throws EdgeloopError `SIGNATURE_INVALID` when the envelope is malformed or the
 *   signature does not verify over `manifestBytes`.
 * @throws EdgeloopError `SIGNATURE_UNTRUSTED` when the signing key is not in `trustedKeys`
 *   (`details: { keyId, trustedKeyIds }`).
 * @throws TypeError when an entry of `trustedKeys` is not a 32-byte base64url public key.
 */
export async function verifyManifestSignature(
  manifestBytes: Uint8Array,
  signatureFile: Uint8Array | null | undefined,
  trustedKeys: readonly string[],
): Promise<VerifiedSignature> {
  // Bad trusted keys are the caller's bug: report them whatever the package holds.
  if (!Array.isArray(trustedKeys)) throw new TypeError('trustedKeys must be an array of base64url public keys');
  const trusted = await Promise.all(
    trustedKeys.map(async (publicKey, i) => ({
      key: await importPublicKey(publicKey, `trustedKeys[${i}]`),
      keyId: await keyIdOf(publicKey),
    })),
  );

  if (signatureFile === null || signatureFile === undefined || signatureFile.byteLength === 0) {
    throw new EdgeloopError(
      'SIGNATURE_MISSING',
      'manifest.sig is missing or empty, and this runtime only loads signed packages; sign the package with a trusted key',
    );
  }
  const envelope = parseEnvelope(signatureFile);
  const matches = trusted.filter((entry) => entry.keyId === envelope.keyId);
  if (matches.length === 0) {
    const trustedKeyIds = trusted.map((entry) => entry.keyId);
    throw new EdgeloopError(
      'SIGNATURE_UNTRUSTED',
      `manifest.sig was signed by key ${envelope.keyId}, which is not in the runtime's trustedKeys option ` +
        `(trusted key ids: ${trustedKeyIds.length > 0 ? trustedKeyIds.join(', ') : 'none'}); ` +
        'add that public key to trustedKeys or re-sign the package with a trusted key',
      { details: { keyId: envelope.keyId, trustedKeyIds } },
    );
  }
  const signature = decodeBase64Url(envelope.signature);
  const data = toBufferSource(manifestBytes);
  for (const { key } of matches) {
    if (await getSubtle().verify(ED25519, key, signature, data)) return { keyId: envelope.keyId };
  }
  throw new EdgeloopError(
    'SIGNATURE_INVALID',
    `manifest.sig does not verify over the bytes of manifest.json with trusted key ${envelope.keyId}: ` +
      'the manifest was changed after signing, or the signature is corrupt; refusing to load it',
    { details: { keyId: envelope.keyId } },
  );
}

function invalidEnvelope(reason: string, cause?: unknown): never {
  throw new EdgeloopError(
    'SIGNATURE_INVALID',
    `manifest.sig is not a valid ${SIGNATURE_FORMAT} signature envelope: ${reason}`,
    { details: { reason }, cause },
  );
}

/** Reads the envelope strictly: exactly the four known keys, each well-formed. */
function parseEnvelope(bytes: Uint8Array): SignatureEnvelope {
  if (bytes.byteLength > MAX_SIGNATURE_FILE_BYTES) {
    invalidEnvelope(`it is ${bytes.byteLength} bytes, more than the ${MAX_SIGNATURE_FILE_BYTES} bytes an envelope can be`);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    invalidEnvelope('it is not UTF-8 JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalidEnvelope('it is not a JSON object');
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  const unknown = keys.filter((key) => !ENVELOPE_KEYS.includes(key));
  if (unknown.length > 0) invalidEnvelope(`it has unknown key ${JSON.stringify(unknown[0])}; allowed: ${ENVELOPE_KEYS.join(', ')}`);
  if (o.format !== SIGNATURE_FORMAT) invalidEnvelope(`"format" must be "${SIGNATURE_FORMAT}"`);
  if (o.alg !== 'Ed25519') invalidEnvelope('"alg" must be "Ed25519"');
  if (typeof o.keyId !== 'string' || !KEY_ID_PATTERN.test(o.keyId)) invalidEnvelope('"keyId" must be 16 lower-case hex characters');
  if (typeof o.signature !== 'string') invalidEnvelope('"signature" must be a base64url string');
  let signature: Uint8Array;
  try {
    signature = decodeBase64Url(o.signature);
  } catch (error) {
    invalidEnvelope('"signature" is not base64url (no padding)', error);
  }
  if (signature.byteLength !== 64) invalidEnvelope(`"signature" must be 64 bytes (got ${signature.byteLength})`);
  return { format: SIGNATURE_FORMAT, alg: 'Ed25519', keyId: o.keyId, signature: o.signature };
}

function publicKeyBytes(publicKey: string, name: string): Uint8Array<ArrayBuffer> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = decodeBase64Url(publicKey);
  } catch (error) {
    throw new TypeError(`${name} must be base64url (no padding) of a 32-byte Ed25519 public key`, { cause: error });
  }
  if (raw.byteLength !== 32) {
    throw new TypeError(`${name} must be base64url (no padding) of a 32-byte Ed25519 public key (got ${raw.byteLength} bytes)`);
  }
  return raw;
}

async function importPublicKey(publicKey: string, name: string): Promise<CryptoKey> {
  const raw = publicKeyBytes(publicKey, name);
  try {
    return await getSubtle().importKey('raw', raw, ED25519, false, ['verify']);
  } catch (error) {
    throw new TypeError(`${name} is not a valid Ed25519 public key`, { cause: error });
  }
}
