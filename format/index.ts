/**
 * The shared core of edgeloop: the `edgeloop/1` package format (manifest and
 * registry-index schemas and validation, naming and version rules, SHA-256 integrity
 * checks, Ed25519 signatures, base64url, the package writer) and the coded-error base
 * class with its worker transfer. Every other component may import this file; it
 * imports none of them. Runs unchanged on the browser main thread, in Web Workers and in
 * Node 20 (WebCrypto; comlink only for the error transfer).
 */

// ### Errors
export { CodedError, isCodedError, type CodedErrorClass, type CodedErrorOptions } from './coded-error.ts';
export { EdgeloopError, isEdgeloopError, type EdgeloopErrorCode, type EdgeloopErrorOptions } from './edgeloop-error.ts';
export { installErrorTransfer, registerCodedError } from './error-transfer.ts';

// ### Types & constants
export {
  ARTIFACT_ENGINES,
  ARTIFACT_FEATURES,
  FALLBACK_CONDITIONS,
  INPUT_DTYPES,
  MANIFEST_FORMAT,
  PRECISIONS,
  TASKS,
  type Artifact,
  type ArtifactDevice,
  type ArtifactEngine,
  type ArtifactFeature,
  type FallbackCondition,
  type ArtifactFile,
  type Baseline,
  type BaselineSignal,
  type InputDtype,
  type Lineage,
  type Manifest,
  type ManifestInput,
  type ManifestOutput,
  type Precision,
  type Preprocessing,
  type Task,
} from './manifest.ts';
export { MANIFEST_LIMITS } from './manifest-limits.ts';
export { MAX_SHARD_BYTES, PACKAGE_FILES } from './create-package.ts';

// ### Validation
export { MAX_MANIFEST_BYTES, parseManifest, validateManifest, type ManifestIssueReason } from './validate-manifest.ts';

// ### Hashing
export { sha256Hex, verifyFileBytes, type VerifyFileContext } from './sha256.ts';

// ### Signatures
export {
  SIGNATURE_FORMAT,
  generateSigningKeyPair,
  keyIdOf,
  signManifest,
  verifyManifestSignature,
  type SignatureEnvelope,
  type SigningKeyPair,
  type VerifiedSignature,
} from './signature.ts';
export { decodeBase64Url, encodeBase64Url } from './base64url.ts';

// ### Writing
export {
  createPackage,
  type ArtifactInput,
  type BuiltPackage,
  type CreatePackageInput,
  type PackageFileInput,
} from './create-package.ts';

// ### Registry index
export {
  INDEX_FILES,
  INDEX_FORMAT,
  MAX_INDEX_BYTES,
  compareVersions,
  createRegistryIndex,
  isVersion,
  newestVersion,
  parseRegistryIndex,
  validateRegistryIndex,
  type CreateRegistryIndexOptions,
  type RegistryIndex,
  type RegistryIndexVersion,
} from './registry-index.ts';
