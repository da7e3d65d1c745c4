/**
 * The devices component's error class. Check `error.code`, never the message.
 */
import { CodedError, isCodedError, registerCodedError, type CodedErrorOptions } from '../format/index.ts';

/** What went wrong. */
export type EdgeTargetErrorCode =
  /** No target has the requested id (`details.known` lists the ids there are). */
  | 'TARGET_UNKNOWN'
  /** A target definition is malformed (`details.field` names the field). */
  | 'TARGET_INVALID'
  /** No device-lab profile has the requested id (`details.known` lists the ids there are). */
  | 'PROFILE_UNKNOWN'
  /** A device-lab profile is malformed (`details.field` names the field). */
  | 'PROFILE_INVALID';

/** Options of {@link EdgeTargetError}. */
export type EdgeTargetErrorOptions = CodedErrorOptions;

/** A typed devices error. */
export class EdgeTargetError extends CodedError<EdgeTargetErrorCode> {
  override readonly name = 'EdgeTargetError';
}
registerCodedError('EdgeTargetError', EdgeTargetError);

/** True when `value` is an {@link EdgeTargetError}, optionally with the given code. */
export const isEdgeTargetError = (value: unknown, code?: EdgeTargetErrorCode): value is EdgeTargetError => isCodedError<EdgeTargetError>(value, 'EdgeTargetError', code);
