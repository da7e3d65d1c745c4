import { beforeAll, describe, expect, it } from 'vitest';
import { isEdgeloopError, type EdgeloopErrorCode } from './edgeloop-error.ts';
import { encodeBase64Url } from './base64url.ts';
import {
  generateSigningKeyPair,
  keyIdOf,
  signManifest,
  verifyManifestSignature,
  type SignatureEnvelope,
  type SigningKeyPair,
} from './signature.ts';

const manifestBytes = new TextEncoder().encode('{\n  "format": "edgeloop/1",\n  "name": "mnist-cnn"\n}\n');

let publisher: SigningKeyPair;
let stranger: SigningKeyPair;
let signature: Uint8Array;

beforeAll(async () => {
  [publisher, stranger] = await Promise.all([generateSigningKeyPair(), generateSigningKeyPair()]);
  signature = await signManifest(manifestBytes, publisher.privateKey, publisher.publicKey);
});

function envelope(bytes: Uint8Array): SignatureEnvelope {
  return JSON.parse(new TextDecoder().decode(bytes)) as SignatureEnvelope;
}

function withEnvelope(change: (e: Record<string, unknown>) => void): Uint8Array {
  const e = envelope(signature) as unknown as Record<string, unknown>;
  change(e);
  return new TextEncoder().encode(JSON.stringify(e));
}

async function codeOf(run: Promise<unknown>): Promise<EdgeloopErrorCode | string> {
  const error = await run.then(
    () => 'resolved',
    (e: unknown) => e,
  );
  if (isEdgeloopError(error)) return error.code;
  return error instanceof Error ? error.name : String(error);
}

describe('key pairs', () => {
  it('encodes a 32-byte public key and a 16-hex key id of it', async () => {
    expect(publisher.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(publisher.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(await keyIdOf(publisher.publicKey)).toBe(publisher.keyId);
    expect(stranger.keyId).not.toBe(publisher.keyId);
  });

  it('rejects a malformed public key with TypeError', async () => {
    await expect(keyIdOf('not a key')).rejects.toThrow(TypeError);
    await expect(keyIdOf(encodeBase64Url(new Uint8Array(31)))).rejects.toThrow(TypeError);
  });
});

describe('signManifest / verifyManifestSignature', () => {
  it('writes the edgeloop-sig/1 envelope', () => {
    const e = envelope(signature);
    expect(Object.keys(e)).toEqual(['format', 'alg', 'keyId', 'signature']);
    expect(e).toMatchObject({ format: 'edgeloop-sig/1', alg: 'Ed25519', keyId: publisher.keyId });
    expect(e.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });

  it('verifies a round trip and reports the key id', async () => {
    await expect(verifyManifestSignature(manifestBytes, signature, [stranger.publicKey, publisher.publicKey])).resolves.toEqual({
      keyId: publisher.keyId,
    });
  });

  it('rejects the manifest with one flipped byte as SIGNATURE_INVALID', async () => {
    for (const index of [0, 17, manifestBytes.length - 1]) {
      const tampered = manifestBytes.slice();
      tampered[index] ^= 0x01;
      expect(await codeOf(verifyManifestSignature(tampered, signature, [publisher.publicKey]))).toBe('SIGNATURE_INVALID');
    }
  });

  it('rejects a signature by a key the runtime does not trust as SIGNATURE_UNTRUSTED', async () => {
    const byStranger = await signManifest(manifestBytes, stranger.privateKey, stranger.publicKey);
    const error = await verifyManifestSignature(manifestBytes, byStranger, [publisher.publicKey]).catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'SIGNATURE_UNTRUSTED')).toBe(true);
    expect((error as Error).message).toContain(stranger.keyId);
    expect((error as Error).message).toContain('trustedKeys');
    expect(await codeOf(verifyManifestSignature(manifestBytes, signature, []))).toBe('SIGNATURE_UNTRUSTED');
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an empty file', new Uint8Array(0)],
  ])('rejects %s as SIGNATURE_MISSING', async (_description, file) => {
    expect(await codeOf(verifyManifestSignature(manifestBytes, file, [publisher.publicKey]))).toBe('SIGNATURE_MISSING');
  });

  it.each<[string, () => Uint8Array]>([
    ['a corrupted signature', () => withEnvelope((e) => void (e.signature = (e.signature as string).replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))))],
    ['a truncated signature', () => withEnvelope((e) => void (e.signature = (e.signature as string).slice(0, 40)))],
    ['a signature with padding', () => withEnvelope((e) => void (e.signature = `${e.signature as string}==`))],
    ['another alg', () => withEnvelope((e) => void (e.alg = 'RS256'))],
    ['another format', () => withEnvelope((e) => void (e.format = 'edgeloop-sig/2'))],
    ['an upper-case key id', () => withEnvelope((e) => void (e.keyId = (e.keyId as string).toUpperCase().replace(/^[0-9]/, 'A')))],
    ['an unknown key', () => withEnvelope((e) => void (e.note = 'hi'))],
    ['a missing signature', () => withEnvelope((e) => void delete e.signature)],
    ['not JSON', () => new TextEncoder().encode('-----BEGIN SIGNATURE-----')],
    ['a JSON array', () => new TextEncoder().encode('[]')],
    ['not UTF-8', () => new Uint8Array([0xff, 0xfe, 0x00])],
    ['a 1 MB file', () => new Uint8Array(1 << 20).fill(0x20)],
  ])('rejects a tampered envelope (%s) as SIGNATURE_INVALID', async (_description, make) => {
    expect(await codeOf(verifyManifestSignature(manifestBytes, make(), [publisher.publicKey]))).toBe('SIGNATURE_INVALID');
  });

  // The envelope's signature is base64url: the standard alphabet's "+" and "/" (and its
  // padding) are refused as an encoding error, before any key is tried.
  it.each<[string, (signature: string) => string]>([
    ['"+" of standard base64', (sig) => `+${sig.slice(1)}`],
    ['"/" of standard base64', (sig) => `${sig.slice(0, 40)}/${sig.slice(41)}`],
    ['standard base64 with its padding', (sig) => Buffer.from(sig, 'base64url').toString('base64')],
  ])('refuses a signature written with %s as SIGNATURE_INVALID (not base64url)', async (_description, rewrite) => {
    const tampered = withEnvelope((e) => void (e.signature = rewrite(e.signature as string)));
    const error = await verifyManifestSignature(manifestBytes, tampered, [publisher.publicKey]).catch((e: unknown) => e);
    expect(isEdgeloopError(error) && error.code).toBe('SIGNATURE_INVALID');
    expect(isEdgeloopError(error) && String(error.details?.reason)).toMatch(/not base64url/);
  });

  it('rejects a signature of other bytes under the trusted key id as SIGNATURE_INVALID', async () => {
    const other = await signManifest(new TextEncoder().encode('{}'), publisher.privateKey, publisher.publicKey);
    expect(await codeOf(verifyManifestSignature(manifestBytes, other, [publisher.publicKey]))).toBe('SIGNATURE_INVALID');
  });

  it('rejects a stranger signature relabelled with the trusted key id as SIGNATURE_INVALID', async () => {
    const byStranger = await signManifest(manifestBytes, stranger.privateKey, stranger.publicKey);
    const relabelled = new TextEncoder().encode(
      JSON.stringify({ ...envelope(byStranger), keyId: publisher.keyId }),
    );
    expect(await codeOf(verifyManifestSignature(manifestBytes, relabelled, [publisher.publicKey]))).toBe('SIGNATURE_INVALID');
  });

  it.each<[string, () => string[]]>([
    ['not base64url', () => [publisher.publicKey, 'hello world']],
    ['padded', () => [publisher.publicKey, `${publisher.publicKey}=`]],
    ['16 bytes', () => [publisher.publicKey, encodeBase64Url(new Uint8Array(16))]],
    ['a private key', () => [publisher.privateKey]],
    ['not a string', () => [publisher.publicKey, 42 as unknown as string]],
  ])('throws TypeError for a trustedKeys entry that is %s', async (_description, trusted) => {
    expect(await codeOf(verifyManifestSignature(manifestBytes, signature, trusted()))).toBe('TypeError');
    // Even when the package is unsigned: a bad option is the caller's bug either way.
    expect(await codeOf(verifyManifestSignature(manifestBytes, null, trusted()))).toBe('TypeError');
  });

  it('refuses to sign with a public key that is not the pair of the private key', async () => {
    expect(await codeOf(signManifest(manifestBytes, publisher.privateKey, stranger.publicKey))).toBe('TypeError');
    expect(await codeOf(signManifest(manifestBytes, 'garbage', publisher.publicKey))).toBe('TypeError');
  });
});
