import { expose, wrap } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { EdgeloopError, isEdgeloopError } from './edgeloop-error.ts';
import { CodedError, isCodedError } from './coded-error.ts';
import { installErrorTransfer, registerCodedError } from './error-transfer.ts';

// A real MessageChannel: the same structured-clone boundary a Worker has.
const channels: MessageChannel[] = [];
function connect<T>(api: T) {
  installErrorTransfer();
  const channel = new MessageChannel();
  channels.push(channel);
  expose(api, channel.port1 as never);
  return wrap<T>(channel.port2 as never);
}
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

describe('errors across the worker boundary', () => {
  it('keep their code, details and cause', async () => {
    const remote = connect({
      fail(): void {
        throw new EdgeloopError('INTEGRITY_MISMATCH', 'shard 2 does not match', { details: { path: 'tfjs/s2.bin', expected: 'ab' }, cause: new Error('root') });
      },
    });
    const error = await remote.fail().catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'INTEGRITY_MISMATCH')).toBe(true);
    expect((error as EdgeloopError).details).toEqual({ path: 'tfjs/s2.bin', expected: 'ab' });
    expect(((error as EdgeloopError).cause as Error).message).toBe('root');
  });

  it('keep TypeError and RangeError classes and other error names', async () => {
    const remote = connect({
      type(): void {
        throw new TypeError('bad arg');
      },
      range(): void {
        throw new RangeError('too big');
      },
      named(): void {
        throw Object.assign(new Error('stop'), { name: 'AbortError' });
      },
    });
    expect(await remote.type().catch((e: unknown) => e)).toBeInstanceOf(TypeError);
    expect(await remote.range().catch((e: unknown) => e)).toBeInstanceOf(RangeError);
    expect(((await remote.named().catch((e: unknown) => e)) as Error).name).toBe('AbortError');
  });

  it('survive details that cannot be cloned', async () => {
    const remote = connect({
      fail(): void {
        throw new EdgeloopError('INFERENCE_FAILED', 'x', { details: { backend: 'ort-wasm', fn: () => 1 } as never });
      },
    });
    const error = await remote.fail().catch((e: unknown) => e);
    expect(isEdgeloopError(error, 'INFERENCE_FAILED')).toBe(true);
    expect((error as EdgeloopError).details).toEqual({ backend: 'ort-wasm' });
  });
});

describe('every component’s coded errors across the worker boundary', () => {
  it('arrive with their name and code even when their class is not registered here', async () => {
    class OtherError extends CodedError<'TARGET_UNKNOWN'> {
      override readonly name = 'OtherError';
    }
    const remote = connect({
      fail(): void {
        throw new OtherError('TARGET_UNKNOWN', 'no target "watch"', { details: { known: ['phone-wasm'] } });
      },
    });
    const error = await remote.fail().catch((e: unknown) => e);
    expect(isCodedError(error, 'OtherError', 'TARGET_UNKNOWN')).toBe(true);
    expect((error as CodedError).details).toEqual({ known: ['phone-wasm'] });
  });

  it('are rebuilt as their own class when it is registered', async () => {
    class RegisteredError extends CodedError<'UNSUPPORTED_LAYER'> {
      override readonly name = 'RegisteredError';
    }
    registerCodedError('RegisteredError', RegisteredError);
    const remote = connect({
      fail(): void {
        throw new RegisteredError('UNSUPPORTED_LAYER', 'no converter for LSTM');
      },
    });
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegisteredError);
    expect((error as RegisteredError).code).toBe('UNSUPPORTED_LAYER');
  });
});
