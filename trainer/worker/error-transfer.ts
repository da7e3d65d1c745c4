/** Makes TrainerError (code, details) and EdgeloopError cross the trainer's worker boundary as themselves. */
import { installErrorTransfer, registerTransferableError } from '../../runtime/index.ts';
import { TrainerError, type TrainerErrorCode } from '../errors.ts';

export function installTrainerErrorTransfer(): void {
  registerTransferableError('TrainerError', (code, message, options) => new TrainerError(code as TrainerErrorCode, message, options));
  installErrorTransfer();
}
