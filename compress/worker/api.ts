/**
 * The compressor's worker boundary: the interface `CompressService` implements in the
 * compressor's worker and `createCompressor()` wraps on the main thread (comlink).
 */
import type { CompressJob } from '../compress-job.ts';
import type { CompressedPackage } from '../compress-package.ts';

export type { CompressJob } from '../compress-job.ts';

/** What a compression gives back: the re-built package (unsigned) and the report. */
export interface CompressOutcome {
  package: { name: string; manifestBytes: Uint8Array; files: Map<string, Uint8Array> };
  report: CompressedPackage['report'];
}

/** The interface the compressor worker exposes. */
export interface CompressWorkerApi {
  /** Compresses a package for edge targets (quantize, prune, export), evaluating every artifact here. */
  compress(job: CompressJob, onProgress?: (message: string) => void): Promise<CompressOutcome>;
}
